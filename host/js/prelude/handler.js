// handler.js: the Web-standard handler, export default { fetch(request,
// env, ctx) }: the request as a WHATWG Request, the Response it returns
// (or a Promise of one) as the answer; ctx.waitUntil(promise) lets work
// go on after the answer, within the request's timeout.
(function (native, need) {
  "use strict";
  const { makeRequest } = need;
  function requestOf(req) {
    const p = req.params, h = req.headers;
    const scheme = p.HTTPS === "on" || p.REQUEST_SCHEME === "https" ? "https" : "http";
    const host = h.host || p.SERVER_NAME || "localhost";
    const keys = Object.keys(h), pairs = new Array(keys.length);
    for (let i = 0; i < keys.length; i++) pairs[i] = [keys[i], h[keys[i]]];
    const body = req.method !== "GET" && req.method !== "HEAD" ? req.stdin.readBytes() : null;
    return makeRequest(`${scheme}://${host}${p.REQUEST_URI || req.path}`, req.method, pairs, body);
  }
  function fetchHandler(app) {
    // An app that answers at once, with nothing to wait for, is answered
    // without an async function's Promise and await.
    return function handle(req) {
      const waits = [];
      const ctx = { waitUntil(p) { waits.push(Promise.resolve(p)); }, passThroughOnException() {} };
      const res = app.fetch(requestOf(req), process.env, ctx);
      if (waits.length === 0 && (res === null || typeof res !== "object" || typeof res.then !== "function")) return res;
      return finish(res, waits);
    };
  }
  // finish answers with the Response an app gave (or a Promise of one),
  // then waits for what it passed to ctx.waitUntil.
  async function finish(answer, waits) {
    const res = await answer;
    if (waits.length === 0) return res;
    const streaming = native.respond(res);
    flush();
    await Promise.allSettled([streaming, ...waits]);
  }
  return { fetchHandler };
})
