-- app.lua: the guestbook of app.js in Lua — pages from templates
-- (templates.lua), forms whose errors are shown back, a session in kv
-- behind a cookie, a CSRF token on every form, redirects after POST, a
-- JSON API. Both share the accounts and entries of [db.main].
local T = require("templates")

local BASE = "/guestbook-lua"
local SESSION_TTL = 7 * 24 * 3600 -- seconds
local ITERATIONS = 100000         -- PBKDF2 rounds for passwords

local function now() return os.date("!%Y-%m-%dT%H:%M:%SZ") end

-- sessions and CSRF ------------------------------------------------------------

local function session(req)
  local sid = req.cookies.sid
  local s = sid and kv.get("session:" .. sid)
  if s then s.sid = sid end
  return s
end

local function random_hex(n) return (crypto.random_bytes(n):gsub(".", function(c) return string.format("%02x", c:byte()) end)) end

local function start_session(data)
  local sid = random_hex(24)
  data.csrf = random_hex(24)
  kv.set("session:" .. sid, data, SESSION_TTL)
  set_cookie("sid", sid, { path = BASE, http_only = true, same_site = "Lax", max_age = SESSION_TTL })
  data.sid = sid
  return data
end

local function ensure_session(req) return session(req) or start_session({}) end

-- check_csrf answers 403 unless the token sent matches the session's.
local function check_csrf(s, token)
  if s and type(token) == "string" and crypto.equal(token, s.csrf) then return true end
  status(403)
  send(T.page(BASE, s, "Forbidden", T.render("message", { base = BASE, text = "This form has expired. Go back, reload the page and try again." })))
  return false
end

local function redirect(to)
  status(303)
  header("Location", BASE .. to)
end

-- pages -------------------------------------------------------------------------

local function entries()
  return assert(db.query([[SELECT e.id, u.name AS author, e.body, e.created_at
    FROM entries e JOIN users u ON u.id = e.user_id ORDER BY e.id DESC LIMIT 50]]))
end

local function index_page(req, form)
  local s = ensure_session(req)
  local post
  if s.name then
    post = T.render("post_form", { base = BASE, csrf = s.csrf, errors = T.errors(form.errors), body = form.body })
  else
    post = T.render("sign_in_first", { base = BASE })
  end
  local list = {}
  for _, e in ipairs(entries()) do list[#list + 1] = T.render("entry", e) end
  if #list == 0 then list[1] = "<p>No entries yet.</p>" end
  return T.page(BASE, "Guestbook", s, post .. "\n" .. table.concat(list))
end

local function account_page(req, kind, form)
  local s = ensure_session(req)
  local title = kind == "register" and "Register" or "Sign in"
  local body = T.render("account", { base = BASE, kind = kind, csrf = s.csrf, errors = T.errors(form.errors), name = form.name,
    title = title, autocomplete = kind == "register" and "new-password" or "current-password" })
  return T.page(BASE, title, s, body)
end

local function utf8_len(s) local _, n = s:gsub("[^\128-\191]", "") return n end

local function valid_body(body)
  local text = (body or ""):match("^%s*(.-)%s*$")
  if text == "" then return text, "Write something first." end
  if utf8_len(text) > 500 then return text, "Keep it under 500 characters (this is " .. utf8_len(text) .. ")." end
  return text, nil
end

local function add_entry(s, text)
  return assert(db.exec("INSERT INTO entries (user_id, body, created_at) VALUES ($1, $2, $3)", s.user, text, now())).last_insert_id
end

local function post_entry(req)
  local s = session(req)
  local f = req.form().fields
  if not check_csrf(s, f.csrf) then return end
  if not s.user then return redirect("/login") end
  local text, err = valid_body(f.body)
  if err then
    status(422)
    return index_page(req, { body = f.body, errors = { err } })
  end
  add_entry(s, text)
  return redirect("/")
end

-- accounts ----------------------------------------------------------------------

local function hash_password(password, salt, iterations)
  salt, iterations = salt or random_hex(16), iterations or ITERATIONS
  return string.format("pbkdf2-sha256$%d$%s$%s", iterations, salt, crypto.pbkdf2(password, salt, iterations, 32))
end

local function password_matches(password, stored)
  local iterations, salt = stored:match("^pbkdf2%-sha256%$(%d+)%$(%x+)%$")
  return iterations ~= nil and crypto.equal(hash_password(password, salt, tonumber(iterations)), stored)
end

-- sign_in starts a new session for the user (a new id: the old one may
-- have been seen by someone else).
local function sign_in(old, user, name)
  kv.delete("session:" .. old.sid)
  start_session({ user = user, name = name })
end

local function register(req)
  local s = session(req)
  local f = req.form().fields
  if not check_csrf(s, f.csrf) then return end
  local name, password = (f.name or ""):match("^%s*(.-)%s*$"):lower(), f.password or ""
  local errors = {}
  if not (name:match("^[%w_]+$") and #name >= 3 and #name <= 20) then errors[#errors + 1] = "A name is 3 to 20 letters, digits or _." end
  if #password < 8 then errors[#errors + 1] = "A password has at least 8 characters." end
  if #errors == 0 and db.get("SELECT 1 AS taken FROM users WHERE name = $1", name) then errors[#errors + 1] = "That name is taken." end
  if #errors > 0 then
    status(422)
    return account_page(req, "register", { name = f.name, errors = errors })
  end
  local r = assert(db.exec("INSERT INTO users (name, password, created_at) VALUES ($1, $2, $3)", name, hash_password(password), now()))
  sign_in(s, r.last_insert_id, name)
  return redirect("/")
end

local function login(req)
  local s = session(req)
  local f = req.form().fields
  if not check_csrf(s, f.csrf) then return end
  local name = (f.name or ""):match("^%s*(.-)%s*$"):lower()
  local user = db.get("SELECT id, password FROM users WHERE name = $1", name)
  if not user or not password_matches(f.password or "", user.password) then
    status(422)
    return account_page(req, "login", { name = f.name, errors = { "That name and password do not match." } })
  end
  sign_in(s, user.id, name)
  return redirect("/")
end

local function logout(req)
  local s = session(req)
  if not check_csrf(s, req.form().fields.csrf) then return end
  kv.delete("session:" .. s.sid)
  set_cookie("sid", "", { path = BASE, max_age = 0 })
  return redirect("/")
end

-- the JSON API --------------------------------------------------------------------

local function api_post(req)
  local s = session(req)
  if not s or not s.user then
    status(401)
    return send({ error = "sign in first" })
  end
  if not crypto.equal(req.headers["x-csrf-token"] or "", s.csrf) then
    status(403)
    return send({ error = "missing or wrong X-CSRF-Token" })
  end
  local ok, input = pcall(json.decode, req.stdin:read("a"))
  if not ok then
    status(400)
    return send({ error = "the body is not JSON: " .. tostring(input) })
  end
  local text, err = valid_body(type(input) == "table" and input.body or nil)
  if err then
    status(422)
    return send({ error = err })
  end
  local id = add_entry(s, text)
  status(201)
  header("Location", BASE .. "/api/entries/" .. id)
  return send(db.get("SELECT e.id, u.name AS author, e.body, e.created_at FROM entries e JOIN users u ON u.id = e.user_id WHERE e.id = $1", id))
end

local routes = {
  ["GET /"] = function(req) return index_page(req, { body = "", errors = {} }) end,
  ["POST /entries"] = post_entry,
  ["GET /register"] = function(req) return account_page(req, "register", { name = "", errors = {} }) end,
  ["POST /register"] = register,
  ["GET /login"] = function(req) return account_page(req, "login", { name = "", errors = {} }) end,
  ["POST /login"] = login,
  ["POST /logout"] = logout,
  ["GET /api/entries"] = function() return send({ entries = entries() }) end,
  ["POST /api/entries"] = api_post,
}

function handle(req)
  local path = req.path:sub(#BASE + 1)
  if path == "" then path = "/" end
  local route = routes[req.method .. " " .. path]
  if route then return route(req) end
  status(404)
  return T.page(BASE, session(req), "Not found", T.render("message", { base = BASE, text = "There is no page " .. req.path .. "." }))
end
