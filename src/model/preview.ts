// What Nova and libvirt will do with an image and a flavor (POST /v1/previews, recommendations' preview).
import type { Evidence } from './answers.ts';
import type { VnicType } from './requests.ts';
import type { FactAssumption, ReleaseAssumption } from './release.ts';


/** One request group of GET /allocation_candidates (domain.md §4.6, §5.5). */
export interface PlacementRequestGroup {
  /** '' for the unsuffixed group, else the suffix Nova appends to `resources` / `required`. */
  suffix: string;
  resources: Record<string, number>;
  required: string[];
  forbidden: string[];
  /**
   * `placement`: in the query. `pci-passthrough-filter`: a flavor PCI device that, with pci_in_placement off,
   * only the PciPassthroughFilter checks after Placement (domain.md §4.5).
   */
  checkedBy: 'placement' | 'pci-passthrough-filter';
  reason: string;
}

export interface PreviewNote {
  /** What the note explains, e.g. a trait, `group_policy`, `limit`. */
  subject: string;
  reason: string;
  /** domain.md section(s) or Nova source it rests on. */
  source: string;
}

/** The GET /allocation_candidates request Nova's scheduler sends (NOVA `scheduler/utils.py` ResourceRequest). */
export interface PlacementQuery {
  groups: PlacementRequestGroup[];
  rootRequired: string[];
  rootForbidden: string[];
  groupPolicy: 'none' | 'isolate' | null;
  limit: number;
  /** The query string as Nova encodes it (parameters sorted, form-encoded). */
  query: string;
  notes: PreviewNote[];
}

export interface PreviewValue<T> {
  value: T;
  reason: string;
  source: string;
  evidence: Evidence[];
}

export type NovaStage = 'api' | 'scheduler' | 'compute';

/** Where server create would fail, with Nova's own error name. */
export interface PreviewFailure {
  stage: NovaStage;
  /** Nova exception or error name, e.g. `FlavorImageConflict`, `NoValidHost`, `UnsupportedHardware`. */
  error: string;
  /** HTTP status the API answers (stage api), else null: later failures put the server in ERROR. */
  httpStatus: number | null;
  field: string | null;
  message: string;
  source: string;
  evidence: Evidence[];
}

/** A setting Nova accepts but silently does not apply. */
export interface PreviewIgnored {
  field: string;
  value: string;
  reason: string;
  source: string;
}

export interface NovaPreview {
  vnicType: VnicType;
  nic: {
    /** `<model type=…>`; null when no model element is written (passthrough ports). */
    model: PreviewValue<string | null>;
    /** `<driver name=…>`; null when the attribute is absent (libvirt picks vhost-net if loaded, else qemu). */
    driverName: PreviewValue<'vhost' | 'qemu' | null>;
    queues: PreviewValue<number | null>;
    rxQueueSize: PreviewValue<number | null>;
    txQueueSize: PreviewValue<number | null>;
    packed: PreviewValue<boolean>;
  };
  storage: {
    diskBus: PreviewValue<string>;
    cdromBus: PreviewValue<string>;
    floppyBus: PreviewValue<string>;
    /** SCSI controller model Nova writes; null = none written (libvirt/QEMU default). */
    scsiModel: PreviewValue<string | null>;
  };
  machineType: PreviewValue<string>;
  /** `[scheduler] image_metadata_prefilter`: the traits the image properties compute, and whether Nova adds them. */
  imagePrefilter: { enabled: boolean; applied: boolean; traits: string[]; invalidTraits: string[]; reason: string; source: string };
  placement: PlacementQuery;
  /** How many hosts Placement would return for the query (and, for PCI without pci_in_placement, the PciPassthroughFilter keeps). */
  candidateHostCount: number;
  /** The first of those hosts by name (at most PREVIEW_CANDIDATE_NAMES). */
  candidateHosts: string[];
  failures: PreviewFailure[];
  ignored: PreviewIgnored[];
  /** The Nova release the preview assumes and how it is known. */
  release: ReleaseAssumption;
  /** Every fact the preview rests on (the release first), observed, declared or assumed by default. */
  assumptions: FactAssumption[];
}

