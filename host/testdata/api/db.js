// db: SQL on the configured databases, the same cases on SQLite and Postgres.
const setup = () => {
  db.exec("DROP TABLE IF EXISTS notes");
  db.exec("CREATE TABLE notes (id BIGINT PRIMARY KEY, body TEXT, data BYTEA, score DOUBLE PRECISION, big BIGINT, at TIMESTAMPTZ)");
};
function handle(req) {
  const c = req.query.case;
  setup();
  if (c === "crud") {
    const r = db.exec("INSERT INTO notes (id, body, score) VALUES ($1, $2, $3)", 1, "first", 1.5);
    db.exec("INSERT INTO notes (id, body) VALUES ($1, $2)", 2, "second");
    const all = db.query("SELECT id, body, score FROM notes ORDER BY id");
    const one = db.get("SELECT body FROM notes WHERE id = $1", 2);
    const none = db.get("SELECT body FROM notes WHERE id = $1", 99);
    const upd = db.exec("UPDATE notes SET body = $1", "x");
    return [r.changes, JSON.stringify(all), JSON.stringify(one), none, upd.changes, Object.keys(r).join(",")].join("|");
  } else if (c === "values") {
    const evil = "it's'; DROP TABLE notes; --";
    db.exec("INSERT INTO notes (id, body, data, big, at) VALUES ($1, $2, $3, $4, $5)", 1, evil, new Uint8Array([97, 0, 98]), "9007199254740993", "2024-02-03T04:05:06Z");
    db.exec("INSERT INTO notes (id, body, big) VALUES ($1, $2, $3)", 2, null, 42);
    const r = db.get("SELECT body, data, big, at FROM notes WHERE id = 1");
    const n = db.get("SELECT body, big FROM notes WHERE id = 2");
    const d = new Uint8Array(r.data);
    return [r.body, r.data instanceof ArrayBuffer, d.join(","), typeof r.big, r.big, r.at, n.body, n.big, db.query("SELECT id FROM notes").length].join("|");
  } else if (c === "transaction") {
    const out = [];
    out.push(db.transaction((tx) => {
      tx.exec("INSERT INTO notes (id, body) VALUES ($1, $2)", 1, "kept");
      return tx.get("SELECT count(*) AS n FROM notes").n;
    }));
    const boom = new Error("boom");
    try {
      db.transaction((tx) => { tx.exec("INSERT INTO notes (id, body) VALUES ($1, $2)", 2, "dropped"); throw boom; });
    } catch (e) { out.push(e === boom); }
    try {
      db.transaction((tx) => db.exec("INSERT INTO notes (id, body) VALUES (3, 'outside')"));
    } catch (e) { out.push(e.message); }
    try {
      db.transaction(async (tx) => { tx.exec("INSERT INTO notes (id, body) VALUES (4, 'async')"); });
    } catch (e) { out.push(e.message); }
    let kept;
    db.transaction((tx) => { kept = tx; });
    try { kept.exec("SELECT 1"); } catch (e) { out.push(e.message); }
    out.push("rows=" + db.query("SELECT body FROM notes ORDER BY id").map((r) => r.body).join(",") + ";");
    return out.join("|");
  } else if (c === "errors") {
    const out = [];
    for (const f of [
      () => db.query("SELEC nonsense"),
      () => db.query("SELECT $1", { a: 1 }),
      () => db.open("nope"),
      () => db.query(),
    ]) {
      try { f(); out.push("ok"); } catch (e) { out.push(e.message); }
    }
    return out.join("\n");
  } else if (c === "max rows") {
    for (let i = 1; i <= 6; i++) db.exec("INSERT INTO notes (id) VALUES ($1)", i);
    try { db.query("SELECT id FROM notes"); } catch (e) { return db.get("SELECT count(*) AS n FROM notes").n + " " + e.message; }
  } else if (c === "open") {
    const other = db.open("other");
    other.exec("CREATE TABLE IF NOT EXISTS t (v TEXT)");
    other.exec("INSERT INTO t (v) VALUES ($1)", "in other");
    return other.get("SELECT v FROM t").v + " " + db.query("SELECT id FROM notes").length;
  } else if (c === "slow") {
    return db.get(req.query.sql).n;
  } else if (c === "left open") {
    db.transaction((tx) => { tx.exec("INSERT INTO notes (id, body) VALUES (1, 'in flight')"); while (true) {} });
  }
}
