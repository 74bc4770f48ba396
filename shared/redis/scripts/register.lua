-- register.lua: records an announced batch, atomically and idempotently, and returns the
-- target's outstanding work with it included.
-- A registration that adds work bumps the target's generation, the fence reconcile checks right
-- before a scale-in. A batch that was expired (no progress while pods were Ready) and is
-- announced again is re-opened with the progress it had: its images are still owed.
-- KEYS[1..10] batch keys (see lib.lua)
-- ARGV[1] batchId
-- ARGV[2] images announced (integer >= 1)
-- ARGV[3] now, ms since the epoch
-- ARGV[4] absolute deadline in ms, or '' for none
-- Returns {status, total, outstanding, open, {left, deadlineMs, ...}}
--   status 0 = new batch, 1 = total raised, 2 = duplicate (nothing changed), 3 = re-opened
local k = batch_keys()
local id, images, now, deadline = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]

local status
local current = tonumber(redis.call('HGET', k.total, id))
if current then
  if images > current then
    redis.call('HSET', k.total, id, images)
    status = 1
  else
    status = 2
  end
else
  local retired = tonumber(redis.call('HGET', k.retired, id))
  local expiredAt = tonumber(redis.call('HGET', k.expired, id))
  if retired and expiredAt then
    -- Expired with `expiredAt` images done: open again for the rest.
    redis.call('HDEL', k.retired, id)
    redis.call('HDEL', k.expired, id)
    redis.call('ZREM', k.retiredAt, id)
    redis.call('HSET', k.total, id, math.max(images, retired))
    redis.call('HSET', k.done, id, expiredAt)
    redis.call('HDEL', k.failed, id)
    status = 3
  elseif retired and images <= retired then
    status = 2
  elseif retired then
    -- Announced again with more images after it finished: reopen it for the difference.
    redis.call('HDEL', k.retired, id)
    redis.call('ZREM', k.retiredAt, id)
    redis.call('HSET', k.total, id, images)
    redis.call('HSET', k.done, id, retired)
    redis.call('HDEL', k.failed, id)
    status = 1
  else
    redis.call('HSET', k.total, id, images)
    status = 0
  end
end

if status ~= 2 then
  redis.call('INCR', k.gen)
  local done = tonumber(redis.call('HGET', k.done, id)) or 0
  local failed = tonumber(redis.call('HGET', k.failed, id)) or 0
  redis.call('HSET', k.seen, id, (done + failed) .. ':' .. now)
  if deadline ~= '' then
    redis.call('HSET', k.deadline, id, deadline)
  end
end

local outstanding, open, dl = summarize(k, nil)
local total = tonumber(redis.call('HGET', k.total, id)) or tonumber(redis.call('HGET', k.retired, id)) or 0
return {status, total, outstanding, open, dl}
