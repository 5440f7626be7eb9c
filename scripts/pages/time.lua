-- pages/time.lua: served by the dir route /pages/ as /pages/time.
function handle(req)
  header("Content-Type", "text/plain")
  return os.date("!%Y-%m-%dT%H:%M:%SZ") .. "\n"
end
