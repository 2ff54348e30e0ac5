-- Stores what running handlers reported (their progress and whole bounded log, replacing what the
-- task held), for those leases still held (running, same owner and fencing token).
-- KEYS[1] ready key. ARGV: channel, n, then per report: id, owner, token, progress (JSON, '' =
-- none), log (JSON array of lines, '' = none), dropped (lines dropped to keep the log's bound),
-- progressChanged (1/0), newLines (JSON array for the log event, '' = none).
-- Returns 1/0 per report.
local base = base_of(KEYS[1])
local n = tonumber(ARGV[2])
local out = {}
for i = 0, n - 1 do
  local o = 3 + i * 8
  local tkey = base .. 'task:' .. ARGV[o]
  local f = redis.call('HMGET', tkey, 'state', 'owner', 'token', 'attempts')
  if f[1] == 'running' and f[2] == ARGV[o + 1] and f[3] == ARGV[o + 2] then
    redis.call('HSET', tkey, 'progress', ARGV[o + 3], 'log', ARGV[o + 4], 'logDropped', ARGV[o + 5])
    if ARGV[o + 6] == '1' and ARGV[o + 3] ~= '' then event('p', base, ARGV[o], tonumber(f[4]), ARGV[o + 3]) end
    if ARGV[o + 7] ~= '' then event('l', base, ARGV[o], tonumber(f[4]), ARGV[o + 7]) end
    out[i + 1] = 1
  else
    out[i + 1] = 0
  end
end
flush()
return out
