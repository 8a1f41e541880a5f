-- Up Migration
-- What the cloud's APIs said about their versions when the snapshot was read (CloudSnapshot.apis): the compute API's
-- maximum microversion (`GET /v2.1/` `version`) and Placement's (`GET /` `max_version`), which tell the Nova release
-- (../shared/domain.md §5.3; NOVA api-ref/source/versions.inc). NULL where not read: the demo cloud, failed syncs and
-- snapshots saved before this migration.

ALTER TABLE snapshots
  ADD COLUMN compute_max_microversion text,
  ADD COLUMN placement_max_microversion text;
