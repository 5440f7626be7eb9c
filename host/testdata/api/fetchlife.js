// An outbound request in flight when its request ends is cancelled and
// never calls back into a later request.
let late = 0, served = 0;
async function handle(req) {
  served++;
  const up = req.query.up;
  if (req.query.start) { fetch(up + "/slow?ms=40").then(() => { late++; }); return "started"; }
  if (req.query.case === "hang") { await fetch(up + "/hang"); return "answered"; }
  return `late ${late} served ${served}`;
}
