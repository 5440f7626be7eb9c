// process.js: the parts of Node's process a script may use: env holds
// [env] and nothing else of the server's environment.
(function (native, need) {
  "use strict";
  const start = native.now();
  const EventEmitter = need.events;
  const process = new EventEmitter();
  Object.assign(process, {
    env: native.env(), platform: native.platform, arch: native.arch, argv: [], execArgv: [], pid: 1, ppid: 0,
    version: "v20.0.0", versions: { node: "20.0.0" }, release: { name: "scriptsrv" },
    title: "scriptsrv", browser: false, exitCode: undefined,
    cwd: () => "/",
    chdir() { throw new Error("process.chdir is not available to scripts"); },
    exit() { throw new Error("process.exit is not available to scripts (the server keeps running; return from handle instead)"); },
    abort() { throw new Error("process.abort is not available to scripts"); },
    nextTick(fn, ...args) {
      if (typeof fn !== "function") throw new TypeError('The "callback" argument must be of type function');
      queueMicrotask(() => fn(...args));
    },
    hrtime(prev) {
      const ns = BigInt(Math.round((native.now() - start) * 1e6));
      let s = Number(ns / 1000000000n), n = Number(ns % 1000000000n);
      if (prev) { s -= prev[0]; n -= prev[1]; if (n < 0) { s--; n += 1e9; } }
      return [s, n];
    },
    uptime: () => (native.now() - start) / 1000,
    emitWarning(w) { console.warn(typeof w === "string" ? "Warning: " + w : String(w)); },
    memoryUsage: () => ({ rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 }),
    umask: () => 0o22,
  });
  process.hrtime.bigint = () => BigInt(Math.round((native.now() - start) * 1e6));
  return { process };
})
