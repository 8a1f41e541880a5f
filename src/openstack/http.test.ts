import { once } from 'node:events';
import { createServer, type ServerResponse, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenStackError } from './errors.ts';
import { HttpTransport } from './http.ts';

// `raw` bodies are read from axios's stream by HttpTransport itself (readRaw): what axios's own read gave — the
// whole body, the call's timeout, its signal — has to hold for the body's bytes too, not only for the headers.
describe('HttpTransport raw bodies', () => {
  const log = pino({ level: 'silent' });
  /** What the server does with the next request, by path. */
  const answers = new Map<string, (res: ServerResponse) => void>();
  const requests = new Map<string, number>();
  let server: Server;
  let root: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests.set(req.url!, (requests.get(req.url!) ?? 0) + 1);
      answers.get(req.url!)!(res);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    root = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  /** A JSON body of about `bytes` bytes. */
  const body = (bytes: number) => Buffer.from(JSON.stringify({ items: Array.from({ length: Math.ceil(bytes / 20) }, (_, i) => `item-${String(i).padStart(8, '0')}`) }));

  it.each([
    ['with a Content-Length', true],
    ['chunked, of no stated length', false],
  ])('gives the whole body, byte for byte, %s', async (_name, sized) => {
    const sent = body(300_000);
    const path = `/whole-${sized}`;
    answers.set(path, (res) => {
      res.writeHead(200, { 'content-type': 'application/json', ...(sized && { 'content-length': String(sent.length) }) });
      // In pieces smaller and larger than the first buffer, so it grows when no length is stated.
      for (let at = 0; at < sent.length; at += 50_000) res.write(sent.subarray(at, at + 50_000));
      res.end();
    });
    const res = await new HttpTransport(log).request({ service: 'placement', method: 'GET', url: `${root}${path}`, raw: true });
    expect(Buffer.isBuffer(res.data)).toBe(true);
    expect((res.data as Buffer).equals(sent)).toBe(true);
  });

  it('a body that stops coming is upstream_timeout within the call timeout, not retried', async () => {
    const path = '/stalls';
    answers.set(path, (res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000', 'x-openstack-request-id': 'req-stall' });
      res.write('{"items": ['); // and nothing more
    });
    const http = new HttpTransport(log, { timeoutMs: 300, backoffBaseMs: 1, backoffMaxMs: 2 });
    const err = await http.request({ service: 'placement', method: 'GET', url: `${root}${path}`, raw: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenStackError);
    expect((err as OpenStackError).code).toBe('upstream_timeout');
    expect(requests.get(path)).toBe(1);
  });

  it('a body cut off by the server is retried as any cut-off body, then upstream_unavailable with status and request id', async () => {
    const path = '/cut';
    answers.set(path, (res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000', 'x-openstack-request-id': 'req-cut' });
      res.write('{"items": [', () => res.socket?.destroy());
    });
    const http = new HttpTransport(log, { retries: 2, backoffBaseMs: 1, backoffMaxMs: 2 });
    const err = await http.request({ service: 'placement', method: 'GET', url: `${root}${path}`, raw: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenStackError);
    expect((err as OpenStackError).code).toBe('upstream_unavailable');
    expect((err as OpenStackError).message).toMatch(/answered 200, then the body was cut off.*after 3 attempts/);
    expect((err as OpenStackError).details).toMatchObject({ status: 200, requestId: 'req-cut' });
    expect(requests.get(path)).toBe(3);
  });

  it('aborting the signal while the body comes stops the call with the abort reason', async () => {
    const path = '/aborted';
    const abort = new AbortController();
    answers.set(path, (res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('{"items": [', () => abort.abort(new Error('sync failed elsewhere')));
    });
    const err = await new HttpTransport(log)
      .request({ service: 'placement', method: 'GET', url: `${root}${path}`, raw: true, signal: abort.signal })
      .catch((e: unknown) => e);
    expect((err as Error).message).toBe('sync failed elsewhere');
    expect(requests.get(path)).toBe(1);
  });
});
