// Keystone v3 session: password or application-credential token, reused until shortly before expires_at,
// ONE shared re-authentication however many callers see a 401, endpoints from the token's catalog
// (domain.md §5.1; KEYSTONE api-ref/source/v3/authenticate-v3.inc, application-credentials.inc).
// And the check of a caller's token (validateToken) that the API's auth hook relies on.
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { CatalogService, CloudConfig, UserRef } from './config.ts';
import { OpenStackError, type OpenStackErrorCode, type ServiceName } from './errors.ts';
import type { HttpResponse, HttpTransport, RequestSpec, TokenSource } from './http.ts';
import { KeystoneToken, KeystoneValidatedToken, type KeystoneCatalogEntry } from './schemas.ts';

interface Token {
  id: string;
  /** When to stop using it: expires_at minus a safety margin. */
  renewAt: number;
  roles: string[];
  catalog: KeystoneCatalogEntry[];
}

/** keystoneauth treats a token as stale 120 s before expiry; short-lived tokens keep half their life. */
const MAX_RENEW_MARGIN_MS = 120_000;

function userBody(user: UserRef): Record<string, unknown> {
  const domain = user.domainId ? { id: user.domainId } : user.domainName ? { name: user.domainName } : undefined;
  return user.id ? { id: user.id } : { name: user.name, ...(domain && { domain }) };
}

/** The POST /v3/auth/tokens body; it holds the secret, so it is built per call and never kept or logged. */
function authBody(cloud: CloudConfig): unknown {
  const a = cloud.auth;
  if (a.type === 'application_credential') {
    const credential = a.id ? { id: a.id, secret: a.secret } : { name: a.name, secret: a.secret, user: userBody(a.user ?? {}) };
    // No scope: the token is scoped to the credential's own project (domain.md §5.1).
    return { auth: { identity: { methods: ['application_credential'], application_credential: credential } } };
  }
  const p = a.project;
  const projectDomain = p?.domainId ? { id: p.domainId } : p?.domainName ? { name: p.domainName } : undefined;
  const scope = p ? { project: p.id ? { id: p.id } : { name: p.name, ...(projectDomain && { domain: projectDomain }) } } : undefined;
  return {
    auth: {
      identity: { methods: ['password'], password: { user: { ...userBody(a.user), password: a.password } } },
      ...(scope && { scope }),
    },
  };
}

export class KeystoneSession implements TokenSource {
  private current: Token | null = null;
  private pending: Promise<Token> | null = null;
  /** Token requests sent, for tests and logs. */
  authCount = 0;

  constructor(
    readonly cloud: CloudConfig,
    readonly http: HttpTransport,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  async token(): Promise<string> {
    return (await this.valid()).id;
  }

  /** Forgets the token only if it is still the current one, so late 401s of an old token cause no second login. */
  invalidate(token: string): void {
    if (this.current?.id === token) this.current = null;
  }

  /** Role names of the current token, e.g. to explain a 403. */
  async roles(): Promise<string[]> {
    return (await this.valid()).roles;
  }

  private valid(): Promise<Token> {
    if (this.current && this.now() < this.current.renewAt) return Promise.resolve(this.current);
    this.pending ??= this.authenticate().finally(() => {
      this.pending = null;
    });
    return this.pending;
  }

  private async authenticate(): Promise<Token> {
    const url = `${this.cloud.authUrl.replace(/\/+$/, '')}/auth/tokens`;
    this.authCount++;
    let res: HttpResponse;
    try {
      // Issuing a token changes nothing the caller can observe twice, so the POST may be retried.
      res = await this.http.request({ service: 'identity', method: 'POST', url, body: authBody(this.cloud), idempotent: true });
    } catch (err) {
      if (err instanceof OpenStackError && err.code === 'upstream_unauthorized') {
        throw new OpenStackError(
          'upstream_unauthorized',
          `Keystone refused the ${this.cloud.auth.type} credential of cloud "${this.cloud.name}" (${this.cloud.source}): ${err.message}`,
          err.details,
        );
      }
      throw err;
    }
    const id = res.header('x-subject-token');
    if (!id) {
      throw new OpenStackError('upstream_bad_response', `identity POST ${url}: no X-Subject-Token header in the answer`, {
        service: 'identity', method: 'POST', url, status: res.status, field: 'X-Subject-Token',
      });
    }
    const body = this.http.parse(KeystoneToken, res, 'identity').token;
    const expires = Date.parse(body.expires_at);
    const issued = body.issued_at ? Date.parse(body.issued_at) : this.now();
    const margin = Math.min(MAX_RENEW_MARGIN_MS, Math.max(0, (expires - issued) / 2));
    const token: Token = { id, renewAt: expires - margin, roles: (body.roles ?? []).map((r) => r.name), catalog: body.catalog };
    this.current = token;
    this.log.info({ expiresAt: body.expires_at, roles: token.roles }, 'keystone token issued');
    return token;
  }

  /** Endpoint URL of a service: endpoint override, else the catalog entry for the cloud's interface and region. */
  async endpoint(service: CatalogService): Promise<string> {
    const override = this.cloud.endpointOverrides[service];
    if (override) return override.replace(/\/+$/, '');
    const { catalog } = await this.valid();
    const { interface: iface, regionName } = this.cloud;
    const entry = catalog.find((c) => c.type === service);
    const candidates = (entry?.endpoints ?? []).filter(
      (e) => e.interface === iface && (regionName === null || e.region_id === regionName || e.region === regionName),
    );
    const regions = new Set(candidates.map((e) => e.region_id ?? e.region ?? ''));
    const where = `cloud "${this.cloud.name}": no ${service} endpoint with interface ${iface}${regionName ? ` in region ${regionName}` : ''} in the Keystone catalog`;
    if (candidates.length === 0) {
      const offered = (entry?.endpoints ?? []).map((e) => `${e.interface}@${e.region_id ?? e.region ?? '?'}`).join(', ');
      throw new OpenStackError('upstream_not_found', `${where} (${entry ? `offered: ${offered}` : 'service type absent'})`, {
        service,
        field: 'catalog',
      });
    }
    if (regions.size > 1) {
      throw new OpenStackError('config_invalid', `cloud "${this.cloud.name}": ${service} is offered in regions ${[...regions].join(', ')}; set region_name`, {
        field: 'region_name',
      });
    }
    return candidates[0]!.url.replace(/\/+$/, '');
  }

  /** An authenticated call through the shared HTTP layer. */
  request(spec: Omit<RequestSpec, 'tokens'>): Promise<HttpResponse> {
    return this.http.request({ ...spec, tokens: this });
  }

  /** GET + parse: the common case of every reader. */
  async get<S extends z.ZodType>(
    service: ServiceName,
    url: string,
    schema: S,
    extra: Pick<RequestSpec, 'query' | 'microversion' | 'signal'> = {},
  ): Promise<z.output<S>> {
    const res = await this.request({ service, method: 'GET', url, ...extra });
    return this.http.parse(schema, res, service);
  }
}

/**
 * Keystone's refusals of a token check. keystonemiddleware reads a 404 as "token invalid", not as a failure of
 * Keystone (https://opendev.org/openstack/keystonemiddleware/src/branch/master/keystonemiddleware/auth_token/_identity.py,
 * verify_token). A 401 or 403 is read the same way: the checked token is also the one that authenticates the
 * check, so it is that token Keystone refuses. The HTTP layer retries none of them, and with no TokenSource it
 * does not re-authenticate on the 401.
 */
const TOKEN_REFUSED = new Set<OpenStackErrorCode>(['upstream_not_found', 'upstream_unauthorized', 'upstream_forbidden']);

/**
 * Keystone's verdict on a caller's token: its body, or null when Keystone refuses it. The token is its own
 * credential (`GET /v3/auth/tokens`, X-Auth-Token = X-Subject-Token), so no service credential is needed; the
 * catalog is not asked for. Any other failure is the HTTP layer's OpenStackError (retries, timeout, request id).
 */
export async function validateToken(http: HttpTransport, authUrl: string, token: string): Promise<KeystoneValidatedToken | null> {
  const base = authUrl.replace(/\/+$/, '');
  const url = `${base.endsWith('/v3') ? base : `${base}/v3`}/auth/tokens?nocatalog`;
  let res: HttpResponse;
  try {
    res = await http.request({ service: 'identity', method: 'GET', url, headers: { 'X-Auth-Token': token, 'X-Subject-Token': token } });
  } catch (err) {
    if (err instanceof OpenStackError && TOKEN_REFUSED.has(err.code)) return null;
    throw err;
  }
  return http.parse(KeystoneValidatedToken, res, 'identity').token;
}
