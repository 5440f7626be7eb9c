-- An uncaught error: 500, file:line and the stack in the log.
local function helper()
  error("no such thing")
end
function handle(req)
  if req.query.table then
    error({ code = 42, message = "it broke" })
  elseif req.query.tostring then
    error(setmetatable({}, { __tostring = function() return "an error object of my own" end }))
  end
  helper()
end
