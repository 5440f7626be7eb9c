// db workload: read one row by primary key from a 10,000-row table and
// answer it as JSON (?id=N, else the next id in turn).
let next = 0;
function handle(req) {
  const id = Number(req.query.id) || (next++ % 10000) + 1;
  send(db.get("SELECT id, name, price, qty FROM items WHERE id = $1", id));
}
