// Entry of the `nova-advisor` command (bin/nova-advisor.js): the commands of program.ts on this process's
// stdout, stderr and exit code.
import { closeUntaken, serveSettings, startEarly, superviseEarly } from '../server-early.ts';

// `serve`'s settings, read once for what starts before the commands' modules load (src/server-early.ts). With
// WORKERS > 1 the first process supervises the workers, forked before anything else loads.
const serving = serveSettings(process.argv);
const supervising = superviseEarly(serving);
if (supervising) await supervising;
else await runCommand();

async function runCommand(): Promise<void> {
  // `serve`: the embedded database starts in its thread before the commands' modules load (src/server-early.ts).
  startEarly(serving);
  const { streamText } = await import('./input.ts');
  const { EXIT, processContext, runCli } = await import('./program.ts');

  // A reader that stops early (`| head`) closes the pipe: end quietly with the verdict's exit code, as
  // other command-line tools do, instead of crashing on EPIPE.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(process.exitCode ?? EXIT.ok);
  });

  await runCli(process.argv, {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    exit: (code) => {
      process.exitCode = code;
    },
    withContext: processContext,
    stdin: () => streamText(process.stdin),
  });
  await closeUntaken();
}
