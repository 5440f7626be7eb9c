// A read of 2**40 bytes from a 5-byte body allocates nothing of the sort.
function handle(req) {
  if (req.query.how === "bytes") return String.fromCharCode(...new Uint8Array(req.stdin.readBytes(2 ** 40)));
  if (req.query.how === "global") return stdin.read(2 ** 40);
  return req.stdin.read(2 ** 40);
}
