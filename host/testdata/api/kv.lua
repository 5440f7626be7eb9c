-- kv: shared state, JSON values, atomic operations, errors naming limits.
local function str(v) if type(v) == "number" and v == math.floor(v) then return string.format("%d", v) end return tostring(v) end
function handle(req)
  local c = req.query.case
  if c == "roundtrip" then
    kv.set("a", json.decode("[1,null,3]")); kv.set("o", json.object()); kv.set("l", json.array()); kv.set("u", "é😀")
    kv.set("big", 9007199254740992); kv.set("n", { x = { y = { true, false } } }); kv.set("f", 1.5)
    local out = {}
    for _, k in ipairs({ "a", "o", "l", "u", "big", "n", "f", "absent" }) do out[#out + 1] = json.encode(kv.get(k)) end
    return table.concat(out, " ")
  elseif c == "ops" then
    local out = {}
    local function add(...) for i = 1, select("#", ...) do out[#out + 1] = str((select(i, ...))) end end
    add(kv.add("k", 1), kv.add("k", 2), kv.replace("k", 3), kv.replace("nope", 1), kv.get("k"))
    add(kv.incr("c"), kv.incr("c", 5), kv.incr("d", 1, 10), kv.incr("c", -0.5))
    add(kv.ttl("k"), kv.expire("k", 100), kv.ttl("k") > 99, kv.expire("nope", 1))
    kv.set("t", "x", 50)
    add(kv.ttl("t") > 49 and kv.ttl("t") <= 50)
    add(kv.delete("k"), kv.delete("k"), kv.get("k"))
    kv.set("user:2", 1); kv.set("user:1", 1); kv.set("item:1", 1)
    add(table.concat(kv.keys("user:"), ","), table.concat(kv.keys("", 2), ","))
    return table.concat(out, " ")
  elseif c == "expiry" then
    if req.query.step == "1" then kv.set("e", "soon", 0.2) end
    return tostring(kv.get("e"))
  elseif c == "toplevel" then
    return tostring(kv.get("top"))
  elseif c == "errors" then
    local out = {}
    local tries = {
      function() kv.set(string.rep("x", 513), 1) end,
      function() kv.set("v", string.rep("x", 2000)) end,
      function() kv.set("s", "str"); kv.incr("s") end,
      function() kv.set("k", 1, "soon") end,
      function() kv.set("k", function() end) end,
      function() kv.set("k", 1, -1) end,
      function() kv.get({}) end,
    }
    for _, f in ipairs(tries) do
      local ok, e = pcall(f)
      out[#out + 1] = ok and "ok" or tostring(e)
    end
    return table.concat(out, "\n")
  end
end
kv.set("top", "set at the top level")
