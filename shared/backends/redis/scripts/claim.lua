-- Claims up to `max` ready tasks from one or more queues, in one step: first each queue's expired
-- leases are reclaimed (or the task dies, past maxAttempts) and its due delayed tasks promoted.
-- A claim adds 1 to the task's attempts and to its fencing token.
-- KEYS: ready key of each queue. ARGV: channel, workerId, max, leaseMs.
-- Returns { now, nextAt, tasks... }: nextAt is the earliest time (ms) something in these queues
-- becomes claimable without a wake-up (a delayed runAt or a lease expiry), -1 if none or if
-- something was claimed; then six values per task, flat: m, payload, runAt, attempts, token,
-- error or ''.
local worker, max, lease_ms = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local now = now_ms()
local expires = now + lease_ms

local function reclaim_expired(base)
  local expired = redis.call('ZRANGEBYSCORE', base .. 'running', '-inf', now, 'LIMIT', 0, 1000)
  for _, id in ipairs(expired) do
    local tkey = base .. 'task:' .. id
    local f = redis.call('HMGET', tkey, 'attempts', 'maxAttempts', 'rscore', 'seq')
    zset_later(base .. 'running', id, false)
    if not f[1] then
      -- the record is gone; nothing to hand back
    else
      -- Recorded on a reclaim too: the next worker then knows this task may kill its process.
      local err = cjson.encode({
        name = 'LeaseExpiredError', -- LEASE_EXPIRED_ERROR in core/backend.ts
        message = 'the lease ran out during attempt ' .. f[1] .. ' of ' .. f[2] ..
          ' (its worker stopped renewing it: it crashed, was killed or lost the server)',
      })
      if tonumber(f[1]) >= tonumber(f[2]) then
        finish(base, tkey, id, 'dead', now, { 'error', err })
        event('d', base, id, tonumber(f[1]), err)
      else
        make_ready(base, tkey, id, tonumber(f[3]), tonumber(f[4]), { 'error', err })
      end
    end
  end
end

-- Pick the tasks: { base, member } in claim order.
local picked = {}
for _, rkey in ipairs(KEYS) do
  local base = base_of(rkey)
  reclaim_expired(base)
  promote_due(base, now)
end
if #KEYS == 1 then
  local base = base_of(KEYS[1])
  local popped = redis.call('ZPOPMIN', KEYS[1], max)
  for j = 1, #popped, 2 do picked[#picked + 1] = { base, popped[j] } end
else
  -- Several queues: one order across them (priority, then runAt).
  local candidates = {}
  for _, rkey in ipairs(KEYS) do
    local top = redis.call('ZRANGE', rkey, 0, max - 1, 'WITHSCORES')
    for j = 1, #top, 2 do candidates[#candidates + 1] = { base_of(rkey), top[j], tonumber(top[j + 1]) } end
  end
  table.sort(candidates, function(a, b)
    if a[3] ~= b[3] then return a[3] < b[3] end
    return a[2] < b[2]
  end)
  for k = 1, math.min(max, #candidates) do
    local c = candidates[k]
    redis.call('ZREM', c[1] .. 'ready', c[2])
    picked[#picked + 1] = { c[1], c[2] }
  end
end

local out = { now, -1 }
for _, p in ipairs(picked) do
  local base, id = p[1], id_of_member(p[2])
  local tkey = base .. 'task:' .. id
  local f = redis.call('HMGET', tkey, 'm', 'payload', 'runAt', 'attempts', 'token', 'error')
  if f[1] then
    local attempts, token = tonumber(f[4]) + 1, tonumber(f[5]) + 1
    redis.call('HSET', tkey, 'state', 'running', 'attempts', attempts, 'token', token, 'owner', worker,
      'leaseExp', expires, 'startedAt', now)
    zset_later(base .. 'running', id, expires)
    event('s', base, id, attempts)
    local k = #out
    out[k + 1], out[k + 2], out[k + 3], out[k + 4], out[k + 5], out[k + 6] = f[1], f[2], tonumber(f[3]), attempts, token, f[6] or ''
  end
end
flush()

for _, rkey in ipairs(KEYS) do
  local base = base_of(rkey)
  if redis.call('ZCARD', rkey) > 0 then
    wake(base) -- more is ready: pass the wake-up on to the next blocked claimer
  else
    redis.call('DEL', base .. 'wake')
  end
  if #out == 2 then
    for _, z in ipairs({ 'delayed', 'running' }) do
      local first = redis.call('ZRANGE', base .. z, 0, 0, 'WITHSCORES')
      if first[2] then
        local at = tonumber(first[2])
        if out[2] < 0 or at < out[2] then out[2] = at end
      end
    end
  end
end
return out
