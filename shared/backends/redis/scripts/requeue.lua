-- dead or cancelled -> pending now, attempts back to 0; the last error stays for reference and
-- the fencing token keeps counting, so a lease from before the requeue stays fenced off.
-- KEYS[1] ready key. ARGV: channel, id. Returns 1, or 0 when the task is unknown or not finished
-- that way.
local base = base_of(KEYS[1])
local id = ARGV[2]
local tkey = base .. 'task:' .. id
local f = redis.call('HMGET', tkey, 'state', 'priority', 'seq')
if f[1] ~= 'dead' and f[1] ~= 'cancelled' then return 0 end
local now = now_ms()
redis.call('ZREM', base .. 's:' .. f[1], id)
redis.call('HDEL', tkey, 'finishedAt', 'startedAt')
make_ready(base, tkey, id, ready_score(tonumber(f[2]), now), tonumber(f[3]), { 'attempts', 0, 'runAt', now })
event('e', base, id)
flush()
wake(base)
return 1
