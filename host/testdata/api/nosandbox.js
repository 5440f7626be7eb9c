// sandbox = false changes nothing for JS yet.
function handle(req) { return "ok"; }
