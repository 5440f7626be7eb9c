// nodeurl.js: Node's url module: the WHATWG URL classes, and the legacy
// url.parse/format/resolve (Node's own fields, slashes, auth, path).
(function (native, need) {
  "use strict";
  const { URL, URLSearchParams } = need;
  const qs = need.querystring;
  const slashed = new Set(["http:", "https:", "ftp:", "gopher:", "file:", "ws:", "wss:"]);

  function Url() {
    this.protocol = null; this.slashes = null; this.auth = null; this.host = null; this.port = null;
    this.hostname = null; this.hash = null; this.search = null; this.query = null;
    this.pathname = null; this.path = null; this.href = null;
  }

  function parse(input, parseQuery = false, slashesDenoteHost = false) {
    if (input instanceof Url) return input;
    if (typeof input !== "string") {
      const err = new TypeError(`The "url" argument must be of type string. Received ${input === null ? "null" : typeof input}`);
      err.code = "ERR_INVALID_ARG_TYPE";
      throw err;
    }
    const u = new Url();
    let rest = input.trim();
    const hashAt = rest.indexOf("#");
    if (hashAt >= 0) { u.hash = rest.slice(hashAt); rest = rest.slice(0, hashAt); }
    const qAt = rest.indexOf("?");
    if (qAt >= 0) { u.search = rest.slice(qAt); u.query = rest.slice(qAt + 1); rest = rest.slice(0, qAt); }
    else if (parseQuery) { u.search = ""; u.query = {}; }
    const proto = /^([a-zA-Z][a-zA-Z0-9+.-]*:)/.exec(rest);
    if (proto) { u.protocol = proto[1].toLowerCase(); rest = rest.slice(proto[1].length); }
    if (slashesDenoteHost || proto || /^\/\/[^@/]+@[^@/]+/.test(rest)) {
      if (rest.startsWith("//") && !(u.protocol === "javascript:")) {
        u.slashes = true;
        rest = rest.slice(2);
        let end = rest.search(/[/\\]/);
        if (end < 0) end = rest.length;
        let authority = rest.slice(0, end);
        rest = rest.slice(end);
        const at = authority.lastIndexOf("@");
        if (at >= 0) { u.auth = decodeURIComponent(authority.slice(0, at)); authority = authority.slice(at + 1); }
        const port = /:([0-9]*)$/.exec(authority);
        if (port) { if (port[1]) u.port = port[1]; authority = authority.slice(0, -port[0].length); }
        u.hostname = authority.replace(/^\[|\]$/g, "").toLowerCase();
        u.host = (authority.startsWith("[") ? "[" + u.hostname + "]" : u.hostname) + (u.port ? ":" + u.port : "");
      }
    }
    if (rest || u.host) u.pathname = rest || (slashed.has(u.protocol) ? "/" : null);
    if (u.pathname !== null && u.pathname !== undefined) u.pathname = u.pathname.replace(/[ "'<>\\^`{|}]/g, (c) => c === "\\" ? "/" : encodeURIComponent(c));
    if (parseQuery && typeof u.query === "string") u.query = qs.parse(u.query);
    else if (parseQuery && u.query === null) u.query = {};
    u.path = (u.pathname || "") + (u.search || "") || null;
    u.href = format(u);
    return u;
  }

  function format(obj, opts) {
    if (typeof obj === "string") obj = parse(obj);
    if (obj instanceof URL) {
      const o = Object.assign({ auth: true, fragment: true, search: true, unicode: false }, opts);
      let s = obj.protocol + (obj.host || obj.protocol === "file:" ? "//" : "");
      if (o.auth && (obj.username || obj.password)) s += obj.username + (obj.password ? ":" + obj.password : "") + "@";
      return s + obj.host + obj.pathname + (o.search ? obj.search : "") + (o.fragment ? obj.hash : "");
    }
    if (obj === null || typeof obj !== "object") throw new TypeError('The "urlObject" argument must be one of type object or string');
    let protocol = obj.protocol || "";
    if (protocol && !protocol.endsWith(":")) protocol += ":";
    let auth = obj.auth ? encodeURIComponent(obj.auth).replace(/%3A/i, ":") + "@" : "";
    let host = "";
    if (obj.host) host = auth + obj.host;
    else if (obj.hostname) host = auth + (obj.hostname.includes(":") ? "[" + obj.hostname + "]" : obj.hostname) + (obj.port ? ":" + obj.port : "");
    let pathname = obj.pathname || "";
    let search = obj.search || "";
    if (!search && obj.query && typeof obj.query === "object") { const q = qs.stringify(obj.query); if (q) search = "?" + q; }
    if (search && !search.startsWith("?")) search = "?" + search;
    let hash = obj.hash || "";
    if (hash && !hash.startsWith("#")) hash = "#" + hash;
    if (obj.slashes || slashed.has(protocol) && host !== "" || (slashed.has(protocol) && protocol === "file:")) {
      host = "//" + host;
      if (pathname && !pathname.startsWith("/")) pathname = "/" + pathname;
    }
    pathname = pathname.replace(/[?#]/g, encodeURIComponent);
    search = search.replace("#", "%23");
    return protocol + host + pathname + search + hash;
  }

  function resolve(from, to) {
    const base = new URL(from, "resolve://");
    const r = new URL(to, base);
    if (r.protocol === "resolve:") {
      const { pathname, search, hash } = r;
      return pathname + search + hash;
    }
    return r.toString();
  }

  function fileURLToPath(u) {
    const url = typeof u === "string" ? new URL(u) : u;
    if (url.protocol !== "file:") {
      const err = new TypeError("The URL must be of scheme file");
      err.code = "ERR_INVALID_URL_SCHEME";
      throw err;
    }
    if (url.hostname !== "") throw new TypeError(`File URL host must be "localhost" or empty on linux`);
    if (/%2f/i.test(url.pathname)) throw new TypeError("File URL path must not include encoded / characters");
    return decodeURIComponent(url.pathname);
  }

  function pathToFileURL(p) {
    const u = new URL("file://");
    u.pathname = need.path.resolve(p);
    return u;
  }

  const url = {
    URL, URLSearchParams, Url, parse, format, resolve, fileURLToPath, pathToFileURL,
    domainToASCII: (d) => { try { return new URL("http://" + d).hostname; } catch (e) { return ""; } },
    domainToUnicode: (d) => d,
    urlToHttpOptions: (u) => ({ protocol: u.protocol, hostname: u.hostname, hash: u.hash, search: u.search, pathname: u.pathname, path: u.pathname + u.search, href: u.href, port: u.port ? Number(u.port) : undefined, auth: u.username ? u.username + ":" + u.password : undefined }),
  };
  return { url };
})
