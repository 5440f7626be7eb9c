-- The sandbox: no process spawning, no file access, no loadfile/dofile,
-- and collectgarbage cannot stall the server.
function handle(req)
  local out = {}
  for _, name in ipairs({"os.execute", "os.exit", "os.remove", "io.popen", "io.open", "loadfile", "dofile", "debug"}) do
    local ok, v = pcall(loadstring("return " .. name))
    out[#out + 1] = name .. "=" .. (ok and v ~= nil and "present" or "absent")
  end
  out[#out + 1] = "collectgarbage=" .. tostring(collectgarbage("count"))
  return table.concat(out, " ")
end
