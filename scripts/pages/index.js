// pages/index.js: served by the dir route /pages/ as /pages/index.
function handle(req) {
  return "<!doctype html><title>scriptsrv</title><p>Pages in this folder are served as /pages/NAME.</p>\n";
}
