-- req.stdin:read with "l", "*l", "n", "*n" and io.read, CGI style.
function handle(req)
  local l1 = req.stdin:read("l")
  local l2 = io.read("*l")
  local n = req.stdin:read("n")
  local m = io.read("*n")
  local rest = io.read("a")
  return "l1=" .. l1 .. " l2=" .. l2 .. " n=" .. n .. " m=" .. m .. " rest=[" .. rest .. "] eof=" .. tostring(io.read("l"))
end
