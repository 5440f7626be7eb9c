// crypto.js: the Web Crypto global (getRandomValues, randomUUID,
// subtle.digest) and Node's crypto module (randomBytes, randomUUID,
// randomInt, createHash, createHmac, hash, timingSafeEqual, pbkdf2,
// pbkdf2Sync, webcrypto),
// over native hashes and randomness.
(function (native, need) {
  "use strict";
  const { Buffer, DOMException } = need;

  const integerArrays = ["Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array", "Int32Array", "Uint32Array", "BigInt64Array", "BigUint64Array"];
  function getRandomValues(view) {
    const tag = ArrayBuffer.isView(view) ? Object.prototype.toString.call(view).slice(8, -1) : "";
    if (!integerArrays.includes(tag)) {
      throw new DOMException("The data argument must be an integer-type TypedArray", "TypeMismatchError");
    }
    if (view.byteLength > 65536) {
      throw new DOMException(`The ArrayBufferView's byte length (${view.byteLength}) exceeds the number of bytes of entropy available via this API (65536)`, "QuotaExceededError");
    }
    new Uint8Array(view.buffer, view.byteOffset, view.byteLength).set(new Uint8Array(native.randomBytes(view.byteLength)));
    return view;
  }

  const webDigests = { "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512" };
  function bytes(data, what) {
    if (data instanceof ArrayBuffer) return new Uint8Array(data);
    if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    throw new TypeError(`${what}: the data must be an ArrayBuffer or an ArrayBufferView`);
  }
  const subtle = {
    digest(algorithm, data) {
      return new Promise((resolve) => {
        const name = typeof algorithm === "string" ? algorithm : algorithm && algorithm.name;
        const alg = webDigests[String(name).toUpperCase()];
        if (!alg) throw new DOMException(`Unrecognized algorithm name: ${name} (SHA-1, SHA-256, SHA-384 and SHA-512 are supported)`, "NotSupportedError");
        const h = native.createHash(alg);
        h.update(bytes(data, "crypto.subtle.digest"));
        resolve(h.digest());
      });
    },
  };
  const webcrypto = { getRandomValues, randomUUID: () => native.randomUUID(), subtle };
  Object.defineProperty(webcrypto, Symbol.toStringTag, { value: "Crypto" });

  function input(data, enc, what) {
    if (typeof data === "string") return Buffer.from(data, enc);
    if (ArrayBuffer.isView(data) || data instanceof ArrayBuffer) return bytes(data, what);
    const err = new TypeError(`The "data" argument must be of type string or an instance of Buffer, TypedArray, or DataView. Received ${data === null ? "null" : typeof data}`);
    err.code = "ERR_INVALID_ARG_TYPE";
    throw err;
  }
  function output(raw, enc) {
    const b = Buffer.from(raw);
    return enc === undefined || enc === "buffer" ? b : b.toString(enc);
  }
  class Hash {
    constructor(alg, key) {
      this._alg = alg;
      try {
        this._h = key === undefined ? native.createHash(alg) : native.createHash(alg, key);
      } catch (e) {
        const err = new Error(`Digest method not supported: ${alg}`);
        err.code = "ERR_CRYPTO_INVALID_DIGEST";
        throw err;
      }
    }
    update(data, enc) { this._h.update(input(data, enc, "update")); return this; }
    digest(enc) {
      let raw;
      try { raw = this._h.digest(); } catch (e) {
        const err = new Error("Digest already called");
        err.code = "ERR_CRYPTO_HASH_FINALIZED";
        throw err;
      }
      return output(raw, enc);
    }
  }
  function keyBytes(key) {
    if (key && typeof key === "object" && key.type === "secret" && typeof key.export === "function") key = key.export();
    return input(key, "utf8", "createHmac");
  }

  const cryptoModule = {
    webcrypto, subtle, getRandomValues,
    randomUUID: () => native.randomUUID(),
    randomBytes(size, cb) {
      if (typeof size !== "number") throw new TypeError(`The "size" argument must be of type number. Received ${typeof size}`);
      const b = Buffer.from(native.randomBytes(size));
      if (typeof cb === "function") { queueMicrotask(() => cb(null, b)); return; }
      return b;
    },
    randomFillSync(view, offset = 0, size) {
      const u8 = bytes(view, "randomFillSync");
      const n = size === undefined ? u8.length - offset : size;
      u8.set(new Uint8Array(native.randomBytes(n)), offset);
      return view;
    },
    randomInt(min, max, cb) {
      if (max === undefined || typeof max === "function") { cb = max; max = min; min = 0; }
      if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || max <= min) {
        throw new RangeError(`The value of "max" is out of range. It must be greater than the value of "min" (${min}). Received ${max}`);
      }
      const range = max - min;
      const limit = 2 ** 48 - (2 ** 48 % range);
      let x;
      do {
        const r = new Uint8Array(native.randomBytes(6));
        x = r.reduce((acc, v) => acc * 256 + v, 0);
      } while (x >= limit);
      const n = min + (x % range);
      if (typeof cb === "function") { queueMicrotask(() => cb(null, n)); return; }
      return n;
    },
    createHash: (alg) => new Hash(alg),
    createHmac: (alg, key) => new Hash(alg, keyBytes(key)),
    hash: (alg, data, enc = "hex") => new Hash(alg).update(data).digest(enc),
    getHashes: () => ["md5", "sha1", "sha224", "sha256", "sha384", "sha512"],
    timingSafeEqual(a, b) { return native.timingSafeEqual(bytes(a, "timingSafeEqual"), bytes(b, "timingSafeEqual")); },
    pbkdf2Sync(password, salt, iterations, keylen, digest) {
      if (typeof digest !== "string") throw new TypeError(`The "digest" argument must be of type string. Received ${typeof digest}`);
      return Buffer.from(native.pbkdf2(input(password, "utf8", "pbkdf2Sync"), input(salt, "utf8", "pbkdf2Sync"), iterations, keylen, digest));
    },
    pbkdf2(password, salt, iterations, keylen, digest, cb) {
      let key, err = null;
      try { key = cryptoModule.pbkdf2Sync(password, salt, iterations, keylen, digest); } catch (e) { err = e; }
      queueMicrotask(() => cb(err, key));
    },
    constants: {},
  };
  return { crypto: webcrypto, cryptoModule };
})
