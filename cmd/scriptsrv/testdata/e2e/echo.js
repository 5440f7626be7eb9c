// echo: ?echo=1 sends the body back; otherwise a JSON summary of the request.
function handle(req) {
  if (req.query.echo) {
    header("Content-Type", "application/octet-stream");
    for (let b = req.stdin.readBytes(65536); b.byteLength > 0; b = req.stdin.readBytes(65536)) stdout.write(b);
    return;
  }
  let len = 0;
  for (let b = req.stdin.readBytes(65536); b.byteLength > 0; b = req.stdin.readBytes(65536)) len += b.byteLength;
  send({ method: req.method, path: req.path, query: req.query, len: len });
}
