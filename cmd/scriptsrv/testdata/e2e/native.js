// Stuck in a native call the timeout cannot interrupt: a backtracking
// regular expression, exponential in n (about 2 s for ?n=23).
function handle(req) {
  const n = Number(req.query.n || 10);
  return String(/^(a+)+(?=b)/.test("a".repeat(n)));
}
