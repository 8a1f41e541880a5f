// The HTTP API as a Fastify app built from its dependencies; it never listens itself, so tests inject
// requests and the CLI renders the OpenAPI document from the same routes.
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { getHeapStatistics } from 'node:v8';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import underPressure from '@fastify/under-pressure';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Metric } from 'prom-client';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import type { Settings } from '../config/index.ts';
import { Policy, type Caller } from '../advisor/policy.ts';
import type { SnapshotRegistry } from '../advisor/registry.ts';
import { endingOnError, foreground, runWithTurns } from '../lib/turns.ts';
import type { SyncService } from '../advisor/sync-service.ts';
import type { CloudSnapshot } from '../model/index.ts';
import type { RuleContext } from '../rules/index.ts';
import type { SnapshotStore } from '../store/types.ts';
import { problems } from '../schemas/common.ts';
import { authHook, type TokenValidator } from './auth.ts';
import { ApiError, clientError, frameworkError, installErrorHandlers } from './errors.ts';
import { installJsonBodies } from './json-body.ts';
import { installMetrics } from './metrics.ts';
import { adviceRoutes } from './routes/advice.ts';
import { healthRoutes } from './routes/health.ts';
import { landingRoutes } from './routes/landing.ts';
import { inventoryRoutes } from './routes/inventory.ts';
import { pciRoutes } from './routes/pci.ts';
import { snapshotRoutes } from './routes/snapshots.ts';
import { syncRoutes } from './routes/sync.ts';
import { capacityRoutes } from './routes/capacity.ts';
import { webRoutes } from './routes/web.ts';
// After the routes: the schemas' ids register in import order, which orders the OpenAPI document's components.
import { warmUpSteps } from '../advisor/warm-up.ts';

export interface AppDeps {
  settings: Settings;
  store: SnapshotStore;
  registry: SnapshotRegistry;
  ruleContext: RuleContext;
  /** Absent when no OpenStack cloud is configured (demo): POST /v1/sync answers 501. */
  sync?: SyncService;
  logger?: FastifyBaseLogger;
  /** Required when settings.authMode is `keystone`. */
  tokenValidator?: TokenValidator;
  /** Keystone URL named in 401 challenges. */
  authRealm?: string;
  /** The store's metrics (AppContext.storeMetrics), served at /metrics too. */
  storeMetrics?: Metric[];
}

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

// Clients may pass their own correlation id; anything else (or nothing) gets a fresh one, so logs stay parseable.
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Longest path parameter: a name or id (`Name`, at most 255 UTF-16 code units, src/schemas/common.ts) percent-encoded,
 * at most 9 characters a code unit (a BMP character is 3 UTF-8 bytes, `%E2%82%AC`). Fastify's default, 100, answered
 * 414 for flavor ids and host names Nova allows (255). Longer segments are 414 `uri_too_long`.
 */
const MAX_PARAM_LENGTH = 255 * 9;

/** Retry-After of an overload 503: @fastify/under-pressure samples once a second, a few samples let a spike pass. */
const OVERLOAD_RETRY_AFTER_SECONDS = 10;
/**
 * How long after ready the event loop's delay does not refuse /v1: its samples are a second apart and the first ones
 * still hold the start's own work (loading and warming snapshots), which made a service that had just answered
 * /readyz 200 refuse its first answers 503 on a loaded machine (`eventLoopDelay Infinity`: a sample with no delay
 * measured in it, @fastify/under-pressure index.js `updateEventLoopDelay`). Two samples.
 */
const OVERLOAD_GRACE_AFTER_READY_MS = 2_000;

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  // AUTH_MODE=none leaves the validator out even when one is given; the server warns about it at start.
  const validator = deps.settings.authMode === 'keystone' ? deps.tokenValidator : null;
  if (validator === undefined) throw new Error('AUTH_MODE=keystone needs a token validator (Keystone URL)');
  const s = deps.settings;
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    requestTimeout: s.HTTP_REQUEST_TIMEOUT_SECONDS * 1000,
    keepAliveTimeout: s.HTTP_KEEP_ALIVE_TIMEOUT_SECONDS * 1000,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // Errors raised before a route or even a request exists still answer problem+json (errors.ts).
    frameworkErrors: frameworkError,
    clientErrorHandler: clientError,
  });
  // Node refuses a headersTimeout above requestTimeout (https://nodejs.org/api/http.html#serverheaderstimeout).
  app.server.headersTimeout = Math.min(s.HTTP_HEADERS_TIMEOUT_SECONDS, s.HTTP_REQUEST_TIMEOUT_SECONDS) * 1000;
  app.setSerializerCompiler(serializerCompiler);
  // JSON only: without this, text/plain bodies would reach validation as strings instead of a clear 415.
  app.removeContentTypeParser('text/plain');
  installJsonBodies(app, validatorCompiler);
  installErrorHandlers(app);
  app.decorateRequest('principal', null);
  // Fastify refuses an object as a decorator's initial value (shared by every request); the /v1 auth hook sets it.
  app.decorateRequest('caller', null as unknown as Caller);
  // Requests being answered: background work (the metrics' capacity summary) steps aside meanwhile (lib/turns.ts).
  const answering = new WeakSet<object>();
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    answering.add(request);
    foreground.begin();
  });
  const answered = async (request: object): Promise<void> => {
    if (answering.delete(request)) foreground.end();
  };
  app.addHook('onResponse', answered);
  app.addHook('onRequestAbort', answered);

  await app.register(cors, {
    origin: deps.settings.CORS_ORIGINS.length > 0 ? deps.settings.CORS_ORIGINS : false,
    allowedHeaders: ['Content-Type', 'X-Auth-Token', 'X-Request-Id'],
    exposedHeaders: ['X-Request-Id', 'Retry-After', 'Location', 'WWW-Authenticate'],
    methods: ['GET', 'POST'],
    maxAge: 600,
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'nova-advisor',
        version: VERSION,
        description:
          'Advice on Nova image properties, flavor extra specs and PCI/SR-IOV capacity, from a snapshot of Nova, Glance and Placement. Errors are application/problem+json.',
      },
      components: {
        securitySchemes: { keystone: { type: 'apiKey', in: 'header', name: 'X-Auth-Token' } },
      },
      security: [{ keystone: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  const limits = await installRateLimits(app, deps.settings);
  const policy = new Policy(deps.settings.policyRoles);
  await installWarmUp(app, deps);
  installMetrics(app, deps, { validator, policy });
  await app.register(healthRoutes, deps);
  await app.register(landingRoutes, deps);
  await app.register(webRoutes, deps);
  await app.register(
    async (v1) => {
      // Overload first: a loaded process refuses before it spends a Keystone call or a rate-limit entry on a request.
      await installOverloadGuard(v1, s);
      // By address first: a flood of made-up tokens from one address is refused before it becomes Keystone calls.
      if (limits.perAddress) v1.addHook('onRequest', limits.perAddress);
      v1.addHook('onRequest', authHook(validator, deps.authRealm ?? '', policy));
      if (limits.perToken) v1.addHook('onRequest', limits.perToken);
      v1.addHook('onRoute', documentEdgeProblems);
      for (const routes of [adviceRoutes, inventoryRoutes, pciRoutes, snapshotRoutes, syncRoutes, capacityRoutes]) {
        await v1.register(routes, deps);
      }
    },
    { prefix: '/v1' },
  );
  return app;
}

/**
 * Answers made-up requests of each kind on every snapshot before it becomes current, and on those already current
 * now, before the server listens (advisor/warm-up.ts): so /readyz says 200 only once the first answers cost what later
 * ones do (issue 16). Nothing of it reaches the routes, the metrics or the audit log.
 */
async function installWarmUp(app: FastifyInstance, deps: AppDeps): Promise<void> {
  // A failure is a bug an answer would meet too; the snapshot still becomes current and answers build what they need.
  const warm = (snapshot: CloudSnapshot): Iterator<void, unknown> => endingOnError(warmUpSteps(snapshot, deps.ruleContext), (err) =>
    app.log.warn({ err, cloud: snapshot.cloud, snapshotId: snapshot.id }, 'warm-up answers failed; the first answers do that work'));
  const removeWarmer = deps.registry.warmWith(warm);
  app.addHook('onClose', async () => removeWarmer());
  for (const cloud of deps.registry.clouds()) await runWithTurns(warm(deps.registry.current(cloud)!));
}

/**
 * 503 `unavailable` with Retry-After for /v1 while the process is overloaded (OVERLOAD_*, @fastify/under-pressure,
 * https://github.com/fastify/under-pressure); registered inside /v1, so probes and scrapes still answer. Its own
 * refusal body is replaced by the API's problem through the pressure handler.
 */
async function installOverloadGuard(v1: FastifyInstance, settings: Settings): Promise<void> {
  const heapMb = settings.OVERLOAD_MAX_HEAP_USED_MB ?? Math.floor((0.9 * getHeapStatistics().heap_size_limit) / 2 ** 20);
  let readyAt = Infinity;
  v1.addHook('onReady', async () => {
    readyAt = performance.now();
  });
  await v1.register(underPressure, {
    maxEventLoopDelay: settings.OVERLOAD_MAX_EVENT_LOOP_DELAY_MS,
    maxHeapUsedBytes: heapMb * 2 ** 20,
    pressureHandler: async (_request, _reply, type, value) => {
      // Resolving lets the request through (under-pressure `handlePressure`).
      if (type === 'eventLoopDelay' && performance.now() - readyAt < OVERLOAD_GRACE_AFTER_READY_MS) return;
      throw new ApiError('unavailable', `the service is overloaded (${type} ${Math.round(Number(value))}); retry later`, {
        headers: { 'retry-after': String(OVERLOAD_RETRY_AFTER_SECONDS) },
      });
    },
  });
}

type RateLimitHook = (request: FastifyRequest) => Promise<void>;

/**
 * The /v1 rate limits (RATE_LIMIT_*), each counted in this replica's memory (@fastify/rate-limit's LRU store) and
 * null when set to 0. The plugin's own hooks stay off (`global: false`): only /v1 is limited, so probes and scrapes
 * are never refused, and a refusal is the API's 429 problem with Retry-After rather than the plugin's body.
 */
async function installRateLimits(app: FastifyInstance, settings: Settings): Promise<{ perAddress: RateLimitHook | null; perToken: RateLimitHook | null }> {
  await app.register(rateLimit, { global: false });
  const hook = (max: number, per: string, keyGenerator?: (request: FastifyRequest) => string): RateLimitHook | null => {
    if (max === 0) return null;
    const windowSeconds = settings.RATE_LIMIT_WINDOW_SECONDS;
    const limit = app.createRateLimit({ max, timeWindow: windowSeconds * 1000, ...(keyGenerator && { keyGenerator }) });
    return async (request) => {
      const outcome = await limit(request);
      if (outcome.isAllowed || !outcome.isExceeded) return;
      throw new ApiError('too_many_requests', `more than ${max} requests in ${windowSeconds} s ${per}`, {
        headers: { 'retry-after': String(outcome.ttlInSeconds) },
      });
    };
  };
  // The plugin's default key is the client address (an IPv6 address by its /64, which one host usually holds).
  const perAddress = hook(settings.RATE_LIMIT_PER_ADDRESS, 'from this address');
  // Keyed on a digest so the token itself is never held in the limiter's memory nor logged with its key.
  const perToken = hook(settings.RATE_LIMIT_PER_TOKEN, 'with this token', (request) =>
    createHash('sha256').update(String(request.headers['x-auth-token'])).digest('base64url'),
  );
  return {
    perAddress,
    // Requests without a token (AUTH_MODE=none) are limited by address only.
    perToken: perToken && (async (request) => (request.headers['x-auth-token'] === undefined ? undefined : perToken(request))),
  };
}

/**
 * Every /v1 route may answer 429 (rate limits) and 503 (overload, Keystone unavailable); documented where those are
 * installed rather than in each route.
 */
function documentEdgeProblems(route: { schema?: { response?: unknown } }): void {
  route.schema = { ...route.schema, response: { ...(route.schema?.response as object | undefined), ...problems(429, 503) } };
}
