// console.js: console as Node has it, printing with util.format to the
// server log (and, during a request, the front end's error log): log,
// info and debug at info level, warn at warn, error, trace and failed
// asserts at error.
(function (native, need) {
  "use strict";
  const { format, inspect } = need.util;
  let indent = "";
  const counts = new Map(), timers = new Map();
  const out = (level) => (...args) => {
    let s = format(...args);
    if (indent) s = indent + s.split("\n").join("\n" + indent);
    native.print(level, s);
  };
  const console = {
    log: out("log"), info: out("info"), debug: out("debug"), warn: out("warn"), error: out("error"),
    dir(obj, opts) { native.print("log", indent + inspect(obj, Object.assign({ customInspect: false }, opts))); },
    trace(...args) {
      const stack = new Error().stack.split("\n").slice(2).join("\n");
      native.print("trace", indent + "Trace" + (args.length ? ": " + format(...args) : "") + "\n" + stack);
    },
    assert(ok, ...args) {
      if (ok) return;
      native.print("error", indent + "Assertion failed" + (args.length ? ": " + format(...args) : ""));
    },
    count(label = "default") { const n = (counts.get(label) || 0) + 1; counts.set(label, n); native.print("log", `${indent}${label}: ${n}`); },
    countReset(label = "default") { counts.delete(label); },
    time(label = "default") { timers.set(label, native.now()); },
    timeLog(label = "default", ...args) {
      const t = timers.get(label);
      if (t === undefined) { native.print("warn", `${indent}No such label '${label}' for console.timeLog()`); return; }
      native.print("log", `${indent}${label}: ${(native.now() - t).toFixed(3)}ms` + (args.length ? " " + format(...args) : ""));
    },
    timeEnd(label = "default") { console.timeLog(label); timers.delete(label); },
    group(...args) { if (args.length) console.log(...args); indent += "  "; },
    groupEnd() { indent = indent.slice(2); },
    table(data) { console.log(data); },
  };
  console.groupCollapsed = console.group;
  return { console };
})
