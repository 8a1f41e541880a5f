// Microversion negotiation: the highest version both the service and this client know, and at least the
// one whose response fields we need (Nova domain.md §5.3, Placement §5.5).
import { OpenStackError, type ServiceName } from './errors.ts';

export type Version = readonly [major: number, minor: number];

export function parseVersion(v: string): Version {
  const m = /^(\d+)\.(\d+)$/.exec(v.trim());
  if (!m) throw new Error(`not a microversion: ${v}`);
  return [Number(m[1]), Number(m[2])];
}

export function compareVersions(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1];
}

export function negotiate(
  service: ServiceName,
  url: string,
  server: { min: string; max: string },
  client: { min: string; max: string; why: string },
): string {
  const [sMin, sMax, cMin, cMax] = [server.min, server.max, client.min, client.max].map(parseVersion) as [Version, Version, Version, Version];
  const best = compareVersions(sMax, cMax) < 0 ? sMax : cMax;
  if (compareVersions(best, cMin) < 0 || compareVersions(best, sMin) < 0) {
    throw new OpenStackError(
      'upstream_not_acceptable',
      `${service} at ${url} serves microversions ${server.min}–${server.max}; nova-advisor needs ${client.min}–${client.max} (${client.why})`,
      { service, method: 'GET', url, field: 'version' },
    );
  }
  return `${best[0]}.${best[1]}`;
}

/** The server's range as its version document states it, and where it was read. */
export interface ServerVersions {
  url: string;
  min: string;
  max: string;
}

/** What one read of a version document settles: the microversion to send and the server's maximum. */
export interface Discovered {
  negotiated: string;
  /**
   * The server's maximum microversion as it states it: it tells the release (Nova domain.md §5.3, the
   * per-release maxima of NOVA rest_api_version_history.rst), so the sync keeps it on the snapshot.
   */
  serverMax: string;
}

/**
 * Reads a service's version document once per client and negotiates in it; a failed read is forgotten, so the
 * next call reads again.
 */
export function discoverOnce(
  service: ServiceName,
  client: { min: string; max: string; why: string },
  readServer: () => Promise<ServerVersions>,
): () => Promise<Discovered> {
  let pending: Promise<Discovered> | null = null;
  return () => {
    if (pending) return pending;
    const discovery = readServer().then((server) => ({ negotiated: negotiate(service, server.url, server, client), serverMax: server.max }));
    pending = discovery;
    discovery.catch(() => (pending = null));
    return discovery;
  };
}
