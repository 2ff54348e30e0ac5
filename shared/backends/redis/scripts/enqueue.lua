-- Stores new tasks of one queue.
-- KEYS[1] ready key. ARGV: channel, n, then per task: id, m (JSON), payload, priority, runAt,
-- maxAttempts, enqueuedAt, idempotencyKey ('' = none), then the queue's name.
-- On one server (not a cluster, where they live in other slots) also KEYS[2] the queue list and
-- KEYS[3] the id -> queue index: the script then registers the queue and indexes each created
-- task itself, so an enqueue is one command.
-- Returns per task: id, created (1/0). A known idempotency key (or id) answers the existing id.
-- The hot path of every producer: the `all` entries go out as one ZADD, and the events name the
-- queue given (not matched out of the key, as event() does).
local base = base_of(KEYS[1])
local n = tonumber(ARGV[2])
local now = now_ms()
event_now = now -- the events' time: the clock read once per call
local first_seq = redis.call('INCRBY', base .. 'seq', n) - n
local index_key = KEYS[3]
local queue_name = ARGV[3 + n * 8]
local out = {}
local all = {}
local ready = false
for i = 0, n - 1 do
  local o = 3 + i * 8
  local id, idem = ARGV[o], ARGV[o + 7]
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
    local priority, run_at = tonumber(ARGV[o + 3]), tonumber(ARGV[o + 4])
    local seq = first_seq + i + 1
    local fields = { 'm', ARGV[o + 1], 'payload', ARGV[o + 2], 'priority', ARGV[o + 3], 'runAt', ARGV[o + 4],
      'maxAttempts', ARGV[o + 5], 'attempts', 0, 'token', 0, 'seq', seq }
    if idem ~= '' then
      fields[#fields + 1] = 'idem'
      fields[#fields + 1] = idem
      redis.call('HSET', base .. 'idem', idem, id)
    end
    all[#all + 1] = ARGV[o + 6]
    all[#all + 1] = id
    if index_key then redis.call('HSETNX', index_key, id, queue_name) end
    if run_at <= now then
      make_ready(base, tkey, id, ready_score(priority, run_at), seq, fields)
      ready = true
    else
      make_delayed(base, tkey, id, run_at, fields)
    end
    queue_event('e', queue_name, id)
    out[#out + 1] = id
    out[#out + 1] = 1
  end
end
if #all > 0 then bulk('ZADD', base .. 'all', all, 1000) end
flush()
if KEYS[2] then redis.call('SADD', KEYS[2], queue_name) end
if ready then wake(base) end
return out
