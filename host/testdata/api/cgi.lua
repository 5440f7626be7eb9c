-- cgi.lua: a classic CGI script, unchanged
io.write("Content-Type: text/plain\r\n\r\n")
io.write("query: ", os.getenv("QUERY_STRING") or "", "\n")
io.write("body: ", io.read("a") or "", "\n")
print("n=1")
