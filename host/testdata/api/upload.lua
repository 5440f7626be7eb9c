-- A large body read in 64 KiB pieces.
function handle(req)
  local total = 0
  while true do
    local b = req.stdin:read(65536)
    if not b then break end
    total = total + #b
  end
  return "total=" .. total
end
