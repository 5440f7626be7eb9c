// Handler mode: header() then send().
function handle(req) {
  header("Content-Type", "text/plain");
  send(`hello ${req.query.name || "world"}`);
}
