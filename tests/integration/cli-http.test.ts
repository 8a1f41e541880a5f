// `nova-advisor recommend --json` / `validate --json` and POST /v1/recommendations / /v1/validations must print the
// same answer: both edges encode it through the same response schema (src/advisor/answers.ts). Before, the CLI
// printed the rules' object as is while HTTP's response schema dropped `capacity.hosts[].pciProviders`, so every
// recommendation on the demo cloud differed. The CLI runs in-process here (src/cli/program.ts, the commands
// main.ts runs) on the same store and snapshot as the app; tests/integration/cli.test.ts runs the real process.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloudSnapshot } from '../../src/model/index.ts';
import { runCli } from '../../src/cli/program.ts';
import { WORKLOADS } from '../../src/schemas/recommendation.ts';
import { openDemoApp, type DemoApp } from '../helpers/demo-app.ts';

let demo: DemoApp;
let snapshot: CloudSnapshot;
let dir: string;

beforeAll(async () => {
  demo = await openDemoApp();
  snapshot = demo.context.registry.current()!;
  dir = await mkdtemp(join(tmpdir(), 'na-cli-http-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await demo?.close();
});

/** Runs one command line in-process on the demo app's context; what it printed and its exit code. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  let code = 0;
  await runCli(['node', 'nova-advisor', ...args], {
    out: (text) => (stdout += text),
    err: (text) => (stderr += text),
    exit: (c) => (code = c),
    withContext: (run) => run(demo.context),
  });
  return { code, stdout, stderr };
}

/** The answer without its age, which may tick between the two calls. */
function comparable(answer: { snapshot: { ageSeconds: number } }): unknown {
  return { ...answer, snapshot: { ...answer.snapshot, ageSeconds: 0 } };
}

describe('the CLI prints the same JSON as the HTTP API answers', () => {
  it('for every image × flavor × workload of the demo cloud (recommend)', async () => {
    let compared = 0;
    let withPciProviders = 0;
    for (const image of snapshot.images) {
      for (const flavor of snapshot.flavors) {
        for (const workload of WORKLOADS) {
          const run = await cli('recommend', '--image', image.id, '--flavor', flavor.id, '--workload', workload, '--json');
          expect(run, `${image.name} ${flavor.name} ${workload}`).toMatchObject({ code: 0, stderr: '' });
          const http = await demo.app.inject({
            method: 'POST',
            url: '/v1/recommendations',
            payload: { image: { id: image.id }, flavor: { id: flavor.id }, workload },
          });
          expect(http.statusCode).toBe(200);
          const body = http.json();
          expect(comparable(JSON.parse(run.stdout)), `${image.name} ${flavor.name} ${workload}`).toEqual(comparable(body));
          if (body.capacity?.hosts.some((h: { pciProviders?: unknown[] }) => (h.pciProviders?.length ?? 0) > 0)) withPciProviders++;
          compared++;
        }
      }
    }
    expect(compared).toBe(snapshot.images.length * snapshot.flavors.length * WORKLOADS.length);
    // The field the HTTP body used to drop is there, so the comparison covers it.
    expect(withPciProviders).toBeGreaterThan(0);
  }, 120_000);

  it('for every image’s properties × flavor of the demo cloud (validate)', async () => {
    for (const image of snapshot.images) {
      const file = join(dir, `${image.id}.json`);
      await writeFile(file, JSON.stringify(image.properties));
      for (const flavor of snapshot.flavors) {
        const run = await cli('validate', file, '--flavor', flavor.id, '--json');
        const http = await demo.app.inject({
          method: 'POST',
          url: '/v1/validations',
          payload: { properties: image.properties, flavor: { id: flavor.id } },
        });
        expect(http.statusCode).toBe(200);
        const body = http.json();
        expect(run.code, `${image.name} ${flavor.name}`).toBe(body.verdict === 'fail' ? 1 : 0);
        expect(comparable(JSON.parse(run.stdout)), `${image.name} ${flavor.name}`).toEqual(comparable(body));
      }
    }
  }, 120_000);

  it('with the disk options (recommend --config-drive --boot-from-volume)', async () => {
    const flavor = snapshot.flavors[0]!;
    for (const image of snapshot.images) {
      const run = await cli('recommend', '--image', image.id, '--flavor', flavor.id, '--config-drive', '--boot-from-volume', '--json');
      const http = await demo.app.inject({
        method: 'POST', url: '/v1/recommendations',
        payload: { image: { id: image.id }, flavor: { id: flavor.id }, config_drive: true, boot_from_volume: true },
      });
      expect(http.statusCode).toBe(200);
      const body = http.json();
      // Both flags reach the preview: the root is a volume and a config drive is attached (domain.md §2.3).
      const disks: { name: string; role: string }[] = body.preview.storage.disks;
      expect(disks.map((d) => d.role), image.name ?? image.id).toContain('config-drive');
      // A boot volume is mapped by its device path, not as the image disk `disk`.
      expect(disks.find((d) => d.role === 'root')?.name, image.name ?? image.id).toMatch(/^\/dev\//);
      expect(comparable(JSON.parse(run.stdout)), image.name ?? image.id).toEqual(comparable(body));
    }
  }, 120_000);

  it('for every image’s properties with the instance options a recommendation takes (validate)', async () => {
    const instance = { workload: 'legacy-guest', vnic_type: 'virtio-forwarder', vnic_backend: 'ovs-dpdk', nics: 2, disks: 6, vfs: 1, virtio_drivers: false } as const;
    const flags = ['--workload', instance.workload, '--vnic-type', instance.vnic_type, '--vnic-backend', instance.vnic_backend,
      '--nics', String(instance.nics), '--disks', String(instance.disks), '--vfs', String(instance.vfs), '--virtio-drivers', String(instance.virtio_drivers)];
    const flavor = snapshot.flavors[0]!;
    for (const image of snapshot.images) {
      const file = join(dir, `${image.id}-instance.json`);
      await writeFile(file, JSON.stringify(image.properties));
      const run = await cli('validate', file, '--flavor', flavor.id, ...flags, '--json');
      const http = await demo.app.inject({ method: 'POST', url: '/v1/validations', payload: { properties: image.properties, flavor: { id: flavor.id }, ...instance } });
      expect(http.statusCode).toBe(200);
      const body = http.json();
      // virtio_drivers=false on vhost-user ports: every image fails (domain.md §2.2), on both edges alike.
      expect(body.findings.map((f: { id: string }) => f.id)).toContain('vhost-user-guest-without-virtio');
      expect(run.code, image.name ?? image.id).toBe(1);
      expect(comparable(JSON.parse(run.stdout)), image.name ?? image.id).toEqual(comparable(body));
    }
  }, 120_000);
});
