// db-pg workload: db.js on Postgres ([db.pg]).
const pg = db.open("pg");
function handle(req) {
  const id = Number(req.query.id) || Math.floor(Math.random() * 10000) + 1;
  send(pg.get("SELECT id, name, price, qty FROM items WHERE id = $1", id));
}
