// Every error the API answers is one of these codes, rendered once as application/problem+json
// (RFC 9457) by the handlers installed here; routes throw ApiError and never build error bodies.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, type ZodFastifySchemaValidationError } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { isOpenStackError, type OpenStackError } from '../openstack/index.ts';

const CODES = {
  bad_request: { status: 400, title: 'Bad request' },
  unauthorized: { status: 401, title: 'Unauthorized' },
  forbidden: { status: 403, title: 'Forbidden' },
  not_found: { status: 404, title: 'Not found' },
  conflict: { status: 409, title: 'Conflict' },
  payload_too_large: { status: 413, title: 'Payload too large' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  internal: { status: 500, title: 'Internal error' },
  not_implemented: { status: 501, title: 'Not implemented' },
  upstream_error: { status: 502, title: 'Upstream error' },
  no_snapshot: { status: 503, title: 'No snapshot yet' },
  unavailable: { status: 503, title: 'Service unavailable' },
} as const;

export type ErrorCode = keyof typeof CODES;

export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z.enum(Object.keys(CODES) as [ErrorCode, ...ErrorCode[]]),
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

const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extra: {
      errors?: FieldError[];
      headers?: Record<string, string>;
      upstreamRequestId?: string;
    } = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  get status(): number {
    return CODES[this.code].status;
  }
}

/** Seconds a client should wait before asking again while no snapshot is loaded (a sync takes about that). */
export const NO_SNAPSHOT_RETRY_AFTER_SECONDS = 30;

export function noSnapshot(cloud: string | undefined): ApiError {
  const which = cloud === undefined ? 'any cloud' : `cloud "${cloud}"`;
  return new ApiError('no_snapshot', `no snapshot of ${which} is loaded yet; run a sync first`, {
    headers: { 'retry-after': String(NO_SNAPSHOT_RETRY_AFTER_SECONDS) },
  });
}

/** `/image/properties/hw_vif_model` → `image.properties.hw_vif_model`; the root is named after the part. */
function fieldName(instancePath: string, part: string | undefined): string {
  const path = instancePath.split('/').filter((s) => s.length > 0).join('.');
  return path.length > 0 ? path : (part ?? 'body');
}

function fieldErrors(validation: ZodFastifySchemaValidationError[], part: string | undefined): FieldError[] {
  return validation.flatMap((issue) => {
    const field = fieldName(issue.instancePath, part);
    const keys = (issue.params as { keys?: unknown }).keys;
    // Unknown fields are rejected, one entry per field, so a typo (`worklaod`) is named exactly.
    if (issue.keyword === 'unrecognized_keys' && Array.isArray(keys)) {
      const parent = issue.instancePath === '/' ? '' : `${field}.`;
      return keys.map((key) => ({ field: `${parent}${String(key)}`, message: 'unknown field' }));
    }
    return [{ field, message: issue.message ?? 'invalid value' }];
  });
}

/** OpenStack failures keep the upstream request id; a cloud name nobody configured is the client's mistake. */
function fromOpenStack(error: OpenStackError): ApiError {
  if (error.code === 'cloud_unknown') return new ApiError('not_found', error.message);
  if (error.code === 'config_invalid') return new ApiError('internal', 'the OpenStack configuration of the service is invalid');
  const service = error.details.service ? `${error.details.service}: ` : '';
  return new ApiError('upstream_error', `${service}${error.message}`, {
    ...(error.details.requestId ? { upstreamRequestId: error.details.requestId } : {}),
  });
}

const STATUS_CODES: Record<number, ErrorCode> = Object.fromEntries(
  Object.entries(CODES).map(([code, { status }]) => [status, code as ErrorCode]),
);

/** Maps anything thrown inside a request to an ApiError; client mistakes never become a 500. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (hasZodFastifySchemaValidationErrors(error)) {
    const part = error.validationContext;
    const errors = fieldErrors(error.validation, part);
    return new ApiError('bad_request', `invalid ${part ?? 'request'}: ${errors.map((e) => e.field).join(', ')}`, { errors });
  }
  if (isOpenStackError(error)) return fromOpenStack(error);
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // Fastify's own 4xx (malformed JSON, empty body, size, media type) have messages safe to show.
    const message = error instanceof Error ? error.message : 'bad request';
    return new ApiError(STATUS_CODES[status] ?? 'bad_request', message);
  }
  return new ApiError('internal', 'internal error; the request id identifies it in the service log');
}

export function problemOf(error: ApiError, request: FastifyRequest): Problem {
  return {
    type: `urn:nova-advisor:problem:${error.code}`,
    title: CODES[error.code].title,
    status: error.status,
    code: error.code,
    detail: error.message,
    instance: request.url,
    ...(error.extra.errors ? { errors: error.extra.errors } : {}),
    requestId: request.id,
    ...(error.extra.upstreamRequestId ? { upstreamRequestId: error.extra.upstreamRequestId } : {}),
  };
}

export function sendProblem(reply: FastifyReply, error: ApiError): FastifyReply {
  for (const [name, value] of Object.entries(error.extra.headers ?? {})) reply.header(name, value);
  // Serialised here rather than by a route schema: errors come from hooks and parsers that run before one applies.
  return reply
    .code(error.status)
    .type(PROBLEM_CONTENT_TYPE)
    .serializer((body: unknown) => JSON.stringify(body))
    .send(problemOf(error, reply.request));
}

export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const apiError = toApiError(error);
    if (apiError.code === 'internal') request.log.error({ err: error }, 'request failed');
    else if (apiError.status >= 500) request.log.warn({ err: error }, apiError.message);
    return sendProblem(reply, apiError);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, new ApiError('not_found', `no route ${request.method} ${request.url.split('?')[0]}`)),
  );
}
