// Guest-OS knowledge: the built-in table and the osinfo-db loader produce this shape (domain.md §3.2).

/** From this guest version on, Nova should use this emulated NIC when virtio-net is missing. */
export interface VersionedNic {
  from: string;
  model: string;
}

/**
 * What one OS distro supports, by first version (domain.md §3.2). Plain data: the built-in table and an
 * osinfo-db loader produce the same shape. Versions are dotted numbers; `0` = every version; null = never.
 * Windows versions are NT versions (XP 5.1, 7/2008 R2 6.1, 10/2016+ 10.0).
 */
export interface GuestFamilyKnowledge {
  /** Canonical distro name, e.g. `rhel`, `ubuntu`, `win`. */
  distro: string;
  family: 'linux' | 'windows' | 'bsd' | 'other';
  /** `os_distro` spellings meaning this distro (Glance vocabulary, virt-v2v names), lower-case. */
  names: string[];
  /** libosinfo short-id prefixes followed by the version, e.g. `rhel` for `rhel9.4`. */
  shortIdPrefixes: string[];
  firstVersion: {
    virtioNet: string | null;
    virtioBlk: string | null;
    virtioScsi: string | null;
    q35: string | null;
  };
  /** Emulated NIC to use without virtio-net, newest `from` that the version reaches wins. */
  emulatedNics: VersionedNic[];
  /** virtio only with out-of-tree drivers the image must declare (Windows: virtio-win, §3.1). */
  virtioNeedsDrivers: boolean;
  /** Where the row comes from, e.g. `domain.md §3.2` or an osinfo-db path. */
  ref: string;
}

export interface GuestKnowledge {
  source: 'osinfo-db' | 'builtin-table';
  /** e.g. `builtin` or `/usr/share/osinfo (VERSION 20240701)`. */
  ref: string;
  families: GuestFamilyKnowledge[];
  /** Exact libosinfo short-ids known to this knowledge, → distro + version (an osinfo-db loader fills it). */
  shortIds: Record<string, { distro: string; version: string | null }>;
}
