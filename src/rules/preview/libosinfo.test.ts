// libosinfo on the compute: expected values are domain.md §3.3's table (possible / observed NIC and disk per
// short-id) and §2.4's rules (short-id only, libosinfo importable, element 0 in hash order).
import { describe, expect, it } from 'vitest';
import { defaultRuleContext, preview, type RuleContext } from '../index.ts';
import { flavor, image, labSnapshot } from '../test-fixtures.ts';
import type { HostFacts, PreviewLibosinfo } from '../../model/index.ts';

const lab = labSnapshot();
const ctx = (facts: Partial<HostFacts> = {}): RuleContext => {
  const base = defaultRuleContext();
  return { ...base, hostFacts: { ...base.hostFacts, ...facts } };
};
const run = (props: Record<string, string>, facts: Partial<HostFacts> = {}): PreviewLibosinfo =>
  preview(lab, { image: image(props), flavor: flavor('f', 2, 1024, 10), vnicType: 'normal' }, ctx(facts)).libosinfo;

describe('libosinfo: what it could pick, what Nova picks, the advice', () => {
  it.each<{ name: string; props: Record<string, string>; facts?: Partial<HostFacts>; nic: [string[], string | null, string | null]; disk: [string[], string | null]; advice: string[] }>([
    { name: '§2.4 §3.3 ubuntu22.04, libosinfo unknown: e1000e or virtio, observed e1000e', props: { os_distro: 'ubuntu22.04' },
      nic: [['e1000e', 'virtio'], null, 'e1000e'], disk: [['virtio'], 'virtio'], advice: ['hw_vif_model'] },
    { name: '§2.4 §3.3 win10 with libosinfo declared: e1000 or e1000e (observed e1000); no block device ⇒ virtio disk', props: { os_distro: 'win10' }, facts: { libosinfo: true },
      nic: [['e1000', 'e1000e'], null, 'e1000'], disk: [['virtio'], 'virtio'], advice: ['hw_vif_model'] },
    { name: '§2.4 §3.3 rhel9.6: vsock first ⇒ nothing usable ⇒ virtio; still e1000e possible', props: { os_distro: 'rhel9.6' }, facts: { libosinfo: true },
      nic: [['e1000e', 'virtio'], null, 'virtio'], disk: [['virtio'], 'virtio'], advice: ['hw_vif_model'] },
    { name: '§3.3 rhel5.11 lists only virtio devices: virtio either way', props: { os_distro: 'rhel5.11' },
      nic: [['virtio'], 'virtio', 'virtio'], disk: [['virtio'], 'virtio'], advice: [] },
    { name: '§3.3 slackware14.1 with libosinfo: rtl8139 is the only NIC', props: { os_distro: 'slackware14.1' }, facts: { libosinfo: true },
      nic: [['rtl8139'], 'rtl8139', 'rtl8139'], disk: [['virtio'], 'virtio'], advice: [] },
    { name: '§2.4 libosinfo declared absent: Nova\'s default, no advice', props: { os_distro: 'ubuntu22.04' }, facts: { libosinfo: false },
      nic: [['e1000e', 'virtio'], 'virtio', 'e1000e'], disk: [['virtio'], 'virtio'], advice: [] },
    { name: '§2.4 §7 surprise 2 Glance vocabulary (ubuntu) is not a short-id: libosinfo not asked', props: { os_distro: 'ubuntu', os_version: '22.04' },
      nic: [[], 'virtio', null], disk: [[], 'virtio'], advice: [] },
    { name: '§2.4 hw_vif_model / hw_disk_bus set: libosinfo is not asked', props: { os_distro: 'ubuntu22.04', hw_vif_model: 'virtio', hw_disk_bus: 'virtio' },
      nic: [['e1000e', 'virtio'], 'virtio', 'e1000e'], disk: [['virtio'], 'virtio'], advice: [] },
    { name: '§2.1 step 3 use_virtio_for_bridges off: the fallback is no <model>', props: { os_distro: 'rhel9.6' }, facts: { libosinfo: true, useVirtioForBridges: false },
      nic: [['e1000e', 'no <model> (hypervisor default)', 'virtio'], null, 'no <model> (hypervisor default)'], disk: [['virtio'], 'virtio'], advice: ['hw_vif_model'] },
    { name: '§2.3 parallels: libosinfo virtio vs the scsi default ⇒ hw_disk_bus advised too', props: { os_distro: 'ubuntu22.04' }, facts: { virtType: 'parallels', libosinfo: true },
      nic: [['e1000e', 'virtio'], null, 'e1000e'], disk: [['scsi', 'virtio'], null], advice: ['hw_vif_model', 'hw_disk_bus'] },
    { name: '§2.4 a short-id outside the §3.3 table: depends on what osinfo-db lists', props: { os_distro: 'fedora40' },
      nic: [[], null, null], disk: [[], null], advice: ['hw_vif_model', 'hw_disk_bus'] },
  ])('$name', ({ props, facts, nic, disk, advice }) => {
    const l = run(props, facts);
    expect([l.nic.possible, l.nic.picked, l.nic.observed]).toEqual(nic);
    expect([l.disk.possible, l.disk.picked]).toEqual(disk);
    expect(l.advice).toEqual(advice);
  });

  it('§2.4 the reason names the osinfo-db dependency and the declared version', () => {
    expect(run({ os_distro: 'ubuntu22.04' }, { libosinfo: true, osinfoDbVersion: '20221203' }).nic.reason).toMatch(/osinfo-db 20221203 declared.*hash order.*e1000e, virtio/);
  });
});
