// Which Nova release a cloud runs, as an answer assumes it (../shared/domain.md §5.3 microversions, §7 timeline):
// rules that changed between releases follow it, and every answer says which release it assumed and how it knows.

/** Nova releases the rules tell apart, oldest first (26.0.0 Zed … master). */
export type NovaRelease =
  | 'wallaby'
  | 'xena'
  | 'yoga'
  | 'zed'
  | '2023.1'
  | '2023.2'
  | '2024.1'
  | '2024.2'
  | '2025.1'
  | '2025.2'
  | '2026.1'
  | 'master';

/** How a fact an answer rests on is known. */
export type FactOrigin = 'observed' | 'declared' | 'default';

/** What the cloud's APIs said about their versions when the snapshot was taken (null: not read). */
export interface CloudApis {
  /** The compute API's maximum microversion (`GET /v2.1/` `version`), e.g. `2.93`. */
  computeMaxMicroversion: string | null;
  /** Placement's maximum microversion (`GET /` `max_version`), e.g. `1.39`. */
  placementMaxMicroversion: string | null;
}

/** The release an answer assumes. */
export interface ReleaseAssumption {
  release: NovaRelease;
  from: FactOrigin;
  /** Every release consistent with what the cloud shows (several where a microversion spans releases). */
  candidates: NovaRelease[];
  /** How it is known, e.g. `compute API max microversion 2.93: Zed`. */
  evidence: string;
}

/**
 * One fact an answer rests on and how it is known (docs/host-facts.md "What answers assume"): observed from the
 * cloud's APIs, declared in HOST_FACTS_FILE, or assumed by default — with what would change if it is wrong.
 */
export interface FactAssumption {
  /** The fact in nova.conf / host-facts spelling, e.g. `nova_release`, `virt_type`, `hypervisor_type`. */
  fact: string;
  value: string | number | boolean | null;
  origin: FactOrigin;
  /** Where it comes from, e.g. `HOST_FACTS_FILE defaults`, `built-in default (Nova's default)`, `os-hypervisors of 12 host(s)`. */
  source: string;
  /** What the answer gets wrong if the value is wrong, with the domain.md section. */
  ifWrong: string;
}
