-- db: SQL on the configured databases, the same cases on SQLite and Postgres.
local function setup()
  db.exec("DROP TABLE IF EXISTS notes")
  db.exec("CREATE TABLE notes (id BIGINT PRIMARY KEY, body TEXT, data BYTEA, score DOUBLE PRECISION, big BIGINT, at TIMESTAMPTZ)")
end
local function ids(rows, field)
  local out = {}
  for _, r in ipairs(rows) do out[#out + 1] = tostring(r[field]) end
  return table.concat(out, ",")
end
function handle(req)
  local c = req.query.case
  setup()
  if c == "crud" then
    local r = db.exec("INSERT INTO notes (id, body, score) VALUES ($1, $2, $3)", 1, "first", 1.5)
    db.exec("INSERT INTO notes (id, body) VALUES ($1, $2)", 2, "second")
    local all = db.query("SELECT id, body, score FROM notes ORDER BY id")
    local one = db.get("SELECT body FROM notes WHERE id = $1", 2)
    local none = db.get("SELECT body FROM notes WHERE id = $1", 99)
    local upd = db.exec("UPDATE notes SET body = $1", "x")
    -- last_insert_id: SQLite's rowid; nil on Postgres (use RETURNING)
    return table.concat({ r.changes, json.encode(all), json.encode(one), tostring(none), upd.changes }, "|")
  elseif c == "values" then
    local evil = "it's'; DROP TABLE notes; --"
    db.exec("INSERT INTO notes (id, body, data, big, at) VALUES ($1, $2, $3, $4, $5)", 1, evil, "a\0b", "9007199254740993", "2024-02-03T04:05:06Z")
    db.exec("INSERT INTO notes (id, body, big) VALUES ($1, $2, $3)", 2, nil, 42)
    local r = db.get("SELECT body, data, big, at FROM notes WHERE id = 1")
    local n = db.get("SELECT body, big FROM notes WHERE id = 2")
    local bytes = { r.data:byte(1, -1) }
    return table.concat({ r.body, tostring(type(r.data) == "string"), table.concat(bytes, ","), type(r.big), r.big, r.at, tostring(n.body), n.big, #db.query("SELECT id FROM notes") }, "|")
  elseif c == "transaction" then
    local out = {}
    out[#out + 1] = db.transaction(function(tx)
      tx.exec("INSERT INTO notes (id, body) VALUES ($1, $2)", 1, "kept")
      return tx.get("SELECT count(*) AS n FROM notes").n
    end)
    local boom = { code = 42 }
    local res, err = db.transaction(function(tx)
      tx:exec("INSERT INTO notes (id, body) VALUES ($1, $2)", 2, "dropped")
      error(boom)
    end)
    out[#out + 1] = tostring(res == nil and err == boom)
    local e2 = db.transaction(function(tx)
      local _, e = db.exec("INSERT INTO notes (id, body) VALUES (3, 'outside')")
      return e
    end)
    out[#out + 1] = tostring(e2)
    local kept
    db.transaction(function(tx) kept = tx end)
    local _, e3 = kept.exec("SELECT 1")
    out[#out + 1] = tostring(e3)
    out[#out + 1] = "rows=" .. ids(db.query("SELECT body FROM notes ORDER BY id"), "body") .. ";"
    return table.concat(out, "|")
  elseif c == "errors" then
    local out = {}
    local _, e1 = db.query("SELEC nonsense")
    out[#out + 1] = tostring(e1)
    for _, f in ipairs({
      function() return db.query("SELECT $1", { a = 1 }) end,
      function() return db.open("nope") end,
      function() return db.query() end,
    }) do
      local ok, e = pcall(f)
      out[#out + 1] = ok and "ok" or tostring(e)
    end
    return table.concat(out, "\n")
  elseif c == "max rows" then
    for i = 1, 6 do db.exec("INSERT INTO notes (id) VALUES ($1)", i) end
    local rows, err = db.query("SELECT id FROM notes")
    return db.get("SELECT count(*) AS n FROM notes").n .. " " .. tostring(err)
  elseif c == "open" then
    local other = db.open("other")
    other.exec("CREATE TABLE IF NOT EXISTS t (v TEXT)")
    other:exec("INSERT INTO t (v) VALUES ($1)", "in other")
    return other.get("SELECT v FROM t").v .. " " .. #db.query("SELECT id FROM notes")
  elseif c == "slow" then
    return tostring(db.get(req.query.sql).n)
  elseif c == "left open" then
    db.transaction(function(tx) tx.exec("INSERT INTO notes (id, body) VALUES (1, 'in flight')") while true do end end)
  end
end
