const util = require("./util.js");
module.exports = (name) => util.shout("hello " + (name || "world"));
