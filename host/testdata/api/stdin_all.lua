-- req.stdin:read("a"), also "*a": the rest of the body; "" at the end.
function handle(req)
  local all = req.stdin:read("a")
  local again = req.stdin:read("*a")
  return "len=" .. #all .. " body=" .. all .. " again=[" .. again .. "]"
end
