-- Up Migration
-- Snapshots of a cloud and everything read into them (design.md "Storage"). A snapshot is written once,
-- in one transaction, and never updated: history is kept, and the newest complete one per cloud is current.

CREATE TABLE snapshots (
  -- Insertion order: "newest" means most recently recorded (syncs of one cloud are serialised by the
  -- sync lock, so this is also the freshest data), and it is monotonic where timestamps can tie.
  seq                bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  -- CloudSnapshot.id is chosen by the caller and need not be a UUID, hence text.
  id                 text PRIMARY KEY,
  cloud              text NOT NULL,
  region             text,
  source             text NOT NULL CHECK (source IN ('demo', 'openstack')),
  -- taken_at orders and filters; taken_at_iso keeps the caller's exact string so a load returns the
  -- snapshot unchanged (timestamptz would normalise the offset and the fraction digits).
  taken_at           timestamptz NOT NULL,
  taken_at_iso       text NOT NULL,
  status             text NOT NULL CHECK (status IN ('complete', 'failed')),
  flavor_count       integer NOT NULL DEFAULT 0,
  image_count        integer NOT NULL DEFAULT 0,
  host_count         integer NOT NULL DEFAULT 0,
  pci_provider_count integer NOT NULL DEFAULT 0,
  duration_ms        integer,
  request_count      integer,
  error              text,
  created_at         timestamptz NOT NULL DEFAULT now()
);

-- "Latest complete snapshot of a cloud" is an index-only descent of this partial index.
CREATE INDEX snapshots_latest_complete ON snapshots (cloud, seq DESC) WHERE status = 'complete';
-- History listing, per cloud or across clouds, newest first.
CREATE INDEX snapshots_history ON snapshots (cloud, seq DESC);

-- Child rows carry `ord`, their position in the snapshot's arrays, so a load rebuilds them in order.
CREATE TABLE flavors (
  snapshot_id  text NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
  ord          integer NOT NULL,
  id           text NOT NULL,
  name         text NOT NULL,
  vcpus        integer NOT NULL,
  ram_mb       integer NOT NULL,
  disk_gb      integer NOT NULL,
  ephemeral_gb integer NOT NULL,
  swap_mb      integer NOT NULL,
  is_public    boolean NOT NULL,
  extra_specs  jsonb NOT NULL,
  PRIMARY KEY (snapshot_id, id)
);

CREATE TABLE images (
  snapshot_id text NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
  ord         integer NOT NULL,
  id          text NOT NULL,
  name        text,
  status      text NOT NULL,
  visibility  text,
  disk_format text,
  min_disk_gb integer NOT NULL,
  min_ram_mb  integer NOT NULL,
  properties  jsonb NOT NULL,
  PRIMARY KEY (snapshot_id, id)
);

-- Per-host traits and aggregates are arrays and inventories/usages jsonb, not child tables: the rules
-- always read a host whole, and one row per host keeps the load of ~15,000 hosts to one INSERT per chunk.
CREATE TABLE hosts (
  snapshot_id text NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
  ord         integer NOT NULL,
  uuid        text NOT NULL,
  name        text NOT NULL,
  traits      text[] NOT NULL,
  aggregates  text[] NOT NULL,
  -- { "VCPU": { "total": …, "reserved": …, "minUnit": …, "maxUnit": …, "stepSize": …, "allocationRatio": … } }
  inventories jsonb NOT NULL,
  -- { "VCPU": 12, … }
  usages      jsonb NOT NULL,
  PRIMARY KEY (snapshot_id, uuid)
);

-- Nested PCI providers get columns: capacity questions filter and sum them by resource class.
CREATE TABLE pci_providers (
  snapshot_id      text NOT NULL,
  -- The host whose pciProviders list holds this provider (normally root_uuid, kept explicitly).
  host_uuid        text NOT NULL,
  -- Position across the whole snapshot (hosts in order, then each host's providers in order).
  ord              integer NOT NULL,
  uuid             text NOT NULL,
  name             text NOT NULL,
  parent_uuid      text NOT NULL,
  root_uuid        text NOT NULL,
  resource_class   text NOT NULL,
  traits           text[] NOT NULL,
  total            integer NOT NULL,
  reserved         integer NOT NULL,
  min_unit         integer NOT NULL,
  max_unit         integer NOT NULL,
  step_size        integer NOT NULL,
  allocation_ratio double precision NOT NULL,
  used             integer NOT NULL,
  PRIMARY KEY (snapshot_id, uuid),
  -- Cascades from snapshots through hosts.
  FOREIGN KEY (snapshot_id, host_uuid) REFERENCES hosts (snapshot_id, uuid) ON DELETE CASCADE
);

CREATE INDEX pci_providers_class ON pci_providers (snapshot_id, resource_class);

-- Audit of validation requests. Deliberately no foreign key to snapshots: the audit keeps which snapshot
-- an answer came from even after that snapshot is pruned, and recording it can never fail a request.
CREATE TABLE validations (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  created_at  timestamptz NOT NULL DEFAULT now(),
  cloud       text NOT NULL,
  snapshot_id text,
  image_ref   text,
  flavor_ref  text,
  verdict     text NOT NULL CHECK (verdict IN ('pass', 'warn', 'fail')),
  finding_ids text[] NOT NULL
);

CREATE INDEX validations_cloud_time ON validations (cloud, created_at DESC);

-- Sync runs, in the database so any replica can answer GET /v1/sync/{id}.
CREATE TABLE sync_jobs (
  -- text, not uuid: an unknown id from a URL must read as "not found", not as a cast error.
  id            text PRIMARY KEY,
  cloud         text NOT NULL,
  status        text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'skipped')),
  started_at    timestamptz NOT NULL DEFAULT now(),
  finished_at   timestamptz,
  progress      jsonb NOT NULL DEFAULT '{}',
  request_count integer NOT NULL DEFAULT 0,
  snapshot_id   text REFERENCES snapshots (id) ON DELETE SET NULL,
  error         text
);

CREATE INDEX sync_jobs_cloud_started ON sync_jobs (cloud, started_at DESC);
