-- reads the body in 64 KiB pieces and counts it
function handle(req)
  local n = 0
  while true do
    local b = req.stdin:read(65536)
    if not b then break end
    n = n + #b
  end
  return tostring(n)
end
