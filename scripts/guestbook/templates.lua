-- templates.lua: the guestbook's pages. render(name, vars) fills a
-- template: {{x}} is vars.x escaped, {{{x}}} is vars.x as it is (HTML made
-- by another template), so text from users can never become markup.
local M = {}

local pages = {}

pages.layout = [[<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{{title}} · guestbook</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40em;margin:2em auto;padding:0 1em}
.error{color:#b00}.entry{border-top:1px solid #ddd;padding:.5em 0}.meta{color:#777;font-size:.85em}
label{display:block;margin:.5em 0}textarea{width:100%;height:5em}</style></head>
<body>
<header><a href="{{base}}/">Guestbook</a> ·
{{{who}}}
</header>
<main><h1>{{title}}</h1>
{{{body}}}
</main>
</body>
</html>
]]

pages.signed_in = [[signed in as <strong>{{name}}</strong>
<form method="post" action="{{base}}/logout" style="display:inline"><input type="hidden" name="csrf" value="{{csrf}}"><button>Sign out</button></form>]]

pages.signed_out = [[<a href="{{base}}/login">Sign in</a> · <a href="{{base}}/register">Register</a>]]

pages.post_form = [[<form method="post" action="{{base}}/entries">
<input type="hidden" name="csrf" value="{{csrf}}">
{{{errors}}}
<label>Your message <textarea name="body" maxlength="500">{{body}}</textarea></label>
<button>Sign the guestbook</button>
</form>]]

pages.sign_in_first = [[<p><a href="{{base}}/login">Sign in</a> to write in the guestbook.</p>]]

pages.entry = [[<div class="entry"><p>{{body}}</p><p class="meta">{{author}} · {{created_at}}</p></div>]]

pages.account = [[<form method="post" action="{{base}}/{{kind}}">
<input type="hidden" name="csrf" value="{{csrf}}">
{{{errors}}}
<label>Name <input name="name" value="{{name}}" autocomplete="username"></label>
<label>Password <input name="password" type="password" autocomplete="{{autocomplete}}"></label>
<button>{{title}}</button>
</form>]]

pages.message = [[<p>{{text}}</p><p><a href="{{base}}/">Back to the guestbook</a></p>]]

-- render fills the template name with vars.
function M.render(name, vars)
  local tpl = assert(pages[name], "no template " .. name)
  return (tpl:gsub("{{(%{?)([%w_]+)}?}}", function(raw, key)
    local v = vars[key]
    if v == nil then v = "" end
    if raw == "{" then return tostring(v) end
    return escape_html(tostring(v))
  end))
end

-- errors is a list of messages as HTML.
function M.errors(list)
  if #list == 0 then return "" end
  local items = {}
  for i, e in ipairs(list) do items[i] = "<li>" .. escape_html(e) .. "</li>" end
  return '<ul class="error">' .. table.concat(items) .. "</ul>"
end

-- page is a whole page: the layout around body.
function M.page(base, title, session, body)
  local who
  if session and session.name then
    who = M.render("signed_in", { base = base, name = session.name, csrf = session.csrf })
  else
    who = M.render("signed_out", { base = base })
  end
  return M.render("layout", { base = base, title = title, who = who, body = body })
end

return M
