// POST /v1/validations
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppDeps } from '../app.ts';
import { validateImage } from '../../advisor/core.ts';
import { sendSerialized } from '../serialized.ts';
import { problems } from '../../schemas/common.ts';
import { ValidationRequest, ValidationResult } from '../../schemas/validation.ts';

export const validationRoutes: FastifyPluginAsyncZod<AppDeps> = async (app, deps) => {
  app.post(
    '/validations',
    {
      schema: {
        tags: ['advice'],
        summary: 'Verdict (pass / warn / fail) and findings for proposed image properties',
        body: ValidationRequest,
        response: { 200: ValidationResult, ...problems(400, 401, 403, 404, 409, 503) },
      },
    },
    async (request, reply) => sendSerialized(reply, validateImage(deps, request.body).json()),
  );
};
