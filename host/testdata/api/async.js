// An async handle is awaited; one that waits on nothing scriptsrv provides
// is a clear 500.
async function handle(req) {
  if (req.query.pending) {
    await new Promise(() => {});
  }
  const v = await Promise.resolve("async ok");
  return v;
}
