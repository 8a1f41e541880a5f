import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BUILTIN_GUEST_KNOWLEDGE } from '../rules/guest/builtin-table.ts';
import { advise, defaultRuleContext } from '../rules/index.ts';
import { image, labSnapshot, request } from '../rules/test-fixtures.ts';
import { compareVersions, parseVersion } from '../rules/vocabulary/version.ts';
import { knowledgeFromOsinfo, resolveDevices } from './knowledge.ts';
import { DEFAULT_OSINFO_DB_PATH, loadOsinfoKnowledge, parseOsinfoXml } from './load.ts';

const VIRTIO_NET = 'http://pcisig.com/pci/1af4/1000';
const VIRTIO_BLK = 'http://pcisig.com/pci/1af4/1001';
const Q35 = 'http://qemu.org/chipset/x86/q35';

const os = (id: string, version: string, body: string) => `
  <os id="http://example.org/demo/${id}">
    <short-id>demo${id}</short-id>
    <name xml:lang="de">Demo ${id}</name>
    <version>${version}</version>
    <family>linux</family>
    <distro>demo</distro>
    ${body}
  </os>`;
const XML = `<?xml version="1.0"?><libosinfo version="0.0.1">
  ${os('1', '1.0', '')}
  ${os('2', '2.0', `<derives-from id="http://example.org/demo/1"/><devices><device id="${VIRTIO_NET}"/><device id="${VIRTIO_BLK}"/></devices>`)}
  ${os('3', '3.10', `<upgrades id="http://example.org/demo/2"/><devices><device id="${Q35}"/></devices>`)}
  ${os('4', '3.9', `<clones id="http://example.org/demo/2"/><devices><device id="${VIRTIO_BLK}" supported="false"/></devices>`)}
</libosinfo>`;

describe('osinfo-db → GuestKnowledge', () => {
  const oses = parseOsinfoXml(XML);

  it('§3.1 parses short-ids, versions as strings, relations and device links', () => {
    expect(oses.map((o) => [o.shortIds[0], o.version, o.inheritsFrom.length])).toEqual([
      ['demo1', '1.0', 0], ['demo2', '2.0', 1], ['demo3', '3.10', 0], ['demo4', '3.9', 1],
    ]);
    expect(oses[3]?.devices).toEqual({ [VIRTIO_BLK]: false });
  });

  it('§3.1 devices are inherited through derives-from and clones, not upgrades; supported=false cancels', () => {
    const devices = resolveDevices(oses);
    expect([...devices.get('http://example.org/demo/3')!]).toEqual([Q35]);
    expect([...devices.get('http://example.org/demo/4')!]).toEqual([VIRTIO_NET]);
  });

  it('§3.2 first version per capability, short-ids to distro + version', () => {
    const knowledge = knowledgeFromOsinfo(oses, BUILTIN_GUEST_KNOWLEDGE, 'test');
    const demo = knowledge.families.find((f) => f.distro === 'demo');
    expect(demo?.firstVersion).toEqual({ virtioNet: '2.0', virtioBlk: '2.0', virtioScsi: null, q35: '3.10' });
    expect(knowledge.shortIds['demo4']).toEqual({ distro: 'demo', version: '3.9' });
    expect(knowledge.source).toBe('osinfo-db');
  });

  it('§3.2 an absent database gives null (the caller keeps the built-in table)', () => {
    expect(loadOsinfoKnowledge(BUILTIN_GUEST_KNOWLEDGE, '/nonexistent/osinfo')).toBeNull();
  });
});

describe.skipIf(!existsSync(`${DEFAULT_OSINFO_DB_PATH}/os`))('the machine\'s osinfo-db', () => {
  const knowledge = loadOsinfoKnowledge(BUILTIN_GUEST_KNOWLEDGE, DEFAULT_OSINFO_DB_PATH)!;

  it.each([
    { distro: 'rhel', net: '5.6', blk: '5.6', scsi: '7.2', q35: '6.0' },
    { distro: 'ubuntu', net: '8.04', blk: '9.04', scsi: '17.04', q35: '17.04' },
    { distro: 'fedora', net: '9', blk: '10', scsi: '17', q35: '23' },
    { distro: 'debian', net: '5', blk: '5', scsi: '7', q35: '9' },
    { distro: 'sles', net: '11.3', blk: '11.3', scsi: '11.3', q35: '12.2' },
    { distro: 'freebsd', net: '10.0', blk: '10.0', scsi: null, q35: null },
    { distro: 'win', net: null, blk: null, scsi: null, q35: '6.1' },
  ])('§3.2 $distro first versions match the domain table', ({ distro, net, blk, scsi, q35 }) => {
    const family = knowledge.families.find((f) => f.distro === distro)!;
    const same = (actual: string | null, expected: string | null) =>
      expected === null ? actual === null : actual !== null && compareVersions(parseVersion(actual)!, parseVersion(expected)!) === 0;
    const { virtioNet, virtioBlk, virtioScsi, q35: chipset } = family.firstVersion;
    expect([same(virtioNet, net), same(virtioBlk, blk), same(virtioScsi, scsi), same(chipset, q35)]).toEqual([true, true, true, true]);
  });

  it('§3.3 advice with osinfo-db: Ubuntu 22.04 → virtio, win2k22 → e1000e, identified from osinfo-db', () => {
    const ctx = { ...defaultRuleContext(), knowledge };
    const ubuntu = advise(labSnapshot(), request(image({ os_distro: 'ubuntu22.04' }), null), ctx);
    expect([ubuntu.guest.knowledge, ubuntu.imageProperties.find((r) => r.key === 'hw_vif_model')?.value]).toEqual(['osinfo-db', 'virtio']);
    const windows = advise(labSnapshot(), request(image({ os_distro: 'win2k22' }), null), ctx);
    expect(windows.imageProperties.find((r) => r.key === 'hw_vif_model')?.value).toBe('e1000e');
  });
});
