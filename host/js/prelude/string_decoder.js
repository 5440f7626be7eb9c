// string_decoder.js: Node's StringDecoder: bytes in pieces to text,
// never splitting a character.
(function (native, need) {
  "use strict";
  const { Buffer } = need;
  class StringDecoder {
    constructor(encoding = "utf8") {
      this.encoding = Buffer.isEncoding(encoding) ? String(encoding).toLowerCase().replace("-", "") : (() => { const e = new TypeError(`Unknown encoding: ${encoding}`); e.code = "ERR_UNKNOWN_ENCODING"; throw e; })();
      if (this.encoding === "binary") this.encoding = "latin1";
      if (this.encoding === "ucs2") this.encoding = "utf16le";
      this.pending = Buffer.alloc(0);
    }
    // unit is how many bytes must stay together.
    write(buf) {
      if (typeof buf === "string") return buf;
      let b = this.pending.length ? Buffer.concat([this.pending, buf]) : Buffer.from(buf.buffer ? new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength) : buf);
      let keep = 0;
      switch (this.encoding) {
        case "utf8": {
          const [s, rest] = native.utf8Decode(b, false, true);
          this.pending = Buffer.from(b.subarray(b.length - rest));
          return s;
        }
        case "utf16le": keep = b.length % 2; break;
        case "base64": case "base64url": keep = b.length % 3; break;
      }
      this.pending = Buffer.from(b.subarray(b.length - keep));
      return b.subarray(0, b.length - keep).toString(this.encoding);
    }
    end(buf) {
      let s = buf === undefined ? "" : this.write(buf);
      if (this.pending.length) {
        s += this.encoding === "utf8" ? native.utf8Decode(this.pending, false, false)[0] : this.pending.toString(this.encoding);
        this.pending = Buffer.alloc(0);
      }
      return s;
    }
  }
  return { string_decoder: { StringDecoder } };
})
