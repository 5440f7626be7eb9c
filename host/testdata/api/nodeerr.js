// require that fails names the module and where it looked.
function handle(req) {
  try { require(req.query.name); return "loaded"; } catch (e) { return e.name + ": " + e.message + " [" + e.code + "]"; }
}
