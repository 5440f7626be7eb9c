-- io.stderr:write goes to the error log, never the response.
function handle(req)
  io.stderr:write("to stderr\n")
  io.stderr:write("console says ", 42, "\n")
  return "ok"
end
