-- [env]: os.getenv has the configured values and nothing else; in a
-- request a CGI param of the name comes first.
local at_top = os.getenv("APP_MODE")
function handle(req)
  return table.concat({ at_top, os.getenv("APP_MODE"), os.getenv("SECRET"), tostring(os.getenv("HOME")), tostring(os.getenv("PATH")),
    os.getenv("REQUEST_METHOD") }, " ")
end
