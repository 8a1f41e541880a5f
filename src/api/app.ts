// The HTTP API as a Fastify app built from its dependencies; it never listens itself, so tests inject
// requests and the CLI renders the OpenAPI document from the same routes.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import cors from '@fastify/cors';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import type { Settings } from '../config/index.ts';
import type { SnapshotRegistry } from '../advisor/registry.ts';
import type { SyncService } from '../advisor/sync-service.ts';
import type { RuleContext } from '../rules/index.ts';
import type { SnapshotStore } from '../store/types.ts';
import { authHook, type TokenValidator } from './auth.ts';
import { installErrorHandlers } from './errors.ts';
import { installMetrics } from './metrics.ts';
import { adviceRoutes } from './routes/advice.ts';
import { healthRoutes } from './routes/health.ts';
import { inventoryRoutes } from './routes/inventory.ts';
import { pciRoutes } from './routes/pci.ts';
import { snapshotRoutes } from './routes/snapshots.ts';
import { syncRoutes } from './routes/sync.ts';

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
}

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

// Clients may pass their own correlation id; anything else (or nothing) gets a fresh one, so logs stay parseable.
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  // AUTH_MODE=none leaves the validator out even when one is given; the server warns about it at start.
  const validator = deps.settings.authMode === 'keystone' ? deps.tokenValidator : null;
  if (validator === undefined) throw new Error('AUTH_MODE=keystone needs a token validator (Keystone URL)');
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // JSON only: without this, text/plain bodies would reach validation as strings instead of a clear 415.
  app.removeContentTypeParser('text/plain');
  installErrorHandlers(app);
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

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

  const metrics = installMetrics(app, deps.registry);
  await app.register(healthRoutes, { ...deps, metrics });
  await app.register(
    async (v1) => {
      v1.addHook('onRequest', authHook(validator, deps.authRealm ?? ''));
      for (const routes of [adviceRoutes, inventoryRoutes, pciRoutes, snapshotRoutes, syncRoutes]) {
        await v1.register(routes, deps);
      }
    },
    { prefix: '/v1' },
  );
  return app;
}
