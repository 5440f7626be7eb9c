// Request and response helpers: queryAll, cookies, setCookie, escapeHTML, form.
function handle(req) {
  const c = req.query.case;
  if (c === "query") {
    return req.queryAll("tag").join(",") + "|" + req.queryAll("none").length;
  } else if (c === "cookies") {
    const k = req.cookies;
    return [k.sid, k.theme, k.name, k.empty, String(k.missing), Object.keys(k).sort().join(",")].join("|");
  } else if (c === "setcookie") {
    setCookie("sid", "a b;c", { maxAge: 3600, path: "/", httpOnly: true, secure: true, sameSite: "lax" });
    setCookie("theme", "dark", { expires: new Date(Date.UTC(2030, 0, 2, 3, 4, 5)), domain: "example.com" });
    setCookie("old", "", { maxAge: -1, expires: 0 });
    return "set";
  } else if (c === "cookie errors") {
    const out = [];
    for (const f of [
      () => setCookie("a b", "x"),
      () => setCookie("a", "x", { sameSite: "none" }),
      () => setCookie("a", "x", { sameSite: "sideways" }),
      () => setCookie("a", "x", { maxAg: 1 }),
      () => setCookie("a", "x", { path: "/;x" }),
      () => setCookie("a", "x", { secure: "yes" }),
      () => setCookie("a", "x", { expires: "soon" }),
    ]) {
      try { f(); out.push("ok"); } catch (e) { out.push(e.message); }
    }
    return out.join("\n");
  } else if (c === "escape") {
    return [escapeHTML(`<a href="x">Tom & 'Jerry'</a>`), escapeHTML(""), escapeHTML(null), escapeHTML(42)].join("|");
  } else if (c === "form") {
    const f = req.form();
    const again = req.form();
    const up = f.files.up;
    const out = [f.fields.a, f.fieldsAll["tags[]"].join(","), String(f.fields.none), again.fields.a];
    if (up) out.push(up.filename, up.type, up.size, new TextDecoder().decode(up.data), up.data instanceof ArrayBuffer);
    if (f.filesAll.many) out.push(f.filesAll.many.length, f.filesAll.many.map((x) => x.filename).join(","));
    return out.join("|");
  } else if (c === "big") {
    const up = req.form().files.up;
    const d = new Uint8Array(up.data);
    return up.size + " " + d.length + " " + String.fromCharCode(d[0], d[d.length - 1]);
  } else if (c === "form error caught") {
    try { req.form(); } catch (e) { status(422); return "caught: " + e.message; }
  }
  return req.form().fields.a;
}
