import { describe, expect, it } from 'vitest';
import { analyseGuest, windowsNtVersion } from './identify.ts';
import { BUILTIN_GUEST_KNOWLEDGE } from './builtin-table.ts';

const analyse = (props: Record<string, string>, name: string | null = null, drivers?: boolean) =>
  analyseGuest(props, name, BUILTIN_GUEST_KNOWLEDGE, drivers);

interface GuestCase {
  name: string;
  props: Record<string, string>;
  net: boolean;
  blk: boolean;
  scsi: boolean;
  distro: string | null;
}

const virtioCases: GuestCase[] = [
  { name: 'Ubuntu 22.04 short-id has virtio-net/blk/scsi', props: { os_distro: 'ubuntu22.04' }, net: true, blk: true, scsi: true, distro: 'ubuntu' },
  { name: 'Ubuntu 22.04 Glance vocabulary', props: { os_distro: 'ubuntu', os_version: '22.04' }, net: true, blk: true, scsi: true, distro: 'ubuntu' },
  { name: 'Ubuntu 22.04 as virt-v2v writes it (22.4)', props: { os_distro: 'ubuntu', os_version: '22.4' }, net: true, blk: true, scsi: true, distro: 'ubuntu' },
  { name: 'Ubuntu 8.04: virtio-net only (blk from 9.04)', props: { os_distro: 'ubuntu8.04' }, net: true, blk: false, scsi: false, distro: 'ubuntu' },
  { name: 'CentOS 6: virtio-net/blk, no virtio-scsi (from 7.0)', props: { os_distro: 'centos', os_version: '6' }, net: true, blk: true, scsi: false, distro: 'centos' },
  { name: 'CentOS 7.0: virtio-scsi', props: { os_distro: 'centos7.0' }, net: true, blk: true, scsi: true, distro: 'centos' },
  { name: 'RHEL 5.0: no virtio (first 5.6)', props: { os_distro: 'rhel', os_version: '5.0' }, net: false, blk: false, scsi: false, distro: 'rhel' },
  { name: 'RHEL 5.6: virtio-net/blk', props: { os_distro: 'rhel5.6' }, net: true, blk: true, scsi: false, distro: 'rhel' },
  { name: 'RHEL 7.1: no virtio-scsi yet (7.2)', props: { os_distro: 'rhel7.1' }, net: true, blk: true, scsi: false, distro: 'rhel' },
  { name: 'Fedora 9: virtio-net, no virtio-blk (10)', props: { os_distro: 'fedora9' }, net: true, blk: false, scsi: false, distro: 'fedora' },
  { name: 'SLES 11 SP3 (os_version with SP)', props: { os_distro: 'sles', os_version: '11 SP3' }, net: true, blk: true, scsi: true, distro: 'sles' },
  { name: 'SLES 11 SP2: nothing', props: { os_distro: 'sles11sp2' }, net: false, blk: false, scsi: false, distro: 'sles' },
  { name: 'virt-v2v sled name for SLES 15', props: { os_distro: 'sled', os_version: '15.6' }, net: true, blk: true, scsi: true, distro: 'sles' },
  { name: 'FreeBSD 14.0: virtio-net/blk, never virtio-scsi', props: { os_distro: 'freebsd14.0' }, net: true, blk: true, scsi: false, distro: 'freebsd' },
  { name: 'NetBSD: nothing listed', props: { os_distro: 'netbsd9.0' }, net: false, blk: false, scsi: false, distro: 'netbsd' },
  { name: 'Rocky 9 short-id', props: { os_distro: 'rocky9' }, net: true, blk: true, scsi: true, distro: 'rocky' },
  { name: 'CentOS Stream 9 short-id', props: { os_distro: 'centos-stream9' }, net: true, blk: true, scsi: true, distro: 'centos' },
  { name: 'libosinfo URI', props: { os_distro: 'http://ubuntu.com/ubuntu/22.04' }, net: true, blk: true, scsi: true, distro: 'ubuntu' },
  { name: 'Windows 2022 without virtio-win', props: { os_distro: 'windows', os_version: '2022' }, net: false, blk: false, scsi: false, distro: 'win' },
  { name: 'win2k22 short-id without virtio-win', props: { os_distro: 'win2k22' }, net: false, blk: false, scsi: false, distro: 'win' },
  { name: 'Windows 2022 with os_virtio_drivers=true', props: { os_distro: 'windows', os_version: '2022', os_virtio_drivers: 'true' }, net: true, blk: true, scsi: true, distro: 'win' },
  { name: 'os_type=windows alone', props: { os_type: 'windows' }, net: false, blk: false, scsi: false, distro: 'win' },
];

describe('guest identification and virtio support', () => {
  it.each(virtioCases)('§3.2 $name', ({ props, net, blk, scsi, distro }) => {
    const guest = analyse(props);
    expect(guest.identity.virtio).toEqual({ net, blk, scsi });
    expect(guest.identity.distro).toBe(distro);
  });

  it.each<{ name: string; props: Record<string, string>; nic: string; q35: boolean }>([
    { name: 'Windows XP (NT 5.1) → e1000', props: { os_distro: 'winxp' }, nic: 'e1000', q35: false },
    { name: 'Windows 2008 (NT 6.0) → e1000', props: { os_distro: 'windows', os_version: '2008' }, nic: 'e1000', q35: false },
    { name: 'Windows 7 / 2008 R2 (NT 6.1) → e1000e, q35', props: { os_distro: 'windows', os_version: '2008 R2' }, nic: 'e1000e', q35: true },
    { name: 'Windows 2022 → e1000e, q35', props: { os_distro: 'windows', os_version: '2022' }, nic: 'e1000e', q35: true },
    { name: 'Windows NT version as virt-v2v writes it (6.1)', props: { os_distro: 'windows', os_version: '6.1' }, nic: 'e1000e', q35: true },
    { name: 'Windows, version unknown → e1000, pc', props: { os_distro: 'windows' }, nic: 'e1000', q35: false },
    { name: 'Linux without virtio → e1000 (virt-v2v)', props: { os_distro: 'rhel5.0' }, nic: 'e1000', q35: false },
    { name: 'OpenBSD → pcnet', props: { os_distro: 'openbsd5.3' }, nic: 'pcnet', q35: false },
    { name: 'openSUSE Leap 15.6 is after Leap 42.2 (q35)', props: { os_distro: 'opensuse15.6' }, nic: 'e1000', q35: true },
    { name: 'openSUSE 42.1 before q35', props: { os_distro: 'opensuse', os_version: '42.1' }, nic: 'e1000', q35: false },
  ])('§3.2 §8 $name', ({ props, nic, q35 }) => {
    const guest = analyse(props);
    expect(guest.emulatedNic).toBe(nic);
    expect(guest.q35Capable).toBe(q35);
  });

  it('§2.4 a libosinfo short-id activates Nova\'s libosinfo path; Glance names do not', () => {
    expect(analyse({ os_distro: 'ubuntu22.04' }).osDistroIsShortId).toBe(true);
    expect(analyse({ os_distro: 'win2k22' }).identity.osinfoId).toBe('win2k22');
    const generic = analyse({ os_distro: 'ubuntu', os_version: '22.04' });
    expect(generic.osDistroIsShortId).toBe(false);
    expect(generic.findings.map((f) => f.id)).toContain('os-distro-not-short-id');
  });

  it('§1.4 image name is the last hint, and says so', () => {
    const guest = analyse({}, 'lab-ubuntu-22.04');
    expect(guest.identity.identifiedBy).toBe('image-name');
    expect(guest.identity.distro).toBe('ubuntu');
    expect(guest.identity.version).toBe('22.04');
    expect(guest.findings.map((f) => f.id)).toContain('guest-identified-from-image-name');
    expect(guest.identity.evidence.some((e) => e.ref.includes('image name'))).toBe(true);
  });

  it('§3.3 unknown OS → no virtio assumed and a finding', () => {
    const guest = analyse({ os_distro: 'plan9' }, 'mystery');
    expect(guest.identity.identifiedBy).toBe('unknown');
    expect(guest.identity.virtio).toEqual({ net: false, blk: false, scsi: false });
    expect(guest.findings.map((f) => f.id)).toContain('unknown-guest-os');
  });

  it('§3.2 known distro without version → assumed current, with guest-version-unknown', () => {
    const guest = analyse({ os_distro: 'debian' });
    expect(guest.identity.virtio.blk).toBe(true);
    expect(guest.findings.map((f) => f.id)).toContain('guest-version-unknown');
  });

  it('§3.1 Windows without declared drivers raises virtio-win-drivers-undeclared; the request flag overrides', () => {
    expect(analyse({ os_distro: 'win10' }).findings.map((f) => f.id)).toContain('virtio-win-drivers-undeclared');
    const declared = analyse({ os_distro: 'win10' }, null, true);
    expect(declared.identity.virtio.net).toBe(true);
    expect(declared.findings.map((f) => f.id)).not.toContain('virtio-win-drivers-undeclared');
    // hw_qemu_guest_agent says nothing about virtio-win.
    expect(analyse({ os_distro: 'win10', hw_qemu_guest_agent: 'yes' }).identity.virtio.blk).toBe(false);
  });

  it.each([
    ['2022', '10.0'], ['Server 2019', '10.0'], ['2k16', '10.0'], ['2012 R2', '6.3'], ['8.1', '6.3'],
    ['7', '6.1'], ['2003', '5.2'], ['xp', '5.1'], ['10', '10.0'], ['6.1', '6.1'], ['42', null],
  ])('§3.1 Windows version %s → NT %s', (raw, nt) => {
    expect(windowsNtVersion(raw)).toBe(nt);
  });
});
