-- Up Migration
-- What Nova says of each compute node besides Placement (Host.hypervisorType, hypervisorVersion, computeService):
-- `GET /os-hypervisors/detail` hypervisor_type / hypervisor_version and `GET /os-services?binary=nova-compute` status /
-- forced_down (../shared/domain.md §5.3; NOVA api-ref os-hypervisors.inc, os-services.inc). NULL where not read: the
-- demo cloud, a token Nova's policy refuses them, and snapshots saved before this migration.
-- hypervisor_version is an integer: libvirt reports QEMU's version as major × 1,000,000 + minor × 1,000 + micro.

ALTER TABLE hosts
  ADD COLUMN hypervisor_type text,
  ADD COLUMN hypervisor_version integer,
  ADD COLUMN compute_service jsonb;
