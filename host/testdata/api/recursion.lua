-- Infinite recursion is a clean 500.
local function f(n) return f(n + 1) + 1 end
function handle(req) return tostring(f(0)) end
