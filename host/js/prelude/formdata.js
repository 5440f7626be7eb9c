// formdata.js: Blob, File and FormData, as the WHATWG File API and XHR
// standards have them (what request.formData() gives and fetch sends as
// multipart/form-data).
(function (native, need) {
  "use strict";
  const { view } = need;

  function bytesOf(part) {
    if (part instanceof Blob) return part.bytesNow();
    if (typeof part === "string") return new Uint8Array(native.utf8Encode(part));
    if (part instanceof ArrayBuffer || ArrayBuffer.isView(part)) return view(part, "Blob").slice();
    return new Uint8Array(native.utf8Encode(String(part)));
  }

  class Blob {
    #bytes; #type;
    constructor(parts = [], options = {}) {
      const list = Array.from(parts, bytesOf);
      this.#bytes = new Uint8Array(list.reduce((n, p) => n + p.length, 0));
      let at = 0;
      for (const p of list) { this.#bytes.set(p, at); at += p.length; }
      const t = options.type === undefined ? "" : String(options.type);
      this.#type = /^[\x20-\x7e]*$/.test(t) ? t.toLowerCase() : "";
    }
    get size() { return this.#bytes.length; }
    get type() { return this.#type; }
    bytesNow() { return this.#bytes; }
    arrayBuffer() { return Promise.resolve(this.#bytes.slice().buffer); }
    bytes() { return Promise.resolve(this.#bytes.slice()); }
    text() { return Promise.resolve(native.utf8Decode(this.#bytes, false, false)[0]); }
    slice(start = 0, end = this.size, type = "") { return new Blob([this.#bytes.slice(start, end)], { type }); }
    get [Symbol.toStringTag]() { return "Blob"; }
  }

  class File extends Blob {
    #name; #lastModified;
    constructor(parts, name, options = {}) {
      if (arguments.length < 2) throw new TypeError("File: 2 arguments required");
      super(parts, options);
      this.#name = String(name);
      this.#lastModified = options.lastModified === undefined ? Date.now() : Number(options.lastModified);
    }
    get name() { return this.#name; }
    get lastModified() { return this.#lastModified; }
    get [Symbol.toStringTag]() { return "File"; }
  }

  // entry makes a FormData value: a string, or a File.
  function entry(value, filename, who) {
    if (value instanceof Blob) {
      if (filename !== undefined) return new File([value], filename, { type: value.type });
      return value instanceof File ? value : new File([value], "blob", { type: value.type });
    }
    if (filename !== undefined) throw new TypeError(`${who}: a filename is only for a Blob value`);
    return String(value);
  }

  class FormData {
    #list = []; // [name, string | File]
    constructor(form) {
      if (form !== undefined) throw new TypeError("FormData: there is no form element to read on a server");
    }
    append(name, value, filename) { this.#list.push([String(name), entry(value, filename, "FormData.append")]); }
    set(name, value, filename) {
      name = String(name);
      const v = entry(value, filename, "FormData.set");
      const i = this.#list.findIndex(([n]) => n === name);
      this.#list = this.#list.filter(([n], j) => n !== name || j === i);
      if (i < 0) this.#list.push([name, v]); else this.#list[this.#list.findIndex(([n]) => n === name)] = [name, v];
    }
    get(name) { const e = this.#list.find(([n]) => n === String(name)); return e ? e[1] : null; }
    getAll(name) { return this.#list.filter(([n]) => n === String(name)).map(([, v]) => v); }
    has(name) { return this.#list.some(([n]) => n === String(name)); }
    delete(name) { this.#list = this.#list.filter(([n]) => n !== String(name)); }
    *entries() { for (const [n, v] of this.#list) yield [n, v]; }
    *keys() { for (const [n] of this.#list) yield n; }
    *values() { for (const [, v] of this.#list) yield v; }
    forEach(f, thisArg) { for (const [n, v] of this.#list) f.call(thisArg, v, n, this); }
    [Symbol.iterator]() { return this.entries(); }
    get [Symbol.toStringTag]() { return "FormData"; }
  }

  // parseForm is a body as FormData (urlencoded or multipart, by type),
  // through the server's form parser.
  function parseForm(bytes, contentType, who) {
    let entries;
    try {
      entries = native.parseForm(bytes, contentType || "");
    } catch (e) {
      throw new TypeError(`${who}: ${e.message}`);
    }
    const fd = new FormData();
    for (const [name, v] of entries) {
      if (typeof v === "string") fd.append(name, v);
      else fd.append(name, new File([v.data], v.filename, { type: v.type }));
    }
    return fd;
  }

  // encodeForm is FormData as a multipart/form-data body and its type.
  function encodeForm(fd) {
    const boundary = "----scriptsrv" + Array.from({ length: 24 }, () => Math.floor(Math.random() * 36).toString(36)).join("");
    const esc = (s) => s.replace(/\r\n|\r|\n/g, "\r\n").replace(/"/g, "%22").replace(/\r\n/g, "%0D%0A");
    const parts = [];
    for (const [name, v] of fd) {
      let head = `--${boundary}\r\nContent-Disposition: form-data; name="${esc(name)}"`;
      if (v instanceof File) {
        head += `; filename="${esc(v.name)}"\r\nContent-Type: ${v.type || "application/octet-stream"}\r\n\r\n`;
        parts.push(head, v.bytesNow(), "\r\n");
      } else {
        parts.push(head + "\r\n\r\n", v.replace(/\r\n|\r|\n/g, "\r\n"), "\r\n");
      }
    }
    parts.push(`--${boundary}--\r\n`);
    return { bytes: new Blob(parts).bytesNow(), type: `multipart/form-data; boundary=${boundary}` };
  }

  return { Blob, File, FormData, parseForm, encodeForm };
})
