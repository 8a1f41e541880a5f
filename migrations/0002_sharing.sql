-- Up Migration
-- Who may see an image or a flavor, as Glance and Nova decide it (src/model/snapshot.ts): the image's owner
-- project, its os_hidden flag and its members (shared images only), and a private flavor's access list.
-- Snapshots stored before this migration read back as Glance and Nova show an image or flavor with none of
-- these set: no owner, not hidden, no members, no access projects.

ALTER TABLE images
  ADD COLUMN owner   text,
  ADD COLUMN hidden  boolean NOT NULL DEFAULT false,
  -- [{"project": "<project id>", "status": "pending" | "accepted" | "rejected"}, …]
  ADD COLUMN members jsonb NOT NULL DEFAULT '[]';

ALTER TABLE flavors
  ADD COLUMN access_projects text[] NOT NULL DEFAULT '{}';
