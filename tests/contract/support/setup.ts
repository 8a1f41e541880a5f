// Shared wiring of the contract tests: a fake, a client with short back-off, a logger whose lines are kept.
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import { createClient, type OpenStackClient } from '../../../src/openstack/client.ts';
import type { HttpSettings } from '../../../src/openstack/http.ts';
import type { FakeOpenStack } from './fake-openstack.ts';

export interface CapturedLog {
  log: Logger;
  lines: string[];
}

export function captureLog(): CapturedLog {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { log: pino({ level: 'debug' }, stream), lines };
}

/** Page size 2 like the recording; back-off in milliseconds so retry tests stay fast. */
export function fakeClient(fake: FakeOpenStack, log: Logger, http: Partial<HttpSettings> = {}): OpenStackClient {
  return createClient(fake.cloud(), {
    log,
    pageSize: 2,
    http: { timeoutMs: 2_000, retries: 3, backoffBaseMs: 10, backoffMaxMs: 50, ...http },
  });
}

export async function expectRejection(p: Promise<unknown>): Promise<Error & { code?: string; details?: Record<string, unknown> }> {
  try {
    await p;
  } catch (err) {
    return err as Error & { code?: string; details?: Record<string, unknown> };
  }
  throw new Error('expected a rejection');
}
