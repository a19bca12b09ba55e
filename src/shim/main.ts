// containerd-shim-runts-v2: `start` and `delete` as containerd invokes them, and `serve`, the
// long-lived shim `start` launches. Failures are one line on stderr and exit status 1.
import { deleteShim } from './delete';
import { parseShimFlags } from './flags';
import { serveShim } from './serve';
import { startShim } from './start';
import { SHIM_VERSION } from './task-service';

async function main(argv: string[]): Promise<void> {
  const flags = parseShimFlags(argv);
  switch (flags.action) {
    case 'version':
      process.stdout.write(`containerd-shim-runts-v2:\n  Version: ${SHIM_VERSION}\n`);
      return;
    case 'start':
      process.stdout.write(await startShim(flags, process.argv[1]));
      return;
    case 'delete':
      process.stdout.write(await deleteShim(flags));
      return;
    case 'serve':
      await serveShim(flags);
      return;
  }
}

main(process.argv.slice(2)).catch((err: Error) => {
  process.stderr.write(`containerd-shim-runts-v2: ${err.message}\n`);
  process.exit(1);
});
