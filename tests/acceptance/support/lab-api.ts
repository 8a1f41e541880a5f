// The lab's own APIs, called directly as a user would (the reference nova-advisor's answers are compared with):
// Keystone tokens and administration, Glance, Nova and Placement with a given token. Plain fetch on purpose:
// nothing of nova-advisor's client sits between the test and the services it checks against.

export interface LabToken {
  token: string;
  projectId: string;
  userId: string;
  /** Service type → public endpoint URL, from the token's catalog. */
  endpoints: Record<string, string>;
}

export interface Answer {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- each service's own JSON, read by the test
  headers: Headers;
}

const COMPUTE_VERSION = 'compute 2.61';
const PLACEMENT_VERSION = 'placement 1.39';

export class LabApi {
  constructor(readonly authUrl: string) {}

  /** A project-scoped token for a Default-domain user (password method). */
  async token(user: string, password: string, project: string): Promise<LabToken> {
    const res = await fetch(`${this.authUrl}/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: { methods: ['password'], password: { user: { name: user, domain: { name: 'Default' }, password } } },
          scope: { project: { name: project, domain: { name: 'Default' } } },
        },
      }),
    });
    if (res.status !== 201) throw new Error(`token for ${user}: ${res.status} ${await res.text()}`);
    const body = (await res.json()) as {
      token: { project: { id: string }; user: { id: string }; catalog: { type: string; endpoints: { interface: string; url: string }[] }[] };
    };
    const endpoints = Object.fromEntries(
      body.token.catalog.map((s) => [s.type, s.endpoints.find((e) => e.interface === 'public')!.url.replace(/\/$/, '')]),
    );
    return { token: res.headers.get('x-subject-token')!, projectId: body.token.project.id, userId: body.token.user.id, endpoints };
  }

  async call(t: LabToken, service: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
    const res = await fetch(`${t.endpoints[service]}${path}`, {
      method,
      headers: {
        'x-auth-token': t.token,
        ...(body === undefined ? {} : { 'content-type': service === 'image' && method === 'PATCH' ? 'application/openstack-images-v2.1-json-patch' : 'application/json' }),
        ...(service === 'compute' ? { 'openstack-api-version': COMPUTE_VERSION } : {}),
        ...(service === 'placement' ? { 'openstack-api-version': PLACEMENT_VERSION } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return answerOf(res);
  }

  /** Every item of a paged listing, following `next` links as Glance and Nova give them. */
  async all(t: LabToken, service: 'image' | 'compute', path: string, key: string): Promise<{ id: string; name: string }[]> {
    const items: { id: string; name: string }[] = [];
    let next: string | null = path;
    while (next) {
      const page = await this.call(t, service, 'GET', next);
      if (page.status !== 200) throw new Error(`GET ${next}: ${page.status}`);
      items.push(...page.body[key]);
      next = nextOf(page.body, service);
    }
    return items;
  }

  /** Ends a token now, as `openstack token revoke` does. */
  async revoke(admin: LabToken, token: string): Promise<void> {
    const res = await fetch(`${this.authUrl}/auth/tokens`, { method: 'DELETE', headers: { 'x-auth-token': admin.token, 'x-subject-token': token } });
    if (res.status !== 204) throw new Error(`revoke: ${res.status}`);
  }

  async keystone(admin: LabToken, method: string, path: string, body?: unknown): Promise<Answer> {
    const res = await fetch(`${this.authUrl}${path}`, {
      method,
      headers: { 'x-auth-token': admin.token, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return answerOf(res);
  }
}

/** The status and, where the service answered JSON, the body (errors may come as HTML pages). */
async function answerOf(res: Response): Promise<Answer> {
  const text = await res.text();
  const json = (res.headers.get('content-type') ?? '').includes('json') && text.length > 0;
  return { status: res.status, body: json ? JSON.parse(text) : text, headers: res.headers };
}

/** Glance gives `next` as a path under the endpoint; Nova gives `flavors_links` with a full URL. */
function nextOf(body: { next?: string; flavors_links?: { rel: string; href: string }[] }, service: 'image' | 'compute'): string | null {
  if (service === 'image') return body.next ?? null;
  const href = body.flavors_links?.find((l) => l.rel === 'next')?.href;
  return href ? href.slice(href.indexOf('/flavors')) : null;
}
