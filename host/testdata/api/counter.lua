-- Shared counters: n increments per request, or one add of a key.
function handle(req)
  if req.query.add then return tostring(kv.add("once", req.query.add)) end
  local last = 0
  for _ = 1, tonumber(req.query.n or 1) do last = kv.incr("hits") end
  return string.format("%d", last)
end
