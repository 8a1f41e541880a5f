// POST /v1/sync (admin) and GET /v1/sync/{id}
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { syncJobView } from '../../advisor/history.ts';
import type { AppDeps } from '../app.ts';
import { bodyLimitOf } from '../body-limit.ts';
import { ApiError } from '../errors.ts';
import { problems } from '../../schemas/common.ts';
import { SyncJob, SyncJobParams, SyncRequest } from '../../schemas/sync.ts';

export const syncRoutes: FastifyPluginAsyncZod<AppDeps> = async (app, deps) => {
  app.post(
    '/sync',
    {
      config: { access: 'admin' },
      bodyLimit: bodyLimitOf(SyncRequest),
      schema: {
        tags: ['sync'],
        summary: 'Start reading the cloud into a new snapshot',
        // Optional: Fastify hands an absent body to the validator as null (lib/validation.js validateParam), so null
        // is what "no body" looks like here.
        body: SyncRequest.nullish(),
        response: { 202: SyncJob, ...problems(400, 401, 403, 404, 501, 502) },
      },
    },
    async (request, reply) => {
      if (!deps.sync) {
        throw new ApiError('not_implemented', 'no OpenStack cloud is configured (OS_CLOUD / OS_AUTH_URL); the service answers from the demo cloud');
      }
      const job = await deps.sync.start(request.body?.cloud);
      return reply.code(202).header('location', `${request.url.split('?')[0]}/${job.id}`).send(job);
    },
  );

  // Jobs live in the database, so any replica answers for a sync another one started.
  app.get(
    '/sync/:id',
    {
      schema: {
        tags: ['sync'],
        summary: 'A sync job and its progress',
        params: SyncJobParams,
        response: { 200: SyncJob, ...problems(401, 403, 404) },
      },
    },
    async (request) => {
      const job = await deps.store.getSyncJob(request.params.id);
      if (!job) throw new ApiError('not_found', `no sync job "${request.params.id}"`);
      return syncJobView(job, request.caller);
    },
  );
};
