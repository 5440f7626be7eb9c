-- Lua 5.1 as common code expects it, where gopher-lua differs: one line a
-- difference (compat.go).
function handle(req)
  local t = { 3, 1, 2 }
  table.sort(t, nil)
  local out = {
    "match nil: " .. tostring(tonumber(("abc"):match("^(%d+)$"))),
    "sort nil: " .. table.concat(t, ","),
    "huge: " .. tostring(math.huge == 1 / 0) .. " " .. tostring(-math.huge < -1e308),
    "tonumber base: " .. tonumber("z", 36) .. " " .. tonumber("ff", 16) .. " " .. tonumber("-101", 2) .. " " .. tostring(tonumber("9", 8)),
    "q: " .. string.format("%q", 'a\n"b"\\\0c\r'),
    "q mixed: " .. string.format("%d%% %5s %q", 7, "x", "y"),
    "find nil: " .. select("#", ("x"):find("y")),
    "os.date: " .. os.date("!%a %b %j %U %W %c %x", 1709208000) .. " yday " .. os.date("!*t", 1709208000).yday,
  }
  return table.concat(out, "\n")
end
