import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OpenStackError } from './errors.ts';
import { HttpTransport } from './http.ts';
import { validateToken } from './keystone.ts';

describe('validateToken', () => {
  const http = new HttpTransport(pino({ level: 'silent' }), { backoffBaseMs: 1, backoffMaxMs: 2 });
  const seen: IncomingMessage[] = [];
  /** Status and body of each answer in turn; the last one repeats. */
  let answers: [number, unknown][] = [];
  let keystone: Server;
  let root: string;

  beforeAll(async () => {
    keystone = createServer((req, res) => {
      seen.push(req);
      const [status, body] = answers.length > 1 ? answers.shift()! : answers[0]!;
      res.writeHead(status, { 'content-type': 'application/json', 'x-openstack-request-id': `req-${seen.length}` }).end(JSON.stringify(body));
    });
    keystone.listen(0, '127.0.0.1');
    await once(keystone, 'listening');
    root = `http://127.0.0.1:${(keystone.address() as AddressInfo).port}`;
  });

  afterAll(() => {
    keystone.close();
  });

  beforeEach(() => {
    seen.length = 0;
  });

  const token = { expires_at: '2030-01-01T00:00:00.000000Z', user: { id: 'u1' }, project: { id: 'p1' }, roles: [{ name: 'reader' }] };

  it('asks with the token as its own credential, without the catalog, and gives its body', async () => {
    answers = [[200, { token }]];
    expect(await validateToken(http, `${root}/v3/`, 'tok-1')).toEqual(token);
    expect(await validateToken(http, root, 'tok-1')).toEqual(token);
    expect(seen.map((r) => r.url)).toEqual(['/v3/auth/tokens?nocatalog', '/v3/auth/tokens?nocatalog']);
    expect(seen[0]!.headers).toMatchObject({ 'x-auth-token': 'tok-1', 'x-subject-token': 'tok-1' });
  });

  it.each([404, 401, 403])('reads %i as a refused token, asked once', async (status) => {
    answers = [[status, { error: { code: status } }]];
    expect(await validateToken(http, `${root}/v3`, 'tok-2')).toBeNull();
    expect(seen).toHaveLength(1);
  });

  it('retries a 503 as the HTTP layer does', async () => {
    answers = [[503, {}], [200, { token }]];
    expect(await validateToken(http, `${root}/v3`, 'tok-3')).toEqual(token);
    expect(seen).toHaveLength(2);
  });

  it('fails with the upstream request id on a 500 or a body off its schema', async () => {
    for (const [status, body, code] of [[500, {}, 'upstream_unavailable'], [200, { token: { expires_at: 'x' } }, 'upstream_bad_response']] as const) {
      answers = [[status, body]];
      seen.length = 0;
      const err: unknown = await validateToken(http, `${root}/v3`, 'tok-4').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenStackError);
      expect(err).toMatchObject({ code, details: { service: 'identity', method: 'GET', requestId: 'req-1' } });
      expect(seen).toHaveLength(1);
    }
  });
});
