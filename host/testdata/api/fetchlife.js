// An outbound request in flight when its request ends is cancelled and
// never calls back into a later request; one made but not yet started
// (the loop starts calls when it next waits) is never sent.
let late = 0, served = 0;
const tick = () => new Promise((r) => setTimeout(r, 5));
async function handle(req) {
  served++;
  const up = req.query.up;
  if (req.query.start) { fetch(up + "/slow?ms=40").then(() => { late++; }); await tick(); return "started"; }
  if (req.query.unsent) { fetch(up + "/hits").then(() => { late++; }); return "made"; }
  if (req.query.case === "hang") { await fetch(up + "/hang"); return "answered"; }
  return `late ${late} served ${served}`;
}
