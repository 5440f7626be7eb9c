// echo ?name=, build ~1 KB string from 80 parts, JSON-encode a small object
function handle(req) {
  const name = req.query.name || "anon";
  const parts = [];
  for (let i = 0; i < 80; i++) parts.push("item-" + i + "-" + name);
  send({ name: name, count: 80, ok: true, tags: ["a", "b", "c"], data: parts.join(",") });
}
