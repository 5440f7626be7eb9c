// A top level that throws: a clear error at start.
const x = 1;
undefinedFunction();
function handle(req) {}
