// req.stdin.read(): the rest of the body; "" at the end.
function handle(req) {
  const all = req.stdin.read();
  const again = req.stdin.read();
  return `len=${all.length} body=${all} again=[${again}]`;
}
