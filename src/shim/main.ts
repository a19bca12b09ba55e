// containerd-shim-runts-v2: `start` and `delete` as containerd invokes them; a `start` may go on
// as the long-lived shim (src/shim/start.ts). Failures are one line on stderr and exit status 1.
// Each action loads only its own modules: `start` and `delete` run once per container and must
// not pay for the task service and the .proto files.
import { parseShimFlags } from './flags';
import { SHIM_VERSION } from './version';

async function main(argv: string[]): Promise<void> {
  const flags = parseShimFlags(argv);
  switch (flags.action) {
    case 'version':
      process.stdout.write(`containerd-shim-runts-v2:\n  Version: ${SHIM_VERSION}\n`);
      return;
    case 'start':
      await (await import('./start')).startShim(flags);
      return;
    case 'delete':
      process.stdout.write(await (await import('./delete')).deleteShim(flags));
      return;
  }
}

main(process.argv.slice(2)).catch((err: Error) => {
  process.stderr.write(`containerd-shim-runts-v2: ${err.message}\n`);
  process.exit(1);
});
