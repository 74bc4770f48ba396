-- lib.lua: functions prepended to every prescaler script. No KEYS or ARGV of its own.
-- Batch keys arrive as KEYS[1..10]: total, done, failed, deadline, seen, retired, retiredAt,
-- expired, gen, active.

local function to_map(flat)
  local map = {}
  for i = 1, #flat, 2 do
    map[flat[i]] = flat[i + 1]
  end
  return map
end

local function batch_keys()
  return {
    total = KEYS[1], done = KEYS[2], failed = KEYS[3], deadline = KEYS[4],
    seen = KEYS[5], retired = KEYS[6], retiredAt = KEYS[7],
    expired = KEYS[8], gen = KEYS[9], active = KEYS[10],
  }
end

-- Moves a batch out of the open set and leaves a tombstone, so a redelivered event for it
-- changes nothing while the tombstone lives.
local function retire(k, id, total, now)
  redis.call('HDEL', k.total, id)
  redis.call('HDEL', k.done, id)
  redis.call('HDEL', k.failed, id)
  redis.call('HDEL', k.deadline, id)
  redis.call('HDEL', k.seen, id)
  redis.call('HSET', k.retired, id, total)
  redis.call('HDEL', k.expired, id)
  redis.call('ZADD', k.retiredAt, now, id)
end

-- Sums the unfinished images of the open batches. Progress (done + failed) is clamped to the
-- batch total, so over-counting workers can never make work negative. `visit(id, total,
-- progress)` may return false to leave a batch out (reconcile retires and expires there).
-- Returns outstanding, open batch count, and a flat {left, deadlineMs, ...} list.
local function summarize(k, visit)
  local totals = redis.call('HGETALL', k.total)
  local done = to_map(redis.call('HGETALL', k.done))
  local failed = to_map(redis.call('HGETALL', k.failed))
  local deadlines = to_map(redis.call('HGETALL', k.deadline))
  local outstanding, open, dl = 0, 0, {}
  for i = 1, #totals, 2 do
    local id = totals[i]
    local total = tonumber(totals[i + 1])
    local progress = math.min(total, (tonumber(done[id]) or 0) + (tonumber(failed[id]) or 0))
    if visit == nil or visit(id, total, progress) then
      local left = total - progress
      if left > 0 then
        outstanding = outstanding + left
        open = open + 1
        if deadlines[id] then
          dl[#dl + 1] = left
          dl[#dl + 1] = deadlines[id]
        end
      end
    end
  end
  return outstanding, open, dl, done, failed, totals
end

-- The "progress:ms" mark of a batch in `seen`, split (nil, nil when missing or malformed).
local function seen_mark(mark)
  if not mark then return nil, nil end
  local p, ms = string.match(mark, '^(%d+):(%d+)$')
  return tonumber(p), tonumber(ms)
end

-- The last time the target showed life: the newest progress mark of its open batches, a
-- finished batch, or a pass that found no pod Ready (see expire.lua). Registration sets a
-- batch's mark, so new work counts too. Returns 0 when nothing is known.
local function last_active(k, seen, totals)
  local last = tonumber(redis.call('GET', k.active)) or 0
  for i = 1, #totals, 2 do
    local _, ms = seen_mark(seen[totals[i]])
    if ms and ms > last then last = ms end
  end
  return last
end

-- Remembers a decision: its recommendation in the stabilization window, a scale-in in the
-- policy history, the decision in the recent-decisions list (trimmed to `kept`).
local function remember(window, scaleIns, decisions, now, recommended, from, to, decision, kept)
  if recommended ~= '' then
    redis.call('ZADD', window, now, now .. ':' .. recommended)
  end
  if to < from then
    redis.call('ZADD', scaleIns, now, now .. ':' .. from .. ':' .. to)
  end
  if decision ~= '' then
    redis.call('LPUSH', decisions, decision)
    redis.call('LTRIM', decisions, 0, kept - 1)
  end
  return redis.call('LLEN', decisions)
end
