-- sleep: the script waits, the server does not.
function handle(req)
  if req.query.case == "sleep" then
    local t = os.clock()
    sleep(0.05)
    return "slept"
  elseif req.query.case == "wait" then
    sleep(10)
    return "woke"
  elseif req.query.case == "bad" then
    local ok, e = pcall(sleep, -1)
    return tostring(e)
  end
end
