-- Every field of req.
function handle(req)
  local n = 0
  for _ in pairs(req.params) do n = n + 1 end
  send({
    method = req.method, path = req.path, a = req.query.a, b = req.query.b,
    ua = req.headers["user-agent"], ct = req.headers["content-type"],
    rm = req.params.REQUEST_METHOD, hasParams = n > 3,
    global = os.getenv("REQUEST_METHOD"),
  })
end
