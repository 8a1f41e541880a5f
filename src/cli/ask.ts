// What `validate`, `recommend` and `pci-check` share beyond their own options: the openstackclient-style options
// (cloud, region, token, service URL, output format), where the image and flavor come from (a file, stdin, the
// live cloud, the snapshot), and whether the answer comes from the store in-process or from a running service.
import { Option, type Command } from 'commander';
import type { z } from 'zod';
import type { AppContext } from '../app-context.ts';
import { refTo } from '../advisor/resolve.ts';
import type { CloudConfig } from '../openstack/index.ts';
import { cloudClient, liveFlavor, liveImage, selectedCloud, type CloudOptions } from './cloud.ts';
import { flavorInput, imageInput, InputError, readJson, type FlavorInput, type ImageInput } from './input.ts';
import { FORMATS, type OutputOptions, type Subject } from './output.ts';
import { openRemote, type Remote } from './remote.ts';

export interface ClientOptions extends CloudOptions, OutputOptions {
  url?: string;
  osToken?: string;
  cloud?: string;
}

const repeat = (v: string, all: string[]) => [...all, v];

/** openstackclient's names for the cloud and the output (cliff), and the service to ask. */
export function clientOptions(cmd: Command): Command {
  return cmd
    .option('--cloud <name>', 'which synced cloud of the advisor answers (default: the first)')
    .option('--os-cloud <name>', 'clouds.yaml cloud to read --image / --flavor from and to take the token of (env: OS_CLOUD, or the OS_* variables)')
    .option('--os-region-name <region>', 'region of that cloud (env: OS_REGION_NAME)')
    .addOption(new Option('--os-token <token>', 'Keystone token for the service (default: one issued for --os-cloud)').env('OS_TOKEN'))
    .addOption(new Option('--url <url>', 'a running nova-advisor to ask instead of opening the database').env('NOVA_ADVISOR_URL'))
    .addOption(new Option('-f, --format <format>', 'output format').choices(FORMATS).default('text'))
    .option('-c, --column <column>', 'field to print with -f json|yaml|table|value (repeatable)', repeat, [])
    .option('--noindent', 'JSON on one line')
    .option('--json', 'the same as -f json');
}

/** How a command reaches the advisor and the cloud, chosen once per command line. */
export class Ask {
  private cloudMemo: CloudConfig | null | undefined;
  private readonly remote: Remote | null;
  private stdinTaken = false;

  constructor(
    private readonly opts: ClientOptions,
    private readonly io: { err(text: string): void; stdin(): Promise<string>; withContext<T>(run: (ctx: AppContext) => Promise<T>): Promise<T> },
  ) {
    this.remote = opts.url ? openRemote(opts.url, { ...(opts.osToken !== undefined && { token: opts.osToken }), cloud: () => this.cloud() }) : null;
  }

  /** The selected OpenStack cloud (`--os-cloud`, OS_CLOUD, OS_AUTH_URL …), or null. */
  cloud(): CloudConfig | null {
    if (this.cloudMemo === undefined) this.cloudMemo = selectedCloud(this.opts);
    return this.cloudMemo;
  }

  /** A file's JSON, or stdin's for `-`, which only one input can have. */
  private read(file: string): Promise<unknown> {
    if (file === '-') {
      if (this.stdinTaken) throw new InputError('- (stdin) can be given to one input only');
      this.stdinTaken = true;
    }
    return readJson(file, () => this.io.stdin());
  }

  /** What a file or stdin was read as and what was changed in it, on stderr: stdout stays the answer. */
  private notes(input: { readAs?: string; notes: string[] }): void {
    for (const n of [...(input.readAs ? [input.readAs] : []), ...input.notes]) this.io.err(`note: ${n}\n`);
  }

  /** Image properties from a file / `-`, or read live from the selected cloud with `--image`. */
  async image(file: string | undefined, image: string | undefined): Promise<ImageInput & { subject: Subject['name']; file?: string }> {
    if ((file === undefined) === (image === undefined)) throw new InputError('give exactly one of a file (or - for stdin) and --image');
    if (file !== undefined) {
      const input = imageInput(await this.read(file), file === '-' ? 'stdin' : file);
      this.notes(input);
      return { ...input, subject: input.name ?? file, ...(file !== '-' && { file }) };
    }
    const cloud = this.cloud();
    if (!cloud) throw new InputError(`--image ${image} is read from the cloud: name one with --os-cloud (or OS_CLOUD, or the OS_* variables)`);
    const glance = await liveImage(cloudClient(cloud), image!);
    // Glance's own body: properties at the top level, all strings (GLANCE images-images-v2.inc).
    const input = imageInput(glance, `image ${image}`);
    this.notes({ notes: input.notes });
    return { ...input, subject: glance.name ?? glance.id };
  }

  /**
   * The flavor: `--flavor-file` (`openstack flavor show -f json`, or `-`) inline; `--flavor NAME|ID` read live from
   * the selected cloud, else left to the snapshot (`named`).
   */
  async flavor(name: string | undefined, file: string | undefined): Promise<{ inline?: FlavorInput['flavor']; named?: string }> {
    if (name !== undefined && file !== undefined) throw new InputError('give at most one of --flavor and --flavor-file');
    if (file !== undefined) {
      const input = flavorInput(await this.read(file), file === '-' ? 'stdin' : file);
      this.notes(input);
      return { inline: input.flavor };
    }
    if (name === undefined) return {};
    const cloud = this.cloud();
    if (!cloud) return { named: name };
    const input = flavorInput(await liveFlavor(cloudClient(cloud), name), `flavor ${name}`);
    this.notes({ notes: input.notes });
    return { inline: input.flavor };
  }

  /**
   * The answer to one request: built by `body` (given `ref`, which names a snapshot item by id when one has that
   * id, else by name, as refTo does), then asked of the running service (POST `path`) or run in-process.
   */
  async answer<S extends z.ZodType, T>(
    path: string,
    schema: S,
    body: (ref: (kind: 'images' | 'flavors', value: string | undefined) => Promise<{ id: string } | { name: string } | undefined>) => unknown,
    run: (ctx: AppContext, body: z.output<S>) => T | Promise<T>,
  ): Promise<T> {
    const { remote } = this;
    if (remote) {
      const cloud = this.opts.cloud === undefined ? '' : `?cloud=${encodeURIComponent(this.opts.cloud)}`;
      const request = await body(async (kind, value) =>
        value === undefined ? undefined : (await remote.exists(`/v1/${kind}/${encodeURIComponent(value)}${cloud}`)) ? { id: value } : { name: value },
      );
      return remote.post<T>(path, request);
    }
    return this.io.withContext(async (ctx) => {
      const snapshot = ctx.registry.answering(this.opts.cloud);
      const request = await body(async (kind, value) => refTo(snapshot[kind], value));
      return run(ctx, parseRequest(schema, request));
    });
  }
}

/** Parses CLI input with the HTTP request schema, so both refuse the same things with the same field names. */
export function parseRequest<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || 'input'}: ${i.message}`);
  throw new InputError(`invalid input:\n${lines.join('\n')}`);
}
