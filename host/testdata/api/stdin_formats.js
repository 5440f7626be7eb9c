// req.stdin.readBytes(n?): an ArrayBuffer, for binary bodies.
function handle(req) {
  const first = new Uint8Array(req.stdin.readBytes(2));
  const rest = req.stdin.readBytes();
  const end = req.stdin.readBytes(1);
  return `first=${first[0]},${first[1]} rest=${rest.byteLength} end=${end.byteLength} ab=${rest instanceof ArrayBuffer}`;
}
