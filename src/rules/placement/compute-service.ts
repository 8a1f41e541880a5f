// Observed per-host facts from Nova that decide whether the scheduler uses a host at all (domain.md §2.5, §5.3).
import { WeakMemo } from '../../lib/memo.ts';
import { NAMED_HOSTS, makeFinding } from '../findings/catalog.ts';
import type { Finding, Host } from '../../model/index.ts';

/** compute_status_filter's forbidden trait (§2.5), set by nova-compute on the root provider of a disabled service. */
export const COMPUTE_STATUS_DISABLED = 'COMPUTE_STATUS_DISABLED';

/** Whether the scheduler skips the host: its nova-compute service is disabled or forced down (os-services, §5.3). */
export function serviceUnavailable(host: Host): 'disabled' | 'forced down' | null {
  if (host.computeService?.forcedDown) return 'forced down';
  if (host.computeService?.disabled) return 'disabled';
  return null;
}

/**
 * The root traits the scheduler meets: a disabled or forced-down service counts as COMPUTE_STATUS_DISABLED, so
 * one rule (the query's forbidden trait) keeps out hosts Nova keeps out — by the trait (disabled: nova-compute
 * sets it) or by the ComputeFilter (forced down: the service group says it is not up).
 */
export function schedulingTraits(host: Host): string[] {
  return serviceUnavailable(host) !== null && !host.traits.includes(COMPUTE_STATUS_DISABLED)
    ? [...host.traits, COMPUTE_STATUS_DISABLED]
    : host.traits;
}

/** The finding naming how many hosts capacity leaves out for their service state; none when all are up or unread. */
export function computeServiceFindings(hosts: readonly Host[]): Finding[] {
  return [...serviceFindings.get(hosts)];
}

// Walks every host, and a host list never changes: once per list, not per answer.
const serviceFindings = new WeakMemo<readonly Host[], Finding[]>((hosts) => {
  const down = hosts.flatMap((h) => {
    const state = serviceUnavailable(h);
    return state === null ? [] : [{ host: h.name, state }];
  });
  if (down.length === 0) return [];
  const disabled = down.filter((d) => d.state === 'disabled').length;
  const forced = down.length - disabled;
  const parts = [disabled > 0 ? `${disabled} disabled` : null, forced > 0 ? `${forced} forced down` : null].filter(Boolean).join(', ');
  return [makeFinding('compute-service-unavailable', null,
    `${down.length} of ${hosts.length} host(s) have their nova-compute service ${parts}: the scheduler places nothing there (COMPUTE_STATUS_DISABLED / ComputeFilter), so capacity leaves them out.`,
    down.slice(0, NAMED_HOSTS).map((d) => ({ source: 'nova-api' as const, ref: `compute-service ${d.host}`, value: d.state })))];
});
