// path.js: Node's path module, POSIX flavour (scripts run on one);
// the working directory is "/", the scripts' root.
(function (native, need) {
  "use strict";
  function check(p, name = "path") {
    if (typeof p !== "string") {
      const err = new TypeError(`The "${name}" argument must be of type string. Received ${p === null ? "null" : typeof p}`);
      err.code = "ERR_INVALID_ARG_TYPE";
      throw err;
    }
  }
  // normalizeParts resolves . and .. in a path's segments.
  function normalizeParts(p, absolute) {
    const out = [];
    for (const seg of p.split("/")) {
      if (seg === "" || seg === ".") continue;
      if (seg === "..") {
        if (out.length && out[out.length - 1] !== "..") out.pop();
        else if (!absolute) out.push("..");
        continue;
      }
      out.push(seg);
    }
    return out.join("/");
  }
  const path = {
    sep: "/", delimiter: ":",
    normalize(p) {
      check(p);
      if (p === "") return ".";
      const abs = p.startsWith("/"), trailing = p.endsWith("/");
      let s = normalizeParts(p, abs);
      if (s === "" && !abs) s = ".";
      if (s !== "" && trailing) s += "/";
      return (abs ? "/" : "") + s;
    },
    join(...parts) {
      parts.forEach((p) => check(p));
      const joined = parts.filter((p) => p !== "").join("/");
      return joined === "" ? "." : path.normalize(joined);
    },
    resolve(...parts) {
      let resolved = "";
      for (let i = parts.length - 1; i >= 0 && !resolved.startsWith("/"); i--) {
        check(parts[i]);
        if (parts[i] !== "") resolved = parts[i] + (resolved ? "/" + resolved : "");
      }
      if (!resolved.startsWith("/")) resolved = "/" + resolved;
      return "/" + normalizeParts(resolved, true);
    },
    isAbsolute(p) { check(p); return p.startsWith("/"); },
    relative(from, to) {
      check(from, "from"); check(to, "to");
      const a = path.resolve(from).split("/").filter(Boolean), b = path.resolve(to).split("/").filter(Boolean);
      let i = 0;
      while (i < a.length && i < b.length && a[i] === b[i]) i++;
      return [...Array(a.length - i).fill(".."), ...b.slice(i)].join("/");
    },
    dirname(p) {
      check(p);
      if (p === "") return ".";
      const trimmed = p.replace(/\/+$/, "");
      if (trimmed === "") return "/";
      const i = trimmed.lastIndexOf("/");
      if (i < 0) return ".";
      const dir = trimmed.slice(0, i).replace(/\/+$/, "");
      return dir === "" ? "/" : dir;
    },
    basename(p, ext) {
      check(p);
      if (ext !== undefined) check(ext, "ext");
      let base = p.replace(/\/+$/, "");
      base = base.slice(base.lastIndexOf("/") + 1);
      if (ext && base !== ext && base.endsWith(ext)) base = base.slice(0, -ext.length);
      return base;
    },
    extname(p) {
      check(p);
      const base = path.basename(p);
      const i = base.lastIndexOf(".");
      return i <= 0 ? "" : base.slice(i);
    },
    parse(p) {
      check(p);
      const root = p.startsWith("/") ? "/" : "";
      const base = path.basename(p), ext = path.extname(p);
      let dir = path.dirname(p);
      if (dir === "." && !p.startsWith(".")) dir = "";
      return { root, dir, base, ext, name: ext ? base.slice(0, -ext.length) : base };
    },
    format(o) {
      if (o === null || typeof o !== "object") throw new TypeError('The "pathObject" argument must be of type object');
      const dir = o.dir || o.root || "";
      const base = o.base || (o.name || "") + (o.ext ? (o.ext.startsWith(".") ? "" : ".") + o.ext : "");
      if (!dir) return base;
      return dir === o.root ? dir + base : dir + "/" + base;
    },
    toNamespacedPath(p) { return p; },
  };
  path.posix = path;
  path.win32 = path;
  return { path };
})
