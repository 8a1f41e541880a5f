-- Up Migration
-- A snapshot packed beside its rows (src/store/snapshots.ts `insertPack`), written in the save's transaction, so that
-- a start loads a 15,000-host snapshot without parsing 265,000 rows (issue 16). Derived data: the rows stay the
-- record; a pack is read only by code of the same `format` (the packed tables' layout) and V8 version (`v8`,
-- process.versions.v8), and a snapshot without a readable one (saved before this migration, by other code or
-- another Node) loads from its rows. Deleted with its snapshot.

CREATE TABLE snapshot_packs (
  snapshot_id text NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
  -- Up to 5,000 models of one table each, read back in this order: a part's columns point into the strings and
  -- values of the parts before it.
  part        integer NOT NULL,
  format      text NOT NULL,
  v8          text NOT NULL,
  -- V8-serialised, gzipped (7.8 MiB in all at 15,000 hosts). Stored as it is: PostgreSQL's own compression of
  -- TOASTed values would only spend CPU on gzip's output.
  pack        bytea NOT NULL,
  PRIMARY KEY (snapshot_id, part)
);

ALTER TABLE snapshot_packs ALTER COLUMN pack SET STORAGE EXTERNAL;
