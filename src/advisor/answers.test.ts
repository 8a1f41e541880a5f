// The answer cache keeps an answer from the second time its request comes (issue 16): requests asked once, like an
// image checked before its upload, never fill it, and one asked again is answered from it.
import { describe, expect, it } from 'vitest';
import { AnswerCache, Computed, answerOf, snapshotRef } from './answers.ts';
import { defaultRuleContext, validate } from '../rules/index.ts';
import { ValidationBody } from '../schemas/validation.ts';
import { loadDemoCloud } from '../sync/demo.ts';
import { normaliseCloud } from '../sync/normalise.ts';

const { snapshot } = normaliseCloud(loadDemoCloud(), 'answers-test', 'demo');
const ctx = defaultRuleContext();

/** A cache and a count of the answers it had computed. */
function counted() {
  const cache = new AnswerCache(ValidationBody, (body) => body.verdict);
  let computed = 0;
  const ask = (properties: Record<string, string>) => cache.get(ctx, snapshot, { properties }, () => {
    computed++;
    return validate(snapshot, { properties, flavor: null }, ctx);
  });
  return { ask, computed: () => computed };
}

describe('AnswerCache', () => {
  it('computes a request\'s first two answers and answers the third from the cache, the same JSON each time', () => {
    const { ask, computed } = counted();
    const properties = { hw_disk_bus: 'virtio' };
    const [a, b, c] = [ask(properties), ask(properties), ask(properties)];
    expect(computed()).toBe(2);
    expect([a.cached, b.cached, c.cached]).toEqual([false, true, true]);
    expect(c.computed).toBe(b.computed);
    expect(b.computed.json).toBe(a.computed.json);
    expect(JSON.parse(a.computed.json)).toEqual(JSON.parse(JSON.stringify(validate(snapshot, { properties, flavor: null }, ctx))));
  });

  it('keeps what the caller reads (the audit row\'s verdict) with a cached and an uncached answer alike', () => {
    const { ask } = counted();
    const properties = { hw_vif_model: 'e1000' };
    expect(ask(properties).computed.kept).toBe(ask(properties).computed.kept);
    expect(ask(properties).computed.kept).toBe(validate(snapshot, { properties, flavor: null }, ctx).verdict);
  });

  it('is not filled by requests asked once: a request asked again among them is still answered from the cache', () => {
    const { ask, computed } = counted();
    const repeated = { hw_disk_bus: 'scsi', hw_scsi_model: 'virtio-scsi' };
    ask(repeated);
    ask(repeated);
    // More one-off requests than the cache holds (500), each with a checksum of its own as uploads have.
    for (let i = 0; i < 600; i++) ask({ hw_disk_bus: 'virtio', 'owner_specified.openstack.sha256': String(i).padStart(64, '0') });
    const before = computed();
    expect(ask(repeated).cached).toBe(true);
    expect(computed()).toBe(before);
  });

  it('sends an answer with the snapshot reference first, the answer\'s own JSON after it, cached or not', () => {
    const { ask } = counted();
    const properties = { hw_machine_type: 'q35' };
    for (const { computed, cached } of [ask(properties), ask(properties), ask(properties)]) {
      const answer = answerOf<ValidationBody>(snapshot, computed, cached);
      const sent = answer.json().toString();
      expect(Object.keys(JSON.parse(sent))[0]).toBe('snapshot');
      expect({ ...answer.object(), snapshot: undefined }).toEqual({ ...JSON.parse(computed.json), snapshot: undefined });
      expect(answer.object().snapshot.id).toBe(snapshot.id);
    }
  });
});

describe('Computed', () => {
  const ref = snapshotRef(snapshot);
  it.each([
    { name: 'an answer', body: { verdict: 'ok', reasons: ['§ one', 'two'], nested: { a: null, n: 1 } } },
    { name: 'an empty answer', body: {} },
  ])('writes $name with the snapshot reference first, alike before and after its own JSON is kept', ({ body }) => {
    const expected = JSON.stringify({ snapshot: ref, ...body });
    const computed = new Computed(body, undefined);
    // Sent once (never kept): written with the reference in one go.
    expect(computed.withSnapshot(ref)).toBe(expected);
    expect(computed.json).toBe(JSON.stringify(body));
    // Kept: its JSON joined with the reference.
    expect(computed.withSnapshot(ref)).toBe(expected);
  });
});
