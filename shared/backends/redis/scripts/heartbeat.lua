-- Records a worker's heartbeat and forgets workers whose heartbeat has run out.
-- KEYS[1] info hash (id -> JSON), KEYS[2] zset id -> live-until. ARGV: id, JSON, liveUntil, now.
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], tonumber(ARGV[3]), ARGV[1])
local gone = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[4])
if #gone > 0 then
  redis.call('ZREM', KEYS[2], unpack(gone))
  redis.call('HDEL', KEYS[1], unpack(gone))
end
return #gone
