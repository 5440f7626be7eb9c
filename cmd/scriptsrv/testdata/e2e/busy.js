// Holds its only interpreter for a while.
function handle(req) {
  const until = Date.now() + Number(req.query.ms || 1500);
  while (Date.now() < until) {}
  return "done";
}
