// A Response whose body is a ReadableStream streams: each chunk is sent
// and flushed as the source enqueues it.
function handle(req) {
  const c = req.query.case;
  if (c === "timer") {
    let i = 0;
    return new Response(new ReadableStream({
      start(ctl) {
        const t = setInterval(() => {
          ctl.enqueue(`chunk ${i}\n`);
          if (++i === 3) { clearInterval(t); ctl.close(); }
        }, 100);
      },
    }), { headers: { "Content-Type": "text/event-stream" } });
  } else if (c === "pull") {
    let n = 0;
    return new Response(new ReadableStream({
      async pull(ctl) {
        await new Promise((r) => setTimeout(r, 10));
        if (n === 3) return ctl.close();
        ctl.enqueue(new TextEncoder().encode(`part ${n++};`));
      },
    }), { status: 201 });
  } else if (c === "error") {
    return new Response(new ReadableStream({
      start(ctl) { ctl.enqueue("before;"); setTimeout(() => ctl.error(new Error("the source broke")), 20); },
    }));
  } else if (c === "read") { // a stream body read whole, by the script itself
    const r = new Response(new ReadableStream({ start(ctl) { setTimeout(() => { ctl.enqueue("late "); ctl.enqueue("text"); ctl.close(); }, 10); } }));
    return r.text();
  }
}
