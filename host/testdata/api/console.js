// console prints as Node does: util.format's placeholders, util.inspect
// for objects, levels by method.
function handle(req) {
  const o = { a: 1, b: "x", c: [1, 2, 3], d: new Map([[1, { e: 2 }]]), f: new Set(["s"]) };
  o.self = o;
  console.log(o);
  console.log("%s=%d %j %o%%", "n", 42.5, { j: [1] }, null, "rest", 7);
  console.info([undefined, null, -0, 10n, Symbol("s"), () => 1, function named() {}]);
  console.warn("careful", new Uint8Array([1, 2]), Promise.resolve(3));
  console.error(new RangeError("too far").name, { nested: { deeper: { deepest: { gone: 1 } } } });
  console.group("g");
  console.log("in\ngroup");
  console.groupEnd();
  console.count(); console.count();
  console.assert(1 === 2, "math");
  console.dir({ long: "y".repeat(80), arr: new Array(120).fill(0).length });
  send("ok");
}
