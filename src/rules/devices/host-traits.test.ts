// Which hosts support a device model, from the traits of their root providers (domain.md §2.5, §2.6): the example
// names an answer shows, and the same answers whether or not the support was worked out ahead (prepareHostSupport).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { firstNames, hostSupport, prepareHostSupport } from './host-traits.ts';
import { NAMED_HOSTS } from '../findings/catalog.ts';
import { host } from '../test-fixtures.ts';
import type { Host } from '../../model/index.ts';

const VIF = 'COMPUTE_NET_VIF_MODEL_';

/** 40 hosts over four trait sets, names interleaved across them: two sets lack E1000, so its examples merge both. */
function cloud(): Host[] {
  const sets = [
    [`${VIF}VIRTIO`, `${VIF}E1000`, 'COMPUTE_STORAGE_BUS_VIRTIO'],
    [`${VIF}VIRTIO`, 'COMPUTE_STORAGE_BUS_VIRTIO'],
    [`${VIF}VIRTIO`, 'COMPUTE_STORAGE_BUS_VIRTIO', 'CUSTOM_RACK_B'],
    ['CUSTOM_RACK_C'],
  ];
  return Array.from({ length: 40 }, (_, i) => host(`cmp-${String(i).padStart(2, '0')}`, { traits: sets[i % 4]! }));
}

describe('hostSupport examples (domain.md §2.6)', () => {
  it('names the first hosts by name across trait sets, for each verdict', () => {
    const support = hostSupport(cloud(), `${VIF}E1000`, VIF, { required: [], forbidden: [] });
    expect(support).toMatchObject({ hosts: 40, supporting: 10, lacking: 20, unknown: 10 });
    // Hosts i % 4 of 1 and 2 report NIC models but not E1000: the first ten of the twenty by name.
    expect(support.examples.lacking).toEqual(['cmp-01', 'cmp-02', 'cmp-05', 'cmp-06', 'cmp-09', 'cmp-10', 'cmp-13', 'cmp-14', 'cmp-17', 'cmp-18']);
    expect(support.examples.supporting.slice(0, 3)).toEqual(['cmp-00', 'cmp-04', 'cmp-08']);
    expect(support.examples.unknown).toHaveLength(NAMED_HOSTS);
  });

  it('gives the same answers when worked out ahead of the first request', () => {
    const prepared = cloud();
    prepareHostSupport(prepared);
    const asks = [
      [`${VIF}E1000`, VIF], [`${VIF}VIRTIO`, VIF], [`${VIF}IGB`, VIF], ['COMPUTE_STORAGE_BUS_VIRTIO', 'COMPUTE_STORAGE_BUS_'],
      ['COMPUTE_GRAPHICS_MODEL_VGA', 'COMPUTE_GRAPHICS_MODEL_'],
    ] as const;
    for (const scope of [{ required: [], forbidden: [] }, { required: ['CUSTOM_RACK_B'], forbidden: [] }, { required: [], forbidden: ['CUSTOM_RACK_C'] }]) {
      for (const [trait, family] of asks) {
        expect(hostSupport(prepared, trait, family, scope), `${trait} ${JSON.stringify(scope)}`).toEqual(hostSupport(cloud(), trait, family, scope));
      }
    }
  });
});

describe('firstNames', () => {
  it('is the first NAMED_HOSTS names in string order of groups whose names are each sorted', () => {
    const name = fc.stringMatching(/^[a-zA-Z0-9._-]{0,6}$/);
    const groups = fc.array(fc.array(name, { maxLength: 2 * NAMED_HOSTS }).map((names) => ({ names: [...names].sort() })), { maxLength: 12 });
    fc.assert(fc.property(groups, (gs) => {
      expect(firstNames(gs)).toEqual(gs.flatMap((g) => g.names).sort().slice(0, NAMED_HOSTS));
    }));
  });
});
