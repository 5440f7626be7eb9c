// web.js: Event, EventTarget, DOMException, AbortController, AbortSignal,
// TextEncoder, TextDecoder, structuredClone, atob and btoa, as browsers
// have them (the parts a server-side script uses).
(function (native) {
  "use strict";
  const kCreate = Symbol("create");

  const codes = {
    IndexSizeError: 1, HierarchyRequestError: 3, WrongDocumentError: 4, InvalidCharacterError: 5,
    NoModificationAllowedError: 7, NotFoundError: 8, NotSupportedError: 9, InvalidStateError: 11,
    SyntaxError: 12, InvalidModificationError: 13, NamespaceError: 14, InvalidAccessError: 15,
    TypeMismatchError: 17, SecurityError: 18, NetworkError: 19, AbortError: 20, URLMismatchError: 21,
    QuotaExceededError: 22, TimeoutError: 23, InvalidNodeTypeError: 24, DataCloneError: 25,
  };

  class DOMException extends Error {
    #name;
    constructor(message = "", options = "Error") {
      super(String(message), typeof options === "object" && options !== null && "cause" in options ? { cause: options.cause } : undefined);
      this.#name = typeof options === "object" && options !== null ? String(options.name ?? "Error") : String(options);
    }
    get name() { return this.#name; }
    get code() { return codes[this.#name] || 0; }
  }
  for (const [name, code] of Object.entries(codes)) {
    const constName = name.replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase().replace(/_ERROR$/, "_ERR");
    Object.defineProperty(DOMException, constName, { value: code, enumerable: true });
  }

  let setTarget, isStopped;
  class Event {
    #type; #cancelable; #bubbles; #defaultPrevented = false; #target = null; #stopped = false;
    #timeStamp = native.now();
    constructor(type, init) {
      if (arguments.length === 0) throw new TypeError("Event: the type argument is required");
      this.#type = String(type);
      this.#cancelable = !!(init && init.cancelable);
      this.#bubbles = !!(init && init.bubbles);
    }
    get type() { return this.#type; }
    get target() { return this.#target; }
    get currentTarget() { return this.#target; }
    get srcElement() { return this.#target; }
    get bubbles() { return this.#bubbles; }
    get cancelable() { return this.#cancelable; }
    get composed() { return false; }
    get defaultPrevented() { return this.#defaultPrevented; }
    get eventPhase() { return this.#target ? 2 : 0; }
    get isTrusted() { return false; }
    get timeStamp() { return this.#timeStamp; }
    composedPath() { return this.#target ? [this.#target] : []; }
    preventDefault() { if (this.#cancelable) this.#defaultPrevented = true; }
    stopPropagation() {}
    stopImmediatePropagation() { this.#stopped = true; }
    static {
      setTarget = (e, t) => { e.#target = t; };
      isStopped = (e) => e.#stopped;
    }
  }

  function reportError(err) {
    console.error("uncaught error in an event listener:", err);
  }

  class EventTarget {
    #listeners = new Map();
    addEventListener(type, listener, options) {
      if (listener == null) return;
      type = String(type);
      const once = typeof options === "object" && options !== null && !!options.once;
      const signal = typeof options === "object" && options !== null ? options.signal : undefined;
      if (signal && signal.aborted) return;
      let list = this.#listeners.get(type);
      if (!list) this.#listeners.set(type, (list = []));
      if (list.some((l) => l.fn === listener)) return;
      list.push({ fn: listener, once });
      if (signal) signal.addEventListener("abort", () => this.removeEventListener(type, listener), { once: true });
    }
    removeEventListener(type, listener) {
      const list = this.#listeners.get(String(type));
      if (!list) return;
      const i = list.findIndex((l) => l.fn === listener);
      if (i >= 0) list.splice(i, 1);
    }
    dispatchEvent(event) {
      if (!(event instanceof Event)) throw new TypeError("EventTarget.dispatchEvent: argument 1 is not an Event");
      setTarget(event, this);
      const handler = this["on" + event.type];
      const list = (this.#listeners.get(event.type) || []).slice();
      if (typeof handler === "function") list.unshift({ fn: handler, once: false });
      for (const l of list) {
        if (l.once) this.removeEventListener(event.type, l.fn);
        try {
          if (typeof l.fn === "function") l.fn.call(this, event);
          else if (l.fn && typeof l.fn.handleEvent === "function") l.fn.handleEvent(event);
        } catch (err) {
          reportError(err);
        }
        if (isStopped(event)) break;
      }
      return !event.defaultPrevented;
    }
  }

  let abortSignal;
  class AbortSignal extends EventTarget {
    #aborted = false;
    #reason = undefined;
    constructor(key) {
      if (key !== kCreate) throw new TypeError("AbortSignal: Illegal constructor (use new AbortController().signal)");
      super();
      this.onabort = null;
    }
    get aborted() { return this.#aborted; }
    get reason() { return this.#reason; }
    throwIfAborted() { if (this.#aborted) throw this.#reason; }
    static abort(reason) {
      const s = new AbortSignal(kCreate);
      abortSignal(s, reason);
      return s;
    }
    static timeout(ms) {
      ms = Number(ms);
      if (!(ms >= 0) || !Number.isFinite(ms)) throw new TypeError("AbortSignal.timeout: want a number of milliseconds, 0 or more");
      const s = new AbortSignal(kCreate);
      setTimeout(() => abortSignal(s, new DOMException("The operation timed out.", "TimeoutError")), ms);
      return s;
    }
    static any(signals) {
      const s = new AbortSignal(kCreate);
      for (const x of signals) {
        if (x.aborted) { abortSignal(s, x.reason); return s; }
      }
      for (const x of signals) x.addEventListener("abort", () => abortSignal(s, x.reason), { once: true });
      return s;
    }
    static {
      abortSignal = (s, reason) => {
        if (s.#aborted) return;
        s.#aborted = true;
        s.#reason = reason === undefined ? new DOMException("This operation was aborted", "AbortError") : reason;
        s.dispatchEvent(new Event("abort"));
      };
    }
  }

  class AbortController {
    #signal = new AbortSignal(kCreate);
    get signal() { return this.#signal; }
    abort(reason) { abortSignal(this.#signal, reason); }
  }

  function view(input, who) {
    if (input === undefined) return new Uint8Array(0);
    if (input instanceof ArrayBuffer) return new Uint8Array(input);
    if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
    throw new TypeError(`${who}: want an ArrayBuffer or a typed array`);
  }

  class TextEncoder {
    get encoding() { return "utf-8"; }
    encode(input = "") { return new Uint8Array(native.utf8Encode(String(input))); }
    encodeInto(source, dest) {
      if (!(dest instanceof Uint8Array)) throw new TypeError("TextEncoder.encodeInto: argument 2 is not a Uint8Array");
      source = String(source);
      let read = 0, written = 0;
      for (const ch of source) {
        const c = ch.codePointAt(0);
        const n = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
        if (written + n > dest.length) break;
        read += ch.length;
        written += n;
      }
      dest.set(new Uint8Array(native.utf8Encode(source.slice(0, read))));
      return { read, written };
    }
  }

  const labels = {
    "utf-8": ["unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "utf-8", "utf8", "x-unicode20utf8"],
    "utf-16le": ["csunicode", "iso-10646-ucs-2", "ucs-2", "unicode", "unicodefeff", "utf-16", "utf-16le"],
    "windows-1252": ["ansi_x3.4-1968", "ascii", "cp1252", "cp819", "csisolatin1", "ibm819", "iso-8859-1",
      "iso-ir-100", "iso8859-1", "iso88591", "iso_8859-1", "iso_8859-1:1987", "l1", "latin1", "us-ascii", "windows-1252", "x-cp1252"],
  };
  function encodingOf(label) {
    const l = String(label).trim().toLowerCase();
    for (const [name, ls] of Object.entries(labels)) if (ls.includes(l)) return name;
    throw new RangeError(`TextDecoder: the "${label}" encoding is not supported (utf-8, utf-16le and windows-1252 are)`);
  }
  // windows-1252 bytes 0x80–0x9F that are not Latin-1.
  const cp1252 = [0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
    0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178];

  class TextDecoder {
    #encoding; #fatal; #ignoreBOM; #pending = null; #started = false;
    constructor(label = "utf-8", options) {
      this.#encoding = encodingOf(label);
      this.#fatal = !!(options && options.fatal);
      this.#ignoreBOM = !!(options && options.ignoreBOM);
    }
    get encoding() { return this.#encoding; }
    get fatal() { return this.#fatal; }
    get ignoreBOM() { return this.#ignoreBOM; }
    decode(input, options) {
      const stream = !!(options && options.stream);
      let bytes = view(input, "TextDecoder.decode");
      if (this.#pending) {
        const joined = new Uint8Array(this.#pending.length + bytes.length);
        joined.set(this.#pending);
        joined.set(bytes, this.#pending.length);
        bytes = joined;
        this.#pending = null;
      }
      let s;
      if (this.#encoding === "utf-8") {
        const r = native.utf8Decode(bytes, this.#fatal, stream);
        if (r === null) throw new TypeError("TextDecoder.decode: the data is not valid utf-8");
        s = r[0];
        if (r[1] > 0) this.#pending = bytes.slice(bytes.length - r[1]);
      } else if (this.#encoding === "utf-16le") {
        let n = bytes.length & ~1;
        if (stream && n < bytes.length) this.#pending = bytes.slice(n);
        else if (n < bytes.length && this.#fatal) throw new TypeError("TextDecoder.decode: the data is not valid utf-16le");
        const units = [];
        for (let i = 0; i < n; i += 2) units.push(bytes[i] | (bytes[i + 1] << 8));
        s = "";
        for (let i = 0; i < units.length; i += 8192) s += String.fromCharCode.apply(null, units.slice(i, i + 8192));
        if (!stream && n < bytes.length) s += "\ufffd";
      } else {
        s = "";
        for (const b of bytes) s += String.fromCharCode(b >= 0x80 && b < 0xa0 ? cp1252[b - 0x80] : b);
      }
      if (!this.#started && !this.#ignoreBOM && s.charCodeAt(0) === 0xfeff) s = s.slice(1);
      this.#started = stream && (this.#started || s.length > 0);
      return s;
    }
  }

  function cloneError(v) {
    const ctors = { Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError };
    const E = ctors[v.name] || Error;
    const out = new E(v.message);
    if (typeof v.stack === "string") Object.defineProperty(out, "stack", { value: v.stack, writable: true, configurable: true });
    return out;
  }

  function structuredClone(value, options) {
    if (arguments.length === 0) throw new TypeError("structuredClone: 1 argument required, but only 0 present.");
    const seen = new Map();
    const fail = (what) => { throw new DOMException(`${what} could not be cloned.`, "DataCloneError"); };
    const clone = (v) => {
      if (typeof v === "function") fail(String(v).slice(0, 60));
      if (typeof v === "symbol") fail(String(v));
      if (typeof v !== "object" || v === null) return v;
      if (seen.has(v)) return seen.get(v);
      const tag = Object.prototype.toString.call(v).slice(8, -1);
      let out;
      switch (tag) {
        case "Array":
          out = new Array(v.length);
          seen.set(v, out);
          for (const k of Object.keys(v)) out[k] = clone(v[k]);
          return out;
        case "Date": out = new Date(v.getTime()); break;
        case "RegExp": out = new RegExp(v.source, v.flags); break;
        case "Boolean": case "Number": case "String": out = Object(v.valueOf()); break;
        case "BigInt": out = Object(v.valueOf()); break;
        case "ArrayBuffer": out = v.slice(0); break;
        case "DataView": out = new DataView(clone(v.buffer), v.byteOffset, v.byteLength); break;
        case "Map":
          out = new Map();
          seen.set(v, out);
          for (const [k, x] of v) out.set(clone(k), clone(x));
          return out;
        case "Set":
          out = new Set();
          seen.set(v, out);
          for (const x of v) out.add(clone(x));
          return out;
        case "Error": out = cloneError(v); break;
        case "Promise": case "WeakMap": case "WeakSet": case "WeakRef": case "Proxy": fail(`#<${tag}>`);
        default:
          if (ArrayBuffer.isView(v)) {
            const T = globalThis[tag];
            out = new T(clone(v.buffer), v.byteOffset, v.length);
            break;
          }
          out = {};
          seen.set(v, out);
          for (const k of Object.keys(v)) out[k] = clone(v[k]);
          return out;
      }
      seen.set(v, out);
      return out;
    };
    return clone(value);
  }

  function atob(data) {
    if (arguments.length === 0) throw new TypeError("atob: 1 argument required, but only 0 present.");
    const s = native.atob(String(data));
    if (s === null) throw new DOMException("The string to be decoded is not correctly encoded.", "InvalidCharacterError");
    return s;
  }
  function btoa(data) {
    if (arguments.length === 0) throw new TypeError("btoa: 1 argument required, but only 0 present.");
    const s = native.btoa(String(data));
    if (s === null) throw new DOMException("Invalid character", "InvalidCharacterError");
    return s;
  }

  return { Event, EventTarget, DOMException, AbortController, AbortSignal, TextEncoder, TextDecoder, structuredClone, atob, btoa, view };
})
