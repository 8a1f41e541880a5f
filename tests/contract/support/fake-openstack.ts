// A local OpenStack on 127.0.0.1 (node:http, random port) that replays what the lab answered
// (tests/fixtures/lab-zed.json, support/lab-allocation-candidates.json) and lets a test script the bad
// days. All four services sit under one origin with a path prefix each (/identity, /compute, /image,
// /placement), which also checks that the client resolves Glance's relative `next` against an endpoint
// that has a path.
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CloudConfig } from '../../../src/openstack/config.ts';
import type { Exchange, LabFixture } from '../../fixtures/lab-fixture.ts';

export type Service = Exchange['service'];

export interface FakeRequest {
  method: string;
  service: Service;
  /** Path and query below the service prefix, e.g. `/v2.1/flavors/detail?limit=2`. */
  path: string;
  token: string | null;
  microversion: string | null;
}

export interface FakeReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Wait before answering (a slow endpoint). */
  delayMs?: number;
  /** A bad day in transit, after the status and headers and the first half of the body were sent:
   *  `short-body` declares a Content-Length 100 bytes beyond the body and destroys the socket,
   *  `reset` sends the body chunked and resets the connection (TCP RST),
   *  `cut-json` ends the message properly, so only the JSON document is cut off (a proxy's doing). */
  fault?: 'short-body' | 'reset' | 'cut-json';
}

/** Returns a reply to override the replay, or undefined to let the recording answer. */
export type Script = (req: FakeRequest) => FakeReply | undefined;

const readFixture = (url: URL) => JSON.parse(readFileSync(url, 'utf8')) as LabFixture;
const recorded = readFixture(new URL('../../fixtures/lab-zed.json', import.meta.url));
// The bulk provider read's one call, recorded from the same lab state later (src/openstack/placement.ts).
const bulk = readFixture(new URL('./lab-allocation-candidates.json', import.meta.url));
const fixture: LabFixture = { ...recorded, exchanges: [...recorded.exchanges, ...bulk.exchanges] };

/** Query parameters sorted, so `?limit=2&is_public=None` and `?is_public=None&limit=2` match. */
function canonical(path: string): string {
  const url = new URL(path, 'http://x');
  url.searchParams.sort();
  return url.pathname + url.search;
}

const MAX_MICROVERSION: Partial<Record<Service, [number, number, string]>> = {
  compute: [2, 93, 'nova-406'],
  placement: [1, 39, 'placement-406'],
};

export class FakeOpenStack {
  readonly requests: FakeRequest[] = [];
  tokensIssued = 0;
  /** Lifetime of the tokens it issues. */
  tokenTtlMs = 3_600_000;
  private readonly valid = new Set<string>();
  private scripts: Script[] = [];

  private constructor(
    private readonly server: Server,
    readonly base: string,
  ) {}

  static async start(): Promise<FakeOpenStack> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const fake = new FakeOpenStack(server, `http://127.0.0.1:${port}`);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void fake.handle(req, res));
    return fake;
  }

  /** A cloud pointing at this fake, as loadCloudConfigs would return it. */
  cloud(name = 'fake'): CloudConfig {
    return {
      name,
      source: 'tests/contract',
      authUrl: `${this.base}/identity/v3`,
      auth: {
        type: 'password',
        user: { name: 'admin', domainName: 'Default' },
        password: 'fake-Secret-pw',
        project: { name: 'admin', domainName: 'Default' },
      },
      regionName: 'RegionOne',
      interface: 'public',
      tls: { verify: true, cacert: null },
      endpointOverrides: {},
    };
  }

  script(fn: Script): void {
    this.scripts.push(fn);
  }

  /** Every token issued so far stops working: what an expiry or a revocation looks like to a client. */
  expireTokens(): void {
    this.valid.clear();
  }

  count(pred: (r: FakeRequest) => boolean): number {
    return this.requests.filter(pred).length;
  }

  reset(): void {
    this.scripts = [];
    this.requests.length = 0;
    this.tokensIssued = 0;
    this.tokenTtlMs = 3_600_000;
    this.valid.clear();
  }

  /** The recorded reply of a scripted variant (e.g. `placement-406`), with origins rewritten. */
  recorded(variant: string | null, service: Service, method: string, path?: string): FakeReply {
    const e = fixture.exchanges.find(
      (x) => x.variant === variant && x.service === service && x.method === method && (path === undefined || canonical(x.path) === canonical(path)),
    );
    if (!e) throw new Error(`no recorded ${variant ?? 'replay'} exchange for ${method} ${service} ${path ?? ''}`);
    return { status: e.status, body: e.body, headers: { ...e.headers } };
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Drain the body unread: the token request's credentials are not kept.
    await new Promise((resolve) => req.resume().on('end', resolve));
    const [, service, ...rest] = (req.url ?? '/').split('/');
    const request: FakeRequest = {
      method: req.method ?? 'GET',
      service: service as Service,
      path: `/${rest.join('/')}`,
      token: (req.headers['x-auth-token'] as string | undefined) ?? null,
      microversion: (req.headers['openstack-api-version'] as string | undefined) ?? null,
    };
    this.requests.push(request);
    let reply: FakeReply | undefined;
    for (const s of this.scripts) reply ??= s(request);
    reply ??= this.replay(request);
    if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
    let text = JSON.stringify(reply.body ?? null);
    for (const svc of ['identity', 'compute', 'image', 'placement']) text = text.split(`{{origin:${svc}}}`).join(`${this.base}/${svc}`);
    const headers: Record<string, string> = { 'content-type': 'application/json', ...reply.headers };
    if (res.destroyed) return;
    if (reply.fault) return cutOff(res, reply.status, headers, Buffer.from(text), reply.fault);
    res.writeHead(reply.status, headers).end(text);
  }

  private replay(req: FakeRequest): FakeReply {
    if (req.service === 'identity' && req.method === 'POST') return this.issueToken();
    const versionDoc = req.path === '/' || req.path === '/v2.1';
    if (!versionDoc && (req.token === null || !this.valid.has(req.token))) {
      return this.recorded('token-invalid', 'compute', 'GET');
    }
    const limit = MAX_MICROVERSION[req.service];
    const asked = req.microversion?.split(' ')[1]?.split('.').map(Number);
    if (limit && asked && (asked[0]! > limit[0] || (asked[0] === limit[0] && asked[1]! > limit[1]))) {
      return this.recorded(limit[2], req.service, req.method);
    }
    const path = canonical(req.path);
    const e = fixture.exchanges.find((x) => x.variant === null && x.service === req.service && x.method === req.method && canonical(x.path) === path);
    if (!e) return { status: 404, body: { error: { code: 404, message: `fake: nothing recorded for ${req.method} ${req.service}${req.path}` } } };
    return { status: e.status, body: e.body, headers: { ...e.headers } };
  }

  private issueToken(): FakeReply {
    const recorded = this.recorded(null, 'identity', 'POST');
    const token = `fake-token-${++this.tokensIssued}`;
    this.valid.add(token);
    const now = Date.now();
    const body = structuredClone(recorded.body) as { token: { expires_at: string; issued_at: string } };
    body.token.issued_at = new Date(now).toISOString();
    body.token.expires_at = new Date(now + this.tokenTtlMs).toISOString();
    return { status: 201, body, headers: { ...recorded.headers, 'x-subject-token': token } };
  }
}

function cutOff(res: ServerResponse, status: number, headers: Record<string, string>, body: Buffer, fault: NonNullable<FakeReply['fault']>): void {
  const half = body.subarray(0, body.length >> 1);
  if (fault === 'cut-json') {
    res.writeHead(status, { ...headers, 'content-length': String(half.length) }).end(half);
    return;
  }
  if (fault === 'short-body') res.writeHead(status, { ...headers, 'content-length': String(body.length + 100) });
  else res.writeHead(status, headers);
  // Once the half is on the wire the client has the headers and part of the body when the connection goes; the
  // reset waits a little more, else the RST overtakes the data and the client never sees the half.
  res.write(half, () => (fault === 'reset' ? setTimeout(() => res.socket?.resetAndDestroy(), 10) : res.socket?.destroy()));
}
