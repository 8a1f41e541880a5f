// The one HTTP layer every OpenStack call goes through: per-call timeout, retries with exponential back-off
// and jitter (idempotent calls only) on dropped connections, bodies cut off, 429, 502, 503, 504 honouring Retry-After, one
// re-authentication on 401, microversion header, request id kept, request counting, typed errors.
// Headers and bodies are never logged: they carry X-Auth-Token and, towards Keystone, the password.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { OpenStackError, type OpenStackErrorCode, type ServiceName } from './errors.ts';

export interface HttpSettings {
  /** Per call, from sending to the full body. */
  timeoutMs: number;
  /** Extra attempts after the first, for idempotent calls. */
  retries: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** A longer Retry-After is cut to this (a sync must not sleep for an hour). */
  maxRetryAfterMs: number;
  /** Sockets per origin; the sync's own concurrency limit (p-limit) stays below it. */
  maxSockets: number;
}

export const DEFAULT_HTTP_SETTINGS: HttpSettings = {
  timeoutMs: 30_000,
  retries: 4,
  backoffBaseMs: 500,
  backoffMaxMs: 10_000,
  maxRetryAfterMs: 60_000,
  maxSockets: 32,
};

/** Supplies the X-Auth-Token and drops a token a service has refused (see keystone.ts). */
export interface TokenSource {
  token(): Promise<string>;
  invalidate(token: string): void;
}

export interface RequestSpec {
  service: ServiceName;
  method: 'GET' | 'POST' | 'HEAD';
  /** Absolute URL; `query` is appended to it. */
  url: string;
  query?: URLSearchParams | Record<string, string | number>;
  body?: unknown;
  /** Full header value after the service type, e.g. `compute 2.61` (domain.md §5.3, §5.5). */
  microversion?: string;
  /** GET/HEAD are; a POST is retried only when the caller says it has no side effect. */
  idempotent?: boolean;
  tokens?: TokenSource;
  /** Further headers, e.g. the X-Subject-Token of a token check (keystone.ts validateToken); never logged. */
  headers?: Record<string, string>;
  /** Aborts the call and its retries (a sync that already failed stops loading the cloud). */
  signal?: AbortSignal;
  /** A 2xx body comes back undecoded, as a Buffer, for bodies too large to parse in one go (see json-members.ts). */
  raw?: boolean;
}

export interface HttpResponse {
  status: number;
  method: RequestSpec['method'];
  data: unknown;
  url: string;
  requestId: string | null;
  header(name: string): string | null;
}

const RETRY_STATUSES = new Set([429, 502, 503, 504]);
// A connection that could not be made or dropped before the whole answer was in (ECONNRESET is also Node's
// "socket hang up": https://nodejs.org/api/http.html#httprequesturl-options-callback). The call may have reached
// the service, so only idempotent calls are retried. ECONNABORTED is not a timeout here: with
// clarifyTimeoutError axios reports its timeouts as ETIMEDOUT (axios lib/adapters/http.js createTimeoutError).
const DROPPED = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

function statusCode(status: number): OpenStackErrorCode {
  if (status === 401) return 'upstream_unauthorized';
  if (status === 403) return 'upstream_forbidden';
  if (status === 404) return 'upstream_not_found';
  if (status === 406) return 'upstream_not_acceptable';
  if (status >= 500 || RETRY_STATUSES.has(status)) return 'upstream_unavailable';
  return 'upstream_bad_request';
}

/** The human message of an OpenStack fault body: Nova {"<fault>":{message}}, Placement {errors:[{detail}]},
 *  Keystone {error:{message}} (domain.md §5.3, §5.5, §5.1); Glance may answer plain text. */
export function faultMessage(data: unknown): string {
  if (typeof data === 'string') return data.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 300);
  if (typeof data !== 'object' || data === null) return '';
  const errors = (data as { errors?: unknown }).errors;
  if (Array.isArray(errors)) {
    return errors
      .map((e: { detail?: unknown; title?: unknown }) => String(e.detail ?? e.title ?? ''))
      .join('; ')
      .replace(/\s+/g, ' ')
      .trim();
  }
  for (const value of Object.values(data)) {
    if (typeof value === 'object' && value !== null && 'message' in value) return String(value.message);
  }
  return '';
}

/** Seconds or an HTTP date (RFC 9110 §10.2.3); null when absent or unreadable. */
export function retryAfterMs(value: string | null, now = Date.now()): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

export class HttpTransport {
  /** Every request sent, retries and token requests included. */
  requestCount = 0;
  readonly axios: AxiosInstance;
  private readonly settings: HttpSettings;

  constructor(
    private readonly log: Logger,
    settings: Partial<HttpSettings> = {},
    tls: { verify: boolean; cacert: string | null } = { verify: true, cacert: null },
  ) {
    this.settings = { ...DEFAULT_HTTP_SETTINGS, ...settings };
    const agentOptions = { keepAlive: true, maxSockets: this.settings.maxSockets };
    this.axios = axios.create({
      timeout: this.settings.timeoutMs,
      validateStatus: () => true,
      maxRedirects: 0,
      // Timeouts come back as ETIMEDOUT rather than ECONNABORTED, which then only means a dropped connection.
      transitional: { clarifyTimeoutError: true },
      httpAgent: new http.Agent(agentOptions),
      httpsAgent: new https.Agent({
        ...agentOptions,
        rejectUnauthorized: tls.verify,
        ...(tls.cacert && tls.verify && { ca: readFileSync(tls.cacert) }),
      }),
    });
  }

  /** Sends the request; throws OpenStackError for anything but 2xx. */
  async request(spec: RequestSpec): Promise<HttpResponse> {
    const url = new URL(spec.url);
    const query = spec.query instanceof URLSearchParams ? [...spec.query] : Object.entries(spec.query ?? {});
    for (const [k, v] of query) url.searchParams.append(k, String(v));
    const target = url.toString();
    const idempotent = spec.idempotent ?? spec.method !== 'POST';
    const where = { service: spec.service, method: spec.method, url: target };
    let reauthenticated = false;

    for (let attempt = 0; ; attempt++) {
      spec.signal?.throwIfAborted();
      const token = spec.tokens ? await spec.tokens.token() : null;
      const started = Date.now();
      let res: AxiosResponse;
      try {
        this.requestCount++;
        res = await this.axios.request({
          method: spec.method,
          url: target,
          data: spec.body,
          ...(spec.raw && { responseType: 'stream' }),
          ...(spec.signal && { signal: spec.signal }),
          headers: {
            Accept: 'application/json',
            ...(spec.body !== undefined && { 'Content-Type': 'application/json' }),
            ...(token && { 'X-Auth-Token': token }),
            ...(spec.microversion && { 'OpenStack-API-Version': spec.microversion }),
            ...spec.headers,
          },
        });
        if (spec.raw) res.data = await readRaw(res, this.settings.timeoutMs - (Date.now() - started), spec.signal);
      } catch (err) {
        const code = (err as { code?: string }).code ?? '';
        if (code === 'ERR_CANCELED') spec.signal?.throwIfAborted();
        if (code === 'ETIMEDOUT') {
          throw new OpenStackError(
            'upstream_timeout',
            `${spec.service} ${spec.method} ${target}: no answer within ${this.settings.timeoutMs} ms`,
            where,
          );
        }
        const answer = partialAnswer(err);
        // axios's "stream has been aborted": the headers came, the connection closed before the body's
        // Content-Length (or last chunk) did. Without maxContentLength or strict JSON parsing set, the only
        // ERR_BAD_RESPONSE that carries a response (axios lib/adapters/http.js handlerStreamAborted).
        const cutOff = code === 'ERR_BAD_RESPONSE' && (err as { response?: unknown }).response !== undefined;
        const what = answer ? `answered ${answer.status}, then the body was cut off (${code}: ${(err as Error).message})` : code || (err as Error).message;
        const detail = `${spec.service} ${spec.method} ${target}: ${what}${answer?.requestId ? ` (request ${answer.requestId})` : ''}`;
        if (idempotent && (DROPPED.has(code) || cutOff) && attempt < this.settings.retries) {
          await this.pause(attempt, null, detail, spec.signal);
          continue;
        }
        throw new OpenStackError('upstream_unavailable', `${detail} (after ${attempt + 1} attempts)`, {
          ...where,
          ...(answer && { status: answer.status }),
          ...(answer?.requestId && { requestId: answer.requestId }),
        });
      }

      const requestId = headerOf(res, 'x-openstack-request-id') ?? headerOf(res, 'x-compute-request-id');
      const ms = Date.now() - started;
      this.log.debug({ ...where, status: res.status, requestId, ms, attempt }, 'openstack call');
      if (res.status >= 200 && res.status < 300) {
        const cut = cutOffJson(res, spec.raw === true);
        if (cut === null) {
          return { status: res.status, method: spec.method, data: res.data, url: target, requestId, header: (name) => headerOf(res, name) };
        }
        const detail = `${spec.service} ${spec.method} ${target} answered ${res.status} with a JSON body cut off after ${cut} bytes${requestId ? ` (request ${requestId})` : ''}`;
        if (idempotent && attempt < this.settings.retries) {
          await this.pause(attempt, null, detail, spec.signal);
          continue;
        }
        throw new OpenStackError('upstream_bad_response', `${detail} (after ${attempt + 1} attempts)`, {
          ...where,
          status: res.status,
          field: '(body)',
          ...(requestId && { requestId }),
        });
      }

      // One shared re-authentication: the token source hands every caller that saw this 401 the same new token.
      if (res.status === 401 && spec.tokens && token && !reauthenticated) {
        reauthenticated = true;
        spec.tokens.invalidate(token);
        this.log.info({ ...where, requestId }, 'token refused (401), re-authenticating');
        attempt--; // the re-authenticated call is not a retry: it does not use up the back-off budget
        continue;
      }
      const message = faultMessage(spec.raw ? decode(res.data as Buffer) : res.data);
      const asked = res.status === 406 && spec.microversion ? ` [asked OpenStack-API-Version: ${spec.microversion}]` : '';
      const detail = `${spec.service} ${spec.method} ${target} answered ${res.status}${message ? `: ${message}` : ''}${asked}${requestId ? ` (request ${requestId})` : ''}`;
      if (idempotent && RETRY_STATUSES.has(res.status) && attempt < this.settings.retries) {
        await this.pause(attempt, retryAfterMs(headerOf(res, 'retry-after')), detail, spec.signal);
        continue;
      }
      throw new OpenStackError(statusCode(res.status), detail, { ...where, status: res.status, ...(requestId && { requestId }) });
    }
  }

  /** Exponential back-off with equal jitter, or the service's Retry-After (capped). */
  private async pause(attempt: number, retryAfter: number | null, detail: string, signal?: AbortSignal): Promise<void> {
    const { backoffBaseMs, backoffMaxMs, maxRetryAfterMs } = this.settings;
    const exp = Math.min(backoffMaxMs, backoffBaseMs * 2 ** attempt);
    const delay = retryAfter !== null ? Math.min(retryAfter, maxRetryAfterMs) : exp / 2 + Math.random() * (exp / 2);
    this.log.warn({ attempt: attempt + 1, delayMs: Math.round(delay) }, `retrying: ${detail}`);
    await sleep(delay, undefined, signal && { signal });
  }

  /** Parses a body with its schema; a mismatch is `upstream_bad_response` naming service, URL and field. */
  parse<S extends z.ZodType>(schema: S, res: HttpResponse, service: ServiceName): z.output<S> {
    const parsed = schema.safeParse(res.data);
    if (parsed.success) return parsed.data;
    throw badResponse(res, service, parsed.error.issues[0]!);
  }
}

/** `upstream_bad_response` for a 2xx body off its schema, naming service, URL, field and request id. */
export function badResponse(res: HttpResponse, service: ServiceName, issue: { path: readonly PropertyKey[]; message: string }): OpenStackError {
  const field = issue.path.map(String).join('.') || '(body)';
  return new OpenStackError(
    'upstream_bad_response',
    `${service} ${res.method} ${res.url}: unexpected response at "${field}": ${issue.message}${res.requestId ? ` (request ${res.requestId})` : ''}`,
    { service, method: res.method, url: res.url, status: res.status, field, ...(res.requestId && { requestId: res.requestId }) },
  );
}

/** Status and request id of an answer whose body never arrived whole. axios keeps the response on a stream abort,
 *  not on a socket error mid-body; Node's ClientRequest holds it as `res` from the moment the headers are in
 *  (https://github.com/nodejs/node/blob/v20.x/lib/_http_client.js, parserOnIncomingClient). */
function partialAnswer(err: unknown): { status: number; requestId: string | null } | null {
  const { response, request } = err as { response?: AxiosResponse; request?: { res?: { statusCode?: number; headers: AxiosResponse['headers'] } } };
  const headers = response?.headers ?? request?.res?.headers;
  const status = response?.status ?? request?.res?.statusCode;
  if (!headers || status === undefined) return null;
  const of = (name: string) => headerOf({ headers }, name);
  return { status, requestId: of('x-openstack-request-id') ?? of('x-compute-request-id') };
}

/**
 * The length of a 2xx JSON body that ends before its document does (a proxy or server closing a message that
 * looked complete), else null. Decoded bodies: axios leaves the text as it is when JSON.parse fails (its
 * default `transitional.silentJSONParsing`). Raw bodies are too large to parse here: only their last bracket is
 * checked; a cut that happens to end on one is found by the member walk (json-members.ts, upstream_bad_response).
 */
function cutOffJson(res: AxiosResponse, raw: boolean): number | null {
  if (!/json/i.test(headerOf(res, 'content-type') ?? '')) return null;
  if (!raw) return typeof res.data === 'string' && res.data.trim() !== '' ? Buffer.byteLength(res.data) : null;
  const body = res.data as Buffer;
  const first = body.toString('latin1', 0, 64).trimStart().charAt(0);
  const last = body.toString('latin1', Math.max(0, body.length - 64)).trimEnd().slice(-1);
  const closing = first === '{' ? '}' : first === '[' ? ']' : last;
  return last === closing ? null : body.length;
}

/**
 * A `raw` body read from axios's stream into one buffer as it arrives, sized by Content-Length when the body is not
 * encoded. axios's own `arraybuffer` keeps every 64 KB socket chunk until the end and then copies them into one
 * Buffer: twice the body at once, and the chunks, kept long enough to leave the young generation, went back to
 * malloc fragmented (bench/sync-bench.ts: ~190 MB of RSS never returned after the 128 MB provider listing and the
 * 64 MB bulk answer). Here each chunk is copied and dropped at once. axios stops watching a streamed answer once
 * its headers are in, so the rest of the call's time budget and its signal are enforced here; a body that stops
 * short fails as axios's own read does (ERR_BAD_RESPONSE with the response: retried as a cut-off body).
 */
async function readRaw(res: AxiosResponse, timeLeftMs: number, signal?: AbortSignal): Promise<Buffer> {
  const stream = res.data as Readable;
  const failed = (code: string, message: string) => Object.assign(new Error(message), { code, response: res });
  const declared = res.headers['content-encoding'] ? Number.NaN : Number(res.headers['content-length']);
  let body = Buffer.allocUnsafe(Number.isSafeInteger(declared) && declared > 0 ? declared : 64 * 1024);
  let size = 0;
  const timer = setTimeout(() => stream.destroy(failed('ETIMEDOUT', 'timeout')), Math.max(0, timeLeftMs));
  const cancel = () => stream.destroy(failed('ERR_CANCELED', 'canceled'));
  signal?.addEventListener('abort', cancel, { once: true });
  if (signal?.aborted) cancel();
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (size + chunk.length > body.length) {
        const grown = Buffer.allocUnsafe(Math.max(2 * body.length, size + chunk.length));
        body.copy(grown, 0, 0, size);
        body = grown;
      }
      size += chunk.copy(body, size);
    }
  } catch (err) {
    const code = (err as { code?: string }).code ?? '';
    if (code === 'ETIMEDOUT' || code === 'ERR_CANCELED' || DROPPED.has(code)) throw Object.assign(err as Error, { response: res });
    throw failed('ERR_BAD_RESPONSE', `stream has been aborted (${(err as Error).message})`);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', cancel);
  }
  return size === body.length ? body : body.subarray(0, size);
}

function headerOf(res: Pick<AxiosResponse, 'headers'>, name: string): string | null {
  const value: unknown = res.headers[name.toLowerCase()];
  if (Array.isArray(value)) return value.length > 0 ? String(value[0]) : null;
  return value === undefined || value === null ? null : String(value);
}

/** What axios makes of a body when it decodes it itself: JSON when it parses, else the text (Glance's HTML faults). */
function decode(body: Buffer): unknown {
  const text = body.toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
