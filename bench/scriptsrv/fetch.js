// fetch workload: call a small JSON API on loopback, answer one field.
const url = process.env.UPSTREAM_URL;
async function handle(req) {
  const res = await fetch(url);
  const item = await res.json();
  return item.name;
}
