-- Deletes up to `limit` finished tasks of one queue that finished at or before now - olderThanMs.
-- KEYS[1] ready key. ARGV: channel, olderThanMs, limit. Returns the deleted ids (the caller
-- drops them from the id -> queue index, which lives outside this queue's slot).
local base = base_of(KEYS[1])
local cutoff = now_ms() - tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local deleted = {}
for _, state in ipairs({ 'succeeded', 'dead', 'cancelled' }) do
  if #deleted >= limit then break end
  local ids = redis.call('ZRANGEBYSCORE', base .. 's:' .. state, '-inf', cutoff, 'LIMIT', 0, limit - #deleted)
  local records = {}
  for _, id in ipairs(ids) do
    local tkey = base .. 'task:' .. id
    local idem = redis.call('HGET', tkey, 'idem')
    if idem and redis.call('HGET', base .. 'idem', idem) == id then
      redis.call('HDEL', base .. 'idem', idem)
    end
    zset_later(base .. 's:' .. state, id, false)
    zset_later(base .. 'all', id, false)
    records[#records + 1] = tkey
    deleted[#deleted + 1] = id
  end
  -- DEL takes several keys but no leading key argument: slice by hand.
  for i = 1, #records, 1000 do
    redis.call('DEL', unpack(records, i, math.min(i + 999, #records)))
  end
end
flush()
return deleted
