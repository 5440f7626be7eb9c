function handle(req)
  return "ok" +
end
