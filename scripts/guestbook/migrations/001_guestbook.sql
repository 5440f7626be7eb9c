-- The guestbook's tables: accounts and their entries.
CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  password TEXT NOT NULL,          -- pbkdf2-sha256$ITERATIONS$SALT$HASH
  created_at TEXT NOT NULL
);
CREATE TABLE entries (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users (id),
  body TEXT NOT NULL,
  created_at TEXT NOT NULL
);
