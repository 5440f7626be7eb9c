-- cgi.lua: a classic CGI script, unchanged: no handle(), so the whole file
-- runs per request with os.getenv, io.read, io.write and print.
io.write("Content-Type: text/plain\r\n\r\n")
io.write("query: ", os.getenv("QUERY_STRING") or "", "\n")
io.write("body: ", io.read("a") or "", "\n")
print("method:", os.getenv("REQUEST_METHOD"))
