// A large body read in 64 KiB pieces.
function handle(req) {
  let total = 0;
  for (let b = req.stdin.readBytes(65536); b.byteLength > 0; b = req.stdin.readBytes(65536)) total += b.byteLength;
  return `total=${total}`;
}
