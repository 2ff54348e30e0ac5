-- Deletes up to `limit` finished tasks of one queue that finished at or before now - olderThanMs.
-- KEYS[1] ready key. ARGV: channel, olderThanMs, limit. Returns the deleted ids (the caller
-- drops them from the id -> queue index, which lives outside this queue's slot).
local base = base_of(KEYS[1])
local cutoff = now_ms() - tonumber(ARGV[2])
local ids = redis.call('ZRANGEBYSCORE', base .. 'finished', '-inf', cutoff, 'LIMIT', 0, tonumber(ARGV[3]))
local records = {}
for _, id in ipairs(ids) do
  local tkey = base .. 'task:' .. id
  local f = redis.call('HMGET', tkey, 'state', 'idem')
  zset_later(base .. 'finished', id, false)
  zset_later(base .. 'all', id, false)
  if f[1] then zset_later(base .. 's:' .. f[1], id, false) end
  if f[2] and redis.call('HGET', base .. 'idem', f[2]) == id then
    redis.call('HDEL', base .. 'idem', f[2])
  end
  records[#records + 1] = tkey
end
if #records > 0 then
  -- DEL takes several keys but no leading key argument: slice by hand.
  for i = 1, #records, 1000 do
    redis.call('DEL', unpack(records, i, math.min(i + 999, #records)))
  end
end
flush()
return ids
