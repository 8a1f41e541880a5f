// A local Keystone answering GET /v3/auth/tokens as the real one does (200 with the token's roles, 404 token not
// found), for suites that check who sees what with real HTTP token validation (KeystoneTokenValidator).
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeKeystone {
  /** The v3 URL to hand KeystoneTokenValidator. */
  url: string;
  close(): void;
}

/** `tokens`: token → role names; every token is of project `p1`, user `u1`, valid for an hour. */
export async function startFakeKeystone(tokens: Record<string, string[]>): Promise<FakeKeystone> {
  const server = createServer((req, res) => {
    const subject = String(req.headers['x-subject-token']);
    if (req.url?.startsWith('/v3/auth/tokens') && req.headers['x-auth-token'] === subject && subject in tokens) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: {
        expires_at: new Date(Date.now() + 3_600_000).toISOString(), user: { id: 'u1' }, project: { id: 'p1' },
        roles: tokens[subject]!.map((name) => ({ name })) } }));
    } else {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error": {"code": 404}}');
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v3`, close: () => server.close() };
}
