// Timeouts hold: in script code (try/catch cannot swallow them) and in
// native code (a backtracking regexp, a host call that ignores its
// context).
function handle(req) {
  if (req.query.stuck) { testcap.spin(0.5); return "done"; }
  if (req.query.native) {
    /^(a+)+(?=b)/.test("a".repeat(40));
    return "done";
  }
  for (;;) {
    try { while (true) {} } catch (e) {}
  }
}
