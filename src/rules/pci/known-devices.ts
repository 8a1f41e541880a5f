// Common SR-IOV NICs and GPUs by PCI vendor:product id, to name devices and pick the alias
// device_type (domain.md §4.2: PFs need type-PF, VFs type-VF, others type-PCI). Only ids we are
// sure of; anything else is classified from its resource class and traits (pci.ts).
export interface KnownPciDevice {
  vendorId: string;
  productId: string;
  name: string;
  deviceType: 'type-PCI' | 'type-PF' | 'type-VF';
  kind: 'nic' | 'gpu';
  /** Words that may appear in an alias name for this device, e.g. `x710`. */
  hints: string[];
}

function nic(vendorId: string, pf: string, vf: string, name: string, hints: string[]): KnownPciDevice[] {
  return [
    { vendorId, productId: pf, name: `${name} PF`, deviceType: 'type-PF', kind: 'nic', hints },
    { vendorId, productId: vf, name: `${name} VF`, deviceType: 'type-VF', kind: 'nic', hints },
  ];
}

function gpu(productId: string, name: string, hints: string[]): KnownPciDevice {
  return { vendorId: '10de', productId, name: `NVIDIA ${name}`, deviceType: 'type-PCI', kind: 'gpu', hints };
}

export const KNOWN_PCI_DEVICES: readonly KnownPciDevice[] = [
  ...nic('8086', '10fb', '10ed', 'Intel 82599 10GbE', ['82599', 'ixgbe']),
  ...nic('8086', '1528', '1515', 'Intel X540', ['x540']),
  ...nic('8086', '1521', '1520', 'Intel I350', ['i350', 'igb']),
  ...nic('8086', '1572', '154c', 'Intel X710', ['x710', 'i40e']),
  { vendorId: '8086', productId: '1583', name: 'Intel XL710 PF', deviceType: 'type-PF', kind: 'nic', hints: ['xl710', 'i40e'] },
  ...nic('8086', '1592', '1889', 'Intel E810', ['e810', 'ice']),
  ...nic('15b3', '1013', '1014', 'Mellanox ConnectX-4', ['connectx4', 'cx4']),
  ...nic('15b3', '1015', '1016', 'Mellanox ConnectX-4 Lx', ['connectx4lx', 'cx4lx']),
  ...nic('15b3', '1017', '1018', 'Mellanox ConnectX-5', ['connectx5', 'cx5']),
  ...nic('15b3', '101b', '101c', 'Mellanox ConnectX-6', ['connectx6', 'cx6']),
  ...nic('15b3', '101d', '101e', 'Mellanox ConnectX-6 Dx', ['connectx6dx', 'cx6dx']),
  gpu('1db4', 'Tesla V100 PCIe 16GB', ['v100']),
  gpu('1eb8', 'Tesla T4', ['t4']),
  gpu('20f1', 'A100 PCIe 40GB', ['a100']),
  gpu('2236', 'A10', ['a10']),
];

export function knownPciDevice(vendorId: string, productId: string): KnownPciDevice | undefined {
  const vendor = vendorId.toLowerCase();
  const product = productId.toLowerCase();
  return KNOWN_PCI_DEVICES.find((d) => d.vendorId === vendor && d.productId === product);
}
