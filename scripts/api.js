// api.js: a small JSON API. GET lists the items, POST adds one from a JSON
// body, anything else is 405. The items live in kv, which every
// interpreter of the server shares, so each GET sees every POST.
kv.add("items", [{ id: 1, name: "first" }]);
kv.add("items:next", 2);

function handle(req) {
  switch (req.method) {
  case "GET":
    return send({ items: kv.get("items") });
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
    // incr is atomic: no two requests get the same id. Adding to the list
    // is a read-modify-write; a real app keeps each item under its own key
    // (kv.set("item:" + id, item)) or in a database.
    const item = { id: kv.incr("items:next") - 1, name: body.name };
    kv.set("items", [...kv.get("items"), item]);
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
