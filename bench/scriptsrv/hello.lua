function handle(req)
  header("Content-Type", "text/plain")
  send("Hello, anchor world\n")
end
