-- hello.lua: the smallest handler; a table sent with send() becomes JSON.
local served = 0

function handle(req)
  served = served + 1
  send({ hello = req.query.name or "world", served = served })
end
