function handle(req) {
  throw new Error("e2e boom");
}
