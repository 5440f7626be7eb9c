-- db-pg workload: db.lua on Postgres ([db.pg], which run.sh adds only when
-- Postgres runs: opened on first use, so the server starts without it).
local pg
function handle(req)
  pg = pg or db.open("pg")
  local id = tonumber(req.query.id) or math.random(10000)
  send(pg.get("SELECT id, name, price, qty FROM items WHERE id = $1", id))
end
