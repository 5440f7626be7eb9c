-- db-pg workload: db.lua on Postgres ([db.pg]).
local pg = db.open("pg")
function handle(req)
  local id = tonumber(req.query.id) or math.random(10000)
  send(pg.get("SELECT id, name, price, qty FROM items WHERE id = $1", id))
end
