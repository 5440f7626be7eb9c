// Memory bombs (stopped at memory_limit) and a well-behaved big request.
function handle(req) {
  switch (req.query.case) {
  case "concat": { let s = "x"; while (true) { s = s + s; s.charCodeAt(s.length - 1); } }
  case "repeat": return "x".repeat(2 ** 30).length;
  case "push": { const a = []; while (true) a.push(new Array(100000).fill(1)); }
  case "buffer": return new ArrayBuffer(2 ** 31).byteLength;
  case "typed": return new Float64Array(2 ** 28).length;
  case "fill": return new Array(1e9).fill(0).length;
  case "join": { const s = "x".repeat(1 << 20); return new Array(1000).fill(s).join("").length; }
  case "pad": return "x".padStart(2 ** 30).length;
  case "caught": { try { "x".repeat(2 ** 30); } catch (e) { return "caught " + e.message; } return "not stopped"; }
  case "ok40": {
    let a = [];
    for (let i = 0; i < 40; i++) a.push("x".repeat(1 << 20) + i);
    const n = a.reduce((t, s) => t + s.length, 0);
    a = null;
    return "ok " + n;
  }
  }
  return "fine";
}
