return function(name) return string.upper("hello " .. (name or "world")) end
