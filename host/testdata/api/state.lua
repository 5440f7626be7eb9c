-- The top level runs once per interpreter; globals persist between requests.
tops = (tops or 0) + 1
local served = 0
function handle(req)
  served = served + 1
  return "top=" .. tops .. " served=" .. served
end
