// Generated inputs for the preview's differential tests. Disk mapping (blockinfo_oracle.py): image storage
// properties (valid values, values a virt_type refuses, values Nova's enums refuse) × flavor ephemeral / swap × config
// drive × boot from volume × further volumes × virt_type × the [libvirt] hw_machine_type mapping. Guest features
// (guest_features_oracle.py): os_type spellings × HPET × architectures × hidden hypervisor × PMU × virt_type. Test support only.
import fc from 'fast-check';

/** Absent one time in `freq` (fast-check's option). */
const option = <T>(arb: fc.Arbitrary<T>, freq = 2): fc.Arbitrary<T | null> => fc.option(arb, { freq });
/** Present one time in four: keys whose pairs would otherwise conflict on most inputs. */
const rarely = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | null> => fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: arb });
/** Mostly valid values, a near miss one time in ten: enough refusals to compare, enough mappings to compare. */
const mostly = (valid: string[], nearMisses: string[]): fc.Arbitrary<string> =>
  fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...valid) }, { weight: 1, arbitrary: fc.constantFrom(...nearMisses) });

export const diskMappingInput = fc.record({
  virt_type: fc.constantFrom('kvm', 'kvm', 'qemu', 'parallels'),
  machine_types: fc.constantFrom<string[]>([], [], ['x86_64=q35'], ['x86_64=pc-q35-7.2']),
  image: fc.record({
    disk_format: fc.constantFrom('qcow2', 'raw', 'iso'),
    properties: fc.record({
      hw_disk_bus: option(mostly(['virtio', 'scsi', 'scsi', 'ide', 'sata', 'usb', 'fdc'], ['xen', 'lxc', 'SCSI', 'nvme'])),
      hw_cdrom_bus: option(fc.constantFrom('ide', 'sata', 'scsi', 'usb', 'virtio'), 4),
      hw_scsi_model: option(mostly(['virtio-scsi', 'virtio-scsi', 'lsilogic'], ['megasas', 'VIRTIO-SCSI'])),
      hw_machine_type: option(fc.constantFrom('pc', 'q35', 'pc-q35-8.2', 'virt'), 3),
      hw_architecture: option(fc.constantFrom('x86_64', 'aarch64', 'ppc64le', 's390x'), 4),
      img_config_drive: option(mostly(['optional', 'mandatory'], ['always', 'Mandatory']), 4),
    }).map((p) => Object.fromEntries(Object.entries(p).filter(([, v]) => v !== null)) as Record<string, string>),
  }),
  ephemeral_gb: fc.constantFrom(0, 0, 1, 5),
  swap_mb: fc.constantFrom(0, 0, 512),
  config_drive: fc.boolean(),
  boot_from_volume: fc.boolean(),
  volumes: fc.integer({ min: 0, max: 3 }),
});
export type DiskMappingInput = typeof diskMappingInput extends fc.Arbitrary<infer T> ? T : never;

/** Guest features and clock (guest_features_oracle.py): os_type spellings, HPET, architectures, hidden hypervisor, PMU. */
export const guestFeaturesInput = fc.record({
  virt_type: fc.constantFrom('kvm', 'kvm', 'qemu', 'lxc', 'parallels'),
  properties: fc.record({
    os_type: option(mostly(['windows', 'windows', 'linux', 'Windows', 'WINDOWS'], ['win', 'freebsd']), 3),
    hw_time_hpet: option(fc.constantFrom('true', 'false', 'yes'), 3),
    hw_architecture: option(fc.constantFrom('x86_64', 'i686', 'aarch64', 'ppc64le', 's390x'), 3),
    hw_emulation_architecture: rarely(fc.constantFrom('aarch64', 'x86_64')),
    img_hide_hypervisor_id: rarely(fc.constantFrom('true', 'false')),
    hw_pmu: rarely(fc.constantFrom('true', 'false')),
  }).map((p) => Object.fromEntries(Object.entries(p).filter(([, v]) => v !== null)) as Record<string, string>),
  extra_specs: fc.record({
    'hw:hide_hypervisor_id': rarely(fc.constantFrom('true', 'false')),
    hide_hypervisor_id: rarely(fc.constant('true')),
    'hw:pmu': rarely(fc.constantFrom('true', 'false')),
  }).map((p) => Object.fromEntries(Object.entries(p).filter(([, v]) => v !== null)) as Record<string, string>),
});
export type GuestFeaturesInput = typeof guestFeaturesInput extends fc.Arbitrary<infer T> ? T : never;
