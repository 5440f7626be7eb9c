-- http: outbound requests to the test upstream (req.query.up).
function handle(req)
  local up = req.query.up
  local c = req.query.case
  if c == "json" then
    local res = assert(http.get(up .. "/json"))
    local j = json.decode(res.body)
    return table.concat({res.status, res.headers["content-type"], j.name, j.n}, " ")
  elseif c == "post" then
    local res = assert(http.post(up .. "/echo", "hi there", {headers = {["X-Test"] = "yes"}}))
    local e = json.decode(res.body)
    return table.concat({e.method, e.body, e["x-test"], e.ua}, "|")
  elseif c == "request" then
    local res = assert(http.request{url = up .. "/echo", method = "put", body = "hi", headers = {["content-type"] = "text/x"}})
    local e = json.decode(res.body)
    return e.method .. " " .. e.body .. " " .. e["content-type"]
  elseif c == "status" then
    local res = assert(http.get(up .. "/cookies"))
    return table.concat({res.status, res.headers["x-multi"], res.headers["set-cookie"], tostring(res.body == "")}, " ")
  elseif c == "redirect" then
    local res = assert(http.get(up .. "/redirect"))
    return res.status .. " " .. json.decode(res.body).name
  elseif c == "refused" then
    local res, err = http.get("http://169.254.169.254/latest/meta-data/")
    return tostring(res) .. " " .. err
  elseif c == "unreachable" then
    return select(2, http.get("http://127.0.0.1:1/"))
  elseif c == "big" then
    return select(2, http.get(up .. "/big"))
  elseif c == "timeout" then
    return select(2, http.get(up .. "/slow?ms=2000", {timeout = 0.2}))
  elseif c == "many" then
    local out = {}
    for i = 1, 6 do
      local res, err = http.get(up .. "/json")
      out[#out + 1] = err or "no error"
    end
    return table.concat(out, "\n")
  elseif c == "bad option" then
    local ok, err = pcall(http.get, up .. "/json", {timeuot = 1})
    return err
  elseif c == "bad field" then
    local ok, err = pcall(http.request, {url = up, mehtod = "GET"})
    return err
  end
  return "no case"
end
