-- Rules 1, 2 and 5, header injection and status().
function handle(req)
  local c = req.query.case
  if c == "late" then
    send("body;")
    local ok, e = pcall(header, "X-Late", "1")
    send(" header: " .. tostring(e))
    ok, e = pcall(status, 500)
    send(" status: " .. tostring(e))
  elseif c == "default" then
    status(201)
    send("made")
  elseif c == "api-then-write" then
    header("X-A", "1")
    io.write("Content-Type: not/a-header\r\n\r\n")
  elseif c == "inject" then
    header("X-Evil", "a\r\nSet-Cookie: x=1")
  elseif c == "printed" then -- print in a handler: raw output, not a header block
    print("hello")
  elseif c == "badstatus" then
    status(42)
  elseif c == "interim" then -- 1xx is not a final status
    for _, code in ipairs({ 100, 101, 103 }) do
      local ok, e = pcall(status, code)
      send(tostring(e):gsub("^[%w_.]+:%d+: ", "") .. ";")
    end
  elseif c == "statusheader" then -- header("Status", ...) is status()
    header("Status", "404 Not Found")
    return "gone"
  elseif c == "headerreplace" then -- a later header() replaces, unless append
    header("Content-Type", "text/plain")
    header("Content-Type", "application/json")
    header("X-Multi", "1")
    header("X-Multi", "2", true)
    return "{}"
  elseif c == "empty" then
    return
  elseif c == "cookies" then
    header("Set-Cookie", "a=1")
    header("Set-Cookie", "b=2")
    return "two"
  elseif c == "redirect" then
    status(302)
    header("Location", "/there")
  elseif c == "print" then
    print("Content-Type: x/y")
    print()
    io.write("h", "i")
  end
end
