-- Stores new tasks of one queue.
-- KEYS[1] ready key. ARGV: channel, queue, n, then per task: id, name, payload, serializer,
-- priority, runAt, enqueuedAt, maxAttempts, backoff (JSON), timeoutMs ('' = none),
-- idempotencyKey ('' = none).
-- Returns per task: id, created (1/0). A known idempotency key (or id) answers the existing id.
local base = base_of(KEYS[1])
local queue = ARGV[2]
local n = tonumber(ARGV[3])
local now = now_ms()
local first_seq = redis.call('INCRBY', base .. 'seq', n) - n
local out = {}
local ready = false
for i = 0, n - 1 do
  local o = 4 + i * 11
  local id, idem = ARGV[o], ARGV[o + 10]
  local tkey = base .. 'task:' .. id
  local existing = false
  if idem ~= '' then
    existing = redis.call('HGET', base .. 'idem', idem)
    if existing and redis.call('EXISTS', base .. 'task:' .. existing) == 0 then existing = false end
  end
  if not existing and redis.call('EXISTS', tkey) == 1 then existing = id end
  if existing then
    out[#out + 1] = existing
    out[#out + 1] = 0
  else
    local priority, run_at, enqueued_at = tonumber(ARGV[o + 4]), tonumber(ARGV[o + 5]), tonumber(ARGV[o + 6])
    local seq = first_seq + i + 1
    local fields = { 'id', id, 'queue', queue, 'name', ARGV[o + 1], 'payload', ARGV[o + 2],
      'serializer', ARGV[o + 3], 'priority', priority, 'runAt', ARGV[o + 5], 'enqueuedAt', ARGV[o + 6],
      'maxAttempts', ARGV[o + 7], 'backoff', ARGV[o + 8], 'attempts', 0, 'token', 0, 'seq', seq }
    if ARGV[o + 9] ~= '' then
      fields[#fields + 1] = 'timeoutMs'
      fields[#fields + 1] = ARGV[o + 9]
    end
    if idem ~= '' then
      fields[#fields + 1] = 'idem'
      fields[#fields + 1] = idem
      redis.call('HSET', base .. 'idem', idem, id)
    end
    zset_later(base .. 'all', id, enqueued_at)
    if run_at <= now then
      make_ready(base, tkey, id, false, ready_score(priority, run_at), seq, enqueued_at, fields)
      ready = true
    else
      make_delayed(base, tkey, id, false, run_at, enqueued_at, fields)
    end
    out[#out + 1] = id
    out[#out + 1] = 1
  end
end
flush()
if ready then wake(base) end
return out
