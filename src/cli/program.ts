// `nova-advisor` commands, with their input and output passed in (main.ts binds them to the process; tests run
// them in-process). They run the same core as the HTTP API (store + registry + rules, through src/advisor and the
// same request schemas), not HTTP calls; only `serve` and `openapi` load the HTTP app (through src/server.ts).
// `validate`, `recommend` and `pci-check` ask a running service instead when given one (--url, ask.ts).
// Exit codes: 0 done (validate: pass or warn), 1 validate found errors / sync failed, 2 bad input
// (usage, unreadable or invalid file, unknown image / flavor / cloud), 3 could not run (no snapshot,
// database, configuration of the service, the service unreachable), 4 sync skipped (another sync of the cloud
// holds its lock).
import { writeFile } from 'node:fs/promises';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { pino, type Logger } from 'pino';
import type { Verdict } from '../model/index.ts';
import { checkPciConfiguration, recommend, validateImage } from '../advisor/advice.ts';
import { isAdvisorError, type AdvisorErrorCode } from '../advisor/errors.ts';
// The CLI runs where the service's database is: its user is the operator, who sees everything (unscoped).
import { UNSCOPED } from '../advisor/policy.ts';
import { isOpenStackError } from '../openstack/index.ts';
import { PciConfigCheckRequest, type PciConfigCheck } from '../schemas/pci-config.ts';
import { RecommendationRequest, VNIC_BACKENDS, VNIC_TYPES, WORKLOADS, type Advice } from '../schemas/recommendation.ts';
import { ValidationRequest, type ValidationResult } from '../schemas/validation.ts';
import { openAppContext, type AppContext } from '../app-context.ts';
import { loadSettings, type Settings } from '../config/index.ts';
import type { SyncOutcome } from '../sync/sync.ts';
import { Ask, clientOptions, type ClientOptions } from './ask.ts';
import { formatAdviceWithCommands, formatPciConfigCheck, formatValidation } from './format.ts';
import { InputError } from './input.ts';
import { render, type OutputOptions, type Subject } from './output.ts';
import { RemoteError } from './remote.ts';

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
  /** All of stdin, for `-` (default: the process's). */
  stdin?(): Promise<string>;
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

/**
 * An answer with a verdict, printed in the chosen format (`-f json`: the encoding HTTP sends); its exit code:
 * errors found ⇒ 1, warnings alone do not fail a pipeline.
 */
function printVerdict<T extends { verdict: Verdict; findings: ValidationResult['findings'] }>(io: CliIo, answer: T, opts: OutputOptions, subject: Subject, text: (answer: T) => string): void {
  io.out(render(answer, opts, subject, text));
  io.exit(answer.verdict === 'fail' ? EXIT.findings : EXIT.ok);
}

/** What Ask needs of the io; `-` is refused where the caller has no stdin to give. */
function askIo(io: CliIo): ConstructorParameters<typeof Ask>[1] {
  return { err: io.err, withContext: io.withContext, stdin: io.stdin ?? (() => Promise.reject(new InputError('- (stdin) is not available here'))) };
}

const positiveInt = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
};

/** Options on the instance: the request fields a recommendation and a validation both take. */
interface InstanceFlags {
  workload: string;
  vnicType: string;
  vnicBackend?: string;
  vfs?: number;
  nics?: number;
  disks?: number;
  virtioDrivers?: 'true' | 'false';
  configDrive?: boolean;
  bootFromVolume?: boolean;
}

function instanceOptions(command: Command): Command {
  return command
    .addOption(new Option('--workload <profile>', 'workload profile').choices(WORKLOADS).default('general'))
    .addOption(new Option('--vnic-type <type>', 'Neutron vnic_type of the ports').choices(VNIC_TYPES).default('normal'))
    .addOption(new Option('--vnic-backend <backend>', 'Neutron backend of normal ports (default from host facts)').choices(VNIC_BACKENDS))
    .option('--vfs <n>', 'SR-IOV VFs per instance', positiveInt)
    .option('--nics <n>', 'NICs per instance', positiveInt)
    .option('--disks <n>', 'disks per instance', positiveInt)
    .addOption(new Option('--virtio-drivers <bool>', 'the guest has (true) or lacks (false) virtio drivers; overrides os_virtio_drivers').choices(['true', 'false']))
    .option('--config-drive', 'the server is created with a config drive (the preview lists its disk)')
    .option('--boot-from-volume', 'the root disk is a volume (the preview\'s disk mapping and SCSI units)');
}

/** The request fields of those options, as the HTTP body names them. */
function instanceFields(opts: InstanceFlags) {
  return {
    workload: opts.workload, vnic_type: opts.vnicType, vnic_backend: opts.vnicBackend, vfs: opts.vfs, nics: opts.nics, disks: opts.disks,
    virtio_drivers: opts.virtioDrivers === undefined ? undefined : opts.virtioDrivers === 'true',
    config_drive: opts.configDrive, boot_from_volume: opts.bootFromVolume,
  };
}

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

  const validateCommand = clientOptions(cli.command('validate'))
    .description('validate image properties; exit 0 pass/warn, 1 errors, 2 bad input')
    .argument('[file]', 'JSON file, or - for stdin: image properties, `openstack image show -f json` or a Glance image')
    .option('--image <name-or-id>', 'read the image from the cloud (--os-cloud) instead of a file')
    .option('--flavor <id-or-name>', 'flavor the image will boot with (from --os-cloud when one is selected, else the snapshot)')
    .option('--flavor-file <file>', 'the flavor as `openstack flavor show -f json` (or - for stdin)')
    .option('--name <name>', 'image name, recorded with the verdict');
  // What the instance is, as for recommend: the validation checks the image for these ports, disks and drivers.
  instanceOptions(validateCommand)
    .action(async (file: string | undefined, opts: ClientOptions & InstanceFlags & { image?: string; flavor?: string; flavorFile?: string; name?: string }) => {
      const ask = new Ask(opts, askIo(io));
      const image = await ask.image(file, opts.image);
      const flavor = await ask.flavor(opts.flavor, opts.flavorFile);
      const result = await ask.answer<typeof ValidationRequest, ValidationResult>(
        '/v1/validations',
        ValidationRequest,
        async (ref) => ({
          properties: image.properties, name: opts.name ?? image.name, flavor: flavor.inline ?? (await ref('flavors', flavor.named)), cloud: opts.cloud,
          ...instanceFields(opts),
        }),
        (ctx, body) => validateImage(ctx, UNSCOPED, body).object(),
      );
      printVerdict(io, result, opts, { command: 'validate', name: image.subject, ...(image.file && { file: image.file }) }, formatValidation);
    });

  const recommendCommand = clientOptions(cli.command('recommend'))
    .description('recommend image properties, flavor extra specs and PCI aliases for a workload')
    .option('--image <id-or-name>', 'image (from --os-cloud when one is selected, else the snapshot)')
    .option('--image-file <file>', 'proposed image instead of --image: JSON file or - as for validate')
    .option('--flavor <id-or-name>', 'flavor (from --os-cloud when one is selected, else the snapshot)')
    .option('--flavor-file <file>', 'the flavor as `openstack flavor show -f json` (or - for stdin)');
  instanceOptions(recommendCommand)
    .action(
      async (opts: ClientOptions & InstanceFlags & { image?: string; imageFile?: string; flavor?: string; flavorFile?: string }) => {
        if ((opts.image === undefined) === (opts.imageFile === undefined)) {
          throw new CliError(EXIT.badInput, 'give exactly one of --image or --image-file');
        }
        const ask = new Ask(opts, askIo(io));
        // --image is read live only from a selected cloud; without one the snapshot names it.
        const live = opts.imageFile !== undefined || ask.cloud() !== null;
        const image = live ? await ask.image(opts.imageFile, opts.image) : null;
        const flavor = await ask.flavor(opts.flavor, opts.flavorFile);
        const advice = await ask.answer<typeof RecommendationRequest, Advice>(
          '/v1/recommendations',
          RecommendationRequest,
          async (ref) => ({
            image: image ? { properties: image.properties, ...(image.name && { name: image.name }) } : await ref('images', opts.image),
            flavor: flavor.inline ?? (await ref('flavors', flavor.named)),
            cloud: opts.cloud,
            ...instanceFields(opts),
          }),
          (ctx, body) => recommend(ctx, UNSCOPED, body).object(),
        );
        const target = { image: image?.id ?? image?.name ?? opts.image, flavor: flavor.inline?.name ?? opts.flavor, osCloud: opts.osCloud };
        io.out(render(advice, opts, { command: 'recommend', name: target.image ?? 'image' }, (a) => formatAdviceWithCommands(a, target)));
      },
    );

  clientOptions(cli.command('pci-check'))
    .description('check a proposed [pci] device_spec / alias: mistakes, Placement model, matching providers and flavors; exit 0 pass/warn, 1 errors, 2 bad input')
    .option('--device-spec <json>', '[pci] device_spec value (repeatable)', (v: string, all: string[]) => [...all, v], [])
    .option('--alias <json>', '[pci] alias value (repeatable)', (v: string, all: string[]) => [...all, v], [])
    .option('--no-report-in-placement', 'the computes keep [pci] report_in_placement off')
    .option('--pci-in-placement <bool>', '[filter_scheduler] pci_in_placement (default: the declared host fact)')
    .action(async (opts: ClientOptions & { deviceSpec: string[]; alias: string[]; reportInPlacement: boolean; pciInPlacement?: string }) => {
      const body = {
        device_spec: opts.deviceSpec,
        alias: opts.alias,
        report_in_placement: opts.reportInPlacement,
        // Only true / false: the schema then names the option when it is anything else.
        pci_in_placement: opts.pciInPlacement === undefined ? undefined : ({ true: true, false: false } as Record<string, boolean>)[opts.pciInPlacement] ?? opts.pciInPlacement,
        cloud: opts.cloud,
      };
      const result = await new Ask(opts, askIo(io)).answer<typeof PciConfigCheckRequest, PciConfigCheck>(
        '/v1/pci/config-checks',
        PciConfigCheckRequest,
        () => body,
        (ctx, request) => checkPciConfiguration(ctx, UNSCOPED, request).object(),
      );
      printVerdict(io, result, opts, { command: 'pci-check', name: 'pci config' }, formatPciConfigCheck);
    });

  cli
    .command('sync')
    .description('read the configured OpenStack clouds (each cloud × region) into new snapshots, one after another')
    .option('--cloud <name>', 'only this one: `cloud`, `cloud/region`, or every region of a clouds.yaml cloud (default: all configured)')
    .action((opts: { cloud?: string }) =>
      io.withContext(async (ctx) => {
        if (!ctx.sync) throw new CliError(EXIT.badInput, 'no OpenStack cloud is configured (set OS_CLOUD, or OS_AUTH_URL and the other OS_* variables)');
        const codes: number[] = [];
        for (const cloud of ctx.sync.select(opts.cloud)) {
          const outcome = await ctx.sync.run(cloud, (e) => {
            io.err(`${e.cloud} ${e.stage}: ${e.done}${e.total === null ? '' : `/${e.total}`}\n`);
          });
          const counts = outcome.counts ? Object.entries(outcome.counts).map(([k, v]) => `${k} ${v}`).join(', ') : '';
          io.out(
            `${outcome.cloud}: ${outcome.status} in ${outcome.durationMs} ms, ${outcome.requestCount} requests${counts ? `; ${counts}` : ''}\n`,
          );
          if (outcome.error) io.err(`${outcome.error.message}\n`);
          codes.push(syncExit(outcome));
        }
        // The worst outcome decides: could not run, then failed, then skipped.
        io.exit([EXIT.failed, EXIT.findings, EXIT.skipped].find((code) => codes.includes(code)) ?? EXIT.ok);
      }),
    );

  return cli;
}

/** Advisor errors that mean the command could not run; the others (unknown image, flavor, cloud …) are bad input. */
const CANNOT_RUN: readonly AdvisorErrorCode[] = ['no_snapshot', 'not_configured'];

function exitCodeOf(err: unknown): number {
  if (err instanceof CliError) return err.exitCode;
  if (err instanceof InputError) return EXIT.badInput;
  if (err instanceof RemoteError) return EXIT.failed;
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
