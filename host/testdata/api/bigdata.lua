-- table.concat of 100k items needs the growable registry; json handles
-- unicode escapes and round-trips.
function handle(req)
  local t = {}
  for i = 1, 100000 do t[i] = "x" end
  local s = table.concat(t)
  local u = json.decode('"\\u00e9\\ud83d\\ude00"')
  local back = json.encode(json.decode('{"a":[1,null,3],"e":{},"l":[],"n":null,"f":1.5}'))
  return #s .. " " .. u .. " " .. json.encode(u) .. " " .. back .. " " .. json.encode({}) .. " " .. json.encode(json.array({}))
end
