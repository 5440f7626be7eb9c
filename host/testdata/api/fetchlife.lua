-- An outbound request is cancelled when its request ends.
function handle(req)
  if req.query.case == "hang" then
    local res, err = http.get(req.query.up .. "/hang")
    return "answered " .. tostring(err)
  end
  return "idle"
end
