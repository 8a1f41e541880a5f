// The web page (src/web, docs/metrics.md "Web page") at /ui/: static files read once at start, no build step. It
// calls /v1 from the browser with the user's token, so it is open itself and sees only what the token may see.
import { readFileSync } from 'node:fs';
import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppDeps } from '../app.ts';
import { ApiError } from '../errors.ts';

const FILES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
};
const bodies = new Map(Object.keys(FILES).map((name) => [name, readFileSync(new URL(`../../web/${name}`, import.meta.url))]));

export const webRoutes: FastifyPluginAsyncZod<AppDeps> = async (app, deps) => {
  // Scripts and styles from this origin only; Horizon (CORS_ORIGINS) may frame the page and pass it a token.
  const csp = [
    "default-src 'self'", "img-src 'self' data:", "object-src 'none'", "base-uri 'none'",
    `frame-ancestors 'self' ${deps.settings.CORS_ORIGINS.join(' ')}`.trimEnd(),
  ].join('; ');
  const hidden = { schema: { hide: true } };
  app.get('/ui', hidden, async (_request, reply) => reply.redirect('/ui/'));
  const send = (name: string, reply: FastifyReply) => {
    const body = bodies.get(name);
    if (!body) throw new ApiError('not_found', `no file ${name} in the web page`);
    return reply
      .type(FILES[name]!)
      .header('content-security-policy', csp)
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', 'no-cache')
      .send(body);
  };
  app.get('/ui/', hidden, async (_request, reply) => send('index.html', reply));
  app.get<{ Params: { file: string } }>('/ui/:file', hidden, async (request, reply) => send(request.params.file, reply));
};
