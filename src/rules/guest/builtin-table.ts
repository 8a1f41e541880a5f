// Built-in guest knowledge: first release with virtio-net/blk, virtio-scsi and q35 per distro,
// as computed from osinfo-db with inheritance resolved (domain.md §3.2). Used when no osinfo-db
// is loaded; an osinfo-db loader (src/osinfo) produces the same GuestKnowledge shape.
import type { GuestFamilyKnowledge, GuestKnowledge } from '../../model/index.ts';

const LINUX_NIC = [{ from: '0', model: 'e1000' }]; // virt-v2v's choice without virtio_net (§3.4)

function linux(
  distro: string,
  names: string[],
  shortIdPrefixes: string[],
  net: string,
  blk: string,
  scsi: string | null,
  q35: string | null,
): GuestFamilyKnowledge {
  return {
    distro, family: 'linux', names, shortIdPrefixes,
    firstVersion: { virtioNet: net, virtioBlk: blk, virtioScsi: scsi, q35 },
    emulatedNics: LINUX_NIC, virtioNeedsDrivers: false, ref: 'domain.md §3.2',
  };
}

function bsd(distro: string, names: string[], net: string | null, nic: string): GuestFamilyKnowledge {
  return {
    distro, family: 'bsd', names, shortIdPrefixes: [distro],
    // domain.md §3.2: FreeBSD/OpenBSD never list virtio-scsi or q35; NetBSD lists no net/block device at all.
    firstVersion: { virtioNet: net, virtioBlk: net, virtioScsi: null, q35: null },
    emulatedNics: [{ from: '0', model: nic }], virtioNeedsDrivers: false, ref: 'domain.md §3.2, §3.3',
  };
}

const FAMILIES: GuestFamilyKnowledge[] = [
  linux('rhel', ['rhel', 'redhat', 'redhat-based'], ['rhel'], '5.6', '5.6', '7.2', '6.0'),
  linux('centos', ['centos', 'centos-stream'], ['centos-stream', 'centos'], '5.6', '5.6', '7.0', '6.0'),
  linux('ol', ['oraclelinux', 'ol', 'oracle'], ['ol'], '5.6', '5.6', '7.2', '6.0'),
  linux('rocky', ['rocky', 'rockylinux'], ['rocky'], '8', '8', '8', '8'),
  linux('almalinux', ['almalinux', 'alma'], ['almalinux'], '8', '8', '8', '8'),
  linux('fedora', ['fedora'], ['fedora'], '9', '10', '17', '23'),
  linux('debian', ['debian'], ['debian'], '5', '5', '7', '9'),
  linux('ubuntu', ['ubuntu'], ['ubuntu'], '8.04', '9.04', '17.04', '17.04'),
  // virt-v2v writes `sled` for SLES (§3.4).
  linux('sles', ['sles', 'sled', 'sle', 'suse', 'suse-based'], ['sles', 'sled', 'sle'], '11.3', '11.3', '11.3', '12.2'),
  // openSUSE Leap 42.x came before Leap 15; the version renumbering is handled in guest.ts.
  linux('opensuse', ['opensuse'], ['opensuse'], '12.3', '12.3', '12.3', '42.2'),
  linux('alpinelinux', ['alpine', 'alpinelinux'], ['alpinelinux'], '3.11', '3.11', '3.11', '3.11'),
  // Rolling release: current osinfo-db entry lists everything (§3.3 archlinux).
  linux('archlinux', ['arch', 'archlinux'], ['archlinux'], '0', '0', '0', '0'),
  linux('cirros', ['cirros'], ['cirros'], '0.3.0', '0.3.0', '0.4.0', null),
  bsd('freebsd', ['freebsd'], '10.0', 'e1000'),
  bsd('openbsd', ['openbsd'], '5.4', 'pcnet'),
  bsd('netbsd', ['netbsd'], null, 'e1000'),
  {
    distro: 'solaris', family: 'other', names: ['solaris', 'opensolaris'], shortIdPrefixes: ['solaris', 'opensolaris'],
    firstVersion: { virtioNet: null, virtioBlk: null, virtioScsi: null, q35: null },
    emulatedNics: [{ from: '0', model: 'e1000' }], virtioNeedsDrivers: false, ref: 'domain.md §3.2',
  },
  {
    // Versions are NT versions. No Windows release lists a virtio device; virtio-win drivers must be
    // injected. e1000 everywhere, e1000e and q35 from Windows 7 / 2008 R2 (NT 6.1) (domain.md §3.1, §3.2, §8).
    distro: 'win', family: 'windows', names: ['windows', 'win', 'microsoft', 'mswindows'], shortIdPrefixes: ['win'],
    firstVersion: { virtioNet: null, virtioBlk: null, virtioScsi: null, q35: '6.1' },
    emulatedNics: [{ from: '0', model: 'e1000' }, { from: '6.1', model: 'e1000e' }],
    virtioNeedsDrivers: true, ref: 'domain.md §3.1, §3.2, §8',
  },
];

export const BUILTIN_GUEST_KNOWLEDGE: GuestKnowledge = {
  source: 'builtin-table',
  ref: 'builtin (domain.md §3.2)',
  families: FAMILIES,
  shortIds: {},
};
