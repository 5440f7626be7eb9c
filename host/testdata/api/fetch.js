// fetch: outbound requests to the test upstream (req.query.up).
async function handle(req) {
  const up = req.query.up;
  const fail = async (p) => { try { await p; return "no error"; } catch (e) { return e.constructor.name + ": " + e.message; } };
  switch (req.query.case) {
  case "json": {
    const r = await fetch(up + "/json");
    const j = await r.json();
    return [r.status, r.ok, r.statusText, r.headers.get("Content-Type"), j.name, j.n, r.url === up + "/json"].join(" ");
  }
  case "post": {
    const r = await fetch(up + "/echo", { method: "post", headers: { "X-Test": "yes" }, body: "hi there" });
    const e = await r.json();
    return [e.method, e.body, e["x-test"], e["content-type"], e.ua].join("|");
  }
  case "bytes": {
    const r = await fetch(new Request(up + "/echo", { method: "PUT", body: new Uint8Array([104, 105]), headers: [["content-type", "application/octet-stream"]] }));
    const e = JSON.parse(new TextDecoder().decode(await r.arrayBuffer()));
    return e.method + " " + e.body + " " + e["content-type"];
  }
  case "form": {
    const e = await (await fetch(up + "/echo", { method: "POST", body: new URLSearchParams({ q: "a b", n: "1" }) })).json();
    return e.body + " " + e["content-type"];
  }
  case "status": {
    const r = await fetch(up + "/cookies");
    const c = r.clone(); // before the headers were asked for: its own copy of them
    c.headers.append("x-clone", "1");
    return [r.status, r.ok, r.headers.get("x-multi"), r.headers.getSetCookie().join(";"), await r.text() === "", c.headers.getSetCookie().join(";"), r.headers.has("x-clone")].join(" ");
  }
  case "redirect": {
    const f = await fetch(up + "/redirect");
    const m = await fetch(up + "/redirect", { redirect: "manual" });
    return [f.status, f.redirected, f.url.endsWith("/json"), m.status, m.headers.get("location"), await fail(fetch(up + "/redirect", { redirect: "error" }))].join(" ");
  }
  case "refused": return await fail(fetch("http://169.254.169.254/latest/meta-data/"));
  case "unreachable": return await fail(fetch("http://127.0.0.1:1/"));
  case "bad url": return await fail(fetch("/relative"));
  case "get body": return await fail(fetch(up + "/echo", { body: "x" }));
  case "big": return await fail(fetch(up + "/big"));
  case "timeout": return await fail(fetch(up + "/slow?ms=2000"));
  case "many": {
    const out = [];
    for (let i = 0; i < 6; i++) out.push(await fail(fetch(up + "/json")));
    return out.join("\n");
  }
  case "parallel": {
    const t0 = performance.now();
    const rs = await Promise.all([1, 2, 3, 4].map(() => fetch(up + "/slow?ms=200").then((r) => r.text())));
    const ms = performance.now() - t0;
    return rs.join(",") + (ms < 700 ? " overlapped" : " took " + ms + "ms");
  }
  case "abort": {
    const c = new AbortController();
    setTimeout(() => c.abort(), 50);
    const t0 = performance.now();
    const e = await fail(fetch(up + "/slow?ms=5000", { signal: c.signal }));
    return e + (performance.now() - t0 < 2000 ? " promptly" : " late");
  }
  case "abort timeout": { // AbortSignal.timeout's timer aborts a fetch in flight
    const t0 = performance.now();
    const e = await fail(fetch(up + "/slow?ms=5000", { signal: AbortSignal.timeout(50) }));
    return e + (performance.now() - t0 < 2000 ? " promptly" : " late");
  }
  case "json bytes": { // json() reads the bytes: a byte order mark dropped, bad UTF-8 replaced, bad JSON a SyntaxError
    const bom = await new Response(new Uint8Array([0xef, 0xbb, 0xbf, 0x5b, 0x31, 0x5d])).json();
    const bad = await new Response(new Uint8Array([0x22, 0x61, 0xff, 0x62, 0x22])).json();
    return [JSON.stringify(bom), bad === "a\ufffdb", await fail(new Response("{nope").json())].join(" ");
  }
  case "used": {
    const r = await fetch(up + "/json");
    await r.text();
    return (r.bodyUsed) + " " + await fail(r.json());
  }
  }
  return "no case";
}
