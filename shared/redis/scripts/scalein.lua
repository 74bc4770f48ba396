-- scalein.lua: the write-ahead record of a scale-in, behind the fence. Runs right before the
-- scale write: if no registration added work since reconcile read the ledger (the generation
-- is unchanged), the scale-in is recorded as done (window, policy history, decision) and the
-- caller may write; otherwise nothing is recorded and the caller must not scale in. Recording
-- first means no failure order lets a later pass remove more than the step policies allow:
-- a write that then fails leaves a record that only makes the next pass more careful.
-- KEYS[1] gen; KEYS[2] window; KEYS[3] scaleIns; KEYS[4] decisions
-- ARGV[1] the generation the decision was made on
-- ARGV[2] now (ms); ARGV[3] recommended ('' to leave the window alone)
-- ARGV[4] replicas before; ARGV[5] replicas after
-- ARGV[6] the decision as JSON; ARGV[7] how many decisions to keep
-- Returns {1, gen} when recorded, {0, gen} when the fence moved.
local gen = tonumber(redis.call('GET', KEYS[1])) or 0
if gen ~= tonumber(ARGV[1]) then
  return {0, gen}
end
remember(KEYS[2], KEYS[3], KEYS[4], ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6],
  tonumber(ARGV[7]))
return {1, gen}
