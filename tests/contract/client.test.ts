// Contract of the OpenStack client layer against the recorded lab answers, normal and bad days
// (design.md "Tests": 401 mid-pagination, 503 bursts, timeouts, gone marker, 406 microversion).
import pLimit from 'p-limit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createClient } from '../../src/openstack/client.ts';
import { OpenStackError } from '../../src/openstack/errors.ts';
import { FakeOpenStack } from './support/fake-openstack.ts';
import { captureLog, expectRejection, fakeClient } from './support/setup.ts';

let fake: FakeOpenStack;
beforeAll(async () => {
  fake = await FakeOpenStack.start();
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

const isPath = (service: string, fragment: string) => (r: { service: string; path: string }) =>
  r.service === service && r.path.includes(fragment);

describe('replay of the lab', () => {
  it('follows Nova *_links and Glance relative next (endpoint with a path) to the empty page', async () => {
    const client = fakeClient(fake, captureLog().log);
    const [flavors, images] = await Promise.all([client.nova.listFlavors(), client.glance.listImages()]);
    expect(flavors.map((f) => f.id).sort()).toEqual(['lab-pf', 'lab-pinned', 'lab-sriov', 'lab-tiny']);
    expect(flavors.find((f) => f.id === 'lab-sriov')?.extra_specs?.['pci_passthrough:alias']).toBe('sriov-nic:2');
    expect(images.map((i) => i.name).sort()).toEqual(['lab-queued-debian-12', 'lab-rhel-9', 'lab-ubuntu-22.04', 'lab-windows-2022']);
    // 4 items, pages of 2: the second page is full so Nova and Glance both link a third, empty one.
    expect(fake.count(isPath('compute', '/flavors/detail'))).toBe(3);
    expect(fake.count(isPath('image', '/v2/images'))).toBe(3);
    expect(fake.count((r) => r.path.includes('/v2/v2'))).toBe(0);
  });

  it('negotiates compute 2.93 and placement 1.39 from the version documents, and keeps the servers\' maxima', async () => {
    const client = fakeClient(fake, captureLog().log);
    expect(await client.nova.microversion()).toBe('2.93');
    expect(await client.placement.microversion()).toBe('1.39');
    // The lab's maxima are within what nova-advisor knows, so negotiated = maximum; read from the same two documents.
    expect(await client.nova.maxMicroversion()).toBe('2.93');
    expect(await client.placement.maxMicroversion()).toBe('1.39');
    expect(client.http.requestCount).toBe(1 + 2);
    await client.nova.listFlavors();
    expect(fake.requests.filter(isPath('compute', '/flavors')).every((r) => r.microversion === 'compute 2.93')).toBe(true);
  });

  it('keeps a newer server\'s maximum apart from the microversion it sends (2026.1: 2.103, sent 2.100)', async () => {
    fake.script((r) => {
      if (r.service !== 'compute' || r.path !== '/v2.1') return undefined;
      const recorded = fake.recorded(null, 'compute', 'GET', '/v2.1');
      const doc = recorded.body as { version: Record<string, unknown> };
      return { ...recorded, body: { version: { ...doc.version, version: '2.103' } } };
    });
    const client = fakeClient(fake, captureLog().log);
    expect(await client.nova.microversion()).toBe('2.100');
    expect(await client.nova.maxMicroversion()).toBe('2.103');
  });

  it('reads 8 providers with inventories, usages, traits and aggregates', async () => {
    const client = fakeClient(fake, captureLog().log);
    const tree = await client.placement.readProviders(pLimit(16));
    expect(tree.resource_providers).toHaveLength(8);
    expect(Object.keys(tree.inventories)).toHaveLength(8);
    expect(fake.tokensIssued).toBe(1);
  });
});

describe('authentication', () => {
  it('token expiring in the middle of a paged listing: 401, one re-auth, the listing continues', async () => {
    const client = fakeClient(fake, captureLog().log);
    let expired = false;
    fake.script((r) => {
      if (!expired && r.path.includes('marker=lab-pinned')) {
        expired = true;
        fake.expireTokens();
      }
      return undefined;
    });
    const flavors = await client.nova.listFlavors();
    expect(flavors).toHaveLength(4);
    expect(fake.tokensIssued).toBe(2);
    expect(fake.count(isPath('compute', 'marker=lab-pinned'))).toBe(2);
  });

  it('50 concurrent calls after a 401 share exactly one token request', async () => {
    const client = fakeClient(fake, captureLog().log);
    const endpoint = await client.session.endpoint('placement');
    fake.expireTokens();
    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
        client.session.request({ service: 'placement', method: 'GET', url: `${endpoint}/resource_providers`, microversion: 'placement 1.39' }),
      ),
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(fake.tokensIssued).toBe(2);
    expect(client.session.authCount).toBe(2);
  });

  it('reuses the token until shortly before expires_at, then renews it without waiting for a 401', async () => {
    fake.tokenTtlMs = 400; // renewed at half its life
    const client = fakeClient(fake, captureLog().log);
    const endpoint = await client.session.endpoint('placement');
    const get = () => client.session.request({ service: 'placement', method: 'GET', url: `${endpoint}/resource_providers`, microversion: 'placement 1.39' });
    await get();
    await get();
    expect(fake.tokensIssued).toBe(1);
    await new Promise((r) => setTimeout(r, 250));
    await get();
    expect(fake.tokensIssued).toBe(2);
    expect(fake.requests.at(-1)?.token).toBe('fake-token-2');
  });

  it('a refused password is upstream_unauthorized naming the cloud, without the password', async () => {
    fake.script((r) => (r.service === 'identity' ? fake.recorded('bad-password', 'identity', 'POST') : undefined));
    const err = await expectRejection(fakeClient(fake, captureLog().log).nova.listFlavors());
    expect(err).toBeInstanceOf(OpenStackError);
    expect(err.code).toBe('upstream_unauthorized');
    expect(err.message).toContain('cloud "fake"');
    expect(err.message).not.toContain('fake-Secret-pw');
    expect(err.details).toMatchObject({ service: 'identity', method: 'POST', status: 401 });
    expect(err.details?.requestId).toMatch(/^req-/);
  });

  it('never logs the password or a token', async () => {
    const { log, lines } = captureLog();
    const client = fakeClient(fake, log);
    let expired = false;
    fake.script((r) => {
      if (!expired && r.service === 'image') {
        expired = true;
        fake.expireTokens();
      }
      return undefined;
    });
    await Promise.all([client.nova.listFlavors(), client.glance.listImages(), client.placement.readProviders(pLimit(4))]);
    const text = lines.join('');
    expect(lines.length).toBeGreaterThan(40); // one debug line per call
    expect(text).not.toContain('fake-Secret-pw');
    expect(text).not.toMatch(/fake-token-\d/);
  });
});

describe('retries', () => {
  it('503 burst: succeeds after the retries, honouring Retry-After', async () => {
    const client = fakeClient(fake, captureLog().log);
    let n = 0;
    fake.script((r) =>
      r.path === '/resource_providers' && n++ < 2 ? { status: 503, headers: { 'retry-after': '1' }, body: { errors: [{ detail: 'busy' }] } } : undefined,
    );
    const started = Date.now();
    const tree = await client.placement.readProviders(pLimit(16));
    expect(tree.resource_providers).toHaveLength(8);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
    expect(fake.count((r) => r.path === '/resource_providers')).toBe(3);
  });

  it('429 and 502 on idempotent reads are retried with back-off', async () => {
    const client = fakeClient(fake, captureLog().log);
    const statuses = [429, 502, 504];
    fake.script((r) => (isPath('image', '/v2/images')(r) && statuses.length > 0 ? { status: statuses.shift()!, body: 'busy' } : undefined));
    expect(await client.glance.listImages()).toHaveLength(4);
    expect(client.http.requestCount).toBe(1 + 3 + 3);
  });

  it('a burst longer than the retries ends in upstream_unavailable with status and request id', async () => {
    const client = fakeClient(fake, captureLog().log);
    fake.script((r) => (r.service === 'placement' && r.path !== '/' ? { status: 503, headers: { 'x-openstack-request-id': 'req-burst' }, body: { errors: [{ detail: 'down' }] } } : undefined));
    const err = await expectRejection(client.placement.readProviders(pLimit(4)));
    expect(err.code).toBe('upstream_unavailable');
    expect(err.details).toMatchObject({ service: 'placement', method: 'GET', status: 503, requestId: 'req-burst' });
    expect(err.message).toContain('/resource_providers');
    expect(fake.count((r) => r.path === '/resource_providers')).toBe(4); // 1 + 3 retries
  });

  it('connection refused is retried, then upstream_unavailable', async () => {
    const cloud = { ...fake.cloud(), endpointOverrides: { image: 'http://127.0.0.1:9/image' } };
    const client = createClient(cloud, { log: captureLog().log, http: { retries: 2, backoffBaseMs: 5 } });
    const err = await expectRejection(client.glance.listImages());
    expect(err.code).toBe('upstream_unavailable');
    expect(err.message).toMatch(/ECONNREFUSED.*after 3 attempts/);
    expect(client.http.requestCount).toBe(1 + 3);
  });

  // Issue 11: a body cut off in transit failed the whole sync after one attempt (axios ERR_BAD_RESPONSE).
  const faults = ['short-body', 'reset', 'cut-json'] as const;
  const onFirst = (pred: (r: { service: string; path: string }) => boolean, fault: (typeof faults)[number]) => {
    let sent = false;
    fake.script((r) => {
      if (sent || !pred(r)) return undefined;
      sent = true;
      return { ...fake.recorded(null, r.service as 'compute', 'GET', r.path), fault };
    });
  };

  it.each(faults)('a page cut off once (%s) is retried: one extra attempt, the listing complete', async (fault) => {
    const client = fakeClient(fake, captureLog().log);
    onFirst(isPath('compute', '/flavors/detail?'), fault);
    expect(await client.nova.listFlavors()).toHaveLength(4);
    expect(fake.count(isPath('compute', '/flavors/detail'))).toBe(3 + 1);
  });

  it.each(faults)('the raw provider listing cut off once (%s) is retried', async (fault) => {
    const client = fakeClient(fake, captureLog().log);
    onFirst((r) => r.path === '/resource_providers', fault);
    const tree = await client.placement.readProviders(pLimit(4));
    expect(tree.resource_providers).toHaveLength(8);
    expect(fake.count((r) => r.path === '/resource_providers')).toBe(2);
  });

  it.each([
    ['short-body', 'upstream_unavailable', /answered 200, then the body was cut off \(ERR_BAD_RESPONSE.*after 4 attempts/],
    ['reset', 'upstream_unavailable', /answered 200, then the body was cut off \(ECONNRESET.*after 4 attempts/],
    ['cut-json', 'upstream_bad_response', /answered 200 with a JSON body cut off after \d+ bytes.*after 4 attempts/],
  ] as const)('cut off on every attempt (%s): %s with status, service and request id, after the retries', async (fault, code, message) => {
    const client = fakeClient(fake, captureLog().log);
    fake.script((r) =>
      isPath('image', '/v2/images')(r) ? { ...fake.recorded(null, 'image', 'GET', r.path), headers: { 'x-openstack-request-id': 'req-cut' }, fault } : undefined,
    );
    const err = await expectRejection(client.glance.listImages());
    expect(err).toBeInstanceOf(OpenStackError);
    expect(err.code).toBe(code);
    expect(err.message).toMatch(message);
    expect(err.message).toMatch(/^image GET .*request req-cut/);
    expect(err.details).toMatchObject({ service: 'image', method: 'GET', status: 200, requestId: 'req-cut' });
    expect(fake.count(isPath('image', '/v2/images'))).toBe(4); // 1 + 3 retries
  });

  it('a POST not marked idempotent cut off is not retried', async () => {
    const client = fakeClient(fake, captureLog().log);
    fake.script((r) => (r.method === 'POST' && r.service === 'compute' ? { status: 202, body: { server: { id: 'x' } }, fault: 'short-body' } : undefined));
    const err = await expectRejection(client.http.request({ service: 'compute', method: 'POST', url: `${fake.base}/compute/v2.1/servers`, body: {} }));
    expect(err.code).toBe('upstream_unavailable');
    expect(err.message).toMatch(/answered 202, then the body was cut off.*after 1 attempts/);
    expect(fake.count((r) => r.method === 'POST' && r.service === 'compute')).toBe(1);
  });

  it('a slow endpoint past the timeout is upstream_timeout, not retried', async () => {
    const client = fakeClient(fake, captureLog().log, { timeoutMs: 200 });
    fake.script((r) => (isPath('image', '/v2/images')(r) ? { ...fake.recorded(null, 'image', 'GET', '/v2/images?limit=2&visibility=all'), delayMs: 600 } : undefined));
    const err = await expectRejection(client.glance.listImages());
    expect(err.code).toBe('upstream_timeout');
    expect(err.details).toMatchObject({ service: 'image', method: 'GET' });
    expect(fake.count(isPath('image', '/v2/images'))).toBe(1);
  });
});

describe('refusals', () => {
  it('a marker that no longer exists: Nova 400 is upstream_bad_request with Nova\'s message', async () => {
    const client = fakeClient(fake, captureLog().log);
    fake.script((r) => (r.path.includes('marker=lab-pinned') ? fake.recorded('marker-gone', 'compute', 'GET') : undefined));
    const err = await expectRejection(client.nova.listFlavors());
    expect(err.code).toBe('upstream_bad_request');
    expect(err.message).toMatch(/marker \[lab-gone\] not found/);
    expect(err.details).toMatchObject({ service: 'compute', status: 400 });
    expect(err.details?.requestId).toMatch(/^req-/);
  });

  it('406 for a microversion a mixed-version control plane does not serve', async () => {
    const client = fakeClient(fake, captureLog().log);
    // The version document (say, of an upgraded node) promises 2.95; the node that answers has 2.93.
    fake.script((r) => (r.service === 'compute' && r.path === '/v2.1' ? { status: 200, body: { version: { id: 'v2.1', version: '2.95', min_version: '2.1' } } } : undefined));
    const err = await expectRejection(client.nova.listFlavors());
    expect(err.code).toBe('upstream_not_acceptable');
    expect(err.details).toMatchObject({ service: 'compute', status: 406 });
    expect(err.message).toContain('2.95');
  });

  it('a cloud older than the microversion we need fails before listing', async () => {
    const client = fakeClient(fake, captureLog().log);
    fake.script((r) => (r.service === 'compute' && r.path === '/v2.1' ? { status: 200, body: { version: { id: 'v2.1', version: '2.60', min_version: '2.1' } } } : undefined));
    const err = await expectRejection(client.nova.listFlavors());
    expect(err.code).toBe('upstream_not_acceptable');
    expect(err.message).toMatch(/2\.1–2\.60.*needs 2\.61/);
    expect(fake.count(isPath('compute', '/flavors'))).toBe(0);
  });

  it('Placement 403 for a non-admin is upstream_forbidden saying admin is needed', async () => {
    const client = fakeClient(fake, captureLog().log);
    fake.script((r) => (r.path === '/resource_providers' ? fake.recorded('demo', 'placement', 'GET', '/resource_providers') : undefined));
    const err = await expectRejection(client.placement.readProviders(pLimit(4)));
    expect(err.code).toBe('upstream_forbidden');
    expect(err.message).toMatch(/only admin or service/);
    expect(err.message).toContain('placement:resource_providers:list');
    expect(err.details).toMatchObject({ service: 'placement', status: 403 });
  });

  it('an unexpected response shape is upstream_bad_response naming service, URL and field', async () => {
    const client = fakeClient(fake, captureLog().log);
    fake.script((r) =>
      r.path.endsWith('/usages') ? { status: 200, body: { resource_provider_generation: 1, usages: { VCPU: 'two' } } } : undefined,
    );
    const err = await expectRejection(client.placement.readProviders(pLimit(1)));
    expect(err.code).toBe('upstream_bad_response');
    expect(err.details).toMatchObject({ service: 'placement', field: 'usages.VCPU' });
    expect(err.message).toMatch(/placement GET http:\/\/127\.0\.0\.1:\d+\/placement\/resource_providers\/[\w-]+\/usages: unexpected response at "usages.VCPU"/);
  });
});
