-- record.lua: remembers a decision: its recommendation in the stabilization window, a scale-in
-- in the policy history, and the decision itself in the recent-decisions list.
-- KEYS[1] window; KEYS[2] scaleIns; KEYS[3] decisions
-- ARGV[1] now (ms)
-- ARGV[2] recommended replicas for the window, or '' to leave the window alone
-- ARGV[3] replicas before; ARGV[4] replicas after
-- ARGV[5] the decision as JSON, or '' to keep none; ARGV[6] how many decisions to keep
-- Returns the length of the decisions list.
return remember(KEYS[1], KEYS[2], KEYS[3], ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]),
  ARGV[5], tonumber(ARGV[6]))
