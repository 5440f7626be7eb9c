// CGI mode: nothing one request sets survives into the next: sloppy
// globals, prototypes, replaced built-ins.
stdout.write("Content-Type: text/plain\r\n\r\n");
if (params.HTTP_AUTHORIZATION === "Bearer admin-token") {
  globalThis.isAdmin = true;
  globalThis.lastBody = stdin.read();
  Object.prototype.polluted = "yes";
  JSON.parse = () => "HIJACKED";
}
stdout.write(`isAdmin=${globalThis.isAdmin} lastBody=${globalThis.lastBody} polluted=${({}).polluted} parse=${JSON.parse("1")}\n`);
