-- A CGI-style script (no handle) that returns its answer instead of
-- writing it: sent as a handler's would be.
local name = os.getenv("QUERY_STRING")
return "returned for " .. name
