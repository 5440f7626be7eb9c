// req.stdin.read(n): up to n bytes; "" at the end.
function handle(req) {
  const parts = [];
  for (let p = req.stdin.read(4); p !== ""; p = req.stdin.read(4)) parts.push(p);
  return parts.join("|") + " end=" + JSON.stringify(req.stdin.read(4));
}
