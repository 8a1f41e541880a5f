// Keystone token auth (design.md "HTTP API"): `X-Auth-Token` is checked against Keystone through the OpenStack
// HTTP layer (validateToken, src/openstack/keystone.ts) and the verdict cached; what the token's roles allow is
// decided by the one policy (src/advisor/policy.ts, docs/security.md). The check sits behind TokenValidator so
// tests point it at a local fake Keystone.
import type { onRequestAsyncHookHandler } from 'fastify';
import { LRUCache } from 'lru-cache';
import pLimit, { type LimitFunction } from 'p-limit';
import { pino, type Logger } from 'pino';
import { HttpTransport, isOpenStackError, validateToken } from '../openstack/index.ts';
import { UNSCOPED, type Access, type Caller, type Policy } from '../advisor/policy.ts';
import { ApiError } from './errors.ts';

export interface Principal {
  userId: string;
  projectId: string | null;
  roles: string[];
  /** Epoch ms of the token's expires_at; it is checked again by then at the latest. */
  expiresAt: number;
}

export interface TokenValidator {
  /** The token's principal, or null when Keystone says the token is not (or no longer) valid. */
  validate(token: string): Promise<Principal | null>;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route (operational routes sit outside the hook and are open); routes without it need `read`. */
    access?: Access;
  }
  interface FastifyRequest {
    principal: Principal | null;
    /** What the request may see: the token's project and roles through the policy; unscoped when auth is off. */
    caller: Caller;
  }
}

/**
 * keystonemiddleware's token_cache_time default: how long a verdict on a token is kept, a valid token never
 * past its expires_at (https://opendev.org/openstack/keystonemiddleware/src/branch/master/keystonemiddleware/auth_token/_opts.py).
 */
const TOKEN_CACHE_TIME_MS = 300_000;

/**
 * Token checks in flight at once, across all clients: however many new tokens arrive, Keystone sees at most this
 * many concurrent calls from us; the rest queue (each waits only for the checks ahead of it, not for a timeout).
 */
const MAX_CONCURRENT_CHECKS = 10;

export interface KeystoneValidatorOptions {
  /** Per Keystone call; a request waits on the check. */
  timeoutMs?: number;
  /** Bound on cached tokens, valid and rejected each; the least recently used entry goes first. */
  maxEntries?: number;
  /** Longest a valid token is trusted without asking again; never past its expires_at. */
  validTtlMs?: number;
  /** How long a token Keystone rejected is answered 401 without asking again. */
  rejectedTtlMs?: number;
  /** Keystone calls in flight at most; further checks of new tokens wait their turn. */
  maxConcurrentChecks?: number;
  /** The cloud's TLS settings from clouds.yaml (`cacert`, `verify` / `insecure`). */
  tls?: { verify: boolean; cacert: string | null };
  /** Where the HTTP layer logs its calls and retries; silent when absent. */
  log?: Logger;
  now?: () => number;
}

/** Validates a token with the token itself (see validateToken), so no service credential is needed. */
export class KeystoneTokenValidator implements TokenValidator {
  private readonly valid: LRUCache<string, Principal>;
  /**
   * Tokens Keystone rejected: a rejected token never becomes valid again, and without this every request
   * carrying one (a client retrying, or a flood) would cost a Keystone call.
   */
  private readonly rejected: LRUCache<string, true>;
  /** Checks under way: concurrent requests with one new token share a single Keystone call. */
  private readonly checking = new Map<string, Promise<Principal | null>>();
  /** Keystone calls in flight (MAX_CONCURRENT_CHECKS); the per-address rate limit bounds one client, this all of them. */
  private readonly calls: LimitFunction;
  private readonly http: HttpTransport;
  private readonly validTtlMs: number;
  private readonly timeoutMs: number;
  /**
   * Until when Keystone counts as down after it timed out or could not be reached: new tokens are answered 503 at
   * once instead of each waiting out its own timeout behind the MAX_CONCURRENT_CHECKS ahead of it.
   */
  private downUntil = 0;
  private readonly now: () => number;

  constructor(
    private readonly authUrl: string,
    opts: KeystoneValidatorOptions = {},
  ) {
    const timeoutMs = opts.timeoutMs ?? 5_000;
    this.timeoutMs = timeoutMs;
    // A request waits on the check, so it gets keystonemiddleware's retry count (http_request_max_retries, 3;
    // _opts.py above) and no Retry-After pause longer than one call, where a sync may wait a minute.
    this.http = new HttpTransport(opts.log ?? pino({ level: 'silent' }), { timeoutMs, retries: 3, maxRetryAfterMs: timeoutMs }, opts.tls);
    this.now = opts.now ?? Date.now;
    this.validTtlMs = opts.validTtlMs ?? TOKEN_CACHE_TIME_MS;
    this.calls = pLimit(opts.maxConcurrentChecks ?? MAX_CONCURRENT_CHECKS);
    // The clock can be replaced (tests), so the caches read it at every lookup instead of once a millisecond.
    const caches = { max: opts.maxEntries ?? 10_000, perf: { now: this.now }, ttlResolution: 0 };
    this.valid = new LRUCache({ ...caches, ttl: this.validTtlMs });
    this.rejected = new LRUCache({ ...caches, ttl: opts.rejectedTtlMs ?? TOKEN_CACHE_TIME_MS });
  }

  async validate(token: string): Promise<Principal | null> {
    const principal = this.valid.get(token);
    if (principal) return principal;
    if (this.rejected.has(token)) return null;

    let check = this.checking.get(token);
    if (!check) {
      check = this.calls(() => this.ask(token)).finally(() => this.checking.delete(token));
      this.checking.set(token, check);
    }
    return check;
  }

  /**
   * Keystone down or hung (no answer within the timeout, connection refused or reset after the retries) is 503
   * `unavailable` with Retry-After, as keystonemiddleware answers 503 when it cannot reach Keystone
   * (https://opendev.org/openstack/keystonemiddleware/src/branch/master/keystonemiddleware/auth_token/__init__.py,
   * ServiceError → HTTPServiceUnavailable). An answer from Keystone, even a 5xx (it has a status), stays an upstream
   * error with its request id.
   */
  private unavailable(err: unknown): unknown {
    const unreachable = isOpenStackError(err) && err.details.status === undefined && (err.code === 'upstream_timeout' || err.code === 'upstream_unavailable');
    if (!unreachable) return err;
    this.downUntil = Math.max(this.downUntil, this.now() + this.timeoutMs);
    return this.keystoneDown(err.message);
  }

  private keystoneDown(detail: string): ApiError {
    return new ApiError('unavailable', `Keystone cannot check the token now: ${detail}`, {
      headers: { 'retry-after': String(Math.ceil(this.timeoutMs / 1000)) },
    });
  }

  /** One Keystone call; remembers its verdict. */
  private async ask(token: string): Promise<Principal | null> {
    if (this.now() < this.downUntil) throw this.keystoneDown('it did not answer a moment ago');
    const t = await validateToken(this.http, this.authUrl, token).catch((err: unknown) => {
      throw this.unavailable(err);
    });
    if (!t) {
      this.rejected.set(token, true);
      return null;
    }
    const principal: Principal = {
      userId: t.user.id,
      projectId: t.project?.id ?? null,
      roles: (t.roles ?? []).map((r) => r.name.toLowerCase()),
      expiresAt: Date.parse(t.expires_at),
    };
    // Kept until it expires or validTtlMs has passed, whichever comes first; one already expired is not kept.
    const ttl = Math.min(principal.expiresAt - this.now(), this.validTtlMs);
    if (ttl > 0) this.valid.set(token, principal, { ttl });
    return principal;
  }
}

/** onRequest hook enforcing each route's `config.access`; with `validator` null the API is open (AUTH_MODE=none). */
export function authHook(validator: TokenValidator | null, realm: string, policy: Policy): onRequestAsyncHookHandler {
  return async (request) => {
    request.principal = null;
    request.caller = UNSCOPED;
    const access = request.routeOptions.config.access ?? 'read';
    if (validator === null) return;
    const token = request.headers['x-auth-token'];
    const challenge = { headers: { 'www-authenticate': `Keystone uri="${realm}"` } };
    if (typeof token !== 'string' || token.length === 0) {
      throw new ApiError('unauthorized', 'X-Auth-Token header required', challenge);
    }
    const principal = await validator.validate(token);
    if (!principal) throw new ApiError('unauthorized', 'the token is invalid or expired', challenge);
    if (!policy.allows(access, principal.roles)) {
      throw new ApiError('forbidden', `this needs one of the roles ${policy.rolesFor(access).join(', ')}`);
    }
    request.principal = principal;
    request.caller = policy.callerOf(principal);
  };
}
