// One client per configured cloud: its HTTP layer, Keystone session and the three readers. Kept for the
// life of the process so the token and the negotiated microversions are reused between syncs.
import type { Logger } from 'pino';
import type { CloudConfig } from './config.ts';
import { GlanceReader } from './glance.ts';
import { HttpTransport, type HttpSettings } from './http.ts';
import { KeystoneSession } from './keystone.ts';
import { NovaReader } from './nova.ts';
import { PlacementReader } from './placement.ts';

export interface ClientOptions {
  log: Logger;
  http?: Partial<HttpSettings>;
  /** Page size for Nova and Glance listings; both clamp to their max (1000 by default, domain.md §5.3, §5.4). */
  pageSize?: number;
  /** Clock for token expiry (tests). */
  now?: () => number;
}

export interface OpenStackClient {
  readonly cloud: CloudConfig;
  readonly http: HttpTransport;
  readonly session: KeystoneSession;
  readonly nova: NovaReader;
  readonly glance: GlanceReader;
  readonly placement: PlacementReader;
}

export function createClient(cloud: CloudConfig, opts: ClientOptions): OpenStackClient {
  const log = opts.log.child({ cloud: cloud.name });
  const http = new HttpTransport(log, opts.http, cloud.tls);
  const session = new KeystoneSession(cloud, http, log, opts.now);
  const pageSize = opts.pageSize ?? 1000;
  return {
    cloud,
    http,
    session,
    nova: new NovaReader(session, pageSize),
    glance: new GlanceReader(session, pageSize),
    placement: new PlacementReader(session),
  };
}
