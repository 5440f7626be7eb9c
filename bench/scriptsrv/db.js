// db workload: read one row by primary key from a 10,000-row table and
// answer it as JSON (?id=N, else a random id).
function handle(req) {
  const id = Number(req.query.id) || Math.floor(Math.random() * 10000) + 1;
  send(db.get("SELECT id, name, price, qty FROM items WHERE id = $1", id));
}
