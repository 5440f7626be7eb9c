// Shared counters: n increments per request, or one add of a key.
function handle(req) {
  if (req.query.add) return String(kv.add("once", req.query.add));
  const n = Number(req.query.n || 1);
  let last = 0;
  for (let i = 0; i < n; i++) last = kv.incr("hits");
  return String(last);
}
