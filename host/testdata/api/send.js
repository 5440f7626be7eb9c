// send(object) is JSON; an explicit Content-Type stays; flush() streams.
function handle(req) {
  if (req.query.ct) header("Content-Type", "application/vnd.x+json");
  if (req.query.flush) {
    send("a");
    flush();
    send("b");
    return;
  }
  send({ list: [1, null, 3], nested: { ok: true }, s: "é" });
}
