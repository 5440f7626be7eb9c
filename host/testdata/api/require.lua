-- require "mod" finds mod.lua beside the script, never outside it.
local greet = require "greetmod"
function handle(req)
  if req.query.escape then return tostring(require(req.query.escape)) end
  return greet(req.query.name)
end
