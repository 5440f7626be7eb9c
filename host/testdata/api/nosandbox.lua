-- sandbox = false opens the rest of the standard library.
function handle(req)
  return "io.open=" .. type(io.open) .. " os.execute=" .. type(os.execute)
end
