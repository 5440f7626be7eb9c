// timers.js: Node's timers and timers/promises modules over the loop's
// timers (host/js/loop.go).
(function (native, need) {
  "use strict";
  const g = globalThis;
  const timers = {
    setTimeout: g.setTimeout, setInterval: g.setInterval, setImmediate: g.setImmediate,
    clearTimeout: g.clearTimeout, clearInterval: g.clearInterval, clearImmediate: g.clearImmediate,
  };
  const promises = {
    setTimeout: (ms = 1, value) => native.timerPromise(ms, value),
    setImmediate: (value) => native.timerPromise(0, value),
    scheduler: { wait: (ms) => native.timerPromise(ms, undefined), yield: () => native.timerPromise(0, undefined) },
  };
  timers.promises = promises;
  return { timers, "timers/promises": promises };
})
