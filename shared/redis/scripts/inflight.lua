-- inflight.lua: images in flight per pod, from both forms of the heartbeat. Read only.
-- KEYS come in pairs, one per pod: the plain heartbeat (STRING n, with a TTL, one writer per pod)
-- and the pod's holders (ZSET "holderId:n" scored by expiry in ms, one entry per process).
-- A holder counts while its expiry, by this server's clock, is in the future, so a process that
-- died stops counting on its own. A pod's count is the plain heartbeat plus its live holders.
-- Returns {count of pod 1, count of pod 2, ...}
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local counts = {}
for i = 1, #KEYS, 2 do
  local count = tonumber(redis.call('GET', KEYS[i])) or 0
  if count < 0 then count = 0 end
  for _, member in ipairs(redis.call('ZRANGEBYSCORE', KEYS[i + 1], '(' .. now, '+inf')) do
    local held = tonumber(string.match(member, ':(%d+)$'))
    if held then count = count + held end
  end
  counts[#counts + 1] = count
end
return counts
