// The advice routes: POST /v1/recommendations, /v1/previews, /v1/validations and /v1/pci/config-checks. Each checks
// its body with its request schema and sends the advisor's answer as it was encoded once through the response
// schema (src/advisor/answers.ts: the same encoding the CLI prints), so the route serializer does not encode again.
import type { FastifyInstance } from 'fastify';
import type { FastifyPluginAsyncZod, ZodTypeProvider } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { checkPciConfiguration, previewServer, recommend, validateImage, type AdvisorDeps } from '../../advisor/advice.ts';
import type { Answer } from '../../advisor/answers.ts';
import type { Caller } from '../../advisor/policy.ts';
import type { AppDeps } from '../app.ts';
import { bodyLimitOf } from '../body-limit.ts';
import { sendSerialized } from '../serialized.ts';
import { problems } from '../../schemas/common.ts';
import { PciConfigCheck, PciConfigCheckRequest } from '../../schemas/pci-config.ts';
import { PreviewRequest, PreviewResult } from '../../schemas/preview.ts';
import { Advice, RecommendationRequest } from '../../schemas/recommendation.ts';
import { ValidationRequest, ValidationResult } from '../../schemas/validation.ts';

interface AdviceRoute<Request extends z.ZodType> {
  path: string;
  summary: string;
  body: Request;
  response: z.ZodType;
  /** Error statuses besides 400, 401, 403 and 503, which every advice route can answer. */
  problems: (404 | 409)[];
  answer(deps: AdvisorDeps, caller: Caller, body: z.output<Request>): Answer<object>;
}

/** Registers one advice route; generic so each handler receives its own request type. */
function adviceRoute<Request extends z.ZodType>(route: AdviceRoute<Request>) {
  return (app: FastifyInstance, deps: AppDeps): void => {
    app.withTypeProvider<ZodTypeProvider>().post(
      route.path,
      {
        bodyLimit: bodyLimitOf(route.body),
        schema: {
          tags: ['advice'],
          summary: route.summary,
          body: route.body,
          response: { 200: route.response, ...problems(400, 401, 403, ...route.problems, 503) },
        },
      },
      async (request, reply) => sendSerialized(reply, route.answer(deps, request.caller, request.body as z.output<Request>).json()),
    );
  };
}

const ROUTES = [
  adviceRoute({
    path: '/recommendations',
    summary: 'Image properties, flavor extra specs, PCI aliases and capacity for a workload',
    body: RecommendationRequest,
    response: Advice,
    problems: [404, 409],
    answer: recommend,
  }),
  adviceRoute({
    path: '/previews',
    summary: 'What Nova and libvirt will produce for an image + flavor, the Placement query, failures and ignored settings',
    body: PreviewRequest,
    response: PreviewResult,
    problems: [404, 409],
    answer: previewServer,
  }),
  adviceRoute({
    path: '/validations',
    summary: 'Verdict (pass / warn / fail), findings, and per device property the hosts that support it and what to set instead, for proposed image properties on the instance described',
    body: ValidationRequest,
    response: ValidationResult,
    problems: [404, 409],
    answer: validateImage,
  }),
  adviceRoute({
    path: '/pci/config-checks',
    summary: 'Check a proposed [pci] device_spec and [pci] alias: mistakes, Placement model, matching providers and flavors',
    body: PciConfigCheckRequest,
    response: PciConfigCheck,
    problems: [404],
    answer: checkPciConfiguration,
  }),
];

export const adviceRoutes: FastifyPluginAsyncZod<AppDeps> = async (app, deps) => {
  for (const register of ROUTES) register(app, deps);
};
