// buffer.js: Node's Buffer, a Uint8Array with encodings (utf8, hex,
// base64, base64url, latin1/binary, ascii, utf16le/ucs2) and the read and
// write methods for numbers. goja_nodejs's buffer was not used: it
// miscounts latin1, has no isBuffer, byteLength, copy or base64url, and
// its slice throws.
(function (native, need) {
  "use strict";
  const encodings = {
    utf8: "utf8", "utf-8": "utf8", hex: "hex", base64: "base64", base64url: "base64url",
    latin1: "latin1", binary: "latin1", ascii: "ascii",
    utf16le: "utf16le", "utf-16le": "utf16le", ucs2: "utf16le", "ucs-2": "utf16le",
  };
  const kMaxLength = 2 ** 32;

  function encodingOf(enc) {
    if (enc === undefined || enc === null || enc === "") return "utf8";
    const e = encodings[String(enc).toLowerCase()];
    if (!e) {
      const err = new TypeError(`Unknown encoding: ${enc}`);
      err.code = "ERR_UNKNOWN_ENCODING";
      throw err;
    }
    return e;
  }

  function rangeError(name, value, min, max) {
    const err = new RangeError(`The value of "${name}" is out of range. It must be >= ${min} and <= ${max}. Received ${value}`);
    err.code = "ERR_OUT_OF_RANGE";
    return err;
  }

  function argError(name, want, value) {
    const got = value === null ? "null" : Array.isArray(value) ? "an instance of Array" : typeof value === "object" ? `an instance of ${value.constructor ? value.constructor.name : "Object"}` : `type ${typeof value} (${String(value)})`;
    const err = new TypeError(`The "${name}" argument must be ${want}. Received ${got}`);
    err.code = "ERR_INVALID_ARG_TYPE";
    return err;
  }

  // bytesOf encodes a string as Uint8Array bytes.
  function bytesOf(str, enc) {
    switch (encodingOf(enc)) {
      case "utf8": return new Uint8Array(native.utf8Encode(str));
      case "hex": return new Uint8Array(native.hexDecode(str));
      case "base64": case "base64url": return new Uint8Array(native.base64Decode(str));
      case "latin1": case "ascii": {
        const b = new Uint8Array(str.length);
        for (let i = 0; i < str.length; i++) b[i] = str.charCodeAt(i) & 0xff;
        return b;
      }
      case "utf16le": {
        const b = new Uint8Array(str.length * 2);
        for (let i = 0; i < str.length; i++) {
          const c = str.charCodeAt(i);
          b[2 * i] = c & 0xff;
          b[2 * i + 1] = c >> 8;
        }
        return b;
      }
    }
  }

  function stringOf(view, enc) {
    switch (encodingOf(enc)) {
      case "utf8": return native.utf8Decode(view, false, false)[0];
      case "hex": return native.hexEncode(view);
      case "base64": return native.base64Encode(view, false);
      case "base64url": return native.base64Encode(view, true);
      case "latin1": return native.latin1(view);
      case "ascii": {
        const b = new Uint8Array(view.length);
        for (let i = 0; i < view.length; i++) b[i] = view[i] & 0x7f;
        return native.latin1(b);
      }
      case "utf16le": {
        let s = "";
        for (let i = 0; i + 1 < view.length; i += 2) s += String.fromCharCode(view[i] | (view[i + 1] << 8));
        return s;
      }
    }
  }

  function checkSize(size) {
    if (typeof size !== "number") throw argError("size", "of type number", size);
    if (!(size >= 0 && size <= kMaxLength)) throw rangeError("size", size, 0, kMaxLength);
  }

  function clamp(v, len, def) {
    if (v === undefined) return def;
    v = Math.trunc(Number(v)) || 0;
    if (v < 0) v += len;
    return Math.max(0, Math.min(v, len));
  }

  class Buffer extends Uint8Array {
    // new Buffer(...) is deprecated in Node but works; typed-array
    // methods (subarray, map, filter) construct through here too.
    constructor(a, b, c) {
      if (typeof a === "string" || (typeof a === "object" && a !== null && !(a instanceof ArrayBuffer))) {
        return Buffer.from(a, b, c);
      }
      super(a === undefined ? 0 : a, b, c);
    }

    static from(value, encOrOffset, length) {
      if (typeof value === "string") return Buffer.fromBytes(bytesOf(value, encOrOffset));
      if (value instanceof ArrayBuffer || (typeof SharedArrayBuffer !== "undefined" && value instanceof SharedArrayBuffer)) {
        const off = encOrOffset === undefined ? 0 : Number(encOrOffset);
        if (!(off >= 0 && off <= value.byteLength)) throw rangeError("offset", off, 0, value.byteLength);
        const len = length === undefined ? value.byteLength - off : Number(length);
        if (!(len >= 0 && off + len <= value.byteLength)) throw rangeError("length", len, 0, value.byteLength - off);
        return new Buffer(value, off, len);
      }
      if (ArrayBuffer.isView(value)) {
        const src = value instanceof Uint8Array ? value : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
        if (!(value instanceof Uint8Array) && !(value instanceof DataView)) {
          const b = new Buffer(value.length);
          for (let i = 0; i < value.length; i++) b[i] = value[i];
          return b;
        }
        return Buffer.fromBytes(src.slice());
      }
      if (value !== null && typeof value === "object") {
        if (typeof value.valueOf === "function") {
          const v = value.valueOf();
          if (v !== value && v !== null && v !== undefined && (typeof v === "string" || typeof v === "object")) return Buffer.from(v, encOrOffset, length);
        }
        if (value.type === "Buffer" && Array.isArray(value.data)) return Buffer.from(value.data);
        if (typeof value.length === "number" || Array.isArray(value)) {
          const n = value.length >>> 0, b = new Buffer(n);
          for (let i = 0; i < n; i++) b[i] = value[i];
          return b;
        }
        if (typeof value[Symbol.toPrimitive] === "function") return Buffer.from(value[Symbol.toPrimitive]("string"), encOrOffset);
      }
      throw argError("first argument", "of type string or an instance of Buffer, ArrayBuffer, or Array or an Array-like Object", value);
    }

    // fromBytes makes a Buffer over a Uint8Array's memory.
    static fromBytes(u8) { return new Buffer(u8.buffer, u8.byteOffset, u8.byteLength); }

    static alloc(size, fill, enc) {
      checkSize(size);
      const b = new Buffer(size);
      if (fill !== undefined && fill !== 0 && size > 0) b.fill(fill, 0, b.length, enc);
      return b;
    }
    static allocUnsafe(size) { checkSize(size); return new Buffer(size); }
    static allocUnsafeSlow(size) { checkSize(size); return new Buffer(size); }
    static isBuffer(x) { return x instanceof Buffer; }
    static isEncoding(enc) { return typeof enc === "string" && enc !== "" && encodings[enc.toLowerCase()] !== undefined; }

    static byteLength(value, enc) {
      if (typeof value === "string") return bytesOf(value, enc).length;
      if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return value.byteLength;
      throw argError("string", "of type string or an instance of Buffer or ArrayBuffer", value);
    }

    static compare(a, b) {
      if (!(a instanceof Uint8Array)) throw argError("buf1", "an instance of Buffer or Uint8Array", a);
      if (!(b instanceof Uint8Array)) throw argError("buf2", "an instance of Buffer or Uint8Array", b);
      const n = Math.min(a.length, b.length);
      for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
      return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
    }

    static concat(list, total) {
      if (!Array.isArray(list)) throw argError("list", "an instance of Array", list);
      if (total === undefined) total = list.reduce((n, b) => n + b.length, 0);
      const out = Buffer.alloc(total);
      let at = 0;
      for (const b of list) {
        if (!(b instanceof Uint8Array)) throw argError("list[" + list.indexOf(b) + "]", "an instance of Buffer or Uint8Array", b);
        if (at >= total) break;
        const part = b.length > total - at ? b.subarray(0, total - at) : b;
        Uint8Array.prototype.set.call(out, part, at);
        at += part.length;
      }
      return out;
    }

    get parent() { return this.buffer; }
    get offset() { return this.byteOffset; }

    toString(enc, start, end) {
      start = clamp(start, this.length, 0);
      end = clamp(end, this.length, this.length);
      if (end <= start) return "";
      return stringOf(start === 0 && end === this.length ? this : this.subarray(start, end), enc);
    }
    toLocaleString(enc, start, end) { return this.toString(enc, start, end); }
    toJSON() { return { type: "Buffer", data: Array.from(this) }; }
    equals(other) {
      if (!(other instanceof Uint8Array)) throw argError("otherBuffer", "an instance of Buffer or Uint8Array", other);
      return Buffer.compare(this, other) === 0;
    }
    compare(target, tStart = 0, tEnd = target.length, sStart = 0, sEnd = this.length) {
      return Buffer.compare(this.subarray(sStart, sEnd), target.subarray(tStart, tEnd));
    }
    copy(target, tStart = 0, sStart = 0, sEnd = this.length) {
      if (!(target instanceof Uint8Array)) throw argError("target", "an instance of Buffer or Uint8Array", target);
      sEnd = Math.min(sEnd, this.length, sStart + (target.length - tStart));
      if (sEnd <= sStart || tStart >= target.length) return 0;
      Uint8Array.prototype.set.call(target, this.subarray(sStart, sEnd), tStart);
      return sEnd - sStart;
    }
    slice(start, end) { return this.subarray(start, end); }

    write(str, offset, length, enc) {
      if (typeof offset === "string") { enc = offset; offset = 0; length = undefined; }
      else if (typeof length === "string") { enc = length; length = undefined; }
      offset = offset === undefined ? 0 : offset >>> 0;
      if (offset > this.length) throw rangeError("offset", offset, 0, this.length);
      let b = bytesOf(String(str), enc);
      const room = Math.min(this.length - offset, length === undefined ? Infinity : length >>> 0);
      if (b.length > room) {
        b = b.subarray(0, room);
        if (encodingOf(enc) === "utf8") { // never half a character
          let n = room;
          while (n > 0 && (b[n - 1] & 0xc0) === 0x80) n--;
          if (n > 0 && b[n - 1] >= 0xc0 && n - 1 + utf8Len(b[n - 1]) > room) n--;
          else n = room;
          b = b.subarray(0, n);
        }
      }
      Uint8Array.prototype.set.call(this, b, offset);
      return b.length;
    }

    fill(value, offset, end, enc) {
      if (typeof offset === "string") { enc = offset; offset = 0; end = this.length; }
      else if (typeof end === "string") { enc = end; end = this.length; }
      offset = offset === undefined ? 0 : offset;
      end = end === undefined ? this.length : end;
      if (offset < 0 || offset > this.length) throw rangeError("offset", offset, 0, this.length);
      if (end < 0 || end > this.length) throw rangeError("end", end, 0, this.length);
      if (typeof value === "number") return Uint8Array.prototype.fill.call(this, value & 255, offset, end);
      if (typeof value === "boolean") return Uint8Array.prototype.fill.call(this, +value, offset, end);
      const pattern = typeof value === "string" ? bytesOf(value, enc) : value instanceof Uint8Array ? value : Buffer.from(value);
      if (pattern.length === 0) {
        if (typeof value === "string" && value !== "") throw argError("value", "a valid fill value", value);
        return Uint8Array.prototype.fill.call(this, 0, offset, end);
      }
      for (let i = offset; i < end; i++) this[i] = pattern[(i - offset) % pattern.length];
      return this;
    }

    indexOf(value, byteOffset, enc) { return search(this, value, byteOffset, enc, false); }
    lastIndexOf(value, byteOffset, enc) { return search(this, value, byteOffset, enc, true); }
    includes(value, byteOffset, enc) { return this.indexOf(value, byteOffset, enc) !== -1; }

    swap16() { return swap(this, 2); }
    swap32() { return swap(this, 4); }
    swap64() { return swap(this, 8); }
  }

  function utf8Len(lead) { return lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2; }

  function swap(buf, size) {
    if (buf.length % size !== 0) throw new RangeError(`Buffer size must be a multiple of ${size * 8}-bits`);
    for (let i = 0; i < buf.length; i += size) {
      for (let a = i, b = i + size - 1; a < b; a++, b--) { const t = buf[a]; buf[a] = buf[b]; buf[b] = t; }
    }
    return buf;
  }

  function search(buf, value, byteOffset, enc, last) {
    if (typeof byteOffset === "string") { enc = byteOffset; byteOffset = undefined; }
    let needle;
    if (typeof value === "number") needle = [value & 255];
    else if (typeof value === "string") needle = bytesOf(value, enc);
    else if (value instanceof Uint8Array) needle = value;
    else throw argError("value", "one of type number or string or an instance of Buffer or Uint8Array", value);
    const n = buf.length, m = needle.length;
    let from = byteOffset === undefined ? (last ? n : 0) : Math.trunc(Number(byteOffset)) || 0;
    if (from < 0) from += n;
    if (m === 0) return last ? Math.min(Math.max(from, 0), n) : Math.min(Math.max(from, 0), n);
    const match = (i) => { for (let j = 0; j < m; j++) if (buf[i + j] !== needle[j]) return false; return true; };
    if (last) {
      for (let i = Math.min(from, n - m); i >= 0; i--) if (match(i)) return i;
    } else {
      for (let i = Math.max(from, 0); i <= n - m; i++) if (match(i)) return i;
    }
    return -1;
  }

  // The number methods, over a DataView of the buffer.
  const view = (b) => new DataView(b.buffer, b.byteOffset, b.byteLength);
  function checkOffset(buf, offset, size) {
    if (offset === undefined) offset = 0;
    if (typeof offset !== "number") throw argError("offset", "of type number", offset);
    if (!Number.isInteger(offset) || offset < 0 || offset > buf.length - size) {
      if (buf.length - size < 0) {
        const err = new RangeError("Attempt to access memory outside buffer bounds");
        err.code = "ERR_BUFFER_OUT_OF_BOUNDS";
        throw err;
      }
      throw rangeError("offset", offset, 0, buf.length - size);
    }
    return offset;
  }
  const numbers = [
    ["UInt8", 1, "Uint8"], ["Int8", 1, "Int8"],
    ["UInt16", 2, "Uint16"], ["Int16", 2, "Int16"], ["UInt32", 4, "Uint32"], ["Int32", 4, "Int32"],
    ["Float", 4, "Float32"], ["Double", 8, "Float64"], ["BigUInt64", 8, "BigUint64"], ["BigInt64", 8, "BigInt64"],
  ];
  const proto = Buffer.prototype;
  for (const [name, size, dv] of numbers) {
    for (const order of size === 1 ? [""] : ["LE", "BE"]) {
      const le = order === "LE";
      const read = function (offset) { offset = checkOffset(this, offset, size); return view(this)["get" + dv](offset, le); };
      const write = function (value, offset) {
        offset = checkOffset(this, offset, size);
        if (dv.startsWith("Big")) {
          if (typeof value !== "bigint") throw argError("value", "of type bigint", value);
        } else {
          value = Number(value);
          if (!dv.startsWith("Float")) checkInt(value, size, dv.startsWith("Int"));
        }
        view(this)["set" + dv](offset, value, le);
        return offset + size;
      };
      proto["read" + name + order] = read;
      proto["write" + name + order] = write;
      if (name.includes("UInt")) {
        proto["read" + name.replace("UInt", "Uint") + order] = read;
        proto["write" + name.replace("UInt", "Uint") + order] = write;
      }
    }
  }
  function checkInt(value, size, signed) {
    const bits = size * 8;
    const min = signed ? -(2 ** (bits - 1)) : 0, max = signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
    if (!(value >= min && value <= max)) throw rangeError("value", value, min, max);
  }
  // readUIntLE(offset, byteLength) and friends: 1 to 6 bytes.
  for (const signed of [false, true]) {
    for (const le of [true, false]) {
      const suffix = (signed ? "Int" : "UInt") + (le ? "LE" : "BE");
      const read = function (offset, byteLength) {
        if (!(byteLength >= 1 && byteLength <= 6)) throw rangeError("byteLength", byteLength, 1, 6);
        offset = checkOffset(this, offset, byteLength);
        let v = 0;
        for (let i = 0; i < byteLength; i++) v += this[offset + (le ? i : byteLength - 1 - i)] * 2 ** (8 * i);
        if (signed && v >= 2 ** (8 * byteLength - 1)) v -= 2 ** (8 * byteLength);
        return v;
      };
      const write = function (value, offset, byteLength) {
        if (!(byteLength >= 1 && byteLength <= 6)) throw rangeError("byteLength", byteLength, 1, 6);
        offset = checkOffset(this, offset, byteLength);
        checkInt(Number(value), byteLength, signed);
        let v = value < 0 ? value + 2 ** (8 * byteLength) : value;
        for (let i = 0; i < byteLength; i++) {
          this[offset + (le ? i : byteLength - 1 - i)] = v % 256;
          v = Math.floor(v / 256);
        }
        return offset + byteLength;
      };
      proto["read" + suffix] = read;
      proto["write" + suffix] = write;
      if (!signed) {
        proto["read" + suffix.replace("UInt", "Uint")] = read;
        proto["write" + suffix.replace("UInt", "Uint")] = write;
      }
    }
  }

  const buffer = {
    Buffer, kMaxLength, kStringMaxLength: 2 ** 29 - 24, constants: { MAX_LENGTH: kMaxLength, MAX_STRING_LENGTH: 2 ** 29 - 24 },
    SlowBuffer: Buffer.allocUnsafeSlow, INSPECT_MAX_BYTES: 50, atob: need.atob, btoa: need.btoa,
    isUtf8: (b) => native.utf8Decode(b, true, false) !== null,
    isAscii: (b) => { for (const x of new Uint8Array(b.buffer || b, b.byteOffset || 0, b.byteLength)) if (x > 127) return false; return true; },
  };
  return { Buffer, buffer };
})
