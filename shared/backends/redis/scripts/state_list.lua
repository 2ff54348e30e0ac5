-- Coordination state, list by prefix (state.ts), as one snapshot. KEYS as state_set.lua.
-- ARGV: (channel, unused), the ZRANGEBYLEX bounds of the prefix. Returns key, '<version>:<value>',
-- key, ... in key order.
local keys = redis.call('ZRANGEBYLEX', KEYS[2], ARGV[2], ARGV[3])
local out = {}
for _, key in ipairs(keys) do
  local stored = redis.call('HGET', KEYS[1], key)
  if stored then
    out[#out + 1] = key
    out[#out + 1] = stored
  end
end
return out
