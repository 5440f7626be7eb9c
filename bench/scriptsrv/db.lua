-- db workload: read one row by primary key from a 10,000-row table and
-- answer it as JSON (?id=N, else the next id in turn).
local next_id = 0
function handle(req)
  local id = tonumber(req.query.id)
  if not id then
    id = next_id % 10000 + 1
    next_id = next_id + 1
  end
  send(db.get("SELECT id, name, price, qty FROM items WHERE id = $1", id))
end
