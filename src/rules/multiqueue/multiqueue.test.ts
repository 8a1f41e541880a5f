import { describe, expect, it } from 'vitest';
import { advise, defaultRuleContext, validate, type RuleContext } from '../index.ts';
import { expectedQueues, queueCap } from './multiqueue.ts';
import { LAB_FLAVORS, flavor, image, labSnapshot, request } from '../test-fixtures.ts';
import type { Flavor, HostFacts } from '../../model/index.ts';

const lab = labSnapshot();
const ctx = (facts: Partial<HostFacts> = {}): RuleContext => {
  const base = defaultRuleContext();
  return { ...base, hostFacts: { ...base.hostFacts, ...facts } };
};
const UBUNTU = image({ os_distro: 'ubuntu22.04' });
const ids = (props: Record<string, string>, fl: Flavor | null, facts: Partial<HostFacts> = {}) =>
  validate(lab, { properties: props, flavor: fl }, ctx(facts)).findings.map((f) => f.id);

describe('multiqueue queue count', () => {
  it.each([
    { kernelMajor: 2, cap: 1 },
    { kernelMajor: 3, cap: 8 },
    { kernelMajor: 4, cap: 256 },
    { kernelMajor: 5, cap: null },
    { kernelMajor: 6, cap: null },
  ])('§2.2 kernel $kernelMajor caps queues at $cap', ({ kernelMajor, cap }) => {
    expect(queueCap({ kernelMajor, maxQueues: null })).toBe(cap);
  });

  it.each([
    { vcpus: 16, kernelMajor: 3, maxQueues: null, queues: 8 },
    { vcpus: 4, kernelMajor: 3, maxQueues: null, queues: 4 },
    { vcpus: 300, kernelMajor: 4, maxQueues: null, queues: 256 },
    { vcpus: 300, kernelMajor: 5, maxQueues: null, queues: 300 },
    { vcpus: 16, kernelMajor: 5, maxQueues: 4, queues: 4 },
    { vcpus: 16, kernelMajor: 3, maxQueues: 12, queues: 12 },
  ])('§2.2 min($vcpus vCPUs, cap of kernel $kernelMajor / max_queues $maxQueues) = $queues', ({ vcpus, kernelMajor, maxQueues, queues }) => {
    expect(expectedQueues(vcpus, { kernelMajor, maxQueues })).toBe(queues);
  });
});

describe('multiqueue advice', () => {
  const mq = (fl: Flavor | null, facts: Partial<HostFacts> = {}, props: Record<string, string> = { os_distro: 'ubuntu22.04' }) => {
    const advice = advise(lab, request(image(props), fl, { workload: 'network-throughput' }), ctx(facts));
    return [...advice.imageProperties, ...advice.flavorExtraSpecs].find((r) => r.key.includes('vif_multiqueue_enabled'));
  };

  it('§2.2 4 vCPUs on kvm + vhost-net → enabled, 4 queues expected', () => {
    const recommendation = mq(flavor('m4', 4, 4096, 10));
    expect(recommendation?.value).toBe('true');
    expect(recommendation?.reason).toContain('expect 4 queues');
    expect(recommendation?.evidence.some((e) => e.source === 'declared-host-fact')).toBe(true);
  });

  it('§2.2 kernel 3 caps 16 vCPUs at 8 queues', () => {
    expect(mq(flavor('m16', 16, 4096, 10), { kernelMajor: 3 })?.reason).toContain('expect 8 queues');
  });

  it.each([
    { name: '1 vCPU → not enabled', fl: flavor('m1', 1, 512, 1), facts: {} },
    { name: 'virt_type qemu → not enabled', fl: flavor('m4', 4, 4096, 10), facts: { virtType: 'qemu' as const } },
    { name: 'no vhost-net → not enabled', fl: flavor('m4', 4, 4096, 10), facts: { vhostNet: false } },
  ])('§2.2 $name', ({ fl, facts }) => {
    expect(mq(fl, facts)).toBeUndefined();
  });

  it('§2.2 general profile does not ask for multiqueue', () => {
    const advice = advise(lab, request(UBUNTU, flavor('m4', 4, 4096, 10)), ctx());
    expect(advice.imageProperties.map((r) => r.key)).not.toContain('hw_vif_multiqueue_enabled');
  });

  it('§1.3 the flavor key is recommended when the flavor already carries it', () => {
    expect(mq(flavor('m4', 4, 4096, 10, { 'hw:vif_multiqueue_enabled': 'false' }))?.key).toBe('hw:vif_multiqueue_enabled');
  });

  it('§2.2 multiqueue already on without vhost-net → advise turning it off', () => {
    const advice = advise(lab, request(image({ os_distro: 'ubuntu22.04', hw_vif_multiqueue_enabled: 'true' }), flavor('m4', 4, 4096, 10)), ctx({ vhostNet: false }));
    expect(advice.imageProperties.find((r) => r.key === 'hw_vif_multiqueue_enabled')?.value).toBe('false');
    expect(advice.findings.map((f) => f.id)).toContain('multiqueue-needs-vhost-net');
  });
});

describe('flavor/image conflicts and huge pages', () => {
  it.each<{ name: string; props: Record<string, string>; fl: Flavor; facts: Partial<HostFacts>; id: string }>([
    { name: 'multiqueue flavor true / image false', props: { hw_vif_multiqueue_enabled: 'false' }, fl: LAB_FLAVORS.sriov, facts: {}, id: 'multiqueue-flavor-image-conflict' },
    { name: 'packed ring flavor true / image no', props: { hw_virtio_packed_ring: 'no' }, fl: flavor('p', 2, 1024, 1, { 'hw:virtio_packed_ring': 'true' }), facts: {}, id: 'packed-ring-flavor-image-conflict' },
    { name: 'flavor boolean misspelt', props: {}, fl: flavor('p', 2, 1024, 1, { 'hw:vif_multiqueue_enabled': 'enabled' }), facts: {}, id: 'flavor-bool-invalid' },
    { name: 'lab.tiny (1 vCPU) with multiqueue', props: {}, fl: LAB_FLAVORS.tiny, facts: {}, id: 'multiqueue-single-vcpu' },
    { name: 'multiqueue on qemu', props: {}, fl: LAB_FLAVORS.sriov, facts: { virtType: 'qemu' as const }, id: 'multiqueue-on-qemu' },
    { name: 'multiqueue on kvm without vhost-net', props: {}, fl: LAB_FLAVORS.sriov, facts: { vhostNet: false }, id: 'multiqueue-needs-vhost-net' },
    { name: 'multiqueue with e1000', props: { hw_vif_model: 'e1000' }, fl: LAB_FLAVORS.sriov, facts: {}, id: 'multiqueue-non-virtio' },
    { name: 'image hw_mem_page_size, flavor none', props: { hw_mem_page_size: 'large' }, fl: LAB_FLAVORS.sriov, facts: {}, id: 'mem-page-size-forbidden' },
    { name: 'image hw_mem_page_size, flavor small', props: { hw_mem_page_size: '2MB' }, fl: flavor('s', 2, 1024, 1, { 'hw:mem_page_size': 'small' }), facts: {}, id: 'mem-page-size-forbidden' },
    { name: 'OVS-DPDK without flavor huge pages', props: {}, fl: LAB_FLAVORS.sriov, facts: { ovsDpdk: true }, id: 'vhost-user-needs-hugepages' },
  ])('§1.3 §2.2 §2.7 $name → $id', ({ props, fl, facts, id }) => {
    expect(ids(props, fl, facts)).toContain(id);
  });

  it.each<{ name: string; props: Record<string, string>; fl: Flavor; id: string }>([
    { name: 'equal multiqueue values', props: { hw_vif_multiqueue_enabled: 'yes' }, fl: LAB_FLAVORS.sriov, id: 'multiqueue-flavor-image-conflict' },
    { name: 'image page size with flavor any', props: { hw_mem_page_size: '1GB' }, fl: flavor('a', 2, 1024, 1, { 'hw:mem_page_size': 'any' }), id: 'mem-page-size-forbidden' },
    { name: 'image page size with flavor large', props: { hw_mem_page_size: '2MB' }, fl: LAB_FLAVORS.pinned, id: 'mem-page-size-forbidden' },
  ])('§1.3 no finding: $name', ({ props, fl, id }) => {
    expect(ids(props, fl)).not.toContain(id);
  });

  it('§2.2 OVS-DPDK hosts: vhost-user advice adds hw:mem_page_size=large and virtio', () => {
    const advice = advise(lab, request(UBUNTU, flavor('m2', 2, 2048, 10)), ctx({ ovsDpdk: true }));
    expect(advice.flavorExtraSpecs.find((r) => r.key === 'hw:mem_page_size')?.value).toBe('large');
    expect(advice.imageProperties.find((r) => r.key === 'hw_vif_model')?.value).toBe('virtio');
  });
});
