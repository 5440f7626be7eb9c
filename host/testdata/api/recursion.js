// Infinite recursion is a clean 500.
function f(n) { return f(n + 1) + 1; }
function handle(req) { return String(f(0)); }
