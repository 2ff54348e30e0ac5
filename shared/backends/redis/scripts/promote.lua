-- Promotes one queue's due delayed tasks to pending (before listing, so states read true).
-- KEYS[1] ready key. ARGV: channel. Returns 1 if any moved.
local base = base_of(KEYS[1])
local moved = promote_due(base, now_ms())
flush()
if moved then
  wake(base)
  return 1
end
return 0
