-- Coordination state, delete (state.ts). KEYS as state_set.lua. ARGV: (channel, unused), key,
-- expected version ('' for any). Returns 1 when the entry was deleted, 0 when it does not exist or
-- its version differs.
local key, expected = ARGV[2], ARGV[3]
local stored = redis.call('HGET', KEYS[1], key)
if not stored then return 0 end
if expected ~= '' and tonumber(string.match(stored, '^(%d+):')) ~= tonumber(expected) then return 0 end
redis.call('HDEL', KEYS[1], key)
redis.call('ZREM', KEYS[2], key)
return 1
