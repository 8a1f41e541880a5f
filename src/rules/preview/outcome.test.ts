// Every failure the preview raises: its stage, Nova's exception, where Nova raises it and the HTTP status the user
// sees (domain.md §2.7; the statuses as Nova's API maps the exceptions, NOVA `nova/api/openstack/compute/servers.py`
// `create` and `nova/api/openstack/wsgi.py` `ResourceExceptionHandler`).
import { describe, expect, it } from 'vitest';
import { defaultRuleContext, preview, type RuleContext } from '../index.ts';
import { flavor, image, labSnapshot } from '../test-fixtures.ts';
import { NOVA_ERRORS } from './outcome.ts';
import type { HostFacts, VnicType } from '../../model/index.ts';

const lab = labSnapshot();
const ctx = (facts: Partial<HostFacts> = {}): RuleContext => {
  const base = defaultRuleContext();
  return { ...base, hostFacts: { ...base.hostFacts, ...facts } };
};

describe('§2.7 where server create fails: stage, exception, where raised, HTTP status', () => {
  it.each<{ name: string; props?: Record<string, string>; specs?: Record<string, string>; facts?: Partial<HostFacts>; vnic?: VnicType; pciAliases?: string[]; vcpus?: number; want: [string, string, number | null, string] }>([
    { name: '§1.1 §2.7 unknown enum image property ⇒ api InvalidRequest 400', props: { hw_vif_model: 'virtio-net' }, want: ['api', 'InvalidRequest', 400, 'nova.compute.api._get_image_meta_obj'] },
    { name: '§1.3 §2.7 flavor/image multiqueue disagree ⇒ api FlavorImageConflict 400', props: { hw_vif_multiqueue_enabled: 'false' }, specs: { 'hw:vif_multiqueue_enabled': 'true' }, want: ['api', 'FlavorImageConflict', 400, 'nova.virt.hardware.get_vif_multiqueue_constraint / get_packed_virtqueue_constraint (2024.1+)'] },
    { name: '§1.3 image page size without a flavor page size ⇒ api MemoryPageSizeForbidden 400', props: { hw_mem_page_size: 'large' }, want: ['api', 'MemoryPageSizeForbidden', 400, 'nova.virt.hardware._get_numa_pagesize_constraint'] },
    { name: '§1.5 §2.7 image PCI NUMA policy overriding the flavor\'s ⇒ api ImagePCINUMAPolicyForbidden 403', props: { hw_pci_numa_affinity_policy: 'preferred' }, specs: { 'hw:pci_numa_affinity_policy': 'required' }, want: ['api', 'ImagePCINUMAPolicyForbidden', 403, 'nova.virt.hardware.get_pci_numa_policy_constraint'] },
    { name: '§4.3 alias not in the [pci] alias given ⇒ api PciRequestAliasNotDefined 400', specs: { 'pci_passthrough:alias': 'nope:1' }, pciAliases: ['{"name": "sriov-nic", "vendor_id": "8086", "product_id": "154c", "device_type": "type-VF"}'], want: ['api', 'PciRequestAliasNotDefined', 400, 'nova.pci.request._translate_alias_to_requests'] },
    { name: '§4.2 invalid [pci] alias ⇒ api PciInvalidAlias 400', specs: { 'pci_passthrough:alias': 'a:1' }, pciAliases: ['{"name": "a", "vendor_id": "8086x"}'], want: ['api', 'PciInvalidAlias', 400, 'nova.pci.request._get_alias_from_config'] },
    { name: '§4.7 §2.7 no host fits ⇒ scheduler NoValidHost, no HTTP error', vcpus: 4096, want: ['scheduler', 'NoValidHost', null, 'nova.scheduler.manager.SchedulerManager.select_destinations'] },
    { name: '§1.2 §2.7 disk bus not valid for the virt_type ⇒ compute-build UnsupportedHardware, no HTTP error', props: { hw_disk_bus: 'virtio' }, facts: { virtType: 'parallels' }, want: ['compute-build', 'UnsupportedHardware', null, NOVA_ERRORS.UnsupportedHardware.raisedAt] },
    { name: '§2.2 vhost without vhost_net ⇒ compute-build libvirtError, no HTTP error', props: { hw_vif_multiqueue_enabled: 'true' }, facts: { vhostNet: false }, want: ['compute-build', 'libvirtError', null, NOVA_ERRORS.libvirtError.raisedAt] },
  ])('$name', ({ props = {}, specs = {}, facts, vnic = 'normal', pciAliases, vcpus = 2, want }) => {
    const p = preview(lab, { image: image(props), flavor: flavor('f', vcpus, 1024, 10, specs), vnicType: vnic, pciAliases }, ctx(facts));
    expect(p.failures.map((f) => [f.stage, f.error, f.httpStatus, f.raisedAt])).toContainEqual(want);
  });

  it('§2.7 every error names the Nova module and function that raises it', () => {
    for (const [error, { raisedAt }] of Object.entries(NOVA_ERRORS)) expect([error, raisedAt]).toEqual([error, expect.stringMatching(/^nova\.[a-z_.]+\.[A-Za-z_]+/)]);
  });
});
