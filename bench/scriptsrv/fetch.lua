-- fetch workload: call a small JSON API on loopback, answer one field.
local url = os.getenv("UPSTREAM_URL")
function handle(req)
  local res = assert(http.get(url))
  return json.decode(res.body).name
end
