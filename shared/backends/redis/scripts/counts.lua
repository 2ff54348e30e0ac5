-- Counts one queue's tasks by state, after promoting due delayed tasks so a task whose runAt has
-- passed counts as pending even while no worker claims.
-- KEYS[1] ready key. ARGV: channel.
-- Returns { pending, delayed, running, succeeded, dead, cancelled, oldestPendingRunAt (-1), now }.
local base = base_of(KEYS[1])
local now = now_ms()
if promote_due(base, now) then wake(base) end
flush()
local out = {}
for _, key in ipairs({ 'ready', 'delayed', 'running', 's:succeeded', 's:dead', 's:cancelled' }) do
  out[#out + 1] = redis.call('ZCARD', base .. key)
end
-- The oldest pending runAt: the first entry of each priority band holds that band's earliest.
local oldest = -1
for band = 0, 9 do
  local first = redis.call('ZRANGEBYSCORE', KEYS[1], band * BAND, '(' .. num((band + 1) * BAND), 'WITHSCORES', 'LIMIT', 0, 1)
  if first[2] then
    local run_at = tonumber(first[2]) - band * BAND
    if oldest < 0 or run_at < oldest then oldest = run_at end
  end
end
out[#out + 1] = oldest
out[#out + 1] = now
return out
