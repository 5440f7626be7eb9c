-- The anchors' "work": parse a query parameter, build 80 items (~1 KB), JSON.
function handle(req)
  local name = req.query.name or "world"
  local items = {}
  for i = 0, 79 do items[#items + 1] = "item-" .. i .. "-" .. name end
  send({ name = name, count = #items, ok = true, tags = { "a", "b", "c" }, data = table.concat(items, ",") })
end
