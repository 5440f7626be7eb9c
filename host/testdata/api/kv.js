// kv: shared state, JSON values, atomic operations, errors naming limits.
function handle(req) {
  switch (req.query.case) {
  case "roundtrip":
    kv.set("a", [1, null, 3]); kv.set("o", {}); kv.set("l", []); kv.set("u", "é😀");
    kv.set("big", 9007199254740992); kv.set("n", { x: { y: [true, false] } }); kv.set("f", 1.5);
    return ["a", "o", "l", "u", "big", "n", "f", "absent"].map(k => JSON.stringify(kv.get(k))).join(" ");
  case "ops": {
    const out = [];
    out.push(kv.add("k", 1), kv.add("k", 2), kv.replace("k", 3), kv.replace("nope", 1), kv.get("k"));
    out.push(kv.incr("c"), kv.incr("c", 5), kv.incr("d", 1, { init: 10 }), kv.incr("c", -0.5));
    out.push(kv.ttl("k"), kv.expire("k", 100), kv.ttl("k") > 99, kv.expire("nope", 1));
    kv.set("t", "x", { ttl: 50 });
    out.push(kv.ttl("t") > 49 && kv.ttl("t") <= 50);
    out.push(kv.delete("k"), kv.delete("k"), kv.get("k"));
    kv.set("user:2", 1); kv.set("user:1", 1); kv.set("item:1", 1);
    out.push(kv.keys("user:").join(","), kv.keys("", 2).join(","));
    return out.map(String).join(" ");
  }
  case "expiry":
    if (req.query.step === "1") { kv.set("e", "soon", { ttl: 0.2 }); return String(kv.get("e")); }
    return String(kv.get("e"));
  case "toplevel":
    return String(kv.get("top"));
  case "errors": {
    const out = [];
    const tries = [
      () => kv.set("x".repeat(513), 1),
      () => kv.set("v", "x".repeat(2000)),
      () => { kv.set("s", "str"); kv.incr("s"); },
      () => kv.set("k", 1, { tll: 5 }),
      () => kv.set("k", () => 1),
      () => kv.set("k", 1, { ttl: -1 }),
      () => kv.get(42 > 1 ? {} : 1),
    ];
    for (const f of tries) { try { f(); out.push("ok"); } catch (e) { out.push(e.message); } }
    return out.join("\n");
  }
  }
}
kv.set("top", "set at the top level");
