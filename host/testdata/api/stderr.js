// stderr.write and console go to the error log, never the response.
function handle(req) {
  stderr.write("to stderr\n");
  console.log("console says %d", 42);
  console.error(new Error("bad thing"));
  return "ok";
}
