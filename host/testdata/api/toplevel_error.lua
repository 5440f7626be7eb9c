-- A top level that throws: a clear error at start.
local x = 1
undefined_function()
function handle(req) end
