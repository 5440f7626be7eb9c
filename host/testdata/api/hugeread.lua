-- A read of 2^40 bytes from a 5-byte body allocates nothing of the sort.
function handle(req)
  if req.query.how == "global" then return io.read(2^40) end
  return req.stdin:read(2^40)
end
