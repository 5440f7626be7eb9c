// fetch.js: fetch with Headers, Request and Response, as the WHATWG Fetch
// standard has them, over the server's outbound client (native.fetch,
// bounded by [fetch]). Bodies are bytes in memory, or a ReadableStream a
// script made (a Response body streams).
(function (native, need) {
  "use strict";
  const { view, DOMException, AbortController, FormData, parseForm, encodeForm } = need;

  const token = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
  function headerName(name, who) {
    const n = native.headerName(String(name)); // lower-cased, or null when not a token
    if (n === null) throw new TypeError(`${who}: ${JSON.stringify(String(name))} is not a valid header name`);
    return n;
  }
  function headerValue(value, who) {
    const v = native.headerValue(String(value)); // trimmed, or null with NUL, CR or LF
    if (v === null) throw new TypeError(`${who}: ${JSON.stringify(String(value).trim())} is not a valid header value`);
    return v;
  }

  // indexOf is the index of the first pair named n in list, from from on.
  function indexOf(list, n, from = 0) {
    for (let i = from; i < list.length; i++) if (list[i][0] === n) return i;
    return -1;
  }

  // trusted marks a constructor call from this file with values already
  // checked (what the server's client returns).
  const trusted = Symbol("trusted");
  let headerList;

  class Headers {
    #list = []; // [lower-case name, value], in order added
    constructor(init, mark) {
      if (init == null) return;
      if (mark === trusted) { this.#list = init; return; }
      // indexed loops: goja makes an object per step of for…of
      if (init instanceof Headers) {
        const from = init.#list;
        for (let i = 0; i < from.length; i++) this.#list.push(from[i]); // pairs are replaced, never changed
      } else if (Array.isArray(init)) {
        for (let i = 0; i < init.length; i++) {
          const p = init[i];
          if (!Array.isArray(p) || p.length !== 2) {
            const q = p != null && typeof p[Symbol.iterator] === "function" ? Array.from(p) : null;
            if (!q || q.length !== 2) throw new TypeError("Headers: each header pair must be [name, value]");
            this.append(q[0], q[1]);
            continue;
          }
          this.append(p[0], p[1]);
        }
      } else if (typeof init === "object" && typeof init[Symbol.iterator] === "function") {
        for (const pair of init) {
          const p = Array.from(pair);
          if (p.length !== 2) throw new TypeError("Headers: each header pair must be [name, value]");
          this.append(p[0], p[1]);
        }
      } else if (typeof init === "object") {
        const keys = Object.keys(init);
        for (let i = 0; i < keys.length; i++) this.append(keys[i], init[keys[i]]);
      } else {
        throw new TypeError("Headers: want a Headers, an array of [name, value] pairs or an object");
      }
    }
    append(name, value) {
      const n = String(name), v = String(value), pair = native.headerPair(n, v);
      if (pair === null) { headerName(n, "Headers.append"); headerValue(v, "Headers.append"); } // they throw
      this.#list.push(pair);
    }
    set(name, value) {
      const n = headerName(name, "Headers.set"), v = headerValue(value, "Headers.set");
      const list = this.#list, i = indexOf(list, n);
      if (i < 0) { list.push([n, v]); return; }
      list[i] = [n, v];
      if (indexOf(list, n, i + 1) >= 0) this.#list = list.filter((e, j) => j <= i || e[0] !== n);
    }
    get(name) {
      const n = headerName(name, "Headers.get"), list = this.#list;
      let out = null;
      for (let i = 0; i < list.length; i++) {
        if (list[i][0] === n) out = out === null ? list[i][1] : out + ", " + list[i][1];
      }
      return out;
    }
    getSetCookie() { return this.#list.filter((e) => e[0] === "set-cookie").map((e) => e[1]); }
    has(name) { return indexOf(this.#list, headerName(name, "Headers.has")) >= 0; }
    delete(name) { const n = headerName(name, "Headers.delete"); this.#list = this.#list.filter((e) => e[0] !== n); }
    forEach(fn, thisArg) { for (const [n, v] of this) fn.call(thisArg, v, n, this); }
    *entries() {
      const names = [...new Set(this.#list.map((e) => e[0]))].sort();
      for (const n of names) {
        if (n === "set-cookie") { for (const v of this.getSetCookie()) yield [n, v]; continue; }
        yield [n, this.get(n)];
      }
    }
    *keys() { for (const [n] of this.entries()) yield n; }
    *values() { for (const [, v] of this.entries()) yield v; }
    [Symbol.iterator]() { return this.entries(); }
    get [Symbol.toStringTag]() { return "Headers"; }
    static { headerList = (h) => h.#list; }
  }

  // ReadableStream: a queue of chunks its source enqueues — in start(), in
  // pull() when a reader waits, or later (a timer, a fetch) — read one at a
  // time. A Response whose body is one streams: each chunk is sent and
  // flushed as it comes. The bytes of a Request or fetched Response are a
  // stream of one chunk.
  class ReadableStream {
    #queue = []; #closed = false; #error = null; #locked = false; #body = null;
    #source = null; #controller = null; #waiting = null; #started = false; #pulling = false;
    constructor(source = {}, strategy) {
      if (source && source[trusted]) { this.#body = source[trusted]; this.#closed = true; return; }
      const stream = this;
      this.#source = source || {};
      this.#controller = {
        enqueue(chunk) {
          if (stream.#closed) throw new TypeError("ReadableStream: enqueue after close");
          stream.#queue.push(chunk);
          stream.#wake();
        },
        close() { stream.#closed = true; stream.#wake(); },
        error(e) { stream.#error = e; stream.#wake(); },
        get desiredSize() { return stream.#queue.length ? 0 : 1; },
      };
      let started;
      try {
        if (typeof this.#source.start === "function") started = this.#source.start(this.#controller);
      } catch (e) { this.#error = e; }
      Promise.resolve(started).then(() => { this.#started = true; this.#pull(); }, (e) => { this.#error = e; this.#wake(); });
    }
    // wake answers a waiting read when there is something to answer.
    #wake() {
      const w = this.#waiting;
      if (!w) return;
      if (this.#queue.length) { this.#waiting = null; w.resolve({ value: this.#queue.shift(), done: false }); }
      else if (this.#error) { this.#waiting = null; w.reject(this.#error); }
      else if (this.#closed) { this.#waiting = null; w.resolve({ value: undefined, done: true }); }
    }
    // pull asks the source for more while a read waits.
    #pull() {
      if (!this.#started || this.#pulling || this.#closed || this.#error || !this.#waiting || typeof this.#source.pull !== "function") return;
      this.#pulling = true;
      let r;
      try { r = this.#source.pull(this.#controller); } catch (e) { this.#pulling = false; this.#error = e; this.#wake(); return; }
      Promise.resolve(r).then(() => { this.#pulling = false; this.#pull(); }, (e) => { this.#pulling = false; this.#error = e; this.#wake(); });
    }
    #read() {
      if (this.#queue.length) return Promise.resolve({ value: this.#queue.shift(), done: false });
      if (this.#error) return Promise.reject(this.#error);
      if (this.#closed) return Promise.resolve({ value: undefined, done: true });
      if (this.#waiting) return Promise.reject(new TypeError("ReadableStream.read: a read is already waiting"));
      return new Promise((resolve, reject) => { this.#waiting = { resolve, reject }; this.#pull(); });
    }
    get locked() { return this.#locked; }
    // isSource reports a stream of a script's own source (not bytes).
    static isSource(s) { return s instanceof ReadableStream && s.#body === null; }
    // bytes is everything the stream holds now, for a body read at once:
    // a source must have enqueued its chunks and closed.
    static bytes(s, who) {
      if (s.#locked) throw new TypeError(`${who}: the body stream is locked or already read`);
      s.#locked = true;
      if (s.#body) return s.#body.take(who);
      if (s.#error) throw s.#error;
      if (!s.#closed) throw new TypeError(`${who}: a stream body read at once must enqueue its chunks and close in start() (a Response body streams)`);
      return concat(s.#queue.map((c) => chunkBytes(c, who)));
    }
    getReader() {
      if (this.#locked) throw new TypeError("ReadableStream.getReader: the stream is locked");
      if (this.#body) {
        let chunks = null;
        const stream = this;
        return {
          read() {
            try {
              if (chunks === null) { const b = ReadableStream.bytes(stream, "ReadableStream.read"); chunks = b.length ? [b] : []; }
              return Promise.resolve(chunks.length ? { value: chunks.shift(), done: false } : { value: undefined, done: true });
            } catch (e) { return Promise.reject(e); }
          },
          releaseLock() {}, cancel() { chunks = []; return Promise.resolve(); }, closed: Promise.resolve(),
        };
      }
      this.#locked = true;
      return {
        read: () => this.#read(),
        releaseLock: () => { this.#locked = false; },
        cancel: (reason) => this.cancel(reason, true),
        closed: Promise.resolve(),
      };
    }
    cancel(reason, own) {
      if (this.#locked && !own) return Promise.reject(new TypeError("ReadableStream.cancel: the stream is locked"));
      this.#locked = true; this.#closed = true; this.#queue = [];
      this.#wake();
      if (this.#source && typeof this.#source.cancel === "function") return settle(() => this.#source.cancel(reason));
      return Promise.resolve();
    }
    [Symbol.asyncIterator]() { // goja has no async generators
      const r = this.getReader();
      return { next: () => r.read(), return: () => Promise.resolve({ value: undefined, done: true }), [Symbol.asyncIterator]() { return this; } };
    }
    get [Symbol.toStringTag]() { return "ReadableStream"; }
  }
  function chunkBytes(c, who) { return typeof c === "string" ? new Uint8Array(native.utf8Encode(c)) : view(c, who); }
  function concat(parts) {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) { out.set(p, at); at += p.length; }
    return out;
  }

  // pump streams a Response's body: each chunk sent and flushed as it comes.
  const sendChunk = send, flushChunks = flush;
  async function pump(stream) {
    const reader = stream.getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      sendChunk(typeof value === "string" ? value : view(value, "Response body"));
      flushChunks();
    }
  }

  // extractBody is a body init as bytes and the Content-Type it implies.
  function extractBody(body, who, streams) {
    if (body == null) return null;
    if (streams && ReadableStream.isSource(body)) {
      if (body.locked) throw new TypeError(`${who}: the body stream is locked`);
      return { stream: body, type: null };
    }
    if (body instanceof ReadableStream) return { bytes: ReadableStream.bytes(body, who), type: null };
    if (typeof body === "string") return { bytes: body === "" ? new Uint8Array(0) : body, type: "text/plain;charset=UTF-8" };
    if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) return { bytes: view(body, who).slice(), type: null };
    if (body instanceof FormData) return encodeForm(body);
    if (typeof URLSearchParams === "function" && body instanceof URLSearchParams) {
      return { bytes: new Uint8Array(native.utf8Encode(body.toString())), type: "application/x-www-form-urlencoded;charset=UTF-8" };
    }
    if (typeof body.getReader === "function") throw new TypeError(`${who}: stream bodies are not supported (pass a string, an ArrayBuffer or a typed array)`);
    return { bytes: new Uint8Array(native.utf8Encode(String(body))), type: "text/plain;charset=UTF-8" };
  }

  function text(bytes) {
    const s = native.utf8Decode(bytes, false, false)[0];
    return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
  }

  // Body is what Request and Response share: the bytes, read once.
  // A body given as a string stays one until read as bytes: a handler's
  // new Response("text") is sent as it is, never encoded in JS.
  class Body {
    #bytes; #used = false; #source = null;
    constructor(bytes, source) { this.#bytes = bytes; this.#source = source || null; }
    get bodyUsed() { return this.#used || (this.#source !== null && this.#source.locked); }
    #view() {
      if (typeof this.#bytes === "string") this.#bytes = new Uint8Array(native.utf8Encode(this.#bytes));
      return this.#bytes;
    }
    take(who) {
      if (this.#source) return ReadableStream.bytes(this.#source, who);
      this.#use(who);
      return this.#view() || new Uint8Array(0);
    }
    // sendable is take for sending: a string stays a string.
    sendable(who) {
      if (this.#source) return ReadableStream.bytes(this.#source, who);
      this.#use(who);
      return this.#bytes || new Uint8Array(0);
    }
    #use(who) {
      if (this.#used) throw new TypeError(`${who}: body has already been read`);
      if (this.#bytes) this.#used = true;
    }
    // read is a Promise of f(the whole body): a stream's chunks as they
    // come; bytes at once (one Promise, no extra hop: fetch's hot path).
    read(who, f) {
      if (this.#source) return this.all(who).then(f);
      try { return Promise.resolve(f(this.take(who))); } catch (e) { return Promise.reject(e); }
    }
    // all is a Promise of the whole body.
    all(who) {
      if (!this.#source) return settle(() => this.take(who));
      if (this.#source.locked) return Promise.reject(new TypeError(`${who}: body has already been read`));
      const reader = this.#source.getReader(), parts = [];
      const next = () => reader.read().then(({ value, done }) => {
        if (done) return concat(parts);
        parts.push(chunkBytes(value, who));
        return next();
      });
      return next();
    }
    peek() { return this.#source || this.#view(); }
    source() { return this.#source; }
    // stream is the body as a ReadableStream (the same one each time).
    stream() {
      if (this.#source) return this.#source;
      if (!this.streamed) this.streamed = new ReadableStream({ [trusted]: this });
      return this.streamed;
    }
  }
  // settle is a Promise of f's result, or of its exception.
  function settle(f) {
    try { return Promise.resolve(f()); } catch (e) { return Promise.reject(e); }
  }
  const bodyMethods = (cls, getBody, name) => {
    Object.defineProperties(cls.prototype, {
      bodyUsed: { get() { return getBody(this).bodyUsed; }, configurable: true },
      body: { get() { const b = getBody(this); return b.peek() === null ? null : b.stream(); }, configurable: true },
      // plain functions returning Promises: cheaper in goja than async ones
      text: { value: function () { return getBody(this).read(`${name}.text`, text); }, configurable: true, writable: true },
      json: { value: function () { return getBody(this).read(`${name}.json`, native.bodyJSON); }, configurable: true, writable: true },
      arrayBuffer: { value: function () { return getBody(this).read(`${name}.arrayBuffer`, (b) => b.slice().buffer); }, configurable: true, writable: true },
      bytes: { value: function () { return getBody(this).read(`${name}.bytes`, (b) => b.slice()); }, configurable: true, writable: true },
      formData: { value: function () { return getBody(this).read(`${name}.formData`, (b) => parseForm(b, this.headers.get("content-type"), `${name}.formData`)); }, configurable: true, writable: true },
      blob: { value: function () { return getBody(this).read(`${name}.blob`, (b) => new need.Blob([b], { type: this.headers.get("content-type") || "" })); }, configurable: true, writable: true },
    });
  };

  const methods = ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"];
  function normMethod(m) {
    m = String(m);
    if (!token.test(m)) throw new TypeError(`Request: ${JSON.stringify(m)} is not a valid method`);
    const up = m.toUpperCase();
    if (["CONNECT", "TRACE", "TRACK"].includes(up)) throw new TypeError(`Request: the ${up} method is forbidden`);
    return methods.includes(up) ? up : m;
  }
  function parseURL(s, who) {
    const href = native.urlHref(s);
    if (href === null) throw new TypeError(`${who}: ${JSON.stringify(s)} is not an absolute URL`);
    return href;
  }

  let requestBody, requestSignal, makeRequest;
  class Request {
    #url; #method; #headers; #body; #redirect = "follow"; #signal = null;
    constructor(input, init) {
      if (input === trusted) return; // makeRequest fills it in
      if (arguments.length === 0) throw new TypeError("Request: 1 argument required, but only 0 present.");
      init = init == null ? {} : init;
      const base = input instanceof Request ? input : null;
      this.#url = base ? base.url : parseURL(String(input), "Request");
      this.#method = init.method !== undefined ? normMethod(init.method) : base ? base.method : "GET";
      this.#headers = new Headers(init.headers !== undefined ? init.headers : base ? base.headers : undefined);
      let body = null;
      if (init.body !== undefined && init.body !== null) body = extractBody(init.body, "Request");
      else if (base && init.body === undefined && base.#body.peek()) body = { bytes: base.#body.take("Request"), type: null };
      if (body && (this.#method === "GET" || this.#method === "HEAD")) {
        throw new TypeError(`Request: a ${this.#method} request cannot have a body`);
      }
      if (body && body.type && !this.#headers.has("content-type")) this.#headers.set("content-type", body.type);
      this.#body = new Body(body ? body.bytes : null);
      const redirect = init.redirect !== undefined ? String(init.redirect) : base ? base.redirect : "follow";
      if (!["follow", "manual", "error"].includes(redirect)) {
        throw new TypeError(`Request: redirect ${JSON.stringify(redirect)} is not "follow", "manual" or "error"`);
      }
      this.#redirect = redirect;
      this.#signal = init.signal !== undefined ? init.signal : base ? base.signal : null; // made when asked for
    }
    get url() { return this.#url; }
    get method() { return this.#method; }
    get headers() {
      const h = this.#headers;
      if (h instanceof Headers) return h;
      return (this.#headers = new Headers(h, trusted));
    }
    get redirect() { return this.#redirect; }
    get signal() {
      if (this.#signal === null) this.#signal = new AbortController().signal;
      return this.#signal;
    }
    get cache() { return "default"; }
    get credentials() { return "same-origin"; }
    get mode() { return "cors"; }
    get destination() { return ""; }
    get referrer() { return "about:client"; }
    get referrerPolicy() { return ""; }
    get integrity() { return ""; }
    get keepalive() { return false; }
    clone() {
      if (this.bodyUsed) throw new TypeError("Request.clone: body has already been read");
      const b = this.#body.peek();
      return new Request(this, { body: b ? b.slice() : null, signal: this.signal });
    }
    get [Symbol.toStringTag]() { return "Request"; }
    static {
      requestBody = (r) => r.#body;
      // makeRequest is the server's own request as a Request, from parts
      // already valid: [lower-case name, value] pairs, made a Headers
      // only when asked for; the body's bytes, or null.
      makeRequest = (url, method, pairs, bytes) => {
        const r = new Request(trusted);
        r.#url = parseURL(url, "Request");
        r.#method = method;
        r.#headers = pairs;
        r.#body = new Body(bytes);
        return r;
      };
      requestSignal = (r) => r.#signal;
    }
  }
  bodyMethods(Request, requestBody, "Request");

  // linePairs is "name\nvalue\n…" as [name, value] pairs.
  function linePairs(s) {
    const parts = s === "" ? [] : s.split("\n"), pairs = [];
    for (let i = 0; i + 1 < parts.length; i += 2) pairs.push([parts[i], parts[i + 1]]);
    return pairs;
  }

  const nullBody = [101, 103, 204, 205, 304];
  const noInit = Object.freeze({});
  const jsonBody = Symbol("json body"); // Response.json's mark
  let responseBody, responsePairs, makeResponse;
  class Response {
    #status; #statusText; #headers; #body; #url = ""; #redirected = false; #type = "default";
    constructor(body = null, init, mark) {
      if (mark === trusted) return; // makeResponse fills it in
      init = init == null ? noInit : init;
      const status = init.status === undefined ? 200 : Number(init.status);
      if (!Number.isInteger(status) || status < 200 || status > 599) {
        throw new RangeError(`Response: status ${init.status} is not in the range 200 to 599`);
      }
      this.#status = status;
      this.#statusText = init.statusText === undefined ? "" : String(init.statusText);
      // no headers given: raw pairs, a Headers made only when asked for
      const h = init.headers === undefined ? [] : new Headers(init.headers);
      const b = extractBody(body, "Response", true);
      if (b && mark === jsonBody) b.type = "application/json";
      if (b && nullBody.includes(status)) throw new TypeError(`Response: a ${status} response cannot have a body`);
      if (b && b.type) {
        if (Array.isArray(h)) h.push(["content-type", b.type]);
        else if (!h.has("content-type")) h.set("content-type", b.type);
      }
      this.#headers = h;
      this.#body = new Body(b ? b.bytes : null, b ? b.stream : null);
    }
    get status() { return this.#status; }
    get ok() { return this.#status >= 200 && this.#status <= 299; }
    get statusText() { return this.#statusText; }
    get headers() {
      const h = this.#headers;
      if (h instanceof Headers) return h;
      return (this.#headers = new Headers(typeof h === "string" ? linePairs(h) : h, trusted));
    }
    get url() { return this.#url; }
    get redirected() { return this.#redirected; }
    get type() { return this.#type; }
    clone() {
      if (this.bodyUsed) throw new TypeError("Response.clone: body has already been read");
      const b = this.#body.peek();
      return makeResponse(this.#status, this.#statusText, this.#url, this.#redirected, headerList(this.headers).slice(), b ? b.slice() : null, this.#type);
    }
    static json(data, init) {
      const body = JSON.stringify(data);
      if (body === undefined) throw new TypeError("Response.json: the data cannot be serialized as JSON");
      return new Response(body, init, jsonBody); // application/json unless init's headers name a type
    }
    static redirect(url, status = 302) {
      if (![301, 302, 303, 307, 308].includes(status)) throw new RangeError(`Response.redirect: ${status} is not a redirect status`);
      return new Response(null, { status, headers: { location: parseURL(String(url), "Response.redirect") } });
    }
    static error() {
      return makeResponse(0, "", "", false, [], null, "error");
    }
    get [Symbol.toStringTag]() { return "Response"; }
    static {
      responseBody = (r) => r.#body;
      // responsePairs is a Response's headers as pairs, without making a
      // Headers of raw ones.
      responsePairs = (r) => {
        const h = r.#headers;
        return h instanceof Headers ? headerList(h) : typeof h === "string" ? linePairs(h) : h;
      };
      // makeResponse is a Response of checked parts, in the order of the
      // fields fetch's native call settles with; headers stay raw until
      // asked for (pairs, or fetch's "name\nvalue\n…"), body is bytes.
      makeResponse = (status, statusText, url, redirected, headers, body, type = "basic") => {
        const r = new Response(null, undefined, trusted);
        r.#status = status; r.#statusText = statusText; r.#url = url; r.#redirected = redirected;
        r.#headers = headers; r.#type = type;
        r.#body = new Body(body == null ? null : ArrayBuffer.isView(body) ? body : new Uint8Array(body));
        return r;
      };
    }
  }
  bodyMethods(Response, responseBody, "Response");

  // fetch of a URL alone skips making a Request: goja is slow enough at
  // objects that this is a quarter of a simple fetch's time.
  function fetch(input, init) {
    if (init === undefined && (typeof input === "string" || input instanceof URL)) {
      try {
        // the URL alone, and the Response made as the call settles
        return native.fetch(parseURL(String(input), "fetch"), makeResponse);
      } catch (e) {
        return Promise.reject(e);
      }
    }
    return fetchRequest(input, init);
  }

  async function fetchRequest(input, init) {
    const req = new Request(input, init);
    const signal = requestSignal(req);
    if (signal) signal.throwIfAborted();
    const bytes = requestBody(req).peek();
    const call = native.fetch({ url: req.url, method: req.method, headers: headerList(req.headers), body: bytes || undefined, redirect: req.redirect }, makeResponse);
    if (!signal) return call;
    let onAbort;
    const aborted = new Promise((_, reject) => {
      onAbort = () => { native.cancel(call); reject(signal.reason); };
    });
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      return await Promise.race([call, aborted]);
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
  }

  // responseParts is what a handler that returned a Response answers:
  // null for any other value.
  // A body that is a stream comes as stream, to be pumped.
  function responseParts(r) {
    if (!(r instanceof Response)) return null;
    const b = responseBody(r);
    if (b.source()) {
      if (b.source().locked) throw new TypeError("handle's Response: body has already been read");
      return { status: r.status, headers: responsePairs(r), stream: b.source() };
    }
    // the pairs as added (a name repeated is sent repeated): no iterator
    return { status: r.status, headers: responsePairs(r), body: b.sendable("handle's Response") };
  }
  return { fetch, Headers, Request, Response, ReadableStream, makeRequest, makeResponse, requestBody, responseParts, pump };
})
