// Every failure of the OpenStack layer is an OpenStackError with a code from a closed set, so the API can
// render it as problem+json and the CLI can choose an exit code without parsing messages.
// The error never holds the axios error or the request config: those carry the password (Keystone body)
// and the X-Auth-Token header, and a logger serialising `cause` would print them.

export const OPENSTACK_ERROR_CODES = [
  /** Keystone refused the credential, or a service refused a fresh token (401). */
  'upstream_unauthorized',
  /** The token is valid but lacks a role, e.g. Placement reads need admin (403; domain.md §5.5). */
  'upstream_forbidden',
  /** 404 on a resource the client expected, or a service missing from the catalog. */
  'upstream_not_found',
  /** 400/409/other 4xx: the request was refused as such (e.g. Nova "marker [x] not found"). */
  'upstream_bad_request',
  /** 406: the microversion asked for is not served (domain.md §5.3, §5.5). */
  'upstream_not_acceptable',
  /** Connection refused/reset, DNS, 429/5xx after the retries ran out. */
  'upstream_unavailable',
  /** No answer within the per-call timeout. */
  'upstream_timeout',
  /** The body did not have the shape the API reference documents. */
  'upstream_bad_response',
  /** clouds.yaml / OS_* settings are missing or malformed. */
  'config_invalid',
  /** A cloud name was asked for that is not configured. */
  'cloud_unknown',
] as const;
export type OpenStackErrorCode = (typeof OPENSTACK_ERROR_CODES)[number];

export type ServiceName = 'identity' | 'compute' | 'image' | 'placement';

export interface OpenStackErrorDetails {
  service?: ServiceName;
  method?: string;
  /** Full URL without credentials (tokens travel in headers, never in URLs). */
  url?: string;
  status?: number;
  /** `x-openstack-request-id` of the failing call, to find it in the service's own logs. */
  requestId?: string;
  /** Name of the config key or response field at fault. */
  field?: string;
}

export class OpenStackError extends Error {
  override readonly name = 'OpenStackError';
  readonly code: OpenStackErrorCode;
  readonly details: OpenStackErrorDetails;

  constructor(code: OpenStackErrorCode, message: string, details: OpenStackErrorDetails = {}) {
    super(message);
    this.code = code;
    this.details = details;
  }

  /** Plain object for logs and job rows: code, message and details, nothing else. */
  toJSON(): { code: OpenStackErrorCode; message: string } & OpenStackErrorDetails {
    return { code: this.code, message: this.message, ...this.details };
  }
}

export function isOpenStackError(err: unknown): err is OpenStackError {
  return err instanceof OpenStackError;
}
