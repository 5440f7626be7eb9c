// fs.js: a stand-in for Node's fs, so that packages which load it for
// an optional feature (postcss's source maps) load: scripts have no file
// system, so every call fails, naming itself; existsSync is false.
(function (native, need) {
  "use strict";
  const names = ["readFile", "writeFile", "appendFile", "readdir", "stat", "lstat", "mkdir", "rm", "rmdir", "unlink", "rename", "open", "close",
    "read", "write", "access", "copyFile", "realpath", "readlink", "symlink", "chmod", "chown", "createReadStream", "createWriteStream", "watch"];
  const refuse = (name) => new Error(`fs.${name}: scripts have no file system (kv, db or fetch keep data)`);
  const fs = { constants: { F_OK: 0, R_OK: 4, W_OK: 2, X_OK: 1 }, existsSync: () => false, promises: {} };
  for (const n of names) {
    fs[n] = function () { throw refuse(n); };
    if (!n.startsWith("create") && n !== "watch") {
      fs[n + "Sync"] = function () { throw refuse(n + "Sync"); };
      fs.promises[n] = () => Promise.reject(refuse("promises." + n));
    }
  }
  return { fs, "fs/promises": fs.promises };
})
