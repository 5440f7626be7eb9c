// The Node built-ins and Web crypto. Each case's output is what node 20
// prints for the same code (random values are checked by their shape).
const cases = {
  buffer() {
    const b = Buffer.from("héllo wörld");
    const n = Buffer.alloc(8);
    n.writeUInt32BE(0xdeadbeef, 0);
    n.writeInt16LE(-2, 4);
    return [
      b.length, b.toString("hex"), b.toString("base64"), b.toString("base64url"), b.subarray(1, 3).toString("latin1"),
      Buffer.from("aMOpbGxv", "base64").toString(), Buffer.from("68c3a9", "hex").toString(), Buffer.byteLength("€"),
      Buffer.isBuffer(b), Buffer.isBuffer(new Uint8Array(1)), b.slice(0, 1) instanceof Buffer, b instanceof Uint8Array,
      Buffer.concat([Buffer.from("a"), Buffer.from("bc")]).toString(), Buffer.compare(Buffer.from("a"), Buffer.from("b")),
      n.toString("hex"), n.readUInt32BE(0), n.readInt16LE(4), b.indexOf("l"), b.includes("wör"),
      JSON.stringify(Buffer.from([1, 2])), require("util").inspect(Buffer.from("hi")), require("buffer").Buffer === Buffer,
    ].join("|");
  },
  "buffer errors"() {
    const out = [];
    for (const f of [() => Buffer.alloc(2).writeUInt8(300), () => Buffer.from("x").toString("klingon"), () => Buffer.alloc(1).readUInt32LE(0), () => Buffer.from(5)]) {
      try { f(); out.push("no error"); } catch (e) { out.push(e.name + " " + e.code); }
    }
    return out.join("|");
  },
  "web crypto"() {
    const a = crypto.getRandomValues(new Uint8Array(16));
    let quota;
    try { crypto.getRandomValues(new Uint8Array(65537)); } catch (e) { quota = e.name; }
    const id = crypto.randomUUID();
    return crypto.subtle.digest("SHA-256", new TextEncoder().encode("abc")).then((d) =>
      [a.length, a.some((x) => x !== 0), quota, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id),
        d instanceof ArrayBuffer, Buffer.from(d).toString("hex")].join("|"));
  },
  "node crypto"() {
    const c = require("node:crypto");
    return [
      c.createHash("sha256").update("ab").update("c").digest("hex"),
      c.createHash("md5").update("abc").digest("base64"),
      c.createHmac("sha256", "key").update("The quick brown fox jumps over the lazy dog").digest("hex"),
      c.createHash("sha1").update(Buffer.from("abc")).digest().length,
      c.randomBytes(12).length, typeof c.randomUUID(), c.timingSafeEqual(Buffer.from("ab"), Buffer.from("ab")),
      c.hash ? c.hash("sha1", "abc") : c.createHash("sha1").update("abc").digest("hex"),
      (() => { try { c.createHash("whirl"); } catch (e) { return e.message; } })(),
      (() => { const n = c.randomInt(10); return n >= 0 && n < 10; })(),
    ].join("|");
  },
  "node pbkdf2"() {
    const c = require("crypto");
    return [
      c.pbkdf2Sync("password", "salt", 1, 32, "sha256").toString("hex"),
      c.pbkdf2Sync(Buffer.from("password"), "salt", 4096, 32, "sha256").toString("hex"),
      (() => { try { c.pbkdf2Sync("p", "s", 0, 32, "sha256"); } catch (e) { return e.name + ": " + e.message; } })(),
      (() => { try { c.pbkdf2Sync("p", "s", 1, 32, "whirl"); } catch (e) { return e.message; } })(),
    ].join("|");
  },
  path() {
    const p = require("path");
    return [p.join("/a/b", "../c", "./d.txt"), p.resolve("x", "/y", "z"), p.dirname("/a/b/c.js"), p.basename("/a/b/c.js", ".js"),
      p.extname("x.tar.gz"), p.relative("/a/b/c", "/a/d"), p.normalize("a//b/../c/"), JSON.stringify(p.parse("/home/u/f.txt")),
      p.format({ dir: "/x", name: "f", ext: ".md" }), p.isAbsolute("./a"), p.sep].join("|");
  },
  events() {
    const EventEmitter = require("events");
    const e = new EventEmitter(), out = [];
    e.on("x", (a, b) => out.push("on " + a + b));
    e.once("x", () => out.push("once"));
    e.prependListener("x", () => out.push("first"));
    e.emit("x", 1, 2);
    e.emit("x", 3, 4);
    out.push(e.listenerCount("x"), e.eventNames().join(","));
    try { e.emit("error", new Error("unheard")); } catch (err) { out.push("threw " + err.message); }
    class Mine extends EventEmitter {}
    out.push(new Mine() instanceof EventEmitter, EventEmitter.EventEmitter === EventEmitter);
    return out.join("|");
  },
  querystring() {
    const qs = require("querystring");
    return [JSON.stringify(qs.parse("a=1&b=x+y&a=2&c=%E2%82%AC&d")), qs.stringify({ a: [1, 2], b: "x y", c: "€!" }), qs.escape("a b&")].join("|");
  },
  url() {
    const url = require("url");
    const u = url.parse("https://user:pw@Example.COM:8080/p/a/t/h?query=string#hash", true);
    return [u.protocol, u.auth, u.host, u.port, u.hostname, u.hash, u.search, JSON.stringify(u.query), u.pathname, u.path, u.href,
      url.format({ protocol: "http", hostname: "h.com", pathname: "/x", query: { a: 1 } }), url.resolve("http://a.com/b/c", "../d"),
      url.fileURLToPath("file:///tmp/a%20b"), new url.URL("http://x/y").pathname, url.URL === URL].join("|");
  },
  util() {
    const util = require("util");
    return [util.format("%s:%d:%i:%j", "a", 1.5, 2.7, { x: 1 }), util.inspect({ a: [1, { b: new Map([["k", 1]]) }] }), util.inspect("s"),
      util.isDeepStrictEqual({ a: [1, 2] }, { a: [1, 2] }), util.types.isDate(new Date()), typeof util.promisify((cb) => cb(null, 1))].join("|");
  },
  "string_decoder"() {
    const { StringDecoder } = require("string_decoder");
    const d = new StringDecoder("utf8"), euro = Buffer.from("€");
    return [JSON.stringify(d.write(euro.subarray(0, 1))), JSON.stringify(d.write(euro.subarray(1))), JSON.stringify(d.end())].join("|");
  },
  async timers() {
    const out = [];
    const t = require("timers/promises");
    setImmediate((x) => out.push("immediate " + x), "arg");
    queueMicrotask(() => out.push("microtask"));
    out.push(await t.setTimeout(5, "slept"));
    const { setTimeout: st } = require("node:timers");
    out.push(st === setTimeout, typeof require("timers").promises.setImmediate);
    return out.join("|");
  },
  process() {
    return [typeof process.nextTick, typeof process.hrtime.bigint(), process.cwd(), typeof process.env, require("process") === process].join("|");
  },
};
async function handle(req) { return String(await cases[req.query.case]()); }
if (typeof module !== "undefined" && require.main === module) { // node node.js: the expected outputs
  (async () => { for (const k in cases) console.log(k + "\t" + (await cases[k]())); })();
}
