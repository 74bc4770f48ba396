-- reconcile.lua: one read of everything reconcile needs for a target, and the ledger upkeep
-- that goes with it: retire finished batches, expire stalled ones, sweep orphan progress,
-- prune old tombstones and old window entries. With ARGV[6] = 0 (dry run) it writes nothing
-- and reports what it would have done.
-- KEYS[1..7] batch keys (see lib.lua); KEYS[8] window; KEYS[9] scaleIns
-- ARGV[1] now (ms)
-- ARGV[2] staleMs: a batch without progress for this long is expired
-- ARGV[3] windowMs: stabilization window
-- ARGV[4] periodMs: longest scale-in policy period
-- ARGV[5] retentionMs: how long tombstones of retired batches are kept
-- ARGV[6] mutate: 1 to write, 0 for a dry run
-- The window holds a recommendation only when it changed ("ms:replicas"). A recommendation is in
-- effect until the next one, so the newest entry older than the window still counts (it held at
-- the window's start) and is kept; with a zero-length window only the new one counts. The rule is
-- shared/window.ts's; a table test runs the same cases against both.
-- Returns {outstanding, open, {left, deadlineMs, ...}, windowMax (-1 if empty),
--          {"ms:from:to", ...}, {retired ids}, {expired id, left, ...}, last recommendation (-1)}
local k = batch_keys()
local window, scaleIns = KEYS[8], KEYS[9]
local now, stale = tonumber(ARGV[1]), tonumber(ARGV[2])
local windowMs, periodMs, retention = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local mutate = ARGV[6] == '1'

local seen = to_map(redis.call('HGETALL', k.seen))
local retired, expired = {}, {}

local function visit(id, total, progress)
  if progress >= total then
    retired[#retired + 1] = id
    if mutate then retire(k, id, total, now) end
    return false
  end
  local last = seen[id]
  local lastProgress, lastMs = nil, nil
  if last then
    local p, ms = string.match(last, '^(%d+):(%d+)$')
    lastProgress, lastMs = tonumber(p), tonumber(ms)
  end
  if lastProgress ~= progress or lastMs == nil then
    if mutate then redis.call('HSET', k.seen, id, progress .. ':' .. now) end
    return true
  end
  if now - lastMs >= stale then
    expired[#expired + 1] = id
    expired[#expired + 1] = total - progress
    if mutate then retire(k, id, total, now) end
    return false
  end
  return true
end

local outstanding, open, dl, done, failed, totals = summarize(k, visit)

if mutate then
  -- Progress for a batch that is not open (late increments after retirement, or progress
  -- reported before the announcement arrived) is kept for one stale period, then dropped.
  local isOpen = to_map(totals)
  local function sweep(map)
    for id, _ in pairs(map) do
      if not isOpen[id] then
        local mark = seen[id]
        local ms = mark and tonumber(string.match(mark, '^o:(%d+)$'))
        if not mark then
          redis.call('HSET', k.seen, id, 'o:' .. now)
        elseif ms and now - ms >= stale then
          redis.call('HDEL', k.done, id)
          redis.call('HDEL', k.failed, id)
          redis.call('HDEL', k.seen, id)
        end
      end
    end
  end
  sweep(done)
  sweep(failed)

  local old = redis.call('ZRANGEBYSCORE', k.retiredAt, '-inf', now - retention, 'LIMIT', 0, 500)
  for _, id in ipairs(old) do
    redis.call('HDEL', k.retired, id)
    redis.call('ZREM', k.retiredAt, id)
  end
  redis.call('ZREMRANGEBYSCORE', scaleIns, '-inf', '(' .. (now - periodMs))
end

local function replicas_of(member)
  return tonumber(string.match(member, ':(%d+)$'))
end

local windowMax = -1
for _, member in ipairs(redis.call('ZRANGEBYSCORE', window, now - windowMs, '+inf')) do
  local replicas = replicas_of(member)
  if replicas and replicas > windowMax then windowMax = replicas end
end
local before = redis.call('ZREVRANGEBYSCORE', window, '(' .. (now - windowMs), '-inf', 'WITHSCORES', 'LIMIT', 0, 1)
if before[1] then
  local replicas = replicas_of(before[1])
  -- It held at the window's start unless superseded exactly then (shared/window.ts's rule).
  local supersededAtStart = redis.call('ZCOUNT', window, now - windowMs, now - windowMs) > 0
  if windowMs > 0 and not supersededAtStart and replicas and replicas > windowMax then windowMax = replicas end
  if mutate then redis.call('ZREMRANGEBYSCORE', window, '-inf', '(' .. before[2]) end
end
local newest = redis.call('ZREVRANGE', window, 0, 0)
local last = newest[1] and replicas_of(newest[1]) or -1
local recent = redis.call('ZRANGEBYSCORE', scaleIns, now - periodMs, '+inf')

return {outstanding, open, dl, windowMax, recent, retired, expired, last}
