// Every error the API answers is one of these codes, rendered once as application/problem+json
// (RFC 9457) by the handlers installed here; routes and the advisor throw, and never build error bodies.
import { randomUUID } from 'node:crypto';
import { STATUS_CODES as HTTP_REASONS } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, type ZodFastifySchemaValidationError } from 'fastify-type-provider-zod';
import { isAdvisorError, type AdvisorError, type AdvisorErrorCode } from '../advisor/errors.ts';
import { isOpenStackError, type OpenStackError } from '../openstack/index.ts';
import { PROBLEM_CODES, type FieldError, type Problem, type ProblemCode } from '../schemas/problem.ts';
import { StoreUnavailableError } from '../store/errors.ts';

export type ErrorCode = ProblemCode;

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
    return PROBLEM_CODES[this.code].status;
  }
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

const FROM_ADVISOR: Record<AdvisorErrorCode, ProblemCode> = {
  bad_request: 'bad_request',
  not_found: 'not_found',
  conflict: 'conflict',
  no_snapshot: 'no_snapshot',
  not_configured: 'not_implemented',
  forbidden: 'forbidden',
};

/** The advisor's errors as the API shows them: fields become `errors`, a retry hint becomes Retry-After. */
function fromAdvisor(error: AdvisorError): ApiError {
  const { fields, retryAfterSeconds } = error.details;
  return new ApiError(FROM_ADVISOR[error.code], error.message, {
    ...(fields ? { errors: fields } : {}),
    ...(retryAfterSeconds !== undefined ? { headers: { 'retry-after': String(retryAfterSeconds) } } : {}),
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
  Object.entries(PROBLEM_CODES).map(([code, { status }]) => [status, code as ErrorCode]),
);

/** Maps anything thrown inside a request to an ApiError; client mistakes never become a 500. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (hasZodFastifySchemaValidationErrors(error)) {
    const part = error.validationContext;
    const errors = fieldErrors(error.validation, part);
    return new ApiError('bad_request', `invalid ${part ?? 'request'}: ${errors.map((e) => e.field).join(', ')}`, { errors });
  }
  if (isAdvisorError(error)) return fromAdvisor(error);
  if (isOpenStackError(error)) return fromOpenStack(error);
  // The database is down or restarting: the client may retry; the connection details stay in the log.
  if (error instanceof StoreUnavailableError) {
    return new ApiError('unavailable', error.message, { headers: { 'retry-after': String(error.retryAfterSeconds) } });
  }
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // Fastify's own 4xx (malformed JSON, empty body, size, media type) have messages safe to show.
    const message = error instanceof Error ? error.message : 'bad request';
    return new ApiError(STATUS_CODES[status] ?? 'bad_request', message);
  }
  return new ApiError('internal', 'internal error; the request id identifies it in the service log');
}

export function problemOf(error: ApiError, request: Pick<FastifyRequest, 'url' | 'id'>): Problem {
  return {
    type: `urn:nova-advisor:problem:${error.code}`,
    title: PROBLEM_CODES[error.code].title,
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

/**
 * Errors Fastify's router raises before a route is found (Fastify's `frameworkErrors` option,
 * https://fastify.dev/docs/latest/Reference/Server/#frameworkerrors): a path segment that is not valid percent-encoding
 * (`/v1/flavors/%zz`) or one longer than `maxParamLength`.
 */
export function frameworkError(error: Error & { code?: string }, _request: FastifyRequest, reply: FastifyReply): void {
  const apiError =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? new ApiError('uri_too_long', 'a path segment is longer than any name or id the API takes')
      : new ApiError('bad_request', error.code === 'FST_ERR_BAD_URL' ? 'the path is not valid percent-encoding' : error.message);
  void sendProblem(reply, apiError);
}

/** Node's parser errors answered here; anything else it reports on a connection is a malformed request. */
const CLIENT_ERRORS: Record<string, { code: ErrorCode; message: string }> = {
  HPE_HEADER_OVERFLOW: { code: 'headers_too_large', message: 'the request line and headers are larger than the server reads (16 KiB)' },
  ERR_HTTP_REQUEST_TIMEOUT: { code: 'request_timeout', message: 'the request was not received in time' },
};

/**
 * The server's `clientError` (Fastify's `clientErrorHandler`, https://nodejs.org/api/http.html#event-clienterror):
 * Node answers oversized headers (431) and slow requests (408) itself, before Fastify sees a request, so the problem is
 * written on the socket here. No URL was read: `instance` is empty and the request id is a fresh one.
 */
export function clientError(error: Error & { code?: string }, socket: Socket): void {
  // A reset or a socket already gone has no one to answer (as Fastify's own handler does).
  if (error.code === 'ECONNRESET' || socket.destroyed || !socket.writable) return;
  const known = CLIENT_ERRORS[error.code ?? ''] ?? { code: 'bad_request' as const, message: 'the request could not be parsed as HTTP/1.1' };
  const apiError = new ApiError(known.code, known.message);
  const body = JSON.stringify(problemOf(apiError, { url: '', id: randomUUID() }));
  socket.end(
    `HTTP/1.1 ${apiError.status} ${HTTP_REASONS[apiError.status]}\r\n` +
      `Content-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
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
