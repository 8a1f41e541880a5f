// The problem body (RFC 9457) every error of the HTTP API is answered with, and its closed set of codes.
import { z } from 'zod';

/** Every code the API can answer, with its HTTP status and title; src/api/errors.ts renders them. */
export const PROBLEM_CODES = {
  bad_request: { status: 400, title: 'Bad request' },
  unauthorized: { status: 401, title: 'Unauthorized' },
  forbidden: { status: 403, title: 'Forbidden' },
  not_found: { status: 404, title: 'Not found' },
  conflict: { status: 409, title: 'Conflict' },
  request_timeout: { status: 408, title: 'Request timeout' },
  payload_too_large: { status: 413, title: 'Payload too large' },
  uri_too_long: { status: 414, title: 'URI too long' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  too_many_requests: { status: 429, title: 'Too many requests' },
  headers_too_large: { status: 431, title: 'Request header fields too large' },
  internal: { status: 500, title: 'Internal error' },
  not_implemented: { status: 501, title: 'Not implemented' },
  upstream_error: { status: 502, title: 'Upstream error' },
  no_snapshot: { status: 503, title: 'No snapshot yet' },
  unavailable: { status: 503, title: 'Service unavailable' },
} as const;

export type ProblemCode = keyof typeof PROBLEM_CODES;

export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z.enum(Object.keys(PROBLEM_CODES) as [ProblemCode, ...ProblemCode[]]),
    detail: z.string(),
    instance: z.string(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
    requestId: z.string().optional(),
    upstreamRequestId: z
      .string()
      .optional()
      .describe('x-openstack-request-id of the failed OpenStack call, to find it in that service\'s logs.'),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details; served as application/problem+json.' });
export type Problem = z.output<typeof Problem>;
export type FieldError = NonNullable<Problem['errors']>[number];
