-- Memory bombs (stopped at memory_limit) and a well-behaved big request.
function handle(req)
  local c = req.query.case
  if c == "concat" then local s = "x" while true do s = s .. s end
  elseif c == "rep" then return #string.rep("x", 2^31)
  elseif c == "table" then local t = {} while true do t[#t + 1] = { 1, 2, 3, 4, 5, 6, 7, 8 } end
  elseif c == "format" then return string.format("%999999999d", 1)
  elseif c == "join" then
    local s, t = string.rep("x", 1048576), {}
    for i = 1, 1000 do t[i] = s end
    return #table.concat(t)
  elseif c == "caught" then
    local ok, e = pcall(string.rep, "x", 2^31)
    return "caught " .. tostring(e)
  elseif c == "ok40" then
    local t, n = {}, 0
    for i = 1, 40 do t[i] = string.rep("x", 1048576) .. i end
    for i = 1, 40 do n = n + #t[i] end
    t = nil
    return "ok " .. n
  end
  return "fine"
end
