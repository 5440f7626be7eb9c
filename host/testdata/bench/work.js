// The anchors' "work": parse a query parameter, build 80 items (~1 KB), JSON.
function handle(req) {
  const name = req.query.name || "world";
  const items = [];
  for (let i = 0; i < 80; i++) items.push(`item-${i}-${name}`);
  send({ name: name, count: items.length, ok: true, tags: ["a", "b", "c"], data: items.join(",") });
}
