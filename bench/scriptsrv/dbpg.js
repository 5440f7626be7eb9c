// db-pg workload: db.js on Postgres ([db.pg], which run.sh adds only when
// Postgres runs: opened on first use, so the server starts without it).
let pg;
function handle(req) {
  pg ??= db.open("pg");
  const id = Number(req.query.id) || Math.floor(Math.random() * 10000) + 1;
  send(pg.get("SELECT id, name, price, qty FROM items WHERE id = $1", id));
}
