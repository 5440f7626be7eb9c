// An async call still in flight when its request ends never calls back
// into a later request.
let late = 0, served = 0;
async function handle(req) {
  served++;
  if (req.query.start) { // started when the loop waits for the timer
    testcap.later(30, 1).then(v => { late += v; });
    await new Promise((r) => setTimeout(r, 5));
    return "started";
  }
  if (req.query.parallel) {
    const t = Date.now();
    const vs = await Promise.all([testcap.later(100, "a"), testcap.later(100, "b"), testcap.later(100, "c"), testcap.later(100, "d")]);
    return vs.join("") + " " + (Date.now() - t < 300 ? "overlapped" : "serial");
  }
  return `late ${late} served ${served}`;
}
