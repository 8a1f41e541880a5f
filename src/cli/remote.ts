// The CLI as a client of a running nova-advisor (`--url` / NOVA_ADVISOR_URL): the same request bodies go to the
// service's HTTP API instead of an in-process store, so the CLI never opens the embedded database the service
// holds locked (issue 14). The token is `--os-token` / OS_TOKEN, else one issued by Keystone for the selected
// cloud (cloud.ts), else none (a service with AUTH_MODE none).
import type { CloudConfig } from '../openstack/index.ts';
import { cloudClient } from './cloud.ts';
import { InputError } from './input.ts';

/** The service answered but could not run the request (5xx, 401, 403, 429) or was not reachable: exit 3. */
export class RemoteError extends Error {}

export interface Remote {
  post<T>(path: string, body: unknown): Promise<T>;
  /** Whether GET `path` answers 200 (false on 404), e.g. whether the snapshot holds a flavor of that id. */
  exists(path: string): Promise<boolean>;
}

interface Problem {
  code?: string;
  detail?: string;
  errors?: { field: string; message: string }[];
  requestId?: string;
}

/** Statuses that say the request was wrong (exit 2), as the in-process commands read the same advisor errors. */
const BAD_INPUT = new Set([400, 404, 409, 413, 415, 422]);

/** `token`: the given one, else the selected cloud's (asked of Keystone once, on the first call), else none. */
export function openRemote(url: string, opts: { token?: string; cloud: () => CloudConfig | null }): Remote {
  const base = url.replace(/\/+$/, '');
  let token: Promise<string | undefined> | undefined;
  const tokenOnce = () =>
    (token ??= (async () => {
      if (opts.token !== undefined) return opts.token;
      const cloud = opts.cloud();
      return cloud ? cloudClient(cloud).session.token() : undefined;
    })());
  /** The answer's text, or the problem+json as an error: bad input (exit 2) or could not run (exit 3). */
  async function call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; text: string }> {
    const auth = await tokenOnce();
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, {
        method,
        headers: { Accept: 'application/json', ...(body !== undefined && { 'Content-Type': 'application/json' }), ...(auth && { 'X-Auth-Token': auth }) },
        ...(body !== undefined && { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(120_000),
      });
    } catch (err) {
      // fetch hides the reason (ECONNREFUSED, ENOTFOUND) in its cause.
      const cause = (err as Error).cause;
      throw new RemoteError(`cannot reach nova-advisor at ${base}: ${cause instanceof Error ? cause.message : (err as Error).message}`);
    }
    const text = await res.text();
    if (res.ok || (method === 'GET' && res.status === 404)) return { status: res.status, text };
    let problem: Problem = {};
    try {
      problem = JSON.parse(text) as Problem;
    } catch {
      // Not problem+json (a proxy's page): the status says enough.
    }
    const fields = (problem.errors ?? []).map((e) => `\n  ${e.field}: ${e.message}`).join('');
    const message = `${method} ${base}${path}: ${res.status} ${problem.code ?? res.statusText}: ${problem.detail ?? text.slice(0, 200)}${fields}${problem.requestId ? ` (request ${problem.requestId})` : ''}`;
    throw BAD_INPUT.has(res.status) ? new InputError(message) : new RemoteError(message);
  }
  return {
    post: async <T>(path: string, body: unknown) => JSON.parse((await call('POST', path, body)).text) as T,
    exists: async (path: string) => (await call('GET', path)).status !== 404,
  };
}
