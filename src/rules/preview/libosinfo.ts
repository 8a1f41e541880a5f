// libosinfo on the compute (domain.md §2.4, §3.3, §7 surprise 1): with os_distro a libosinfo short-id and libosinfo
// importable, Nova takes element 0 of osinfo-db's NIC / disk list for the OS, an order that is libosinfo's hash
// order — effectively arbitrary, and it changes with the compute's osinfo-db version. This shows what it could
// pick, what Nova picks, and which image properties remove the dependency.
import type { RuleScope } from '../scope.ts';
import type { PreviewLibosinfo, PreviewLibosinfoDevice } from '../../model/index.ts';
import { defaultBusesFor } from '../vocabulary/nova.ts';

/**
 * domain.md §3.3: per short-id, the net-class and block-class devices osinfo-db lists (inheritance resolved) and
 * the NIC Nova picked in the EMPIRICAL run (osinfo-db 2026-05, libosinfo 1.10.0, GLib 2.74.6); '' = nothing usable.
 */
const OSINFO_TABLE: Readonly<Record<string, readonly [net: string, block: string, observedNic: string]>> = (() => {
  const modern = 'e1000e virtio-net virtio1.0-net';
  const vsock = `${modern} virtio1.0-vsock`;
  const blk = 'virtio-block virtio1.0-block virtio1.0-scsi';
  const blkScsi = 'virtio-block virtio-scsi virtio1.0-block virtio1.0-scsi';
  const win = 'e1000 e1000e';
  return {
    'rhel4.8': ['', '', ''], 'rhel5.11': ['virtio-net', 'virtio-block', 'virtio'], 'rhel6.10': ['e1000e virtio-net', 'virtio-block', 'e1000e'],
    'rhel7.0': ['virtio-net', 'virtio-block', 'virtio'], 'rhel7.9': [modern, blk, 'e1000e'], 'rhel8.10': [modern, blk, 'e1000e'],
    'rhel9.6': [vsock, blk, ''], 'rhel10.0': [vsock, blk, ''], 'centos7.0': [modern, blk, 'e1000e'], 'centos-stream9': [vsock, blk, ''],
    'rocky9': [vsock, blk, ''], 'almalinux9': [vsock, blk, ''], 'ol9.0': [vsock, blk, ''],
    'fedora22': ['virtio-net', 'virtio-block virtio-scsi', 'virtio'], 'fedora23': [modern, blkScsi, 'e1000e'], 'fedora41': [vsock, blkScsi, 'virtio'],
    'debian8': ['virtio-net', 'virtio-block virtio-scsi', 'virtio'], 'debian9': [modern, blkScsi, 'e1000e'], 'debian12': [modern, blkScsi, 'e1000e'],
    'debian13': [modern, blkScsi, 'e1000e'], 'ubuntu14.04': ['virtio-net', 'virtio-block', 'virtio'], 'ubuntu16.04': ['virtio-net', 'virtio-block', 'virtio'],
    'ubuntu18.04': [modern, blk, 'e1000e'], 'ubuntu22.04': [modern, blk, 'e1000e'], 'ubuntu24.04': [modern, blk, 'e1000e'],
    'sles11sp4': ['virtio-net', 'virtio-block virtio-scsi', 'virtio'], 'sles12sp5': [modern, blkScsi, 'e1000e'], 'sle15sp6': [modern, blkScsi, 'e1000e'],
    'opensuse15.6': [modern, blkScsi, 'e1000e'], 'alpinelinux3.19': [modern, blkScsi, 'e1000e'], 'cirros0.5.2': ['virtio-net virtio1.0-net', blk, 'virtio'],
    'archlinux': [modern, blkScsi, 'e1000e'], 'freebsd9.0': ['e1000 ne2k_pci', '', 'ne2k_pci'], 'freebsd14.0': ['e1000 ne2k_pci virtio-net', 'virtio-block', 'ne2k_pci'],
    'openbsd5.3': ['pcnet', '', 'pcnet'], 'openbsd7.0': ['pcnet virtio-net', 'virtio-block', 'pcnet'], 'netbsd9.0': ['', '', ''],
    'slackware14.1': ['rtl8139', '', 'rtl8139'], 'solaris11': ['', '', ''],
    'winxp': ['e1000', '', 'e1000'], 'win2k3': ['e1000', '', 'e1000'], 'win2k8': ['e1000', '', 'e1000'], 'win2k8r2': [win, '', 'e1000'],
    'win7': [win, '', 'e1000'], 'win8.1': [win, '', 'e1000'], 'win10': [win, '', 'e1000'], 'win11': [win, '', 'e1000'],
    'win2k12r2': [win, '', 'e1000'], 'win2k16': [win, '', 'e1000'], 'win2k19': [win, '', 'e1000'], 'win2k22': [win, '', 'e1000'], 'win2k25': [win, '', 'e1000'],
  };
})();

/** `nova/virt/osinfo.py`: virtio names map to virtio, a name that is a Nova VIF model is kept, anything else is ignored (§2.4). */
const NIC_NAMES: Readonly<Record<string, string>> = {
  'virtio-net': 'virtio', 'virtio1.0-net': 'virtio', e1000: 'e1000', e1000e: 'e1000e', rtl8139: 'rtl8139', pcnet: 'pcnet', ne2k_pci: 'ne2k_pci',
};
const DISK_NAMES: Readonly<Record<string, string>> = { 'virtio-block': 'virtio', 'virtio1.0-block': 'virtio' };
const SOURCE = 'domain.md §2.4, §3.3, §7 surprise 1';
const NO_MODEL = 'no <model> (hypervisor default)';

/** Each value Nova could take for a class: the mapped listed devices, Nova's own default for unusable or no devices. */
function possibleOf(listed: string, names: Readonly<Record<string, string>>, fallback: string): string[] {
  const devices = listed.split(' ').filter((d) => d !== '');
  const values = devices.map((d) => names[d] ?? fallback);
  return [...new Set(devices.length === 0 ? [fallback] : values)].sort();
}

export function previewLibosinfo(scope: RuleScope): PreviewLibosinfo {
  const { facts, properties, guest } = scope;
  // Nova hands any os_distro to libosinfo; only short-ids and OS URIs are found there (§2.4).
  const raw = properties['os_distro'];
  const row = raw === undefined ? undefined : OSINFO_TABLE[raw];
  const osDistro = raw !== undefined && (row !== undefined || guest.osDistroIsShortId) ? raw : null;
  const installed = facts.libosinfo ?? null;
  const dbNote = facts.osinfoDbVersion ? `osinfo-db ${facts.osinfoDbVersion} declared; ` : '';
  // Nova's own choice when libosinfo gives nothing usable (§2.1 step 3, §2.3).
  const nicDefault = facts.useVirtioForBridges === false || facts.virtType === 'lxc' ? NO_MODEL : 'virtio';
  const diskDefault = defaultBusesFor(facts.virtType).disk;

  const device = (key: 'hw_vif_model' | 'hw_disk_bus', listed: string | undefined, names: Readonly<Record<string, string>>, fallback: string, observed: string | undefined): PreviewLibosinfoDevice => {
    const set = properties[key];
    const possible = listed === undefined ? [] : possibleOf(listed, names, fallback);
    const seen = observed === undefined ? null : observed === '' ? fallback : observed;
    if (set !== undefined) {
      return { possible, picked: set, observed: seen, overriddenBy: `${key}=${set}`, reason: `${key} is set: Nova does not ask libosinfo` };
    }
    if (osDistro === null) {
      return { possible, picked: fallback, observed: null, overriddenBy: null, reason: `os_distro${properties['os_distro'] ? `=${properties['os_distro']}` : ''} is not a libosinfo short-id: libosinfo is not asked, Nova's default ${fallback}` };
    }
    if (installed === false) {
      return { possible, picked: fallback, observed: seen, overriddenBy: null, reason: `libosinfo declared absent on the computes: Nova's default ${fallback}` };
    }
    if (listed === undefined) {
      return { possible, picked: null, observed: null, overriddenBy: null, reason: `${osDistro} is not in the built-in table (domain.md §3.3): whichever device osinfo-db lists first on the compute${installed === null ? `, or ${fallback} without libosinfo` : ''}` };
    }
    // Without a declaration libosinfo may be absent, which gives the default as well.
    const candidates = [...new Set([...possible, ...(installed === null ? [fallback] : [])])].sort();
    const picked = candidates.length === 1 ? candidates[0]! : null;
    return {
      possible, picked, observed: seen, overriddenBy: null,
      reason: picked !== null
        ? `every device osinfo-db lists for ${osDistro} gives ${picked}`
        : `${dbNote}libosinfo returns ${osDistro}'s devices in hash order and Nova takes the first: any of ${candidates.join(', ')}${installed === null ? ` (${fallback} if the compute has no libosinfo)` : ''}, depending on the compute's osinfo-db version${seen !== null ? ` (osinfo-db 2026-05 gave ${seen})` : ''}`,
    };
  };
  const nic = device('hw_vif_model', row?.[0], NIC_NAMES, nicDefault, row?.[2]);
  // Every block device osinfo-db lists that Nova can use is virtio (§2.3), so the observed disk is virtio or the default.
  const disk = device('hw_disk_bus', row?.[1], DISK_NAMES, diskDefault, row === undefined ? undefined : possibleOf(row[1], DISK_NAMES, diskDefault).includes('virtio') ? 'virtio' : '');
  const advice = ([['hw_vif_model', nic], ['hw_disk_bus', disk]] as const).filter(([, d]) => d.overriddenBy === null && osDistro !== null && installed !== false && d.picked === null).map(([key]) => key);
  return {
    osDistro, installed, osinfoDbVersion: facts.osinfoDbVersion ?? null, nic, disk, advice,
    reason: advice.length > 0
      ? `Nova's choice depends on libosinfo and the osinfo-db version on the compute: set ${advice.join(' and ')} on the image (POST /v1/recommendations gives the values).`
      : osDistro === null ? 'libosinfo is not asked for this image.' : 'Nova\'s choice does not depend on the compute\'s libosinfo for this image.',
    source: SOURCE,
  };
}
