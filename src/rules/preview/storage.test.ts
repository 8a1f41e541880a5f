// The guest's disks as Nova 26 maps them. domain.md §2.3 gives the buses and name prefixes; the order and the
// SCSI units are Nova's code (blockinfo.py get_disk_info, driver.py _get_guest_storage_config), which
// tests/acceptance/oracle.test.ts also compares with the installed Nova.
import { describe, expect, it } from 'vitest';
import { defaultRuleContext, preview, type RuleContext } from '../index.ts';
import { flavor, image, labSnapshot } from '../test-fixtures.ts';
import type { HostFacts, NovaPreview } from '../../model/index.ts';

const lab = labSnapshot();
const ctx = (facts: Partial<HostFacts> = {}): RuleContext => {
  const base = defaultRuleContext();
  return { ...base, hostFacts: { ...base.hostFacts, ...facts } };
};

interface Case {
  name: string;
  props?: Record<string, string>;
  ephemeralGb?: number;
  swapMb?: number;
  configDrive?: boolean;
  bootFromVolume?: boolean;
  disks?: number;
  diskFormat?: string;
  facts?: Partial<HostFacts>;
  /** `name bus dev device[ unit]`, in Nova's order. */
  expected: string[];
  failures?: string[];
}

const run = (c: Case): NovaPreview => preview(lab, {
  image: { ...image(c.props ?? {}), diskFormat: c.diskFormat ?? 'qcow2' },
  flavor: flavor('f', 2, 1024, 10, {}, { ephemeralGb: c.ephemeralGb ?? 0, swapMb: c.swapMb ?? 0 }),
  vnicType: 'normal', disks: c.disks, configDrive: c.configDrive, bootFromVolume: c.bootFromVolume,
}, ctx(c.facts));
const shown = (p: NovaPreview): string[] => p.storage.disks.map((d) => [d.name, d.bus, d.dev, d.device, ...(d.scsiAddress ? [`unit${d.scsiAddress.unit}`] : [])].join(' '));

const VIRTIO_SCSI = { hw_disk_bus: 'scsi', hw_scsi_model: 'virtio-scsi' };

describe('per disk: bus, device name, CD-ROM, SCSI unit', () => {
  it.each<Case>([
    { name: '§2.3 image root alone: vda on virtio', expected: ['disk virtio vda disk'] },
    { name: '§2.3 ephemeral and swap follow the root on the disk bus', ephemeralGb: 5, swapMb: 512, expected: ['disk virtio vda disk', 'disk.eph0 virtio vdb disk', 'disk.swap virtio vdc disk'] },
    { name: '§2.3 config drive: a CD-ROM on ide (pc), its own hd names', ephemeralGb: 5, configDrive: true, expected: ['disk virtio vda disk', 'disk.eph0 virtio vdb disk', 'disk.config ide hda cdrom'] },
    { name: '§2.3 config drive on q35: sata, after the sd disks of a scsi bus', props: { ...VIRTIO_SCSI, hw_machine_type: 'q35' }, swapMb: 512, configDrive: true,
      expected: ['disk scsi sda disk unit0', 'disk.swap scsi sdb disk unit1', 'disk.config sata sdc cdrom'] },
    { name: '§2.3 img_config_drive=mandatory adds the config drive', props: { img_config_drive: 'mandatory' }, expected: ['disk virtio vda disk', 'disk.config ide hda cdrom'] },
    { name: '§2.3 aarch64: the config drive CD-ROM goes on scsi', props: { hw_architecture: 'aarch64' }, configDrive: true, expected: ['disk virtio vda disk', 'disk.config scsi sda cdrom'] },
    { name: '§2.3 hw_cdrom_bus=usb moves the config drive', props: { hw_cdrom_bus: 'usb' }, configDrive: true, expected: ['disk virtio vda disk', 'disk.config usb sda cdrom'] },
    { name: '§1.2 §2.3 virtio-scsi numbers the SCSI disks from unit 0', props: VIRTIO_SCSI, ephemeralGb: 1, swapMb: 1, disks: 4,
      expected: ['disk scsi sda disk unit0', 'disk.eph0 scsi sdb disk unit1', 'disk.swap scsi sdc disk unit2', '/dev/sdd scsi sdd disk unit3'] },
    { name: '§1.2 boot volume on virtio-scsi is unit 0, the others count from 1', props: { ...VIRTIO_SCSI, hw_machine_type: 'q35' }, bootFromVolume: true, ephemeralGb: 1, swapMb: 1, disks: 5, configDrive: true,
      expected: ['/dev/sda scsi sda disk unit0', 'disk.eph0 scsi sdb disk unit1', 'disk.swap scsi sdc disk unit2', '/dev/sdd scsi sdd disk unit3', '/dev/sde scsi sde disk unit4', 'disk.config sata sdf cdrom'] },
    { name: '§1.2 a SCSI CD-ROM (aarch64) takes a unit before the volumes', props: { ...VIRTIO_SCSI, hw_architecture: 'aarch64' }, disks: 2, configDrive: true,
      expected: ['disk scsi sda disk unit0', '/dev/sdb scsi sdb disk unit2', 'disk.config scsi sdc cdrom unit1'] },
    { name: '§2.3 scsi without hw_scsi_model: libvirt assigns the addresses', props: { hw_disk_bus: 'scsi' }, bootFromVolume: true, expected: ['/dev/sda scsi sda disk'] },
    { name: '§2.3 lsilogic controller: no unit numbers from Nova', props: { hw_disk_bus: 'scsi', hw_scsi_model: 'lsilogic' }, disks: 2, expected: ['disk scsi sda disk', '/dev/sdb scsi sdb disk'] },
    { name: '§2.3 disk_format=iso: Nova 26 still maps the root as a disk', diskFormat: 'iso', configDrive: true, expected: ['disk virtio vda disk', 'disk.config ide hda cdrom'] },
    { name: '§2.3 IDE: root, ephemeral, swap and the config drive fill hda–hdd', props: { hw_disk_bus: 'ide' }, ephemeralGb: 1, swapMb: 1, configDrive: true,
      expected: ['disk ide hda disk', 'disk.eph0 ide hdb disk', 'disk.swap ide hdc disk', 'disk.config ide hdd cdrom'] },
    { name: '§2.3 IDE: a fifth device fails with TooManyDiskDevices', props: { hw_disk_bus: 'ide' }, disks: 4, configDrive: true,
      expected: ['disk ide hda disk', '/dev/hdb ide hdb disk', '/dev/hdc ide hdc disk', '/dev/hdd ide hdd disk', 'disk.config ide  cdrom'], failures: ['compute-build:TooManyDiskDevices'] },
    { name: '§2.3 parallels: disks on scsi, the CD-ROM on ide', facts: { virtType: 'parallels' }, configDrive: true, expected: ['disk scsi sda disk', 'disk.config ide hda cdrom'] },
    { name: '§2.3 lxc: no device names', facts: { virtType: 'lxc' }, expected: ['disk lxc  disk'] },
    { name: '§1.1 img_config_drive outside optional/mandatory fails at the API', props: { img_config_drive: 'always' }, expected: ['disk virtio vda disk'], failures: ['api:InvalidRequest'] },
  ])('$name', (c) => {
    const p = run(c);
    expect(shown(p)).toEqual(c.expected);
    expect(p.failures.map((f) => `${f.stage}:${f.error}`)).toEqual(c.failures ?? []);
  });

  it('§2.3 the root has boot order 1, nothing else has one', () => {
    expect(run({ name: '', ephemeralGb: 1, configDrive: true, expected: [] }).storage.disks.map((d) => d.bootOrder)).toEqual([1, null, null]);
  });
});
