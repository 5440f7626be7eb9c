function handle(req)
  io.stderr:write("e2e-stderr-marker\n")
  return "ok"
end
