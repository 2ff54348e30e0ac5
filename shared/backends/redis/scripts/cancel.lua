-- pending, delayed or running -> cancelled. A running task leaves the running set (no reclaim on
-- lease expiry); its holder's reports then fail the `running` check (fenced).
-- KEYS[1] ready key. ARGV: channel, id. Returns the state it was cancelled from, or 0 when the
-- task is unknown or finished.
local base = base_of(KEYS[1])
local id = ARGV[2]
local tkey = base .. 'task:' .. id
local f = redis.call('HMGET', tkey, 'state', 'seq')
if f[1] == 'pending' then
  redis.call('ZREM', base .. 'ready', ready_member(tonumber(f[2]), id))
elseif f[1] == 'delayed' then
  redis.call('ZREM', base .. 'delayed', id)
elseif f[1] == 'running' then
  redis.call('ZREM', base .. 'running', id)
else
  return 0
end
finish(base, tkey, id, 'cancelled', now_ms())
event('c', base, id)
flush()
return f[1]
