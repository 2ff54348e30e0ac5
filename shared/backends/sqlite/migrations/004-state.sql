-- The coordination-state store (Backend.getState/setState/deleteState/listState, state.ts):
-- versioned key/value records beside the tasks. A compare-and-set is one conditional statement in
-- a write transaction. BINARY collation (the default) orders keys by byte, as the contract sorts.
CREATE TABLE sitq_state (
  key     TEXT PRIMARY KEY,
  value   TEXT NOT NULL,
  version INTEGER NOT NULL                 -- 1 when created, +1 on every write
) STRICT, WITHOUT ROWID;
