// An uncaught error: 500, file:line and the stack in the log.
function helper() {
  throw new TypeError("no such thing");
}
function handle(req) {
  helper();
}
