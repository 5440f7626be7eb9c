-- db workload: read one row by primary key from a 10,000-row table and
-- answer it as JSON (?id=N, else a random id).
function handle(req)
  local id = tonumber(req.query.id) or math.random(10000)
  send(db.get("SELECT id, name, price, qty FROM items WHERE id = $1", id))
end
