-- send(table) is JSON; an explicit Content-Type stays; flush() streams.
function handle(req)
  if req.query.ct then header("Content-Type", "application/vnd.x+json") end
  if req.query.flush then
    send("a")
    flush()
    send("b")
    return
  end
  send({ list = json.decode("[1,null,3]"), nested = { ok = true }, s = "é" })
end
