-- Request and response helpers: query_all, cookies, set_cookie, escape_html, form.
function handle(req)
  local c = req.query.case
  if c == "query" then
    return table.concat(req.query_all("tag"), ",") .. "|" .. #req:query_all("none")
  elseif c == "cookies" then
    local k = req.cookies
    local names = {}
    for n in pairs(k) do names[#names + 1] = n end
    table.sort(names)
    return table.concat({ k.sid, k.theme, k.name, k.empty, tostring(k.missing), table.concat(names, ",") }, "|")
  elseif c == "setcookie" then
    set_cookie("sid", "a b;c", { max_age = 3600, path = "/", http_only = true, secure = true, same_site = "lax" })
    set_cookie("theme", "dark", { expires = os.time({ year = 2030, month = 1, day = 2, hour = 3, min = 4, sec = 5, isdst = false }), domain = "example.com" })
    set_cookie("old", "", { max_age = -1, expires = 0 })
    return "set"
  elseif c == "cookie errors" then
    local out = {}
    for _, f in ipairs({
      function() set_cookie("a b", "x") end,
      function() set_cookie("a", "x", { same_site = "none" }) end,
      function() set_cookie("a", "x", { same_site = "sideways" }) end,
      function() set_cookie("a", "x", { max_ag = 1 }) end,
      function() set_cookie("a", "x", { path = "/;x" }) end,
      function() set_cookie("a", "x", { secure = "yes" }) end,
      function() set_cookie("a", "x", { expires = "soon" }) end,
    }) do
      local ok, e = pcall(f)
      out[#out + 1] = ok and "ok" or tostring(e)
    end
    return table.concat(out, "\n")
  elseif c == "escape" then
    return table.concat({ escape_html([[<a href="x">Tom & 'Jerry'</a>]]), escape_html(""), escape_html(nil), escape_html(42) }, "|")
  elseif c == "form" then
    local f = req.form()
    local again = req:form()
    local up = f.files.up
    local out = { f.fields.a, table.concat(f.fields_all["tags[]"], ","), tostring(f.fields.none), again.fields.a }
    if up then
      for _, v in ipairs({ up.filename, up.type, up.size, up.data, type(up.data) == "string" }) do out[#out + 1] = tostring(v) end
    end
    if f.files_all.many then
      local names = {}
      for _, x in ipairs(f.files_all.many) do names[#names + 1] = x.filename end
      out[#out + 1] = tostring(#f.files_all.many)
      out[#out + 1] = table.concat(names, ",")
    end
    return table.concat(out, "|")
  elseif c == "big" then
    local up = req.form().files.up
    return up.size .. " " .. #up.data .. " " .. up.data:sub(1, 1) .. up.data:sub(-1)
  elseif c == "form error caught" then
    local ok, e = pcall(req.form)
    status(422)
    return "caught: " .. tostring(e)
  end
  return req.form().fields.a
end
