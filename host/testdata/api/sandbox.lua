-- The sandbox: no process spawning, no file access, no loadfile/dofile,
-- only the reading part of debug, and collectgarbage cannot stall the
-- server.
function handle(req)
  local out = {}
  for _, name in ipairs({"os.execute", "os.exit", "os.remove", "io.popen", "io.open", "loadfile", "dofile",
      "debug.getlocal", "debug.setupvalue", "debug.sethook", "debug.getregistry", "debug.traceback", "debug.getinfo"}) do
    local ok, v = pcall(loadstring("return " .. name))
    out[#out + 1] = name .. "=" .. (ok and v ~= nil and "present" or "absent")
  end
  out[#out + 1] = "collectgarbage=" .. tostring(collectgarbage("count"))
  local info = debug.getinfo(1, "Sl")
  out[#out + 1] = "getinfo=" .. info.short_src .. ":" .. info.currentline
  out[#out + 1] = "traceback=" .. tostring(debug.traceback("here"):match("^here\nstack traceback:") ~= nil)
  return table.concat(out, " ")
end
