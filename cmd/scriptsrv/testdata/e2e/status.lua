-- Redirects with an explicit Status (Caddy only reads Status), and status().
function handle(req)
  if req.query.s == "redirect" then
    io.write("Status: 302 Found\r\nLocation: /elsewhere\r\n\r\n")
  else
    status(418)
    send("teapot\n")
  end
end
