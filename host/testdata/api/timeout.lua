-- Timeouts hold: in script code (pcall cannot swallow them), in an O(n^2)
-- pattern (interrupted), in a host call that ignores its context
-- (abandoned) and in a coroutine made at the top level.
local co = coroutine.create(function() while true do end end)
function handle(req)
  if req.query.stuck then testcap.spin(0.5) return "done" end
  if req.query.native then
    return tostring(string.find(string.rep("a", 200000), ".-b"))
  end
  if req.query.co then
    coroutine.resume(co)
  end
  while true do pcall(function() while true do end end) end
end
