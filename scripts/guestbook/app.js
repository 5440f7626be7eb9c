// app.js: a guestbook with accounts — the kind of app to copy from. Pages
// from templates (templates.js), forms whose errors are shown back, a
// session in kv behind a cookie, a CSRF token on every form, redirects
// after POST, and a JSON API beside the pages. Data in the SQLite file of
// [db.main], made by migrations/. The same app in Lua: app.lua.
const crypto = require("crypto");
const T = require("./templates");

const BASE = "/guestbook";
const SESSION_TTL = 7 * 24 * 3600; // seconds
const ITERATIONS = 100000;         // PBKDF2 rounds for passwords

function handle(req) {
  const path = req.path.slice(BASE.length) || "/";
  const route = req.method + " " + path;
  switch (route) {
    case "GET /": return indexPage(req, { body: "", errors: [] });
    case "POST /entries": return postEntry(req);
    case "GET /register": return accountPage(req, "register", { name: "", errors: [] });
    case "POST /register": return register(req);
    case "GET /login": return accountPage(req, "login", { name: "", errors: [] });
    case "POST /login": return login(req);
    case "POST /logout": return logout(req);
    case "GET /api/entries": return send({ entries: entries() });
    case "POST /api/entries": return apiPost(req);
  }
  status(404);
  return T.message(BASE, session(req), "Not found", "There is no page " + req.path + ".").toString();
}

// --- sessions and CSRF ------------------------------------------------------

// session is the visitor's session from kv, or null.
function session(req) {
  const sid = req.cookies.sid;
  const s = sid && kv.get("session:" + sid);
  return s ? Object.assign(s, { sid }) : null;
}

// ensureSession gives every visitor a session, so forms carry a CSRF token.
function ensureSession(req) {
  return session(req) || startSession({});
}

function startSession(data) {
  const sid = crypto.randomBytes(24).toString("hex");
  const s = Object.assign({ csrf: crypto.randomBytes(24).toString("hex") }, data);
  kv.set("session:" + sid, s, { ttl: SESSION_TTL });
  setCookie("sid", sid, { path: BASE, httpOnly: true, sameSite: "Lax", maxAge: SESSION_TTL });
  return Object.assign(s, { sid });
}

// checkCSRF answers 403 unless the token sent matches the session's.
function checkCSRF(s, token) {
  const ok = s && typeof token === "string" && token.length === s.csrf.length &&
    crypto.timingSafeEqual(Buffer.from(token), Buffer.from(s.csrf));
  if (!ok) {
    status(403);
    send(T.message(BASE, s, "Forbidden", "This form has expired. Go back, reload the page and try again.").toString());
  }
  return ok;
}

function redirect(to) {
  status(303);
  header("Location", BASE + to);
}

// --- pages ------------------------------------------------------------------

function entries() {
  return db.query(`SELECT e.id, u.name AS author, e.body, e.created_at
    FROM entries e JOIN users u ON u.id = e.user_id ORDER BY e.id DESC LIMIT 50`);
}

function indexPage(req, form) {
  return T.index(BASE, ensureSession(req), entries(), form).toString();
}

function accountPage(req, kind, form) {
  return T.account(BASE, ensureSession(req), kind, form).toString();
}

function validBody(body) {
  const text = (body || "").trim();
  if (text === "") return [text, "Write something first."];
  if (text.length > 500) return [text, "Keep it under 500 characters (this is " + text.length + ")."];
  return [text, null];
}

function addEntry(s, text) {
  const r = db.exec("INSERT INTO entries (user_id, body, created_at) VALUES ($1, $2, $3)", s.user, text, new Date().toISOString());
  return r.lastInsertId;
}

function postEntry(req) {
  const s = session(req);
  const f = req.form().fields;
  if (!checkCSRF(s, f.csrf)) return;
  if (!s.user) return redirect("/login");
  const [text, err] = validBody(f.body);
  if (err) {
    status(422);
    return indexPage(req, { body: f.body, errors: [err] });
  }
  addEntry(s, text);
  return redirect("/");
}

// --- accounts ---------------------------------------------------------------

function hashPassword(password, salt = crypto.randomBytes(16).toString("hex"), iterations = ITERATIONS) {
  const hash = crypto.pbkdf2Sync(password, salt, iterations, 32, "sha256").toString("hex");
  return `pbkdf2-sha256$${iterations}$${salt}$${hash}`;
}

function passwordMatches(password, stored) {
  const [, iterations, salt] = stored.split("$");
  const again = hashPassword(password, salt, Number(iterations));
  return crypto.timingSafeEqual(Buffer.from(again), Buffer.from(stored));
}

function register(req) {
  const s = session(req);
  const f = req.form().fields;
  if (!checkCSRF(s, f.csrf)) return;
  const name = (f.name || "").trim().toLowerCase(), password = f.password || "";
  const errors = [];
  if (!/^[a-z0-9_]{3,20}$/.test(name)) errors.push("A name is 3 to 20 letters, digits or _.");
  if (password.length < 8) errors.push("A password has at least 8 characters.");
  if (!errors.length && db.get("SELECT 1 AS taken FROM users WHERE name = $1", name)) errors.push("That name is taken.");
  if (errors.length) {
    status(422);
    return accountPage(req, "register", { name: f.name, errors });
  }
  const r = db.exec("INSERT INTO users (name, password, created_at) VALUES ($1, $2, $3)", name, hashPassword(password), new Date().toISOString());
  signIn(s, r.lastInsertId, name);
  return redirect("/");
}

function login(req) {
  const s = session(req);
  const f = req.form().fields;
  if (!checkCSRF(s, f.csrf)) return;
  const name = (f.name || "").trim().toLowerCase();
  const user = db.get("SELECT id, password FROM users WHERE name = $1", name);
  if (!user || !passwordMatches(f.password || "", user.password)) {
    status(422);
    return accountPage(req, "login", { name: f.name, errors: ["That name and password do not match."] });
  }
  signIn(s, user.id, name);
  return redirect("/");
}

// signIn starts a new session for the user (a new id: the old one may
// have been seen by someone else).
function signIn(old, user, name) {
  kv.delete("session:" + old.sid);
  startSession({ user, name });
}

function logout(req) {
  const s = session(req);
  if (!checkCSRF(s, req.form().fields.csrf)) return;
  kv.delete("session:" + s.sid);
  setCookie("sid", "", { path: BASE, maxAge: 0 });
  return redirect("/");
}

// --- the JSON API -------------------------------------------------------------

// apiPost adds an entry: the session cookie, the CSRF token in the
// X-CSRF-Token header, and {"body": "..."}.
function apiPost(req) {
  const s = session(req);
  if (!s || !s.user) {
    status(401);
    return send({ error: "sign in first" });
  }
  const token = req.headers["x-csrf-token"] || "";
  if (token.length !== s.csrf.length || !crypto.timingSafeEqual(Buffer.from(token), Buffer.from(s.csrf))) {
    status(403);
    return send({ error: "missing or wrong X-CSRF-Token" });
  }
  let input;
  try {
    input = JSON.parse(req.stdin.read());
  } catch (e) {
    status(400);
    return send({ error: "the body is not JSON: " + e.message });
  }
  const [text, err] = validBody(input && input.body);
  if (err) {
    status(422);
    return send({ error: err });
  }
  const id = addEntry(s, text);
  status(201);
  header("Location", BASE + "/api/entries/" + id);
  return send(db.get("SELECT e.id, u.name AS author, e.body, e.created_at FROM entries e JOIN users u ON u.id = e.user_id WHERE e.id = $1", id));
}
