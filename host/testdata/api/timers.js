// Timers and the event loop.
let fired = 0, served = 0;
async function handle(req) {
  served++;
  switch (req.query.case) {
  case "await": {
    const order = [];
    setTimeout(() => order.push("t2"), 20);
    setTimeout(() => order.push("t1"), 5);
    queueMicrotask(() => order.push("micro"));
    Promise.resolve().then(() => order.push("then"));
    order.push("sync");
    await new Promise(r => setTimeout(r, 40, "done"));
    return order.join(",");
  }
  case "args": return await new Promise(r => setTimeout((a, b) => r(a + b), 1, "x", "y"));
  case "interval": {
    let n = 0;
    await new Promise(r => { const id = setInterval(() => { if (++n === 3) { clearInterval(id); r(); } }, 2); });
    return "ticks " + n;
  }
  case "clear": {
    let ran = false;
    const id = setTimeout(() => { ran = true; }, 5);
    clearTimeout(id);
    await new Promise(r => setTimeout(r, 20));
    return "ran " + ran;
  }
  case "leave": // a setInterval left running when the request ends
    setInterval(() => { fired++; }, 2);
    return "left";
  case "count": return `fired ${fired} served ${served}`;
  case "many": {
    try { for (let i = 0; i < 1001; i++) setTimeout(() => {}, 10000); } catch (e) { return e.message; }
    return "no limit";
  }
  case "wait": await new Promise(r => setTimeout(r, 10000)); return "woke";
  case "reject": Promise.reject(new Error("nobody catches this")); return "returned";
  case "throwing": await new Promise(r => setTimeout(() => { throw new Error("in a timer"); }, 1)); return "no";
  }
}
