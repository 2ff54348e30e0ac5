-- Extends leases of one queue to now + leaseMs, for those still held (running, same owner and
-- fencing token).
-- KEYS[1] ready key. ARGV: channel, leaseMs, n, then per lease: id, owner, token.
-- Returns 1/0 per lease.
local base = base_of(KEYS[1])
local lease_ms, n = tonumber(ARGV[2]), tonumber(ARGV[3])
local expires = now_ms() + lease_ms
local out = {}
for i = 0, n - 1 do
  local o = 4 + i * 3
  local id = ARGV[o]
  local tkey = base .. 'task:' .. id
  local f = redis.call('HMGET', tkey, 'state', 'owner', 'token')
  if f[1] == 'running' and f[2] == ARGV[o + 1] and f[3] == ARGV[o + 2] then
    redis.call('HSET', tkey, 'leaseExp', expires)
    zset_later(base .. 'running', id, expires)
    out[i + 1] = 1
  else
    out[i + 1] = 0
  end
end
flush()
return out
