// The sandbox: no file system, no child processes; require("process") is
// the global process, which holds only [env]; fs loads but every call
// fails.
function handle(req) {
  const out = [typeof process, typeof setTimeout, require("process") === process ? "process:same" : "process:other"];
  for (const m of ["child_process", "node:child_process"]) {
    try { require(m); out.push(m + ":loaded"); } catch (e) { out.push(m + ":refused"); }
  }
  const fs = require("fs");
  try { fs.readFileSync("/etc/passwd"); out.push("fs:read"); } catch (e) { out.push(e.message); }
  out.push("exists:" + fs.existsSync("/etc/passwd"));
  return out.join(" ");
}
