// stream.js: streaming with flush(). nginx buffers responses unless told
// not to (X-Accel-Buffering: no); Caddy flushes FastCGI output promptly
// only for text/event-stream (or with flush_interval -1).
function handle(req) {
  header("Content-Type", "text/event-stream");
  header("X-Accel-Buffering", "no");
  header("Cache-Control", "no-cache");
  const n = Math.min(Number(req.query.n) || 5, 100);
  for (let i = 1; i <= n; i++) {
    send(`data: tick ${i}\n\n`);
    flush();
    const until = Date.now() + 100; // no timers in scriptsrv: wait by spinning briefly
    while (Date.now() < until) {}
  }
}
