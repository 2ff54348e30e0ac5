-- Coordination state, compare-and-set (state.ts). KEYS[1] entries hash: key -> '<version>:<value>';
-- KEYS[2] zset of the keys (score 0, so ZRANGEBYLEX lists them in byte order). Both carry the
-- {state} tag: one slot on a cluster. ARGV: (channel, unused), key, value, expected version (0: the
-- key must not exist). Returns the new version, or 0 when the stored version is not the expected.
local key, value, expected = ARGV[2], ARGV[3], tonumber(ARGV[4])
local stored = redis.call('HGET', KEYS[1], key)
local version = 0
if stored then version = tonumber(string.match(stored, '^(%d+):')) end
if version ~= expected then return 0 end
redis.call('HSET', KEYS[1], key, num(expected + 1) .. ':' .. value)
if expected == 0 then redis.call('ZADD', KEYS[2], 0, key) end
return expected + 1
