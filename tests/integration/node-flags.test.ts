// The Node flags the service runs with (README "Performance", Memory) are written in three places a start can
// come through: package.json's start script, the image's CMD and the command's shebang. They must not drift apart.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { serviceNodeFlags } from '../../bench/common.ts';

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

describe('Node flags of the service', () => {
  const fromStart = serviceNodeFlags();

  it('package.json start raises V8 young generation (the sync peak RSS, issue 16)', () => {
    expect(fromStart).toContain('--max-semi-space-size=64');
  });

  it('the image CMD and the shebang of bin/nova-advisor.js give node the same flags', () => {
    const cmd = /^CMD (\[.*\])$/m.exec(read('Dockerfile'));
    const args = JSON.parse(cmd![1]!) as string[];
    expect(args.slice(0, 1 + fromStart.length)).toEqual(['node', ...fromStart]);
    expect(args.slice(1 + fromStart.length)).toEqual(['bin/nova-advisor.js', 'serve']);
    const shebang = read('bin/nova-advisor.js').split('\n', 1)[0]!;
    expect(shebang).toBe(`#!/usr/bin/env -S node ${fromStart.join(' ')}`);
  });

  it('the shebang starts node on this system (env -S)', () => {
    expect(execFileSync(fileURLToPath(new URL('bin/nova-advisor.js', root)), ['--help'], { encoding: 'utf8' })).toMatch(/^Usage: nova-advisor /);
  });
});
