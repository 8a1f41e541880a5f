import { describe, expect, it } from 'vitest';
import { hostIndex, hostIndexSteps } from './host-index.ts';
import { host } from '../test-fixtures.ts';

const manyHosts = (n: number) => Array.from({ length: n }, (_, i) => host(`h${String(n - i).padStart(5, '0')}`, { vcpus: 1 + (i % 7) }));

describe('host index', () => {
  it('built in steps is the index built at once, and a request during the build finishes that build', () => {
    const hosts = manyHosts(2_500);
    const steps = hostIndexSteps(hosts);
    expect(steps.next().done).toBe(false);
    const index = hostIndex(hosts);
    expect(steps.next().done).toBe(true);
    expect(hostIndex(hosts)).toBe(index);
    expect(hostIndexSteps(hosts).next()).toEqual({ done: true, value: index });
    expect(index.byName.map((ih) => ih.host.name)).toEqual(hosts.map((h) => h.name).sort());
    expect(index.rootColumns.get('VCPU')?.free[0]).toBe(index.byName[0]!.root.free['VCPU']);
  });

  it('hosts with the same root traits, in any order, share a trait set', () => {
    const a = host('a', { traits: ['X', 'Y'] });
    const b = host('b', { traits: ['Y', 'X'] });
    const c = host('c', { traits: ['X'] });
    const [ia, ib, ic] = hostIndex([a, b, c]).hosts;
    expect(ia!.traitSet).toBe(ib!.traitSet);
    expect(ic!.traitSet).not.toBe(ia!.traitSet);
  });
});
