-- Helpers shared by every script (scripts.ts puts this file in front of each one).
--
-- Layout of one queue, all under the hash tag {q:<queue>} so a script over one queue touches a
-- single cluster slot. `base` is '<prefix>{q:<queue>}:' and every queue script gets
-- `base .. 'ready'` as a key, from which it derives the rest:
--   ready        zset  pending tasks; score = (9 - priority) * BAND + runAt, member = seq:id, so
--                      the lowest entry is the highest priority, then earliest runAt, then the
--                      first enqueued (equal scores sort by member: the zero-padded seq)
--   delayed      zset  id scored by runAt
--   running      zset  id scored by lease expiry
--   s:<state>    zset  finished tasks (succeeded, dead, cancelled) scored by finishedAt
--   all          zset  every task scored by enqueuedAt (listing a queue)
--   task:<id>    hash  m (the record's fixed part as JSON, written by the client and never
--                      parsed here), payload, and the fields the scripts use: state, priority,
--                      maxAttempts, runAt, attempts, token, seq, rscore (place in `ready`),
--                      owner and leaseExp (the last lease: they count only while running),
--                      startedAt, finishedAt, result, error, idem
--   idem         hash  idempotency key -> id
--   seq          int   enqueue sequence
--   wake         list  a token while tasks are ready, for claimers blocked in BLPOP
-- Times come from the server's clock (TIME), so workers on machines with skewed clocks agree on
-- when a lease ran out. ARGV[1] of every queue script is the pub/sub channel for finished ids.
--
-- Claim and complete are the hot path, so each task costs them two calls (HMGET, HSET); writes
-- to `running`, `all` and the finished sets are collected and sent as one ZADD/ZREM per key by
-- flush(), which every script calls before it reads those keys and before it returns.

local BAND = 17592186044416 -- 2^44 ms (557 years): every runAt fits below one priority band
local CHANNEL = ARGV[1]

local function base_of(ready_key)
  return string.sub(ready_key, 1, #ready_key - 5)
end

local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- Whole numbers as exact decimal text (tostring would switch to exponent form past 14 digits).
local function num(v)
  return string.format('%.0f', v)
end

local function ready_score(priority, run_at)
  if run_at < 0 then run_at = 0 end
  return (9 - priority) * BAND + run_at
end

local function ready_member(seq, id)
  return string.format('%016.0f', seq) .. ':' .. id
end

local function id_of_member(member)
  return string.sub(member, 18)
end

-- `cmd key args...` in slices: unpack() has a stack limit. `step` must keep pairs whole.
local function bulk(cmd, key, args, step)
  for i = 1, #args, step do
    redis.call(cmd, key, unpack(args, i, math.min(i + step - 1, #args)))
  end
end

local deferred = {}      -- zset key -> { member -> score, or false to remove }; last write wins
local finished_ids = {}  -- published once per script
local events = {}        -- task events (core/events.ts's wire form), published once per script
local event_now = nil

-- A task event: kind letter, the task's id and queue name, the attempt (or nil) and the kind's
-- extra (or nil).
local function queue_event(kind, queue, id, attempt, extra)
  event_now = event_now or now_ms()
  events[#events + 1] = { kind, id, queue, event_now, attempt or cjson.null, extra or cjson.null }
end

-- The same with the queue read from base '<prefix>{q:<queue>}:'.
local function event(kind, base, id, attempt, extra)
  queue_event(kind, string.match(base, '{q:([^}]*)}:$'), id, attempt, extra)
end

local function zset_later(key, member, score)
  local t = deferred[key]
  if not t then
    t = {}
    deferred[key] = t
  end
  t[member] = score
end

local function flush()
  for key, members in pairs(deferred) do
    local adds, rems = {}, {}
    for member, score in pairs(members) do
      if score then
        adds[#adds + 1] = score
        adds[#adds + 1] = member
      else
        rems[#rems + 1] = member
      end
    end
    if #rems > 0 then bulk('ZREM', key, rems, 1000) end
    if #adds > 0 then bulk('ZADD', key, adds, 1000) end
  end
  deferred = {}
  if #finished_ids > 0 then
    redis.call('PUBLISH', CHANNEL, cjson.encode(finished_ids))
    finished_ids = {}
  end
  if #events > 0 then
    redis.call('PUBLISH', CHANNEL .. ':events', cjson.encode(events))
    events = {}
  end
end

-- HSET of `fields` and `extra` (both flat field/value lists; `extra`, the longer one when given,
-- is extended in place).
local function hset(tkey, fields, extra)
  if extra then
    for _, v in ipairs(fields) do extra[#extra + 1] = v end
    fields = extra
  end
  redis.call('HSET', tkey, unpack(fields))
end

-- Makes a task pending at `score` (its place in the claim order).
local function make_ready(base, tkey, id, score, seq, extra)
  redis.call('ZADD', base .. 'ready', score, ready_member(seq, id))
  hset(tkey, { 'state', 'pending', 'rscore', score }, extra)
end

local function make_delayed(base, tkey, id, run_at, extra)
  redis.call('ZADD', base .. 'delayed', run_at, id)
  hset(tkey, { 'state', 'delayed' }, extra)
end

-- Ends a task (succeeded, dead or cancelled); flush() tells waitForFinish subscribers.
local function finish(base, tkey, id, to, finished_at, extra)
  hset(tkey, { 'state', to, 'finishedAt', finished_at }, extra)
  zset_later(base .. 's:' .. to, id, finished_at)
  finished_ids[#finished_ids + 1] = id
end

-- Deletes finished tasks of one state: records, index entries and their idempotency keys.
local function delete_finished(base, state, ids)
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
  end
  -- DEL takes several keys but no leading key argument: slice by hand.
  for i = 1, #records, 1000 do
    redis.call('DEL', unpack(records, i, math.min(i + 999, #records)))
  end
end

-- Leaves one token for blocked claimers; a claim that empties the ready set removes it again,
-- so a claimer never wakes for work that is already gone.
local function wake(base)
  local w = base .. 'wake'
  if redis.call('LLEN', w) == 0 then redis.call('LPUSH', w, '1') end
end

-- Due delayed tasks become pending, ordered by their runAt. Returns whether any did.
local function promote_due(base, now)
  local due = redis.call('ZRANGEBYSCORE', base .. 'delayed', '-inf', now, 'WITHSCORES', 'LIMIT', 0, 1000)
  if #due == 0 then return false end
  local ids = {}
  for j = 1, #due, 2 do
    local id = due[j]
    local tkey = base .. 'task:' .. id
    local f = redis.call('HMGET', tkey, 'priority', 'seq')
    if f[1] then
      make_ready(base, tkey, id, ready_score(tonumber(f[1]), tonumber(due[j + 1])), tonumber(f[2]))
    end
    ids[#ids + 1] = id
  end
  bulk('ZREM', base .. 'delayed', ids, 1000)
  return true
end
