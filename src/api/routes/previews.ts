// POST /v1/previews
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppDeps } from '../app.ts';
import { previewServer } from '../../advisor/core.ts';
import { problems } from '../../schemas/common.ts';
import { PreviewRequest, PreviewResult } from '../../schemas/preview.ts';

export const previewRoutes: FastifyPluginAsyncZod<AppDeps> = async (app, deps) => {
  app.post(
    '/previews',
    {
      schema: {
        tags: ['advice'],
        summary: 'What Nova and libvirt will produce for an image + flavor, the Placement query, failures and ignored settings',
        body: PreviewRequest,
        response: { 200: PreviewResult, ...problems(400, 401, 403, 404, 409, 503) },
      },
    },
    async (request) => previewServer(deps, request.body),
  );
};
