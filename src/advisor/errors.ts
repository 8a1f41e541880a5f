// The advisor's own failures, independent of how they are shown: src/api renders them as problem+json,
// src/cli as exit codes (design.md "Layers": errors mapped at the edges).

export const ADVISOR_ERROR_CODES = [
  /** The request names a field wrongly (a page marker not in the snapshot, …). */
  'bad_request',
  /** No image, flavor, host, job or cloud by that id or name. */
  'not_found',
  /** A name that several items carry (Glance image names are not unique). */
  'conflict',
  /** Nothing to answer from yet: no snapshot of the cloud is loaded. */
  'no_snapshot',
  /** The service is not set up for this (e.g. a sync without a configured cloud). */
  'not_configured',
  /** The caller's roles do not allow it (host-level data without a host-detail role). */
  'forbidden',
] as const;
export type AdvisorErrorCode = (typeof ADVISOR_ERROR_CODES)[number];

export interface FieldProblem {
  field: string;
  message: string;
}

export class AdvisorError extends Error {
  constructor(
    readonly code: AdvisorErrorCode,
    message: string,
    readonly details: {
      fields?: FieldProblem[];
      /** When asking again may succeed (no_snapshot). */
      retryAfterSeconds?: number;
    } = {},
  ) {
    super(message);
    this.name = 'AdvisorError';
  }
}

export function isAdvisorError(error: unknown): error is AdvisorError {
  return error instanceof AdvisorError;
}

/** Seconds a client should wait before asking again while no snapshot is loaded (a sync takes about that). */
export const NO_SNAPSHOT_RETRY_AFTER_SECONDS = 30;

export function noSnapshot(cloud: string | undefined): AdvisorError {
  const which = cloud === undefined ? 'any cloud' : `cloud "${cloud}"`;
  return new AdvisorError('no_snapshot', `no snapshot of ${which} is loaded yet; run a sync first`, {
    retryAfterSeconds: NO_SNAPSHOT_RETRY_AFTER_SECONDS,
  });
}
