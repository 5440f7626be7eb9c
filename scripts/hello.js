// hello.js: the smallest handler. `handle(req)` runs once per request; the
// top level runs once per interpreter, so `served` counts per interpreter.
let served = 0;

function handle(req) {
  served++;
  header("Content-Type", "text/plain; charset=utf-8");
  send(`hello ${req.query.name || "world"} #${served}\n`);
}
