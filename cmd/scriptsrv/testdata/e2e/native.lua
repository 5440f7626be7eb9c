-- Stuck in a native call the timeout cannot interrupt: gopher-lua's
-- pattern matcher is quadratic here (seconds for ?n=12000).
function handle(req)
  local n = tonumber(req.query.n) or 10
  return tostring(string.find(string.rep("a", n), ".-b"))
end
