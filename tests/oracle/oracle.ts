// Runs one of the python oracles over many inputs: ONE python process per call, inputs as JSON lines on its
// stdin, one verdict per line back (oracle_io.py). Test support only.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const PYTHON = '/usr/bin/python3';
const HERE = fileURLToPath(new URL('.', import.meta.url));

export interface NovaVerdict {
  ok: boolean;
  /** `<exception class>: <message>` when Nova refuses. */
  error?: string;
  /** What the oracle returns besides the verdict (placement_oracle.py: the request groups). */
  result?: unknown;
}

/** Why Nova cannot be used as the oracle on this machine, or null when `import nova` works. */
export function novaUnavailable(): string | null {
  const r = spawnSync(PYTHON, ['-c', 'import nova.pci.request, nova.pci.whitelist, nova.api.validation.extra_specs.validators'], { encoding: 'utf8', timeout: 60_000 });
  if (r.error) return `${PYTHON}: ${r.error.message}`;
  return r.status === 0 ? null : `${PYTHON} cannot import nova: ${r.stderr.trim().split('\n').at(-1) ?? ''}`;
}

/** Nova's verdict on each input, in order, from `tests/oracle/<script>`. */
export function runOracle(script: string, inputs: unknown[]): NovaVerdict[] {
  const r = spawnSync(PYTHON, [script], {
    cwd: HERE, input: inputs.map((i) => JSON.stringify(i)).join('\n') + '\n', encoding: 'utf8', timeout: 50_000, maxBuffer: 64 << 20,
  });
  if (r.error || r.status !== 0) throw new Error(`${script} failed (${r.error?.message ?? `exit ${r.status}`}): ${r.stderr}`);
  const verdicts = r.stdout.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as NovaVerdict);
  if (verdicts.length !== inputs.length) throw new Error(`${script}: ${verdicts.length} verdicts for ${inputs.length} inputs: ${r.stderr}`);
  return verdicts;
}
