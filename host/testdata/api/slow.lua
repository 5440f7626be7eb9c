-- Counts runs, then spins until interrupted.
local ran = 0
function handle(req)
  ran = ran + 1
  if req.query.spin then while true do end end
  return "ran=" .. ran
end
