-- The db workload's table: 10,000 rows (SQLite and Postgres alike).
CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price DOUBLE PRECISION NOT NULL, qty INTEGER NOT NULL);
INSERT INTO items (id, name, price, qty)
  WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 10000)
  SELECT i, 'item ' || i, i * 1.5, i % 7 FROM c;
