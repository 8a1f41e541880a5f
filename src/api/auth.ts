// Keystone token auth (design.md "HTTP API"): `X-Auth-Token` is checked against Keystone once and cached
// until it expires (a rejected one for 5 minutes); reader/member/admin may read and advise, admin may sync. The check sits behind
// TokenValidator so tests point it at a local fake Keystone.
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import axios from 'axios';
import type { onRequestAsyncHookHandler } from 'fastify';
import { z } from 'zod';
import { OpenStackError } from '../openstack/index.ts';
import { ApiError } from './errors.ts';

/** Who may call a /v1 route; operational routes (health, metrics, docs) sit outside the hook and are open. */
export type Access = 'read' | 'admin';

export interface Principal {
  userId: string;
  projectId: string | null;
  roles: string[];
  /** Epoch ms after which the token must be checked again. */
  expiresAt: number;
}

export interface TokenValidator {
  /** The token's principal, or null when Keystone says the token is not (or no longer) valid. */
  validate(token: string): Promise<Principal | null>;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route; routes without it need `read`. */
    access?: Access;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

// Keystone's default policy makes admin imply member imply reader, but tokens list implied roles only
// where the inference rules exist, so every role that includes reading is accepted explicitly.
const ROLES: Record<Access, readonly string[]> = {
  read: ['reader', 'member', 'admin'],
  admin: ['admin'],
};

const TokenBody = z.object({
  token: z
    .object({
      expires_at: z.string(),
      user: z.object({ id: z.string() }).loose(),
      project: z.object({ id: z.string() }).loose().optional(),
      roles: z.array(z.object({ name: z.string() }).loose()).default([]),
    })
    .loose(),
});

export interface KeystoneValidatorOptions {
  timeoutMs?: number;
  /** Bound on cached tokens, valid and rejected each; the oldest entry goes first. */
  maxEntries?: number;
  /** How long a token Keystone rejected is answered 401 without asking again (keystonemiddleware: token_cache_time, 300 s). */
  rejectedTtlMs?: number;
  tls?: { verify: boolean; cacert: string | null };
  now?: () => number;
}

/** Validates a token with the token itself (`GET /v3/auth/tokens`, X-Auth-Token = X-Subject-Token), so no service credential is needed. */
export class KeystoneTokenValidator implements TokenValidator {
  private readonly cache = new Map<string, Principal>();
  /**
   * Tokens Keystone rejected, until when: a rejected token never becomes valid again, and without this every
   * request carrying one (a client retrying, or a flood) would cost a Keystone call.
   */
  private readonly rejected = new Map<string, number>();
  /** Checks under way: concurrent requests with one new token share a single Keystone call. */
  private readonly checking = new Map<string, Promise<Principal | null>>();
  private readonly rejectedTtlMs: number;
  private readonly url: string;
  private readonly agent: Agent | undefined;
  private readonly timeoutMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(authUrl: string, opts: KeystoneValidatorOptions = {}) {
    const base = authUrl.replace(/\/+$/, '');
    this.url = `${base.endsWith('/v3') ? base : `${base}/v3`}/auth/tokens?nocatalog`;
    this.timeoutMs = opts.timeoutMs ?? 5_000;
    this.maxEntries = opts.maxEntries ?? 10_000;
    this.now = opts.now ?? Date.now;
    this.rejectedTtlMs = opts.rejectedTtlMs ?? 300_000;
    this.agent = opts.tls
      ? new Agent({ rejectUnauthorized: opts.tls.verify, ...(opts.tls.cacert ? { ca: readFileSync(opts.tls.cacert) } : {}) })
      : undefined;
  }

  async validate(token: string): Promise<Principal | null> {
    const now = this.now();
    const cached = this.cache.get(token);
    if (cached && cached.expiresAt > now) return cached;
    this.cache.delete(token);
    const rejectedUntil = this.rejected.get(token);
    if (rejectedUntil !== undefined && rejectedUntil > now) return null;
    this.rejected.delete(token);

    let check = this.checking.get(token);
    if (!check) {
      check = this.ask(token).finally(() => this.checking.delete(token));
      this.checking.set(token, check);
    }
    return check;
  }

  /** One Keystone call; remembers its verdict. */
  private async ask(token: string): Promise<Principal | null> {
    const response = await axios
      .get(this.url, {
        headers: { 'X-Auth-Token': token, 'X-Subject-Token': token, Accept: 'application/json' },
        timeout: this.timeoutMs,
        httpsAgent: this.agent,
        validateStatus: () => true,
      })
      .catch((err: unknown) => {
        const timedOut = axios.isAxiosError(err) && err.code === 'ECONNABORTED';
        throw new OpenStackError(timedOut ? 'upstream_timeout' : 'upstream_unavailable', 'Keystone did not answer the token check', {
          service: 'identity',
          method: 'GET',
        });
      });
    const requestId = String(response.headers['x-openstack-request-id'] ?? '') || undefined;
    if ([401, 403, 404].includes(response.status)) {
      remember(this.rejected, token, this.now() + this.rejectedTtlMs, this.maxEntries);
      return null;
    }
    const parsed = response.status === 200 ? TokenBody.safeParse(response.data) : null;
    if (!parsed?.success) {
      throw new OpenStackError('upstream_bad_response', `Keystone answered the token check with HTTP ${response.status}`, {
        service: 'identity',
        method: 'GET',
        status: response.status,
        ...(requestId ? { requestId } : {}),
      });
    }
    const t = parsed.data.token;
    const principal: Principal = {
      userId: t.user.id,
      projectId: t.project?.id ?? null,
      roles: t.roles.map((r) => r.name.toLowerCase()),
      expiresAt: Date.parse(t.expires_at),
    };
    remember(this.cache, token, principal, this.maxEntries);
    return principal;
  }
}

/** Adds to a bounded map, the oldest entry out first. */
function remember<V>(map: Map<string, V>, key: string, value: V, maxEntries: number): void {
  if (map.size >= maxEntries) map.delete(map.keys().next().value!);
  map.set(key, value);
}

/** onRequest hook enforcing each route's `config.access`; with `validator` null the API is open (AUTH_MODE=none). */
export function authHook(validator: TokenValidator | null, realm: string): onRequestAsyncHookHandler {
  return async (request) => {
    request.principal = null;
    const access = request.routeOptions.config.access ?? 'read';
    if (validator === null) return;
    const token = request.headers['x-auth-token'];
    const challenge = { headers: { 'www-authenticate': `Keystone uri="${realm}"` } };
    if (typeof token !== 'string' || token.length === 0) {
      throw new ApiError('unauthorized', 'X-Auth-Token header required', challenge);
    }
    const principal = await validator.validate(token);
    if (!principal) throw new ApiError('unauthorized', 'the token is invalid or expired', challenge);
    const allowed = ROLES[access];
    if (!principal.roles.some((r) => allowed.includes(r))) {
      throw new ApiError('forbidden', `this needs one of the roles ${allowed.join(', ')}`);
    }
    request.principal = principal;
  };
}
