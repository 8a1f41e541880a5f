// What an object made per request costs the garbage collector by how it is built (src/lib/objects.ts, issue 16): on
// Node 20 (V8 11.3) a literal that starts with a spread and then gets fields its source lacks survives scavenges
// although nothing keeps it. Each pattern runs in a process of its own with --trace-gc-nvp, making objects that nothing
// keeps; the script prints CPU per object (the child's own, all threads, GC included) and what its scavenges promoted.
//
//   npx tsx bench/spread-gc.ts [--objects 5000000]
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const BASE = { subject: 'live migration', source: 'domain.md §4.4', reason: 'unplugged', writtenBy: ['vif.py'], type: 'ethernet', virtualport: null };

const PATTERNS: Record<string, (i: number) => object> = {
  'literal': (i) => ({ subject: BASE.subject, source: BASE.source, reason: BASE.reason, writtenBy: BASE.writtenBy, type: BASE.type, virtualport: null, backend: 'ovs', n: i }),
  '{ ...base } (a copy)': () => ({ ...BASE }),
  '{ ...base, existing: v } (replaces a field)': (i) => ({ ...BASE, reason: `r${i & 7}` }),
  '{ ...base, more } (new fields)': (i) => ({ ...BASE, backend: 'ovs', n: i }),
  '{ ...a, ...b } (b adds fields)': (i) => ({ ...BASE, ...{ backend: 'ovs', n: i } }),
  '{ more, ...base } (own fields first)': (i) => ({ backend: 'ovs', n: i, ...BASE }),
  'Object.assign({}, base, more) (lib/objects.ts extend)': (i) => Object.assign({}, BASE, { backend: 'ovs', n: i }),
};

/** In the child: makes `objects` objects of the pattern (after as many to warm up), keeping only the last. */
function child(pattern: string, objects: number): void {
  const make = PATTERNS[pattern]!;
  let last: object | null = null;
  for (let i = 0; i < objects; i++) last = make(i);
  console.log('MEASURE');
  const started = process.cpuUsage();
  for (let i = 0; i < objects; i++) last = make(i);
  const cpu = process.cpuUsage(started);
  console.log(`RESULT ${((cpu.user + cpu.system) * 1000) / objects} ${last === null ? 0 : 1}`);
}

function run(pattern: string, objects: number): { nsPerObject: number; promotedPerObject: number; scavenges: number; pauseMs: number } {
  const self = fileURLToPath(import.meta.url);
  const out = execFileSync(process.execPath, ['--max-semi-space-size=32', '--trace-gc-nvp', '--import', 'tsx', self, '--child', pattern, '--objects', String(objects)], { encoding: 'utf8', maxBuffer: 1 << 28 });
  let measuring = false;
  let promoted = 0;
  let scavenges = 0;
  let pauseMs = 0;
  let nsPerObject = NaN;
  for (const line of out.split('\n')) {
    if (line === 'MEASURE') measuring = true;
    else if (line.startsWith('RESULT ')) nsPerObject = Number(line.split(' ')[1]);
    else if (measuring && line.includes(' gc=s ')) {
      const field = (name: string) => Number(new RegExp(`(?:^|\\s)${name}=([0-9.]+)`).exec(line)?.[1] ?? 0);
      promoted += field('promoted');
      pauseMs += field('pause');
      scavenges++;
    }
  }
  return { nsPerObject, promotedPerObject: promoted / objects, scavenges, pauseMs };
}

const { values } = parseArgs({ options: { child: { type: 'string' }, objects: { type: 'string' } } });
const objects = Number(values.objects ?? 5_000_000);
if (values.child !== undefined) {
  child(values.child, objects);
} else {
  console.log(`${objects.toLocaleString('en')} objects per pattern, each pattern in its own process (node --max-semi-space-size=32), nothing kept`);
  console.log('pattern | CPU per object | promoted per object | scavenges (pause in all)');
  for (const pattern of Object.keys(PATTERNS)) {
    const r = run(pattern, objects);
    console.log(`${pattern} | ${r.nsPerObject.toFixed(0)} ns | ${r.promotedPerObject.toFixed(1)} B | ${r.scavenges} (${r.pauseMs.toFixed(0)} ms)`);
  }
}
