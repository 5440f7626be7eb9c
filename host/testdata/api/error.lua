-- An uncaught error: 500, file:line and the stack in the log.
local function helper()
  error("no such thing")
end
function handle(req)
  helper()
end
