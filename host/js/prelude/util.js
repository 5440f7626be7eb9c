// util.js: Node's util.format and util.inspect (as Node prints values,
// without colours), and the util helpers npm packages use.
(function (native, need) {
  "use strict";

  const identifier = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
  const defaults = { depth: 2, breakLength: 80, maxArrayLength: 100, maxStringLength: 10000, compact: 3, sorted: false, showHidden: false, getters: false };

  function quote(s) {
    const q = !s.includes("'") ? "'" : !s.includes('"') ? '"' : !s.includes("`") && !s.includes("${") ? "`" : "'";
    return q + s.replace(/[\\\x00-\x1f\x7f]/g, (c) => {
      const named = { "\n": "\\n", "\t": "\\t", "\r": "\\r", "\b": "\\b", "\f": "\\f", "\v": "\\v", "\\": "\\\\" }[c];
      return named || "\\x" + c.charCodeAt(0).toString(16).padStart(2, "0").toUpperCase();
    }).split(q).join("\\" + q) + q;
  }

  function formatPrimitive(v, ctx) {
    switch (typeof v) {
      case "string": {
        let s = v, extra = "";
        if (s.length > ctx.maxStringLength) { extra = `... ${s.length - ctx.maxStringLength} more characters`; s = s.slice(0, ctx.maxStringLength); }
        return quote(s) + extra;
      }
      case "number": return Object.is(v, -0) ? "-0" : String(v);
      case "bigint": return v + "n";
      case "symbol": return v.toString();
      case "undefined": return "undefined";
      case "boolean": return String(v);
    }
    return "null";
  }

  function constructorName(obj) {
    let o = obj;
    while (o) {
      const d = Object.getOwnPropertyDescriptor(o, "constructor");
      if (d && typeof d.value === "function" && d.value.name !== "") return d.value.name;
      o = Object.getPrototypeOf(o);
    }
    return null;
  }

  function tagOf(v) { return Object.prototype.toString.call(v).slice(8, -1); }

  function keyString(k) {
    if (typeof k === "symbol") return `[${k.toString()}]`;
    return identifier.test(k) ? k : quote(k);
  }

  function formatProperty(obj, key, ctx, depth, array) {
    const desc = Object.getOwnPropertyDescriptor(obj, key) || { value: obj[key], enumerable: true };
    let str;
    if (desc.value !== undefined || !("get" in desc || "set" in desc)) {
      ctx.indent += 2;
      str = formatValue(desc.value, ctx, depth + 1);
      ctx.indent -= 2;
    } else if (desc.get) {
      str = desc.set ? "[Getter/Setter]" : "[Getter]";
    } else {
      str = desc.set ? "[Setter]" : "undefined";
    }
    if (array) return str;
    const name = desc.enumerable === false ? `[${keyString(key)}]` : keyString(key);
    return `${name}: ${str}`;
  }

  function ownKeys(obj, ctx) {
    let keys = ctx.showHidden ? Object.getOwnPropertyNames(obj) : Object.keys(obj);
    const syms = Object.getOwnPropertySymbols(obj).filter((s) => ctx.showHidden || Object.prototype.propertyIsEnumerable.call(obj, s));
    if (ctx.sorted) keys = keys.slice().sort();
    return keys.concat(syms);
  }

  function reduce(ctx, output, base, braces, levels) {
    if (levels < ctx.compact) {
      const start = output.length + ctx.indent + braces[0].length + base.length + 10;
      let total = output.length + start;
      for (const o of output) total += o.length;
      if (total + output.length <= ctx.breakLength && !base.includes("\n")) {
        const joined = output.join(", ");
        if (!joined.includes("\n")) return `${base ? base + " " : ""}${braces[0]} ${joined} ${braces[1]}`;
      }
    }
    const ind = "\n" + " ".repeat(ctx.indent);
    return `${base ? base + " " : ""}${braces[0]}${ind}  ${output.join(`,${ind}  `)}${ind}${braces[1]}`;
  }

  function formatValue(v, ctx, depth) {
    if (v === null || (typeof v !== "object" && typeof v !== "function")) return formatPrimitive(v, ctx);
    if (ctx.customInspect !== false && typeof v[inspect.custom] === "function" && v[inspect.custom] !== inspect) {
      const r = v[inspect.custom](ctx.depth - depth, Object.assign({}, ctx), inspect);
      return typeof r === "string" ? r : formatValue(r, ctx, depth);
    }
    if (ctx.seen.includes(v)) {
      let i = ctx.circular.get(v);
      if (i === undefined) { i = ctx.circular.size + 1; ctx.circular.set(v, i); }
      return `[Circular *${i}]`;
    }
    return formatRaw(v, ctx, depth);
  }

  function formatRaw(v, ctx, depth) {
    const tag = tagOf(v);
    const name = constructorName(v);
    let keys = ownKeys(v, ctx);
    let base = "", braces = ["{", "}"], output = [], extra = null;
    const prefix = (fallback, size) => {
      const n = name === null ? `[${fallback}: null prototype]` : name;
      const t = v[Symbol.toStringTag];
      let p = n;
      if (typeof t === "string" && t !== "" && t !== n) p += ` [${t}]`;
      if (size !== undefined) p += `(${size})`;
      return p + " ";
    };
    if (Array.isArray(v)) {
      keys = keys.filter((k) => typeof k === "symbol" || !/^(0|[1-9][0-9]*)$/.test(k));
      braces = [`${name === "Array" ? "" : prefix("Array", v.length)}[`, "]"];
      if (v.length === 0 && keys.length === 0) return braces[0] + "]";
      extra = () => formatList(v, ctx, depth);
    } else if (typeof v === "function") {
      base = formatFunction(v, name);
      keys = keys.filter((k) => k !== "prototype");
      if (keys.length === 0) return base;
    } else if (tag === "RegExp") {
      base = RegExp.prototype.toString.call(v);
      if (keys.length === 0) return base;
    } else if (tag === "Date") {
      base = Number.isNaN(v.getTime()) ? "Invalid Date" : v.toISOString();
      if (keys.length === 0) return base;
    } else if (v instanceof Error) {
      base = formatError(v);
      keys = keys.filter((k) => k !== "stack" && k !== "message");
      if (keys.length === 0) return base;
    } else if (tag === "Map") {
      braces = [`${prefix("Map", v.size)}{`, "}"];
      if (v.size === 0 && keys.length === 0) return braces[0] + "}";
      extra = () => [...v].map(([k, x]) => { ctx.indent += 2; const s = `${formatValue(k, ctx, depth + 1)} => ${formatValue(x, ctx, depth + 1)}`; ctx.indent -= 2; return s; });
    } else if (tag === "Set") {
      braces = [`${prefix("Set", v.size)}{`, "}"];
      if (v.size === 0 && keys.length === 0) return braces[0] + "}";
      extra = () => [...v].map((x) => { ctx.indent += 2; const s = formatValue(x, ctx, depth + 1); ctx.indent -= 2; return s; });
    } else if (ArrayBuffer.isView(v) && tag !== "DataView") {
      if (name === "Buffer") {
        const n = Math.min(v.length, 50);
        let hex = [];
        for (let i = 0; i < n; i++) hex.push(v[i].toString(16).padStart(2, "0"));
        return `<Buffer${hex.length ? " " + hex.join(" ") : ""}${v.length > 50 ? ` ... ${v.length - 50} more bytes` : ""}>`;
      }
      keys = keys.filter((k) => typeof k === "symbol" || !/^(0|[1-9][0-9]*)$/.test(k));
      braces = [`${prefix(tag, v.length)}[`, "]"];
      if (v.length === 0 && keys.length === 0) return braces[0] + "]";
      extra = () => formatList(v, ctx, depth);
    } else if (tag === "ArrayBuffer") {
      const bytes = new Uint8Array(v);
      const hex = [...bytes.slice(0, 50)].map((b) => b.toString(16).padStart(2, "0"));
      output = [`[Uint8Contents]: <${hex.join(" ")}${bytes.length > 50 ? ` ... ${bytes.length - 50} more bytes` : ""}>`, `byteLength: ${v.byteLength}`];
      braces = [`${prefix("ArrayBuffer")}{`, "}"];
    } else if (tag === "Promise") {
      const st = native.promiseState(v);
      braces = [`${prefix("Promise")}{`, "}"];
      extra = () => [st.state === "pending" ? "<pending>" : st.state === "rejected" ? `<rejected> ${formatValue(st.value, ctx, depth + 1)}` : formatValue(st.value, ctx, depth + 1)];
    } else if (tag === "WeakMap" || tag === "WeakSet") {
      return `${prefix(tag)}{ <items unknown> }`;
    } else if (tag === "Number" || tag === "String" || tag === "Boolean" || tag === "BigInt" || tag === "Symbol") {
      const prim = formatPrimitive(Object.prototype.valueOf.call(v).valueOf(), ctx);
      base = `[${tag}: ${prim}]`;
      if (tag === "String") keys = keys.filter((k) => typeof k === "symbol" || !/^(0|[1-9][0-9]*)$/.test(k));
      if (keys.length === 0) return base;
    } else if (tag === "Arguments") {
      braces = ["[Arguments] [", "]"];
      extra = () => formatList(v, ctx, depth);
    } else {
      if (name === "Object") {
        const t = v[Symbol.toStringTag];
        if (typeof t === "string" && t !== "") braces = [`Object [${t}] {`, "}"];
      } else {
        braces = [`${prefix("Object")}{`, "}"];
      }
      if (keys.length === 0) return braces[0] === "{" ? "{}" : braces[0] + "}";
    }
    if (depth > ctx.depth) {
      return `[${name === null ? tag : name === "Object" || name === "Array" ? name : name}]`;
    }
    ctx.seen.push(v);
    let levels = 0;
    const before = ctx.maxLevel;
    ctx.maxLevel = 0;
    try {
      if (extra) output = output.concat(extra());
      for (const k of keys) output.push(formatProperty(v, k, ctx, depth, false));
    } finally {
      ctx.seen.pop();
      levels = ctx.maxLevel;
      ctx.maxLevel = Math.max(before, levels + 1);
    }
    const ref = ctx.circular.get(v);
    if (ref !== undefined) {
      const r = `<ref *${ref}>`;
      if (base === "") braces[0] = `${r} ${braces[0]}`;
      else base = `${r} ${base}`;
    }
    return reduce(ctx, output, base, braces, levels);
  }

  function formatList(v, ctx, depth) {
    const out = [];
    const n = Math.min(v.length, ctx.maxArrayLength);
    let holes = 0;
    const flush = () => { if (holes) { out.push(`<${holes} empty item${holes > 1 ? "s" : ""}>`); holes = 0; } };
    for (let i = 0; i < n; i++) {
      if (!Object.prototype.hasOwnProperty.call(v, i) && !ArrayBuffer.isView(v)) { holes++; continue; }
      flush();
      ctx.indent += 2;
      out.push(formatValue(v[i], ctx, depth + 1));
      ctx.indent -= 2;
    }
    flush();
    if (v.length > n) out.push(`... ${v.length - n} more item${v.length - n > 1 ? "s" : ""}`);
    return out;
  }

  function formatFunction(f, name) {
    const src = Function.prototype.toString.call(f);
    const n = f.name ? `: ${f.name}` : " (anonymous)";
    if (src.startsWith("class")) return `[class ${f.name || "(anonymous)"}]`;
    const kind = src.startsWith("async function*") ? "AsyncGeneratorFunction" : src.startsWith("async") ? "AsyncFunction" : /^function\s*\*/.test(src) ? "GeneratorFunction" : "Function";
    return name === null ? `[${kind} (null prototype)${n}]` : `[${kind}${n}]`;
  }

  function formatError(e) {
    const stack = typeof e.stack === "string" && e.stack !== "" ? e.stack : Error.prototype.toString.call(e);
    const head = `${e.name}: ${e.message}`;
    if (e.message === "" && !stack.startsWith(head)) return stack;
    return stack.startsWith(e.name) || stack.includes(e.message) ? stack : `[${Error.prototype.toString.call(e)}]`;
  }

  function inspect(value, opts) {
    const ctx = Object.assign({}, defaults, inspect.defaultOptions || {}, typeof opts === "object" && opts !== null ? opts : {});
    if (typeof opts === "boolean") ctx.showHidden = opts;
    if (ctx.depth === null) ctx.depth = Infinity;
    ctx.seen = [];
    ctx.circular = new Map();
    ctx.indent = 0;
    ctx.maxLevel = 0;
    return formatValue(value, ctx, 0);
  }
  inspect.custom = Symbol.for("nodejs.util.inspect.custom");
  inspect.defaultOptions = Object.assign({}, defaults);

  function format(...args) { return formatWithOptions({}, ...args); }

  function formatWithOptions(opts, ...args) {
    const first = args[0];
    let out = "", i = 1;
    const show = (v) => typeof v === "string" ? v : inspect(v, opts);
    if (typeof first === "string") {
      if (args.length === 1) return first;
      let last = 0;
      for (let j = 0; j < first.length - 1; j++) {
        if (first.charCodeAt(j) !== 37) continue; // %
        const c = first[j + 1];
        if (c === "%") { out += first.slice(last, j) + "%"; last = j + 2; j++; continue; }
        if (i >= args.length) continue;
        let s;
        const a = args[i];
        switch (c) {
          case "s":
            s = typeof a === "bigint" ? a + "n" : typeof a === "symbol" || typeof a === "object" && a !== null && !hasOwnToString(a) ? inspect(a, Object.assign({}, opts, { depth: 0 })) : Object.is(a, -0) ? "-0" : String(a);
            break;
          case "d": s = typeof a === "bigint" ? a + "n" : typeof a === "object" && a !== null ? "NaN" : formatPrimitive(Number(a), defaults); break;
          case "i": s = typeof a === "bigint" ? a + "n" : typeof a === "object" && a !== null ? "NaN" : String(parseInt(a)); break;
          case "f": s = typeof a === "symbol" ? "NaN" : String(parseFloat(a)); break;
          case "j": try { s = JSON.stringify(a); } catch (e) { s = "[Circular]"; } break;
          case "o": s = inspect(a, Object.assign({}, opts, { showHidden: true, depth: 4 })); break;
          case "O": s = inspect(a, opts); break;
          case "c": s = ""; break;
          default: continue;
        }
        out += first.slice(last, j) + s;
        last = j + 2;
        j++;
        i++;
      }
      out += first.slice(last);
    } else {
      out = show(first);
    }
    for (; i < args.length; i++) out += " " + show(args[i]);
    return out;
  }

  function hasOwnToString(o) {
    for (let p = o; p && p !== Object.prototype && p !== Error.prototype; p = Object.getPrototypeOf(p)) {
      if (Object.prototype.hasOwnProperty.call(p, "toString")) return true;
    }
    return o instanceof Date;
  }

  function inherits(ctor, superCtor) {
    if (typeof ctor !== "function" || typeof superCtor !== "function") throw new TypeError('The "ctor" and "superCtor" arguments must be functions');
    Object.defineProperty(ctor, "super_", { value: superCtor, writable: true, configurable: true });
    Object.setPrototypeOf(ctor.prototype, superCtor.prototype);
  }

  const kCustomPromisify = Symbol.for("nodejs.util.promisify.custom");
  function promisify(fn) {
    if (typeof fn !== "function") throw new TypeError('The "original" argument must be of type function');
    if (fn[kCustomPromisify]) return fn[kCustomPromisify];
    return function (...args) {
      return new Promise((resolve, reject) => {
        fn.call(this, ...args, (err, value) => (err ? reject(err) : resolve(value)));
      });
    };
  }
  promisify.custom = kCustomPromisify;

  function callbackify(fn) {
    return function (...args) {
      const cb = args.pop();
      fn.apply(this, args).then((v) => cb(null, v), (e) => cb(e || new Error("Promise was rejected with a falsy value")));
    };
  }

  function deprecate(fn, msg) {
    let warned = false;
    return function (...args) {
      if (!warned) { warned = true; console.warn(`DeprecationWarning: ${msg}`); }
      return new.target ? Reflect.construct(fn, args, new.target) : fn.apply(this, args);
    };
  }

  function isDeepStrictEqual(a, b, seen = new Map()) {
    if (Object.is(a, b)) return true;
    if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
    if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b) || tagOf(a) !== tagOf(b)) return false;
    if (seen.get(a) === b) return true;
    seen.set(a, b);
    if (a instanceof Date) return a.getTime() === b.getTime();
    if (a instanceof RegExp) return String(a) === String(b);
    if (a instanceof Map || a instanceof Set) {
      if (a.size !== b.size) return false;
      if (a instanceof Set) { for (const x of a) if (!b.has(x)) return false; return true; }
      for (const [k, x] of a) if (!b.has(k) || !isDeepStrictEqual(x, b.get(k), seen)) return false;
      return true;
    }
    const ka = Object.keys(a), kb = Object.keys(b);
    if (ka.length !== kb.length) return false;
    for (const k of ka) if (!Object.prototype.hasOwnProperty.call(b, k) || !isDeepStrictEqual(a[k], b[k], seen)) return false;
    return true;
  }

  const types = {
    isDate: (v) => tagOf(v) === "Date", isRegExp: (v) => tagOf(v) === "RegExp", isMap: (v) => tagOf(v) === "Map", isSet: (v) => tagOf(v) === "Set",
    isPromise: (v) => tagOf(v) === "Promise", isNativeError: (v) => v instanceof Error, isTypedArray: (v) => ArrayBuffer.isView(v) && tagOf(v) !== "DataView",
    isUint8Array: (v) => tagOf(v) === "Uint8Array", isArrayBuffer: (v) => tagOf(v) === "ArrayBuffer", isAnyArrayBuffer: (v) => tagOf(v) === "ArrayBuffer",
    isAsyncFunction: (v) => typeof v === "function" && Function.prototype.toString.call(v).startsWith("async"),
    isGeneratorFunction: (v) => typeof v === "function" && /^(async\s+)?function\s*\*/.test(Function.prototype.toString.call(v)),
    isBoxedPrimitive: (v) => ["Number", "String", "Boolean", "BigInt", "Symbol"].includes(tagOf(v)) && typeof v === "object",
  };

  const util = {
    format, formatWithOptions, inspect, inherits, promisify, callbackify, deprecate, isDeepStrictEqual, types,
    isArray: Array.isArray, isDeepEqual: isDeepStrictEqual,
    TextEncoder: need.TextEncoder, TextDecoder: need.TextDecoder,
  };
  return { util };
})
