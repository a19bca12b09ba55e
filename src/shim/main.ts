// containerd-shim-runts-v2: `start` and `delete` as containerd invokes them; a `start` may go on
// as the long-lived shim (src/shim/start.ts). Failures are one line on stderr and exit status 1.
// Each action loads only its own modules: `start` and `delete` run once per container and must
// not pay for the task service and the .proto files. Nothing runs at load time: the startup
// snapshot (src/shim/snapshot.ts) and the plain entry (src/shim/entry.ts) call runShim.
import { parseShimFlags } from './flags';
import { setStartupNote } from './startup-note';
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
    case 'standby': {
      const call = (await import('./standby')).takeCall();
      if (call) await main(call);
      return;
    }
  }
}

/** Runs one shim command line (the arguments after the program name). */
export function runShim(argv: string[], startupNote: string): void {
  setStartupNote(startupNote);
  main(argv).catch((err: Error) => {
    process.stderr.write(`containerd-shim-runts-v2: ${err.message}\n`);
    process.exit(1);
  });
}

