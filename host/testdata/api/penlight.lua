-- Penlight and dkjson from Debian's packages, through [pool] lua_path.
local pretty = require("pl.pretty")
local template = require("pl.template")
local Date = require("pl.Date")
local stringx = require("pl.stringx")
local tablex = require("pl.tablex")
local dkjson = require("dkjson")

function handle(req)
  local out = {}
  out[#out + 1] = pretty.write({ 1, 2, { a = "x" } }, "")
  out[#out + 1] = template.substitute("Hello $(name)!\n# for i = 1, 3 do\n$(i)\n# end\n", { name = "World", _parent = _G })
  local d = Date({ year = 2024, month = 2, day = 29, hour = 12 })
  out[#out + 1] = Date.Format("yyyy-mm-dd"):tostring(d) .. " " .. tostring(d:weekday_name())
  out[#out + 1] = table.concat(stringx.split("a,b,c", ","), "|") .. " " .. tablex.size({ x = 1, y = 2 })
  local doc = dkjson.decode(dkjson.encode({ list = { 1, 2, 3 }, name = "é", nested = { ok = true } }))
  out[#out + 1] = doc.name .. " " .. #doc.list .. " " .. tostring(doc.nested.ok)
  local ok, err = pcall(require, "no.such.module")
  out[#out + 1] = tostring(ok) .. " " .. tostring(err):match("no file [^\n]*")
  return table.concat(out, "\n")
end
