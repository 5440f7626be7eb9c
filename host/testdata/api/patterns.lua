-- Lua 5.1 pattern matching, as the reference interpreter does it: the
-- expected output is lua5.1's (patterns.lua.out).
local out = {}
local function show(...)
  local t = {}
  for i = 1, select("#", ...) do t[#t + 1] = tostring((select(i, ...))):gsub("^[%w_.]+:%d+: ", "") end
  out[#out + 1] = table.concat(t, ",")
end
function cases()
  out = {}
  show(string.find("hello world", "wor"))
  show(string.find("hello world", "o", 6))
  show(string.find("hello world", "l+"))
  show(string.find("a.b", ".", 1, true))
  show(string.find("abc", "b", -1))
  show(string.find("abc", "", 10))
  show(string.find("abc", "x"))
  show(string.match("key = value", "(%w+)%s*=%s*(%w+)"))
  show(string.match("  trim me  ", "^%s*(.-)%s*$"))
  show(tonumber(string.match("123", "^(%d+)$")))
  show(tonumber(string.match("12a", "^(%d+)$")))
  show(string.match("hello", "()ll()"))
  show(string.match("THE (quick) fox", "%((%a+)%)"))
  show(string.match("[[nested]]", "%b[]"))
  show(string.match("THE (quick) fox", "%f[%a]%a+", 5))
  show(string.match("abcabc", "(abc)%1"))
  show(string.match("x=1, y=22", "y=(%d+)"))
  show(string.match("2024-01-15", "(%d+)-(%d+)-(%d+)"))
  show(string.match("a]b", "[]]"))
  show(string.match("a-b", "[a%-]+"))
  show(string.match("hello", "^(h)(e)"))
  show(string.match("café", "caf."))
  show(string.match("abc", "[^a]+"))
  show(string.match("aaa", "a-b"))
  show(string.match("aaab", "a-b"))
  show(string.match("", ".*"))
  show(string.match("x", "x?x?x"))
  show(string.gsub("hello world", "o", "0"))
  show(string.gsub("hello world", "(%w+)", "<%1>"))
  show(string.gsub("hello", "", "-"))
  show(string.gsub("abc", "%w", "%0%0"))
  show(string.gsub("abc", "b", "%%"))
  show(string.gsub("hello world", "%w+", function(w) return w:upper() end))
  show(string.gsub("$name is $age", "%$(%w+)", { name = "Ann", age = 7 }))
  show(string.gsub("$name $missing", "%$(%w+)", { name = "Ann" }))
  show(string.gsub("abc", "^a", "X"))
  show(string.gsub("aaa", "a", "b", 2))
  show(string.gsub("one two", "(%w+) (%w+)", "%2 %1"))
  local words = {}
  for w in string.gmatch("one two  three", "%a+") do words[#words + 1] = w end
  show(table.concat(words, "|"))
  local kv = {}
  for k, v in string.gmatch("a=1, b=2", "(%w+)=(%w+)") do kv[#kv + 1] = k .. ":" .. v end
  show(table.concat(kv, "|"))
  local empties = 0
  for _ in string.gmatch("abc", "x*") do empties = empties + 1 end
  show(empties)
  show(("Hello"):lower():find("l"))
  show(pcall(string.find, "a", "[a"))
  show(pcall(string.find, "a", "%"))
  show(pcall(string.match, "a", "(a"))
  show(pcall(string.gsub, "a", "a", "%2"))
  return table.concat(out, "\n")
end
function handle(req) return cases() end
