// `nova-advisor` commands, with their input and output passed in (main.ts binds them to the process; tests run
// them in-process). They run the same core as the HTTP API (store + registry + rules, through src/advisor and the
// same request schemas), not HTTP calls; only `serve` and `openapi` load the HTTP app (through src/server.ts).
// Exit codes: 0 done (validate: pass or warn), 1 validate found errors / sync failed, 2 bad input
// (usage, unreadable or invalid file, unknown image / flavor / cloud), 3 could not run (no snapshot,
// database, configuration of the service), 4 sync skipped (another sync of the cloud holds its lock).
import { readFile, writeFile } from 'node:fs/promises';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { pino, type Logger } from 'pino';
import type { z } from 'zod';
import type { Verdict } from '../model/index.ts';
import { checkPciConfiguration, recommend, validateImage } from '../advisor/advice.ts';
import { isAdvisorError, type AdvisorErrorCode } from '../advisor/errors.ts';
// The CLI runs where the service's database is: its user is the operator, who sees everything (unscoped).
import { UNSCOPED } from '../advisor/policy.ts';
import { refTo } from '../advisor/resolve.ts';
import { isOpenStackError } from '../openstack/index.ts';
import { PciConfigCheckRequest } from '../schemas/pci-config.ts';
import { RecommendationRequest, VNIC_TYPES, WORKLOADS } from '../schemas/recommendation.ts';
import { ValidationRequest } from '../schemas/validation.ts';
import { openAppContext, type AppContext } from '../app-context.ts';
import { loadSettings, type Settings } from '../config/index.ts';
import type { SyncOutcome } from '../sync/sync.ts';
import { formatAdvice, formatPciConfigCheck, formatValidation } from './format.ts';

export const EXIT = { ok: 0, findings: 1, badInput: 2, failed: 3, skipped: 4 } as const;

/**
 * A sync's exit code. Skipped read nothing, so a cron job must take it neither for a fresh snapshot (0) nor for a
 * failure (1). A failed sync whose failure could not be recorded (no `summary`: the store itself failed,
 * OpenStackSyncService.launch) could not run (3), where an ordinary failure is recorded and exits 1.
 */
function syncExit(outcome: SyncOutcome): number {
  if (outcome.status === 'skipped') return EXIT.skipped;
  if (outcome.status === 'succeeded') return EXIT.ok;
  return outcome.summary === null ? EXIT.failed : EXIT.findings;
}

class CliError extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** Where a command's answer, messages and exit code go, and the context it runs in. */
export interface CliIo {
  /** The answer (stdout). */
  out(text: string): void;
  /** Progress and errors (stderr). */
  err(text: string): void;
  exit(code: number): void;
  /** Runs a command's work with the service's context (store, registry, rules). */
  withContext<T>(run: (ctx: AppContext) => Promise<T>): Promise<T>;
}

/** Commands other than `serve` keep stdout for their answer and log only warnings, to stderr. */
function cliLogger(s: Settings): Logger {
  return pino({ level: s.logLevelSet ? s.LOG_LEVEL : 'warn' }, pino.destination(2));
}

/** The context as a command run from the shell has it: opened from the environment, closed after the command. */
export async function processContext<T>(run: (ctx: AppContext) => Promise<T>): Promise<T> {
  const s = loadSettings();
  const ctx = await openAppContext(s, cliLogger(s));
  try {
    return await run(ctx);
  } finally {
    await ctx.close();
  }
}

/** Parses CLI input with the HTTP request schema, so both refuse the same things with the same field names. */
function parseRequest<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || 'input'}: ${i.message}`);
  throw new CliError(EXIT.badInput, `invalid input:\n${lines.join('\n')}`);
}

async function readJsonFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new CliError(EXIT.badInput, `cannot read ${path}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CliError(EXIT.badInput, `${path} is not valid JSON: ${(err as Error).message}`);
  }
}

/** An answer as JSON (`--json`: the encoding HTTP sends) or as text. */
function printAnswer<T>(io: CliIo, answer: T, json: boolean | undefined, format: (answer: T) => string): void {
  io.out(json ? `${JSON.stringify(answer, null, 2)}\n` : format(answer));
}

/** An answer with a verdict, printed; its exit code: errors found ⇒ 1, warnings alone do not fail a pipeline. */
function printVerdict<T extends { verdict: Verdict }>(io: CliIo, answer: T, json: boolean | undefined, format: (answer: T) => string): void {
  printAnswer(io, answer, json, format);
  io.exit(answer.verdict === 'fail' ? EXIT.findings : EXIT.ok);
}

const positiveInt = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
};

function program(io: CliIo): Command {
  const cli = new Command('nova-advisor')
    .description('Advice on Nova image properties, flavor extra specs and PCI/SR-IOV capacity')
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.out(text), writeErr: (text) => io.err(text) })
    .showHelpAfterError();

  cli
    .command('serve')
    .description('run the HTTP API (migrates the database and loads the demo cloud when no cloud is configured)')
    .action(async () => (await import('../server.ts')).serve(loadSettings()));

  cli
    .command('migrate')
    .description('apply pending database migrations')
    .action(() => io.withContext(async () => undefined));

  cli
    .command('openapi')
    .description('write the OpenAPI document rendered from the routes')
    .option('--out <file>', 'output file (default: stdout)')
    .action(async (opts: { out?: string }) => {
      const doc = await (await import('../server.ts')).renderOpenApi();
      if (opts.out) await writeFile(opts.out, doc);
      else io.out(doc);
    });

  cli
    .command('validate')
    .description('validate a JSON file of image properties; exit 0 pass/warn, 1 errors, 2 bad input')
    .argument('<file>', 'JSON object of image properties, e.g. {"hw_vif_model": "virtio", "os_distro": "ubuntu"}')
    .option('--flavor <id-or-name>', 'flavor the image will boot with')
    .option('--name <name>', 'image name, recorded with the verdict')
    .option('--cloud <name>', 'which synced cloud to validate against')
    .option('--json', 'print the result as JSON')
    .action(async (file: string, opts: { flavor?: string; name?: string; cloud?: string; json?: boolean }) => {
      const properties = await readJsonFile(file);
      const result = await io.withContext(async (ctx) => {
        const snapshot = ctx.registry.answering(opts.cloud);
        const body = parseRequest(ValidationRequest, {
          properties,
          name: opts.name,
          flavor: refTo(snapshot.flavors, opts.flavor),
          cloud: opts.cloud,
        });
        return validateImage(ctx, UNSCOPED, body).object();
      });
      printVerdict(io, result, opts.json, formatValidation);
    });

  cli
    .command('recommend')
    .description('recommend image properties, flavor extra specs and PCI aliases for a workload')
    .option('--image <id-or-name>', 'image of the snapshot')
    .option('--image-file <file>', 'JSON object of proposed image properties instead of --image')
    .option('--flavor <id-or-name>', 'flavor of the snapshot')
    .addOption(new Option('--workload <profile>', 'workload profile').choices(WORKLOADS).default('general'))
    .addOption(new Option('--vnic-type <type>', 'Neutron vnic_type of the ports').choices(VNIC_TYPES).default('normal'))
    .option('--vfs <n>', 'SR-IOV VFs per instance', positiveInt)
    .option('--nics <n>', 'NICs per instance', positiveInt)
    .option('--disks <n>', 'disks per instance', positiveInt)
    .option('--cloud <name>', 'which synced cloud to answer from')
    .option('--json', 'print the advice as JSON')
    .action(
      async (opts: {
        image?: string;
        imageFile?: string;
        flavor?: string;
        workload: string;
        vnicType: string;
        vfs?: number;
        nics?: number;
        disks?: number;
        cloud?: string;
        json?: boolean;
      }) => {
        if ((opts.image === undefined) === (opts.imageFile === undefined)) {
          throw new CliError(EXIT.badInput, 'give exactly one of --image or --image-file');
        }
        const properties = opts.imageFile === undefined ? undefined : await readJsonFile(opts.imageFile);
        const advice = await io.withContext(async (ctx) => {
          const snapshot = ctx.registry.answering(opts.cloud);
          const body = parseRequest(RecommendationRequest, {
            image: properties === undefined ? refTo(snapshot.images, opts.image) : { properties },
            flavor: refTo(snapshot.flavors, opts.flavor),
            workload: opts.workload,
            vnic_type: opts.vnicType,
            vfs: opts.vfs,
            nics: opts.nics,
            disks: opts.disks,
            cloud: opts.cloud,
          });
          return recommend(ctx, UNSCOPED, body).object();
        });
        printAnswer(io, advice, opts.json, formatAdvice);
      },
    );

  cli
    .command('pci-check')
    .description('check a proposed [pci] device_spec / alias: mistakes, Placement model, matching providers and flavors; exit 0 pass/warn, 1 errors, 2 bad input')
    .option('--device-spec <json>', '[pci] device_spec value (repeatable)', (v: string, all: string[]) => [...all, v], [])
    .option('--alias <json>', '[pci] alias value (repeatable)', (v: string, all: string[]) => [...all, v], [])
    .option('--no-report-in-placement', 'the computes keep [pci] report_in_placement off')
    .option('--pci-in-placement <bool>', '[filter_scheduler] pci_in_placement (default: the declared host fact)')
    .option('--cloud <name>', 'which synced cloud to check against')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { deviceSpec: string[]; alias: string[]; reportInPlacement: boolean; pciInPlacement?: string; cloud?: string; json?: boolean }) => {
      const body = parseRequest(PciConfigCheckRequest, {
        device_spec: opts.deviceSpec,
        alias: opts.alias,
        report_in_placement: opts.reportInPlacement,
        // Only true / false: the schema then names the option when it is anything else.
        pci_in_placement: opts.pciInPlacement === undefined ? undefined : ({ true: true, false: false } as Record<string, boolean>)[opts.pciInPlacement] ?? opts.pciInPlacement,
        cloud: opts.cloud,
      });
      const result = await io.withContext(async (ctx) => checkPciConfiguration(ctx, UNSCOPED, body).object());
      printVerdict(io, result, opts.json, formatPciConfigCheck);
    });

  cli
    .command('sync')
    .description('read the configured OpenStack cloud into a new snapshot')
    .option('--cloud <name>', 'clouds.yaml cloud (default: the first configured)')
    .action((opts: { cloud?: string }) =>
      io.withContext(async (ctx) => {
        if (!ctx.sync) throw new CliError(EXIT.badInput, 'no OpenStack cloud is configured (set OS_CLOUD, or OS_AUTH_URL and the other OS_* variables)');
        const outcome = await ctx.sync.run(opts.cloud, (e) => {
          io.err(`${e.cloud} ${e.stage}: ${e.done}${e.total === null ? '' : `/${e.total}`}\n`);
        });
        const counts = outcome.counts ? Object.entries(outcome.counts).map(([k, v]) => `${k} ${v}`).join(', ') : '';
        io.out(
          `${outcome.cloud}: ${outcome.status} in ${outcome.durationMs} ms, ${outcome.requestCount} requests${counts ? `; ${counts}` : ''}\n`,
        );
        if (outcome.error) io.err(`${outcome.error.message}\n`);
        io.exit(syncExit(outcome));
      }),
    );

  return cli;
}

/** Advisor errors that mean the command could not run; the others (unknown image, flavor, cloud …) are bad input. */
const CANNOT_RUN: readonly AdvisorErrorCode[] = ['no_snapshot', 'not_configured'];

function exitCodeOf(err: unknown): number {
  if (err instanceof CliError) return err.exitCode;
  if (isAdvisorError(err)) return CANNOT_RUN.includes(err.code) ? EXIT.failed : EXIT.badInput;
  // A cloud name nobody configured is the user's mistake; every other OpenStack failure stops the command.
  if (isOpenStackError(err)) return err.code === 'cloud_unknown' ? EXIT.badInput : EXIT.failed;
  return EXIT.failed;
}

/** Runs one command line (`argv` as process.argv has it) and reports its exit code through `io`. */
export async function runCli(argv: string[], io: CliIo): Promise<void> {
  try {
    await program(io).parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version end through here too, with exit code 0.
      io.exit(err.exitCode === 0 ? EXIT.ok : EXIT.badInput);
      return;
    }
    io.err(`nova-advisor: ${err instanceof Error ? err.message : String(err)}\n`);
    io.exit(exitCodeOf(err));
  }
}
