// querystring.js: Node's querystring module.
(function (native, need) {
  "use strict";
  function unescape(s) {
    try { return decodeURIComponent(s); } catch (e) {
      return s.replace(/%([0-9a-fA-F]{2})/g, (m, h) => String.fromCharCode(parseInt(h, 16)));
    }
  }
  function escape(s) { return encodeURIComponent(s); }
  function stringifyPrimitive(v) {
    if (typeof v === "string") return v;
    if ((typeof v === "number" && isFinite(v)) || typeof v === "bigint" || typeof v === "boolean") return String(v);
    return "";
  }
  function parse(str, sep = "&", eq = "=", opts = {}) {
    const out = Object.create(null);
    if (typeof str !== "string" || str.length === 0) return out;
    const maxKeys = opts.maxKeys === undefined ? 1000 : opts.maxKeys;
    const decode = opts.decodeURIComponent || unescape;
    let pairs = str.split(sep || "&");
    if (maxKeys > 0) pairs = pairs.slice(0, maxKeys);
    for (const pair of pairs) {
      if (pair === "") continue;
      const i = pair.indexOf(eq || "=");
      const k = decode((i < 0 ? pair : pair.slice(0, i)).replace(/\+/g, " "));
      const v = i < 0 ? "" : decode(pair.slice(i + (eq || "=").length).replace(/\+/g, " "));
      if (!(k in out)) out[k] = v;
      else if (Array.isArray(out[k])) out[k].push(v);
      else out[k] = [out[k], v];
    }
    return out;
  }
  function stringify(obj, sep = "&", eq = "=", opts = {}) {
    const enc = opts.encodeURIComponent || escape;
    if (obj === null || typeof obj !== "object") return "";
    return Object.keys(obj).map((k) => {
      const ks = enc(stringifyPrimitive(k)) + eq;
      const v = obj[k];
      if (Array.isArray(v)) return v.map((x) => ks + enc(stringifyPrimitive(x))).join(sep);
      return ks + enc(stringifyPrimitive(v));
    }).filter(Boolean).join(sep);
  }
  const querystring = { parse, stringify, decode: parse, encode: stringify, escape, unescape, unescapeBuffer: (s) => need.Buffer.from(unescape(s)) };
  return { querystring };
})
