// url.js: URL and URLSearchParams as the WHATWG URL standard has them,
// over a Go parser that passes the web-platform-tests' URL data.
(function (native) {
  "use strict";
  const kAttach = Symbol("attach");

  let attachParams, reparseParams;
  class URLSearchParams {
    #list = [];
    #onChange = null;
    constructor(init = "") {
      if (typeof init === "object" && init !== null) {
        if (typeof init[Symbol.iterator] === "function") {
          for (const pair of init) {
            const p = Array.from(pair);
            if (p.length !== 2) throw new TypeError("URLSearchParams: each pair must be [name, value]");
            this.#list.push([String(p[0]), String(p[1])]);
          }
        } else {
          for (const k of Object.keys(init)) this.#list.push([k, String(init[k])]);
        }
      } else {
        let s = String(init);
        if (s[0] === "?") s = s.slice(1);
        this.#list = native.formParse(s);
      }
    }
    #update() { if (this.#onChange) this.#onChange(this.toString()); }
    get size() { return this.#list.length; }
    append(name, value) { this.#list.push([String(name), String(value)]); this.#update(); }
    delete(name, value) {
      name = String(name);
      this.#list = this.#list.filter((p) => p[0] !== name || (value !== undefined && p[1] !== String(value)));
      this.#update();
    }
    get(name) { name = String(name); const p = this.#list.find((p) => p[0] === name); return p ? p[1] : null; }
    getAll(name) { name = String(name); return this.#list.filter((p) => p[0] === name).map((p) => p[1]); }
    has(name, value) {
      name = String(name);
      return this.#list.some((p) => p[0] === name && (value === undefined || p[1] === String(value)));
    }
    set(name, value) {
      name = String(name); value = String(value);
      const i = this.#list.findIndex((p) => p[0] === name);
      if (i < 0) this.#list.push([name, value]);
      else {
        this.#list[i] = [name, value];
        this.#list = this.#list.filter((p, j) => j <= i || p[0] !== name);
      }
      this.#update();
    }
    sort() {
      // Stable, by UTF-16 code units (the default string comparison).
      this.#list = this.#list.map((p, i) => [p, i]).sort((a, b) => (a[0][0] < b[0][0] ? -1 : a[0][0] > b[0][0] ? 1 : a[1] - b[1])).map((x) => x[0]);
      this.#update();
    }
    toString() { return native.formSerialize(this.#list); }
    forEach(fn, thisArg) { for (const [k, v] of this.#list.slice()) fn.call(thisArg, v, k, this); }
    *entries() { for (let i = 0; i < this.#list.length; i++) yield [this.#list[i][0], this.#list[i][1]]; }
    *keys() { for (const [k] of this.entries()) yield k; }
    *values() { for (const [, v] of this.entries()) yield v; }
    [Symbol.iterator]() { return this.entries(); }
    get [Symbol.toStringTag]() { return "URLSearchParams"; }
    static {
      attachParams = (p, onChange) => { p.#onChange = onChange; };
      reparseParams = (p, query) => { p.#list = native.formParse(query); };
    }
  }

  function invalid(input) {
    const e = new TypeError(`Invalid URL: ${JSON.stringify(input)}`);
    e.code = "ERR_INVALID_URL";
    e.input = input;
    return e;
  }

  class URL {
    #h; #params = null;
    constructor(url, base) {
      if (arguments.length === 0) throw new TypeError("URL: 1 argument required, but only 0 present.");
      const input = String(url);
      if (base !== undefined) base = String(base);
      const h = native.urlParse(input, base);
      if (h === null) throw invalid(input);
      this.#h = h;
    }
    static canParse(url, base) { return native.urlParse(String(url), base === undefined ? undefined : String(base)) !== null; }
    static parse(url, base) { try { return new URL(url, base); } catch { return null; } }
    #changed() { if (this.#params) reparseParams(this.#params, native.urlGet(this.#h, "query")); }
    get href() { return native.urlGet(this.#h, "href"); }
    set href(v) { if (!native.urlSet(this.#h, "href", String(v))) throw invalid(String(v)); this.#changed(); }
    get origin() { return native.urlGet(this.#h, "origin"); }
    get protocol() { return native.urlGet(this.#h, "protocol"); }
    set protocol(v) { native.urlSet(this.#h, "protocol", String(v)); }
    get username() { return native.urlGet(this.#h, "username"); }
    set username(v) { native.urlSet(this.#h, "username", String(v)); }
    get password() { return native.urlGet(this.#h, "password"); }
    set password(v) { native.urlSet(this.#h, "password", String(v)); }
    get host() { return native.urlGet(this.#h, "host"); }
    set host(v) { native.urlSet(this.#h, "host", String(v)); }
    get hostname() { return native.urlGet(this.#h, "hostname"); }
    set hostname(v) { native.urlSet(this.#h, "hostname", String(v)); }
    get port() { return native.urlGet(this.#h, "port"); }
    set port(v) { native.urlSet(this.#h, "port", String(v)); }
    get pathname() { return native.urlGet(this.#h, "pathname"); }
    set pathname(v) { native.urlSet(this.#h, "pathname", String(v)); }
    get search() { return native.urlGet(this.#h, "search"); }
    set search(v) { native.urlSet(this.#h, "search", String(v)); this.#changed(); }
    get searchParams() {
      if (!this.#params) {
        this.#params = new URLSearchParams(native.urlGet(this.#h, "query"));
        attachParams(this.#params, (s) => native.urlSet(this.#h, "search", s));
      }
      return this.#params;
    }
    get hash() { return native.urlGet(this.#h, "hash"); }
    set hash(v) { native.urlSet(this.#h, "hash", String(v)); }
    toString() { return this.href; }
    toJSON() { return this.href; }
    get [Symbol.toStringTag]() { return "URL"; }
  }

  return { URL, URLSearchParams };
})
