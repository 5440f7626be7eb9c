// Every field of req.
function handle(req) {
  send({
    method: req.method, path: req.path, a: req.query.a, b: req.query.b,
    ua: req.headers["user-agent"], ct: req.headers["content-type"],
    rm: req.params.REQUEST_METHOD, hasParams: Object.keys(req.params).length > 3,
    global: params.REQUEST_METHOD,
  });
}
