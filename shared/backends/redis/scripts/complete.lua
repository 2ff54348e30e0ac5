-- Records the outcomes of claimed tasks of one queue. Each is accepted only while the task is
-- still running under the same lease (owner and fencing token); otherwise nothing changes.
-- KEYS[1] ready key. ARGV: channel, n, then per completion: id, owner, token, outcome
-- ('succeeded' | 'retry' | 'dead'), finishedAt, data (result bytes, or error JSON), runAt (retry).
-- Returns 1/0 per completion.
local base = base_of(KEYS[1])
local n = tonumber(ARGV[2])
local now = nil
local out = {}
local ready = false
for i = 0, n - 1 do
  local o = 3 + i * 7
  local id, outcome = ARGV[o], ARGV[o + 3]
  local tkey = base .. 'task:' .. id
  local f = redis.call('HMGET', tkey, 'state', 'owner', 'token', 'attempts')
  if f[1] ~= 'running' or f[2] ~= ARGV[o + 1] or f[3] ~= ARGV[o + 2] then
    out[i + 1] = 0
  else
    zset_later(base .. 'running', id, false)
    if outcome == 'succeeded' then
      finish(base, tkey, id, 'succeeded', ARGV[o + 4], { 'result', ARGV[o + 5] })
      event('u', base, id, tonumber(f[4]))
    elseif outcome == 'dead' then
      finish(base, tkey, id, 'dead', ARGV[o + 4], { 'error', ARGV[o + 5] })
      event('d', base, id, tonumber(f[4]), ARGV[o + 5])
    else
      local e = cjson.decode(ARGV[o + 5])
      event('r', base, id, tonumber(f[4]), cjson.encode({ name = e.name, message = e.message, runAt = tonumber(ARGV[o + 6]) }))
      local run_at = tonumber(ARGV[o + 6])
      local extra = { 'error', ARGV[o + 5], 'runAt', ARGV[o + 6] }
      now = now or now_ms()
      if run_at <= now then
        local g = redis.call('HMGET', tkey, 'priority', 'seq')
        make_ready(base, tkey, id, ready_score(tonumber(g[1]), run_at), tonumber(g[2]), extra)
        ready = true
      else
        make_delayed(base, tkey, id, run_at, extra)
      end
    end
    out[i + 1] = 1
  end
end
flush()
if ready then wake(base) end
return out
