// The Web globals, each as browsers have it.
function handle(req) {
  const t = (f) => { try { return String(f()); } catch (e) { return `${e.name}: ${e.message}`; } };
  switch (req.query.case) {
  case "text": {
    const enc = new TextEncoder().encode("héllo €😀");
    const into = new Uint8Array(5);
    const r = new TextEncoder().encodeInto("aé€", into);
    const d = new TextDecoder();
    const part = d.decode(new Uint8Array([0xe2, 0x82]), { stream: true }) + d.decode(new Uint8Array([0xac]));
    return [enc.length, enc.join("."), r.read + "/" + r.written, new TextDecoder().decode(enc), part,
      new TextDecoder().decode(new Uint8Array([0x61, 0xff, 0x62, 0xe2, 0x82, 0x63])),
      t(() => new TextDecoder("utf-8", { fatal: true }).decode(new Uint8Array([0xff]))),
      new TextDecoder().decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x41])),
      new TextDecoder("latin1").decode(new Uint8Array([0xe9, 0x80])),
      new TextDecoder("utf-16le").decode(new Uint8Array([0x41, 0, 0x3b, 0x26])),
      t(() => new TextDecoder("klingon"))].join("|");
  }
  case "base64":
    return [btoa("hello"), atob("aGVsbG8="), atob(" aGVs bG8 "), atob("aGk"), btoa("\xff\xfe"), t(() => atob("a")), t(() => btoa("€")), t(() => atob("a*b="))].join("|");
  case "clone": {
    const src = { d: new Date(0), m: new Map([["k", [1, 2]]]), s: new Set([1]), r: /x/gi, b: new Uint8Array([1, 2]), n: null, u: undefined, nested: { deep: [1, { x: 2 }] } };
    src.self = src;
    const c = structuredClone(src);
    return [c !== src, c.self === c, c.d instanceof Date && c.d.getTime() === 0, c.m.get("k")[1], c.s.has(1), c.r.flags, c.b[1], c.b.buffer !== src.b.buffer,
      "u" in c, c.nested.deep[1].x, t(() => structuredClone({ f() {} })), t(() => structuredClone(Symbol("s")))].join("|");
  }
  case "url": {
    const u = new URL("https://user:pa ss@EXAMPLE.com:443/a/../b?x=1&y=2#h");
    u.searchParams.append("z", "a b&c");
    const p = new URLSearchParams({ q: "1 2", r: "é" });
    p.sort();
    return [u.href, u.origin, u.host, u.searchParams.get("x"), [...u.searchParams.keys()].join(","), p.toString(), t(() => new URL("nope")), URL.canParse("/x", "http://h"),
      new URL("/x?y", "http://h/a/b").href, JSON.stringify({ u: new URL("http://h/p") })].join("|");
  }
  case "headers": {
    const h = new Headers({ "Content-Type": "text/plain", "X-A": "1" });
    h.append("x-a", "2");
    h.append("Set-Cookie", "a=1");
    h.append("Set-Cookie", "b=2");
    return [h.get("x-a"), h.get("content-type"), h.has("X-A"), [...h].map(([k, v]) => k + "=" + v).join(";"), h.getSetCookie().length,
      t(() => h.set("bad name", "x")), t(() => h.set("x", "a\nb"))].join("|");
  }
  case "response": {
    const r = Response.json({ a: 1 }, { status: 201, headers: { "X-B": "2" } });
    const red = Response.redirect("http://h/x", 301);
    return [r.status, r.ok, r.headers.get("content-type"), r.headers.get("x-b"), red.status, red.headers.get("location"), Response.error().type,
      t(() => new Response("x", { status: 204 })), t(() => new Response(null, { status: 99 })), new Request("http://h/", { method: "patch" }).method,
      new Request("http://h/", { method: "delete" }).method, t(() => new Request("http://h/", { method: "CONNECT" })),
      Response.json([], { headers: { "Content-Type": "application/vnd.api+json" } }).headers.get("content-type")].join("|");
  }
  case "events": {
    const out = [];
    const et = new EventTarget();
    const f = (e) => out.push("f:" + e.type);
    et.addEventListener("x", f);
    et.addEventListener("x", f);
    et.addEventListener("x", (e) => out.push("once"), { once: true });
    et.dispatchEvent(new Event("x"));
    et.dispatchEvent(new Event("x"));
    et.removeEventListener("x", f);
    et.dispatchEvent(new Event("x"));
    const c = new AbortController();
    c.signal.onabort = () => out.push("onabort");
    c.signal.addEventListener("abort", () => out.push("abort " + c.signal.reason.name));
    c.abort();
    c.abort();
    const e = new DOMException("m", "NotFoundError");
    out.push(c.signal.aborted, t(() => c.signal.throwIfAborted()), e.code, e.name, e instanceof Error, DOMException.ABORT_ERR, AbortSignal.abort("why").reason, t(() => new AbortSignal()));
    return out.join("|");
  }
  case "timeout signal":
    return new Promise((resolve) => {
      const s = AbortSignal.timeout(10);
      s.addEventListener("abort", () => resolve(s.reason.name + " " + s.aborted));
    });
  case "performance": {
    const a = performance.now();
    let x = 0;
    for (let i = 0; i < 1e5; i++) x += i;
    const b = performance.now();
    return [typeof a, b >= a, performance.timeOrigin > 1.7e12].join("|");
  }
  case "assign":
    globalThis.fetch = () => "mine";
    return fetch();
  }
  if (req.query.case === "return response") {
    const h = new Headers({ "content-type": "text/csv", "x-kind": "report" });
    h.append("set-cookie", "a=1");
    h.append("set-cookie", "b=2");
    return new Response("id,name\n1,ann\n", { status: 201, headers: h });
  }
  if (req.query.case === "return text") { // a string body is sent as its UTF-8 bytes
    const r = new Response("héllo ✓ 😀");
    return req.query.read ? new Response(r.body) : r;
  }
  if (req.query.case === "return used response") {
    const r = new Response("x");
    r.text();
    return r;
  }
  return "no case";
}
