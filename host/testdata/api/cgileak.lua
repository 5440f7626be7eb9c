-- CGI mode: nothing one request sets survives into the next (issue 11's
-- reproduction: a global, the string metatable).
io.write("Content-Type: text/plain\r\n\r\n")
if os.getenv("HTTP_AUTHORIZATION") == "Bearer admin-token" then
  is_admin = true
  last_user_body = io.read("a")
  getmetatable("").__index.upper = function() return "HIJACKED" end
end
io.write("is_admin=", tostring(is_admin), " previous_body=", tostring(last_user_body), " upper=", ("x"):upper(), "\n")
