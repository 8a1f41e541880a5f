// GET /: where to go from the service's root. A browser gets a page of links (the API docs, the web page when this
// app serves one, the OpenAPI document, health); any other client gets the same links as JSON.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppDeps } from '../app.ts';

export const landingRoutes: FastifyPluginAsyncZod<AppDeps> = async (app) => {
  app.get('/', { schema: { hide: true } }, async (request, reply) => {
    // Looked up per request: the web page's routes may be registered after this one.
    const ui = app.hasRoute({ method: 'GET', url: '/ui/' }) ? '/ui/' : null;
    const links = { docs: '/docs', ui, openapi: '/openapi.json', health: '/healthz', readiness: '/readyz', metrics: '/metrics' };
    if (!String(request.headers.accept ?? '').includes('text/html')) return { service: 'nova-advisor', links };
    const item = (href: string, text: string) => `<li><a href="${href}">${text}</a></li>`;
    return reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', "default-src 'none'")
      .send(
        [
          '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>nova-advisor</title></head><body>',
          '<h1>nova-advisor</h1>',
          '<p>Advice on Nova image properties, flavor extra specs and PCI/SR-IOV capacity.</p><ul>',
          item(links.docs, 'API documentation'),
          ...(ui ? [item(ui, 'Web page')] : []),
          item(links.openapi, 'OpenAPI document (JSON)'),
          item(links.health, 'Health'),
          '</ul></body></html>',
        ].join('\n'),
      );
  });
};
