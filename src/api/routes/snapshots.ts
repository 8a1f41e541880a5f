// GET /v1/snapshots
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { snapshotSummaryView } from '../../advisor/history.ts';
import type { AppDeps } from '../app.ts';
import { problems } from '../../schemas/common.ts';
import { SnapshotList, SnapshotListQuery } from '../../schemas/snapshot.ts';

export const snapshotRoutes: FastifyPluginAsyncZod<AppDeps> = async (app, deps) => {
  app.get(
    '/snapshots',
    {
      schema: {
        tags: ['inventory'],
        summary: 'Sync history, newest first (failed syncs included)',
        querystring: SnapshotListQuery,
        response: { 200: SnapshotList, ...problems(400, 401, 403) },
      },
    },
    async (request) => ({
      items: (await deps.store.listSnapshots(request.query.cloud, request.query.limit)).map((s) => snapshotSummaryView(s, request.caller)),
    }),
  );
};
