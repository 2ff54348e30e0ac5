-- Retention (Backend.prune): deletes the oldest finished tasks of one queue and state — those
-- beyond the newest `keepNewest` and those that finished before `finishedBefore` — at most `limit`.
-- Both select a prefix of the state's finished set (scored by finishedAt, ties by id), so the
-- longer prefix is deleted: ZCARD and ZCOUNT are O(log n), the range costs what it deletes.
-- KEYS[1] ready key. ARGV: channel, state, finishedBefore ('' = none), keepNewest ('' = none),
-- limit. Returns the deleted ids (the caller drops them from the id -> queue index).
local base = base_of(KEYS[1])
local state = ARGV[2]
local zkey = base .. 's:' .. state
local limit = tonumber(ARGV[5])
local n = 0
if ARGV[4] ~= '' then
  n = math.max(n, redis.call('ZCARD', zkey) - tonumber(ARGV[4]))
end
if ARGV[3] ~= '' then
  n = math.max(n, redis.call('ZCOUNT', zkey, '-inf', '(' .. ARGV[3]))
end
n = math.min(n, limit)
if n <= 0 then return {} end
local ids = redis.call('ZRANGE', zkey, 0, n - 1)
delete_finished(base, state, ids)
flush()
return ids
