-- form.lua: a form and upload handler. An urlencoded POST is parsed into
-- fields; any other body (a file upload) is read in 64 KiB pieces and only
-- counted, so its size does not matter.
local function urldecode(s)
  s = s:gsub("+", " ")
  return (s:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
end

local function parse_form(body)
  local fields = {}
  for pair in body:gmatch("[^&]+") do
    local k, v = pair:match("^([^=]*)=?(.*)$")
    fields[urldecode(k)] = urldecode(v)
  end
  return fields
end

function handle(req)
  if req.method ~= "POST" then
    header("Content-Type", "text/html; charset=utf-8")
    return [[<form method="post"><input name="name"><button>send</button></form>
<form method="post" enctype="application/octet-stream"><input type="file" name="f"><button>upload</button></form>
]]
  end
  local ctype = req.headers["content-type"] or ""
  if ctype:find("application/x-www-form-urlencoded", 1, true) then
    return send({ fields = parse_form(req.stdin:read("a")) })
  end
  local size = 0
  while true do
    local piece = req.stdin:read(65536)
    if not piece then break end
    size = size + #piece
  end
  send({ uploaded = size, content_type = ctype })
end
