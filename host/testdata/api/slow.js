// Counts runs, then spins until interrupted.
globalThis.runs = (globalThis.runs || 0) + 1;
let ran = 0;
function handle(req) {
  ran++;
  if (req.query.spin) for (;;) {}
  return `ran=${ran}`;
}
