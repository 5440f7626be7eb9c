-- echo ?name=, build ~1 KB string from 80 parts, JSON-encode a small object
function handle(req)
  local name = req.query.name
  if name == nil or name == "" then name = "anon" end
  local parts = {}
  for i = 0, 79 do parts[#parts + 1] = "item-" .. i .. "-" .. name end
  send({ name = name, count = 80, ok = true, tags = { "a", "b", "c" }, data = table.concat(parts, ",") })
end
