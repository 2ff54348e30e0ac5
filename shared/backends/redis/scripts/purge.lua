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
  delete_finished(base, state, ids)
  for _, id in ipairs(ids) do deleted[#deleted + 1] = id end
end
flush()
return deleted
