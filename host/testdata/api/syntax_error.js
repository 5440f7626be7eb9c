function handle(req) {
  return "unterminated;
}
