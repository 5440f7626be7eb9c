-- crypto and base64.
local cases = {
  hashes = function()
    return table.concat({crypto.sha256("abc"), crypto.hmac_sha256("key", "The quick brown fox jumps over the lazy dog"), crypto.sha256("")}, "|")
  end,
  pbkdf2 = function()
    local ok, e = pcall(crypto.pbkdf2, "p", "s", 1e9, 32)
    return table.concat({crypto.pbkdf2("password", "salt", 1, 32), crypto.pbkdf2("password", "salt", 4096, 32, "sha256"),
      tostring(crypto.equal("abc", "abc")), tostring(crypto.equal("abc", "abd")), tostring(crypto.equal("abc", "ab")), tostring(e)}, "|")
  end,
  random = function()
    local b = crypto.random_bytes(16)
    local id = crypto.uuid()
    return table.concat({#b, tostring(b ~= crypto.random_bytes(16)), tostring(id:match("^%x%x%x%x%x%x%x%x%-%x%x%x%x%-4%x%x%x%-[89ab]%x%x%x%-%x%x%x%x%x%x%x%x%x%x%x%x$") ~= nil), tostring(id ~= crypto.uuid())}, "|")
  end,
  base64 = function()
    local d, err = base64.decode("not base64!")
    return table.concat({base64.encode("héllo\0"), base64.decode("aMOpbGxvAA=="), base64.decode("aGk"), base64.decode("-_8"):byte(1, -1), tostring(d), err}, "|")
  end,
  ["bad size"] = function() return crypto.random_bytes(-1) end,
  ["bad arg"] = function() return crypto.sha256({}) end,
}
function handle(req) return cases[req.query.case]() end
