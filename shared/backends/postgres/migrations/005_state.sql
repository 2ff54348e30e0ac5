-- The coordination-state store (Backend.getState/setState/deleteState/listState, state.ts):
-- versioned key/value records beside the tasks. A compare-and-set is one statement: INSERT ... ON
-- CONFLICT DO NOTHING to create, UPDATE ... WHERE version = $n to write. Keys collate "C" (byte
-- order, as the contract sorts, and prefix ranges answered by the primary key). The value is the
-- UTF-8 bytes of the string, so any string is kept whole (a text column refuses U+0000).
CREATE TABLE state (
  key     text COLLATE "C" PRIMARY KEY,
  value   bytea NOT NULL,
  version bigint NOT NULL                 -- 1 when created, +1 on every write
);
