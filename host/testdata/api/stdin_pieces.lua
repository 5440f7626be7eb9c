-- req.stdin:read(n): up to n bytes; nil at the end.
function handle(req)
  local parts = {}
  while true do
    local p = req.stdin:read(4)
    if p == nil then break end
    parts[#parts + 1] = p
  end
  return table.concat(parts, "|") .. " end=" .. tostring(req.stdin:read(4))
end
