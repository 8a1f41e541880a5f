// Operational routes outside /v1 and outside auth: liveness, readiness, the OpenAPI document (metrics: ../metrics.ts).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppDeps } from '../app.ts';
import { noSnapshot } from '../../advisor/errors.ts';
import { ApiError } from '../errors.ts';
import { problems } from '../../schemas/common.ts';

const open = { tags: ['operations'], security: [] };

export const healthRoutes: FastifyPluginAsyncZod<AppDeps> = async (app, deps) => {
  app.get(
    '/healthz',
    { schema: { ...open, summary: 'The process is up', response: { 200: z.object({ status: z.literal('ok') }) } } },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        ...open,
        summary: 'The database answers and a snapshot is loaded',
        response: { 200: z.object({ status: z.literal('ready'), clouds: z.array(z.string()) }), ...problems(503) },
      },
    },
    async () => {
      try {
        await deps.store.ping();
      } catch {
        throw new ApiError('unavailable', 'the database does not answer', { headers: { 'retry-after': '5' } });
      }
      if (deps.registry.current() === null) throw noSnapshot(undefined);
      return { status: 'ready' as const, clouds: deps.registry.clouds() };
    },
  );

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
};
