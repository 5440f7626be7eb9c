// The sandbox: no process module, no file system.
function handle(req) {
  const out = [typeof process, typeof setTimeout];
  for (const m of ["process", "fs", "child_process"]) {
    try { require(m); out.push(m + ":loaded"); } catch (e) { out.push(m + ":refused"); }
  }
  return out.join(" ");
}
