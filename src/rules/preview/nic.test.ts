// The port Nova writes per vnic_type and backend, which given settings apply there, and the caveats. Expected
// values come from domain.md and, where it is silent, Nova 26's vif.py / designer.py / os_vif_util.py (named).
import { describe, expect, it } from 'vitest';
import { defaultRuleContext, preview, type RuleContext } from '../index.ts';
import { flavor, image, labSnapshot } from '../test-fixtures.ts';
import type { HostFacts, NovaPreview, NovaRelease, VnicBackend, VnicType } from '../../model/index.ts';

const lab = labSnapshot();
interface Case {
  name: string;
  vnic?: VnicType;
  backend?: VnicBackend;
  props?: Record<string, string>;
  specs?: Record<string, string>;
  facts?: Partial<HostFacts>;
  release?: NovaRelease;
  vcpus?: number;
}
const run = ({ vnic = 'normal', backend, props = {}, specs = {}, facts = {}, release = 'zed', vcpus = 4 }: Case): NovaPreview => {
  const base = defaultRuleContext();
  const ctx: RuleContext = { ...base, novaRelease: release, hostFacts: { ...base.hostFacts, ...facts } };
  return preview(lab, { image: image(props), flavor: flavor('f', vcpus, 1024, 10, specs), vnicType: vnic, vnicBackend: backend }, ctx);
};

describe('the libvirt device per vnic_type and backend', () => {
  it.each<Case & { want: [string | null, string | null, string | null, string | null, string | null] }>([
    // [element, <interface type>, binding:vif_type, backend, backendFrom]
    { name: '§1.6 normal, no backend given, hosts not OVS-DPDK ⇒ ovs: a tap as type ethernet (NOVA os_vif_util delegate_create)', want: ['interface', 'ethernet', 'ovs', 'ovs', 'host-facts'] },
    { name: '§2.2 normal, no backend given, hosts declared OVS-DPDK ⇒ vhostuser', facts: { ovsDpdk: true }, want: ['interface', 'vhostuser', 'vhostuser', 'ovs-dpdk', 'host-facts'] },
    { name: '§1.6 normal on linuxbridge ⇒ bridge', backend: 'linuxbridge', want: ['interface', 'bridge', 'bridge', 'linuxbridge', 'request'] },
    { name: '§1.6 normal on ovs-hybrid ⇒ bridge (qbr)', backend: 'ovs-hybrid', want: ['interface', 'bridge', 'ovs', 'ovs-hybrid', 'request'] },
    { name: '§2.2 the request wins over the host facts', backend: 'ovs', facts: { ovsDpdk: true }, want: ['interface', 'ethernet', 'ovs', 'ovs', 'request'] },
    { name: '§1.6 direct ⇒ <interface type=hostdev>', vnic: 'direct', backend: 'ovs-dpdk', want: ['interface', 'hostdev', 'hw_veb', null, null] },
    { name: '§1.6 macvtap ⇒ <interface type=direct>', vnic: 'macvtap', want: ['interface', 'direct', 'hw_veb', null, null] },
    { name: '§1.6 direct-physical ⇒ plain <hostdev>', vnic: 'direct-physical', want: ['hostdev', null, 'hostdev_physical', null, null] },
    { name: '§1.6 vdpa ⇒ <interface type=vdpa>', vnic: 'vdpa', want: ['interface', 'vdpa', 'ovs', null, null] },
    { name: '§1.6 remote-managed ⇒ <interface type=hostdev>', vnic: 'remote-managed', want: ['interface', 'hostdev', 'ovs', null, null] },
    { name: '§1.6 virtio-forwarder ⇒ vhostuser', vnic: 'virtio-forwarder', want: ['interface', 'vhostuser', 'agilio_ovs', null, null] },
    { name: '§1.6 baremetal ⇒ no device', vnic: 'baremetal', want: [null, null, null, null, null] },
  ])('$name', (c) => {
    const i = run(c).nic.interface;
    expect([i.element, i.type, i.vifType, i.backend, i.backendFrom]).toEqual(c.want);
    expect(i.writtenBy.length > 0).toBe(i.element !== null);
  });

  it('§1.6 ovs names the Nova functions that write the tap', () => {
    expect(run({ name: '' }).nic.interface.writtenBy).toEqual(expect.arrayContaining(['vif.py _set_config_VIFOpenVSwitch', 'designer.py set_vif_host_backend_ethernet_config']));
  });
});

describe('model, <driver> name, queues and queue sizes per device', () => {
  it.each<Case & { want: unknown[] }>([
    // [model, driver name, queues, rx_queue_size, tx_queue_size]
    { name: '§2.2 vhost-user: multiqueue queues and both sizes, no driver name', backend: 'ovs-dpdk', props: { hw_vif_multiqueue_enabled: 'true' }, facts: { rxQueueSize: 512, txQueueSize: 1024 }, want: ['virtio', null, 4, 512, 1024] },
    { name: '§2.2 vhost-user on virt_type=qemu: no queues, sizes still written (designer.set_vif_host_backend_vhostuser_config)', backend: 'ovs-dpdk', props: { hw_vif_multiqueue_enabled: 'true' }, facts: { virtType: 'qemu', rxQueueSize: 512, txQueueSize: 1024 }, want: ['virtio', null, null, 512, 1024] },
    { name: '§1.6 macvtap: model applies, Nova forces driver vhost (designer.set_vif_host_backend_hw_veb)', vnic: 'macvtap', props: { hw_vif_multiqueue_enabled: 'true' }, want: ['virtio', 'vhost', 4, null, null] },
    { name: '§1.6 macvtap on virt_type=qemu: still vhost, no queues', vnic: 'macvtap', props: { hw_vif_multiqueue_enabled: 'true' }, facts: { virtType: 'qemu' }, want: ['virtio', 'vhost', null, null, null] },
    { name: '§2.1 step 1 vdpa: no model, driver or sizes (format_dom writes no <driver>)', vnic: 'vdpa', facts: { rxQueueSize: 512, txQueueSize: 512 }, want: [null, null, null, null, null] },
    { name: '§2.1 step 6 virt_type=qemu with rx_queue_size: driver qemu and the size written (domain.md §2.2 says not applied)', facts: { virtType: 'qemu', rxQueueSize: 512 }, want: ['virtio', 'qemu', null, 512, null] },
    { name: '§2.1 step 5 emulated e1000 on ovs: no driver, rx not written', props: { hw_vif_model: 'e1000' }, facts: { rxQueueSize: 512 }, want: ['e1000', null, null, null, null] },
    { name: '§2.2 parallels evaluates multiqueue like kvm', props: { hw_vif_multiqueue_enabled: 'true' }, facts: { virtType: 'parallels' }, want: ['virtio', 'vhost', 4, null, null] },
  ])('$name', (c) => {
    const n = run(c).nic;
    expect([n.model.value, n.driverName.value, n.queues.value, n.rxQueueSize.value, n.txQueueSize.value]).toEqual(c.want);
  });
});

describe('each given setting: applied or silently ignored on this device', () => {
  it.each<Case & { want: string[] }>([
    { name: '§1.6 hw_vif_model and multiqueue on a direct port are ignored', vnic: 'direct', props: { hw_vif_model: 'virtio', hw_vif_multiqueue_enabled: 'true' }, want: ['hw_vif_model:false', 'multiqueue:false'] },
    { name: '§1.6 hw_vif_model and multiqueue apply on macvtap', vnic: 'macvtap', props: { hw_vif_model: 'virtio', hw_vif_multiqueue_enabled: 'true' }, want: ['hw_vif_model:true', 'multiqueue:true'] },
    { name: '§1.6 direct-physical ignores every NIC setting', vnic: 'direct-physical', props: { hw_vif_model: 'virtio', hw_vif_multiqueue_enabled: 'true' }, facts: { rxQueueSize: 512, txQueueSize: 512 }, release: '2024.1', specs: { 'hw:virtio_packed_ring': 'true' }, want: ['packed_ring:false', 'tx_queue_size:false', 'hw_vif_model:false', 'multiqueue:false', 'rx_queue_size:false'] },
    { name: '§2.2 tx_queue_size applies on vhost-user only', backend: 'ovs-dpdk', facts: { txQueueSize: 1024 }, want: ['tx_queue_size:true'] },
    { name: '§2.2 tx_queue_size ignored on an OVS tap', backend: 'ovs', facts: { txQueueSize: 1024 }, want: ['tx_queue_size:false'] },
    { name: '§2.2 tx_queue_size ignored on vdpa (set, but no <driver> element)', vnic: 'vdpa', facts: { txQueueSize: 1024 }, want: ['tx_queue_size:false'] },
    { name: '§2.2 §7 surprise 7 multiqueue on virt_type=qemu is ignored', props: { hw_vif_multiqueue_enabled: 'true' }, facts: { virtType: 'qemu' }, want: ['multiqueue:false'] },
    { name: '§1.3 multiqueue on 1 vCPU is ignored', props: { hw_vif_multiqueue_enabled: 'true' }, vcpus: 1, want: ['multiqueue:false'] },
    { name: '§7 packed ring is new in 2024.1: Zed ignores it', specs: { 'hw:virtio_packed_ring': 'true' }, want: ['packed_ring:false'] },
    { name: '§2.1 step 1 from 2024.1 packed ring applies on a passthrough interface too', vnic: 'direct', specs: { 'hw:virtio_packed_ring': 'true' }, release: '2024.1', want: ['packed_ring:true'] },
  ])('$name', (c) => {
    const p = run(c);
    expect(p.nic.settings.map((s) => `${s.setting}:${s.applies}`)).toEqual(c.want);
    // Every setting not applied is also in the preview's ignored list.
    for (const s of p.nic.settings.filter((x) => !x.applies)) expect(p.ignored.map((i) => i.field)).toContain(s.field);
  });
});

describe('failures and caveats per device', () => {
  it.each<Case & { failures: string[] }>([
    { name: '§2.2 vhost-user with hw_vif_model=e1000: libvirt refuses (vhost-user requires virtio)', backend: 'ovs-dpdk', props: { hw_vif_model: 'e1000' }, failures: ['compute-build:libvirtError:hw_vif_model'] },
    { name: '§2.2 macvtap with e1000: vhost-net only for virtio models, libvirt refuses', vnic: 'macvtap', props: { hw_vif_model: 'e1000' }, failures: ['compute-build:libvirtError:hw_vif_model'] },
    { name: '§2.2 macvtap without vhost_net: the forced vhost driver fails', vnic: 'macvtap', facts: { vhostNet: false }, failures: ['compute-build:libvirtError:vnic_type'] },
    { name: '§2.2 an OVS tap without vhost_net and no multiqueue: silent user-space fallback, no failure', facts: { vhostNet: false }, failures: [] },
    { name: '§1.6 baremetal: the port binding fails on the compute', vnic: 'baremetal', failures: ['compute-build:PortBindingFailed:vnic_type'] },
    { name: '§2.2 vhost-user without huge pages is not a Nova failure', backend: 'ovs-dpdk', failures: [] },
  ])('$name', (c) => {
    const failures = run(c).failures.filter((f) => f.stage !== 'scheduler');
    expect(failures.map((f) => `${f.stage}:${f.error}:${f.field}`)).toEqual(c.failures);
  });

  it('§2.2 OVS tap without vhost_net: the driver reason names the silent user-space fallback', () => {
    expect(run({ name: '', facts: { vhostNet: false } }).nic.driverName.reason).toMatch(/user-space backend, silently/);
  });

  it.each<Case & { subjects: string[]; text?: RegExp }>([
    { name: '§2.2 vhost-user without hw:mem_page_size: the port passes no traffic, Nova raises nothing', backend: 'ovs-dpdk', subjects: ['virtio model', 'shared guest memory'], text: /Nova raises nothing.*passes no traffic/ },
    { name: '§2.2 vhost-user with hw:mem_page_size=large: shared memory', backend: 'ovs-dpdk', specs: { 'hw:mem_page_size': 'large' }, subjects: ['virtio model', 'shared guest memory'], text: /memAccess='shared'/ },
    { name: '§2.2 vhost-user with hw:mem_page_size=any: may pass no traffic', backend: 'ovs-dpdk', specs: { 'hw:mem_page_size': 'any' }, subjects: ['virtio model', 'shared guest memory'], text: /may pass no traffic/ },
    { name: '§2.2 vhost-user with file_backed_memory: shared memory', vnic: 'virtio-forwarder', facts: { fileBackedMemoryMb: 1024 }, subjects: ['virtio model', 'shared guest memory'], text: /file_backed_memory=1024/ },
    { name: '§4.4 macvtap stays plugged across live migration', vnic: 'macvtap', subjects: ['live migration', 'throughput'], text: /stay plugged/ },
    { name: '§4.3 §4.4 direct-physical: unplugged on live migration, whole PF, MAC rewritten', vnic: 'direct-physical', subjects: ['live migration', 'whole PF', 'MAC address'], text: /none of its VFs can be used/ },
    { name: '§1.6 vdpa: versions and live migration', vnic: 'vdpa', subjects: ['live migration', 'versions'], text: /kernel 5\.7\+, libvirt 6\.9\+ and QEMU 5\.1\+/ },
    { name: '§1.6 remote-managed: COMPUTE_REMOTE_MANAGED_PORTS', vnic: 'remote-managed', subjects: ['live migration', 'COMPUTE_REMOTE_MANAGED_PORTS'], text: /0 of \d+ host\(s\) have it/ },
    { name: '§1.6 normal OVS tap: nothing to add', subjects: [] },
  ])('$name', (c) => {
    const caveats = run(c).nic.caveats;
    expect(caveats.map((n) => n.subject)).toEqual(c.subjects);
    if (c.text) expect(caveats.map((n) => n.reason).join(' ')).toMatch(c.text);
  });
});
