// Disk, CD-ROM and floppy buses, the SCSI controller, and every disk of the guest with its bus, device name and
// SCSI address as Nova writes them (domain.md §1.2, §2.3; for the per-disk mapping, which domain.md does not cover,
// Nova 26's own code: `nova/virt/libvirt/blockinfo.py` `get_disk_info`, `driver.py` `_get_guest_storage_config`).
import { DISK_BUSES, DISK_BUSES_BY_VIRT_TYPE, SCSI_MODELS, defaultBusesFor, hostFactEvidence, imageEvidence, normaliseDiskBus, normaliseScsiModel } from '../vocabulary/nova.ts';
import { SCSI_CDROM_ARCHES, guestArchitecture, isQ35, type RuleScope } from '../scope.ts';
import type { NovaPreview, PreviewDisk, PreviewValue } from '../../model/index.ts';
import { enumProperty, value, type Outcome } from './outcome.ts';

/** What the request says about the server's block devices (POST /v1/previews, recommendations). */
export interface DiskRequest {
  /** Disk devices on the disk bus at boot (local disks + volumes); default root + ephemeral + swap. */
  disks?: number;
  /** Server create with `config_drive: true`. */
  configDrive?: boolean;
  /** The root disk is a volume (block_device_mapping_v2 with boot_index 0, destination volume). */
  bootFromVolume?: boolean;
  /** Glance `disk_format` of the image. */
  diskFormat?: string | null;
}

const BLOCKINFO = 'NOVA 26 nova/virt/libvirt/blockinfo.py get_disk_info';
const STORAGE_CONFIG = 'NOVA 26 nova/virt/libvirt/driver.py _get_guest_storage_config';

/** `get_dev_prefix_for_disk_bus` (§2.3 item 4); `[libvirt] disk_prefix` is not modelled. */
const DEV_PREFIX: Readonly<Record<string, string | null>> = { ide: 'hd', virtio: 'vd', scsi: 'sd', usb: 'sd', sata: 'sd', fdc: 'fd', lxc: null };
/** IDE takes at most 4 devices (`get_dev_count_for_disk_bus`, §2.3); `[compute] max_disk_devices_to_attach` (default unlimited) is not modelled. */
const IDE_MAX_DEVICES = 4;

/** `block_device.generate_device_letter`: a … z, aa … */
function deviceLetters(index: number): string {
  let letters = '';
  for (let i = index; i >= 0; i = Math.floor(i / 26) - 1) letters = String.fromCharCode(97 + (i % 26)) + letters;
  return letters;
}

/** `img_config_drive` values (NOVA `fields.py` ConfigDrivePolicy). */
const CONFIG_DRIVE_POLICIES = ['optional', 'mandatory'];

export function previewStorage(scope: RuleScope, out: Outcome, machineType: string, request: DiskRequest = {}): NovaPreview['storage'] {
  const { facts, properties } = scope;
  const allowed = DISK_BUSES_BY_VIRT_TYPE[facts.virtType];
  const bus = (key: 'hw_disk_bus' | 'hw_cdrom_bus' | 'hw_floppy_bus', fallback: string, why: string): PreviewValue<string> => {
    const set = enumProperty(scope, out, key, normaliseDiskBus, DISK_BUSES);
    if (set !== null && !allowed.includes(set)) {
      out.fail('compute-build', 'UnsupportedHardware', key, `${key}=${set} is not accepted with virt_type=${facts.virtType}.`,
        'domain.md §1.2, §2.3', [imageEvidence(key, set), hostFactEvidence('virtType', facts.virtType)]);
    }
    if (set === 'ide' && isQ35(machineType)) {
      out.fail('compute-build', 'libvirtError', key, `${key}=ide on machine type ${machineType}: q35 has no IDE controller, the guest does not start (inference).`,
        'domain.md §2.3, §7 surprise 9', [imageEvidence(key, set), imageEvidence('hw_machine_type', machineType)]);
    }
    return set !== null
      ? value(set, `${key}=${properties[key]}`, 'domain.md §2.3', [imageEvidence(key, properties[key]!)])
      : value(fallback, why, 'domain.md §2.3', [imageEvidence(key, null)]);
  };
  const defaults = defaultBusesFor(facts.virtType);
  const diskBus = bus('hw_disk_bus', defaults.disk, defaults.disk === 'virtio'
    ? 'hw_disk_bus unset: virtio on kvm/qemu (libosinfo only ever suggests virtio)'
    : `hw_disk_bus unset: ${defaults.disk} on virt_type=${facts.virtType} (declared)`);
  const arch = guestArchitecture(scope);
  const cdromDefault = defaults.cdrom ?? (SCSI_CDROM_ARCHES.includes(arch.value) ? 'scsi' : isQ35(machineType) ? 'sata' : 'ide');
  const cdromBus = bus('hw_cdrom_bus', cdromDefault, defaults.cdrom !== null ? `hw_cdrom_bus unset: ${cdromDefault} on virt_type=${facts.virtType} (declared)` : cdromDefault === 'scsi'
    ? `hw_cdrom_bus unset, guest arch ${arch.value}${arch.fromImage ? '' : ' (the computes\' declared architecture)'}: scsi`
    : `hw_cdrom_bus unset: ${cdromDefault} on machine type ${machineType}`);
  const floppyBus = bus('hw_floppy_bus', 'fdc', 'hw_floppy_bus unset: fdc');
  const scsi = enumProperty(scope, out, 'hw_scsi_model', normaliseScsiModel, SCSI_MODELS);
  const scsiModel = scsi !== null
    ? value<string | null>(scsi, `hw_scsi_model=${properties['hw_scsi_model']}: a SCSI controller (index 0) of that model${diskBus.value === 'scsi' ? '' : `; the disks stay on ${diskBus.value}`}`, 'domain.md §1.2, §2.3', [imageEvidence('hw_scsi_model', properties['hw_scsi_model']!)])
    : value<string | null>(null, diskBus.value === 'scsi'
      ? 'hw_scsi_model unset: Nova writes no controller model, libvirt/QEMU choose their default (inference)'
      : 'no SCSI controller', 'domain.md §2.3', [imageEvidence('hw_scsi_model', null)]);
  const disks = diskMapping(scope, out, request, { disk: diskBus.value, cdrom: cdromBus.value, scsi });
  return { diskBus, cdromBus, floppyBus, scsiModel, disks };
}

/**
 * The disk mapping Nova 26 builds at spawn from the block device mappings server create makes: the image's (or
 * the boot volume's), a blank ephemeral for flavor ephemeral_gb and a swap for swap_mb (`compute/api.py`
 * `_get_flavor_defined_bdms`), further volumes, then the config drive; each takes the next free name of its bus.
 */
function diskMapping(scope: RuleScope, out: Outcome, request: DiskRequest, buses: { disk: string; cdrom: string; scsi: string | null }): PreviewDisk[] {
  const { flavor, properties } = scope;
  const used = new Set<string>();
  let tooMany = false;
  const nextDev = (bus: string): string | null => {
    const prefix = DEV_PREFIX[bus] ?? null;
    if (prefix === null) return null;
    for (let i = 0; ; i += 1) {
      if (bus === 'ide' && i >= IDE_MAX_DEVICES) {
        tooMany = true;
        return null;
      }
      const dev = prefix + deviceLetters(i);
      if (!used.has(dev)) {
        used.add(dev);
        return dev;
      }
    }
  };
  const disks: PreviewDisk[] = [];
  const add = (name: (dev: string | null) => string, role: PreviewDisk['role'], device: PreviewDisk['device'], bus: string, reason: string): PreviewDisk => {
    const dev = nextDev(bus);
    const disk: PreviewDisk = { name: name(dev), role, device, bus, dev, bootOrder: role === 'root' ? 1 : null, scsiAddress: null, reason, source: BLOCKINFO };
    disks.push(disk);
    return disk;
  };
  const bfv = request.bootFromVolume === true;
  // Zed passes the image's own block device mapping (device_type disk) to get_root_info, so even an iso image's
  // root is a disk on the disk bus; the CD-ROM branch there only runs without a root mapping (code reading).
  const root = add((dev) => (bfv ? `/dev/${dev}` : 'disk'), 'root', 'disk', buses.disk, bfv
    ? `boot volume (boot_index 0): first device on the disk bus ${buses.disk}; Nova reads the volume's image metadata as the image properties`
    : `root disk from the image: first device on the disk bus ${buses.disk}${request.diskFormat === 'iso' ? " (disk_format=iso: Nova 26 still makes it a disk, as the image's block device mapping says device_type disk)" : ''}`);
  const ephemeral = flavor && flavor.ephemeralGb > 0
    ? add(() => 'disk.eph0', 'ephemeral', 'disk', buses.disk, `flavor ephemeral_gb=${flavor.ephemeralGb}: a blank ephemeral disk, next on ${buses.disk}`)
    : null;
  const swap = flavor && flavor.swapMb > 0
    ? add(() => 'disk.swap', 'swap', 'disk', buses.disk, `flavor swap=${flavor.swapMb} MiB: a swap disk, next on ${buses.disk}`)
    : null;
  const local = 1 + (ephemeral ? 1 : 0) + (swap ? 1 : 0);
  const volumes = Array.from({ length: Math.max(0, (request.disks ?? local) - local) }, () =>
    add((dev) => `/dev/${dev}`, 'volume', 'disk', buses.disk, `a further volume (request disks=${request.disks}): a mapping without disk_bus takes the image's disk bus ${buses.disk}`));
  const policy = enumProperty(scope, out, 'img_config_drive', (raw) => (CONFIG_DRIVE_POLICIES.includes(raw) ? raw : null), CONFIG_DRIVE_POLICIES);
  const config = request.configDrive === true || policy === 'mandatory'
    ? add(() => 'disk.config', 'config-drive', 'cdrom', buses.cdrom, `${request.configDrive === true ? 'config_drive requested' : 'img_config_drive=mandatory'}: [DEFAULT] config_drive_format iso9660 (Nova's default; vfat would put it on the disk bus as a disk) makes it a CD-ROM on ${buses.cdrom}`)
    : null;
  if (tooMany) {
    out.fail('compute-build', 'TooManyDiskDevices', 'hw_disk_bus', `${disks.filter((d) => d.bus === 'ide').length} devices on IDE (disks and CD-ROMs); IDE takes at most ${IDE_MAX_DEVICES}.`,
      'domain.md §2.3', [imageEvidence('hw_disk_bus', properties['hw_disk_bus'] ?? null), { source: 'request', ref: 'disks', value: request.disks ?? null }]);
  }
  // virtio-scsi: Nova numbers the units of SCSI-bus disks itself, in the order it writes them (local disks, config
  // drive, volumes); a boot volume takes unit 0 and the count then starts at 1. Volumes count even off the SCSI bus.
  if (buses.scsi === 'virtio-scsi') {
    let unit = bfv ? 1 : 0;
    const address = (disk: PreviewDisk, u: number): void => {
      if (disk.bus === 'scsi') {
        disk.scsiAddress = { controller: 0, unit: u };
        disk.reason += `; virtio-scsi: <address type='drive' controller='0' unit='${u}'>${disk.role === 'root' && bfv ? ' (the boot volume is always unit 0)' : ''}`;
        disk.source = `${BLOCKINFO}; ${STORAGE_CONFIG}`;
      }
    };
    for (const disk of [...(bfv ? [] : [root]), ephemeral, swap, config]) {
      if (disk && disk.bus === 'scsi') address(disk, unit++);
    }
    for (const disk of [...(bfv ? [root] : []), ...volumes]) {
      if (disk === root) address(disk, 0);
      else address(disk, unit++);
    }
  }
  return disks;
}
