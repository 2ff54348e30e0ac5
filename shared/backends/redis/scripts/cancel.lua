-- pending or delayed -> cancelled.
-- KEYS[1] ready key. ARGV: channel, id. Returns 1, or 0 when the task is unknown or not waiting.
local base = base_of(KEYS[1])
local id = ARGV[2]
local tkey = base .. 'task:' .. id
local f = redis.call('HMGET', tkey, 'state', 'seq')
if f[1] == 'pending' then
  redis.call('ZREM', base .. 'ready', ready_member(tonumber(f[2]), id))
elseif f[1] == 'delayed' then
  redis.call('ZREM', base .. 'delayed', id)
else
  return 0
end
finish(base, tkey, id, 'cancelled', now_ms())
flush()
return 1
