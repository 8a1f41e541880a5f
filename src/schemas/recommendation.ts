// POST /v1/recommendations: the request (OpenStack vocabulary, snake_case) and the Advice it returns
// (src/model types verbatim, plus the snapshot it was computed from).
import { z } from 'zod';
import type {
  Advice as RulesAdvice, GuestIdentity as RulesGuest, LibvirtInterfaceType, NovaPreview as RulesPreview, NovaStage, VnicBackend, VnicType, WorkloadProfile,
} from '../model/index.ts';
import { DEFAULT_CAPACITY_HOSTS } from '../rules/index.ts';
import { CloudName, Evidence, Name, Finding, ReleaseAssumption, Assumptions, SnapshotRef, closedList, type Assert, type Conforms } from './common.ts';
import { FlavorRef } from './flavor.ts';
import { ImageRef } from './image.ts';

export const WORKLOADS = closedList<WorkloadProfile>()([
  'general',
  'network-throughput',
  'nfv-dataplane',
  'storage-heavy',
  'legacy-guest',
  'pci-passthrough',
]);

export const VNIC_TYPES = closedList<VnicType>()([
  'normal',
  'direct',
  'macvtap',
  'baremetal',
  'direct-physical',
  'virtio-forwarder',
  'smart-nic',
  'vdpa',
  'accelerator-direct',
  'accelerator-direct-physical',
  'remote-managed',
]);

export const VNIC_BACKENDS = closedList<VnicBackend>()(['linuxbridge', 'ovs', 'ovs-hybrid', 'ovs-dpdk']);
export const VnicBackendField = z
  .enum(VNIC_BACKENDS)
  .optional()
  .describe('Neutron backend of normal ports: linuxbridge, ovs (ML2/OVS openvswitch firewall or OVN), ovs-hybrid (ML2/OVS iptables_hybrid), ovs-dpdk (vhost-user). Default: ovs-dpdk where the hosts are declared ovs_dpdk, else ovs.');

/** Listing every host that fits would make the answer grow with the cloud; GET /v1/hosts pages through them. */
const MAX_CAPACITY_HOSTS = 1000;

const DEVICE_TYPES = ['type-PCI', 'type-PF', 'type-VF'] as const;
const hex4 = z.string().regex(/^[0-9a-fA-F]{4}$/, 'four hex digits');

// Counts are bounded far above any real instance so a typo cannot make the engine plan 10^9 devices.
export const PciDeviceRequest = z
  .strictObject({
    vendor_id: hex4.optional(),
    product_id: hex4.optional(),
    resource_class: z.string().regex(/^[A-Z0-9_]{1,255}$/, 'a Placement resource class').optional(),
    device_type: z.enum(DEVICE_TYPES).optional(),
    count: z.number().int().min(1).max(64),
  })
  .refine((r) => r.resource_class !== undefined || r.vendor_id !== undefined, 'give resource_class or vendor_id')
  .meta({ id: 'PciDeviceRequest' });

export const RecommendationRequest = z
  .strictObject({
    image: ImageRef,
    flavor: FlavorRef.optional(),
    workload: z.enum(WORKLOADS).default('general'),
    vnic_type: z.enum(VNIC_TYPES).default('normal'),
    vnic_backend: VnicBackendField,
    nics: z.number().int().min(1).max(64).optional(),
    disks: z.number().int().min(1).max(256).optional(),
    config_drive: z.boolean().optional().describe('Server create with config_drive: true (the preview lists the config drive).'),
    boot_from_volume: z.boolean().optional().describe('The root disk is a volume (the preview\'s disk mapping and SCSI units).'),
    vfs: z.number().int().min(1).max(64).optional().describe('SR-IOV VFs per instance.'),
    pci: z.array(PciDeviceRequest).min(1).max(16).optional(),
    virtio_drivers: z
      .boolean()
      .optional()
      .describe('The guest has (true) or lacks (false) virtio drivers; overrides os_virtio_drivers.'),
    alias_resource_classes: z
      .record(Name, z.string().regex(/^[A-Z0-9_]{1,255}$/, 'a Placement resource class'))
      .optional()
      .describe('[pci] alias name → resource class, for flavor aliases the advisor cannot map itself.'),
    capacity_hosts: z
      .number()
      .int()
      .min(0)
      .max(MAX_CAPACITY_HOSTS)
      .default(DEFAULT_CAPACITY_HOSTS)
      .describe('How many of the hosts that fit capacity.hosts lists (most instances first); the others are counted. Per-host detail of every host: GET /v1/hosts, /v1/pci/capacity.'),
    cloud: CloudName,
  })
  .meta({ id: 'RecommendationRequest' });
export type RecommendationRequest = z.output<typeof RecommendationRequest>;

export const Recommendation = z
  .object({
    key: z.string(),
    value: z.string(),
    current: z.string().nullable(),
    reason: z.string(),
    evidence: z.array(Evidence),
  })
  .meta({ id: 'Recommendation' });

export const PciAlias = z
  .object({
    name: z.string(),
    vendor_id: z.string().optional(),
    product_id: z.string().optional(),
    device_type: z.enum(DEVICE_TYPES),
    numa_policy: z.enum(['required', 'legacy', 'preferred', 'socket']).optional(),
    resource_class: z.string().optional(),
    traits: z.string().optional(),
  })
  .meta({ id: 'PciAlias' });

export const PciAliasAdvice = z
  .object({
    alias: PciAlias,
    novaConf: z.string().describe('The alias as the JSON string for nova.conf [pci] alias.'),
    count: z.number().int(),
    reason: z.string(),
    evidence: z.array(Evidence),
  })
  .meta({ id: 'PciAliasAdvice' });

export const PciProviderFree = z
  .object({
    provider: z.string().describe('Placement resource provider name.'),
    resourceClass: z.string(),
    capacity: z.number().int().describe('int((total - reserved) * allocation_ratio)'),
    used: z.number().int(),
    free: z.number().int().describe('capacity - used'),
  })
  .meta({ id: 'PciProviderFree' });

export const HostFit = z
  .object({
    host: z.string(),
    uuid: z.string(),
    instances: z.number().int(),
    freePci: z.record(z.string(), z.number()),
    pciProviders: z.array(PciProviderFree).optional().describe('The host\'s PCI providers of the resource classes the request asks of providers (PCI devices, §4.6), with free units each (domain.md §4.7); absent when it asks none. GET /v1/pci/capacity?host= lists them all.'),
    blockers: z.array(Finding),
  })
  .meta({ id: 'HostFit' });

export const InstanceAllocation = z
  .object({
    host: z.string(),
    uuid: z.string(),
    allocations: z
      .array(z.object({
        provider: z.string(),
        uuid: z.string(),
        resources: z.record(z.string(), z.number().int()),
        groups: z.array(z.string()).describe("Request groups served: '' the unsuffixed one, else the numbered group's suffix."),
      }))
      .describe('Provider → units per resource class, as GET /allocations/{consumer} would record them; the root first.'),
    groupPolicy: z.enum(['none', 'isolate']).nullable(),
    unique: z.boolean().describe('false: one of several valid allocations on this host; Placement returns them in an undefined order.'),
    reason: z.string(),
    source: z.string(),
  })
  .meta({ id: 'InstanceAllocation' });

export const Capacity = z
  .object({
    hostsChecked: z.number().int(),
    hostsThatFit: z.number().int(),
    totalInstances: z.number().int(),
    free: z.record(z.string(), z.number()).describe('Free units of each resource class the request asks for, summed over the hosts that fit.'),
    hosts: z.array(HostFit).describe('Hosts that fit, most instances first, at most capacity_hosts of them.'),
    blocked: z
      .record(z.string(), z.number().int())
      .describe('Hosts that do not fit, per blocker (resource class, trait:<name>, or the image property whose trait is missing); a host with several blockers counts under each.'),
    blockedExamples: z.array(HostFit).describe('The first few hosts (by name) that do not fit, with their blockers.'),
    fits: z
      .enum(['yes', 'no', 'unknown'])
      .describe('unknown: some device asked for is invisible to Placement (see unknown); the counts leave it out, so they are upper bounds.'),
    unknown: z.array(z.object({ field: z.string(), reason: z.string(), evidence: z.array(Evidence) }))
      .describe('Devices asked for that Placement does not show (no provider with the class while pci_in_placement is off, Neutron SR-IOV ports), with why.'),
    pciOnly: z.object({ hostsThatFit: z.number().int(), totalInstances: z.number().int() }).nullable()
      .describe('What the PCI devices alone allow (numbered groups on nested providers, their group_policy), whatever else blocks; null when none is asked (or none Placement shows).'),
    allocation: InstanceAllocation.nullable().describe('One instance on the first of hosts; null when no host fits.'),
  })
  .meta({ id: 'Capacity' });

export const GuestIdentity = z
  .object({
    family: z.string(),
    distro: z.string().nullable(),
    version: z.string().nullable(),
    osinfoId: z.string().nullable(),
    identifiedBy: z.enum(closedList<RulesGuest['identifiedBy']>()(['os_distro', 'os_type', 'image-name', 'unknown'])),
    knowledge: z.enum(closedList<RulesGuest['knowledge']>()(['osinfo-db', 'builtin-table', 'none'])),
    virtio: z.object({ net: z.boolean(), blk: z.boolean(), scsi: z.boolean() }),
    evidence: z.array(Evidence),
  })
  .meta({ id: 'GuestIdentity' });

// ---------------------------------------------------------------- what Nova will do (also POST /v1/previews)

const PreviewValue = z
  .object({
    value: z.union([z.string(), z.number(), z.boolean(), z.null()]),
    reason: z.string(),
    source: z.string().describe('domain.md section(s) or Nova source the value rests on.'),
    evidence: z.array(Evidence),
  })
  .meta({ id: 'PreviewValue' });

const PlacementRequestGroup = z
  .object({
    suffix: z.string().describe("'' for the unsuffixed group."),
    resources: z.record(z.string(), z.number().int()),
    required: z.array(z.string()),
    forbidden: z.array(z.string()),
    checkedBy: z.enum(['placement', 'pci-passthrough-filter']),
    reason: z.string(),
  })
  .meta({ id: 'PlacementRequestGroup' });

const PreviewNote = z.object({ subject: z.string(), reason: z.string(), source: z.string() }).meta({ id: 'PreviewNote' });

export const PlacementQuery = z
  .object({
    groups: z.array(PlacementRequestGroup),
    rootRequired: z.array(z.string()),
    rootForbidden: z.array(z.string()),
    groupPolicy: z.enum(['none', 'isolate']).nullable(),
    limit: z.number().int(),
    query: z.string().describe('GET /allocation_candidates?<query>, encoded as Nova sends it.'),
    notes: z.array(PreviewNote),
  })
  .meta({ id: 'PlacementQuery' });

const PreviewPciRequest = z
  .object({
    requestedBy: z.enum(['flavor-alias', 'neutron-port']),
    aliasName: z.string().nullable(),
    count: z.number().int(),
    spec: z.array(z.record(z.string(), z.string().nullable())).describe('The device specs (ORed) as Nova keeps them: alias keys with device_type as dev_type, or the port\'s physical_network / remote_managed / dev_type.'),
    specFrom: z.enum(['alias-config', 'advised', 'port', 'unknown']),
    numaPolicy: z.string().nullable(),
    numaPolicyFrom: z.enum(['flavor', 'image', 'alias', 'alias-default', 'unset']),
    requesterId: z.string().nullable(),
    requestId: z.literal('generated').describe('Nova generates a uuid per request at server create.'),
    reason: z.string(),
    source: z.string(),
  })
  .meta({ id: 'PreviewPciRequest' });

const STAGES = closedList<NovaStage>()(['api', 'flavor-validation', 'scheduler', 'compute-build', 'compute-start']);

const PreviewDisk = z
  .object({
    name: z.string().describe('Nova\'s disk mapping key: disk (root image), disk.eph0, disk.swap, disk.config, or /dev/<dev> for a volume.'),
    role: z.enum(['root', 'ephemeral', 'swap', 'volume', 'config-drive']),
    device: z.enum(['disk', 'cdrom']),
    bus: z.string(),
    dev: z.string().nullable().describe('<target dev>; null on lxc.'),
    bootOrder: z.number().int().nullable(),
    scsiAddress: z.object({ controller: z.number().int(), unit: z.number().int() }).nullable()
      .describe("<address type='drive'> Nova writes with hw_scsi_model=virtio-scsi on SCSI-bus disks; null: libvirt assigns."),
    reason: z.string(),
    source: z.string(),
  })
  .meta({ id: 'PreviewDisk' });

const PreviewGuestElement = z
  .object({ name: z.string(), detail: z.string().nullable().describe('Attributes as libvirt XML shows them, e.g. retries=8191.'), reason: z.string(), source: z.string() })
  .meta({ id: 'PreviewGuestElement' });

const PreviewLibosinfoDevice = z
  .object({
    possible: z.array(z.string()).describe('Values Nova could take, depending on libosinfo\'s hash order.'),
    picked: z.string().nullable().describe('What Nova takes; null when it depends on the compute\'s osinfo-db version.'),
    observed: z.string().nullable().describe('What domain.md\'s run observed with osinfo-db 2026-05.'),
    overriddenBy: z.string().nullable(),
    reason: z.string(),
  })
  .meta({ id: 'PreviewLibosinfoDevice' });

export const NovaPreview = z
  .object({
    vnicType: z.enum(VNIC_TYPES),
    nic: z.object({
      interface: z.object({
        backend: z.enum(VNIC_BACKENDS).nullable(),
        backendFrom: z.enum(['request', 'host-facts']).nullable(),
        vifType: z.string().nullable().describe("binding:vif_type Nova receives, e.g. ovs, bridge, vhostuser, hw_veb, hostdev_physical."),
        osVif: z.string().nullable(),
        element: z.enum(['interface', 'hostdev']).nullable(),
        type: z.enum(closedList<LibvirtInterfaceType>()(['bridge', 'ethernet', 'vhostuser', 'direct', 'hostdev', 'vdpa'])).nullable(),
        virtualport: z.string().nullable(),
        writtenBy: z.array(z.string()).describe('Nova functions (vif.py, designer.py) that write the element.'),
        reason: z.string(),
        source: z.string(),
        evidence: z.array(Evidence),
      }).meta({ id: 'PreviewInterface' }),
      settings: z.array(z.object({
        setting: z.enum(['hw_vif_model', 'multiqueue', 'rx_queue_size', 'tx_queue_size', 'packed_ring']),
        field: z.string(),
        value: z.string(),
        applies: z.boolean(),
        reason: z.string(),
        source: z.string(),
      })),
      caveats: z.array(PreviewNote),
      model: PreviewValue,
      driverName: PreviewValue,
      queues: PreviewValue,
      rxQueueSize: PreviewValue,
      txQueueSize: PreviewValue,
      packed: PreviewValue,
    }),
    storage: z.object({ diskBus: PreviewValue, cdromBus: PreviewValue, floppyBus: PreviewValue, scsiModel: PreviewValue, disks: z.array(PreviewDisk) }),
    machineType: PreviewValue,
    guestFeatures: z.object({
      osType: PreviewValue,
      features: z.array(PreviewGuestElement),
      hyperv: z.array(PreviewGuestElement).describe('Hyper-V enlightenments (state on); [] when no <hyperv> element is written.'),
      clockOffset: PreviewValue,
      timers: z.array(PreviewGuestElement),
    }),
    libosinfo: z.object({
      osDistro: z.string().nullable(),
      installed: z.boolean().nullable(),
      osinfoDbVersion: z.string().nullable(),
      nic: PreviewLibosinfoDevice,
      disk: PreviewLibosinfoDevice,
      advice: z.array(z.string()).describe('Image properties to set explicitly to remove the dependency on the compute\'s libosinfo.'),
      reason: z.string(),
      source: z.string(),
    }),
    imagePrefilter: z.object({
      enabled: z.boolean(),
      applied: z.boolean(),
      traits: z.array(z.string()),
      invalidTraits: z.array(z.string()),
      reason: z.string(),
      source: z.string(),
    }),
    placement: PlacementQuery,
    candidateHostCount: z.number().int(),
    candidateHosts: z.array(z.string()).describe('The first candidate hosts by name (at most 50); candidateHostCount counts all.'),
    allocation: InstanceAllocation.nullable().describe('One instance on the candidate host that takes the most instances; null when none fits.'),
    pciRequests: z.array(PreviewPciRequest).describe('The PCI requests Nova records for the server (instance_extra.pci_requests).'),
    failures: z.array(
      z.object({
        stage: z.enum(STAGES),
        error: z.string().describe('Nova exception name, e.g. FlavorImageConflict, NoValidHost, UnsupportedHardware.'),
        raisedAt: z.string().describe('Where Nova raises it (module.function).'),
        httpStatus: z.number().int().nullable().describe('The status the API answers (stages api, flavor-validation); null: the server goes to ERROR.'),
        field: z.string().nullable(),
        message: z.string(),
        source: z.string(),
        evidence: z.array(Evidence),
      }),
    ),
    ignored: z.array(z.object({ field: z.string(), value: z.string(), reason: z.string(), source: z.string() })),
    release: ReleaseAssumption,
    assumptions: Assumptions,
  })
  .meta({ id: 'NovaPreview' });

export type NovaPreview = z.output<typeof NovaPreview>;
export type _PreviewConforms = Assert<Conforms<NovaPreview, RulesPreview>>;

export const AdviceBody = z.object({
  guest: GuestIdentity,
  imageProperties: z.array(Recommendation),
  flavorExtraSpecs: z.array(Recommendation),
  pciAliases: z.array(PciAliasAdvice),
  capacity: Capacity.nullable(),
  findings: z.array(Finding),
  preview: NovaPreview.optional().describe('What Nova and libvirt will do with the advised image and flavor; present when a flavor is given.'),
  release: ReleaseAssumption,
  assumptions: Assumptions,
});

export type AdviceBody = z.output<typeof AdviceBody>;
export type _AdviceConforms = Assert<Conforms<AdviceBody, RulesAdvice>>;

export const Advice = AdviceBody.extend({ snapshot: SnapshotRef }).meta({ id: 'Advice' });
export type Advice = z.output<typeof Advice>;
