-- Gives back claimed tasks of one queue that never started: they are pending again at once, in
-- their old place, and the claim does not count as an attempt. The fencing token is kept, so the
-- next claim still gets a new one.
-- KEYS[1] ready key. ARGV: channel, n, then per lease: id, owner, token.
-- Returns 1/0 per lease.
local base = base_of(KEYS[1])
local n = tonumber(ARGV[2])
local out = {}
local released = false
for i = 0, n - 1 do
  local o = 3 + i * 3
  local id = ARGV[o]
  local tkey = base .. 'task:' .. id
  local f = redis.call('HMGET', tkey, 'state', 'owner', 'token', 'rscore', 'seq', 'attempts')
  if f[1] == 'running' and f[2] == ARGV[o + 1] and f[3] == ARGV[o + 2] then
    zset_later(base .. 'running', id, false)
    redis.call('HDEL', tkey, 'startedAt')
    make_ready(base, tkey, id, tonumber(f[4]), tonumber(f[5]), { 'attempts', tonumber(f[6]) - 1 })
    out[i + 1] = 1
    released = true
  else
    out[i + 1] = 0
  end
end
flush()
if released then wake(base) end
return out
