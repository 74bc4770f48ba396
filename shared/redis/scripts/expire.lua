-- expire.lua: the only place work is dropped. A target's open batches are expired together,
-- and only when the whole target has shown no progress for staleMs while it had Ready pods: a
-- batch queued behind a long one is never expired while the long one moves, and nothing
-- expires while pods wait for nodes or images. A pass that finds no pod Ready restarts the
-- clock (`active` = now), so the stale period counts only time with Ready pods.
-- Expired batches leave a tombstone with their progress in `expired`: announced again, they
-- re-open (register.lua).
-- KEYS[1..10] batch keys (see lib.lua)
-- ARGV[1] now (ms); ARGV[2] staleMs; ARGV[3] ready: 1 when the target has Ready pods, else 0
-- ARGV[4] mutate: 1 to write, 0 for a dry run
-- Returns {{expired id, left, ...}, outstanding, open, {left, deadlineMs, ...}}
local k = batch_keys()
local now, stale = tonumber(ARGV[1]), tonumber(ARGV[2])
local ready, mutate = ARGV[3] == '1', ARGV[4] == '1'

local expired = {}
if not ready then
  if mutate then redis.call('SET', k.active, now) end
else
  local seen = to_map(redis.call('HGETALL', k.seen))
  local totals = redis.call('HGETALL', k.total)
  if #totals > 0 and now - last_active(k, seen, totals) >= stale then
    local done = to_map(redis.call('HGETALL', k.done))
    local failed = to_map(redis.call('HGETALL', k.failed))
    for i = 1, #totals, 2 do
      local id, total = totals[i], tonumber(totals[i + 1])
      local progress = math.min(total, (tonumber(done[id]) or 0) + (tonumber(failed[id]) or 0))
      if progress < total then
        expired[#expired + 1] = id
        expired[#expired + 1] = total - progress
        if mutate then
          retire(k, id, total, now)
          redis.call('HSET', k.expired, id, progress)
        end
      end
    end
  end
end

local outstanding, open, dl = 0, 0, {}
if mutate or #expired == 0 then
  outstanding, open, dl = summarize(k, nil)
end
return {expired, outstanding, open, dl}
