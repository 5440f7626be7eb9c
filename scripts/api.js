// api.js: a small JSON API. GET lists the items, POST adds one from a JSON
// body, anything else is 405. State lives in this interpreter only: use a
// database for anything real.
const items = [{ id: 1, name: "first" }];

function handle(req) {
  switch (req.method) {
  case "GET":
    return send({ items });
  case "POST": {
    let body;
    try {
      body = JSON.parse(req.stdin.read());
    } catch (e) {
      status(400);
      return send({ error: "body is not JSON: " + e.message });
    }
    if (typeof body.name !== "string" || body.name === "") {
      status(422);
      return send({ error: "name is required" });
    }
    const item = { id: items.length + 1, name: body.name };
    items.push(item);
    status(201);
    header("Location", req.path + "/" + item.id);
    return send(item);
  }
  default:
    status(405);
    header("Allow", "GET, POST");
    return send({ error: "method not allowed" });
  }
}
