// POST /v1/recommendations
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppDeps } from '../app.ts';
import { recommend } from '../../advisor/core.ts';
import { sendSerialized } from '../serialized.ts';
import { problems } from '../../schemas/common.ts';
import { Advice, RecommendationRequest } from '../../schemas/recommendation.ts';

export const recommendationRoutes: FastifyPluginAsyncZod<AppDeps> = async (app, deps) => {
  app.post(
    '/recommendations',
    {
      schema: {
        tags: ['advice'],
        summary: 'Image properties, flavor extra specs, PCI aliases and capacity for a workload',
        body: RecommendationRequest,
        response: { 200: Advice, ...problems(400, 401, 403, 404, 409, 503) },
      },
    },
    async (request, reply) => sendSerialized(reply, recommend(deps, request.body).json()),
  );
};
