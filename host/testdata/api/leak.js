// Nothing of one request is visible to the next.
function handle(req) {
  if (req.query.first) {
    header("X-First", "1");
    status(201);
    req.stdin.read(2);
    send("first");
    return;
  }
  return `params=${params.QUERY_STRING} body=${req.stdin.read()}`;
}
