import type { Argv, CommandModule } from 'yargs';
import { GlobalArgs, store } from '../context';
import { logDebug, logWarning } from '../log';

export interface CreateArgs extends GlobalArgs {
  id: string;
  bundle: string;
  'pid-file'?: string;
  'console-socket'?: string;
  'no-pivot'?: boolean;
  'no-new-keyring'?: boolean;
  'preserve-fds': number;
}

export function createFlags<T>(y: Argv<T>) {
  return y
    .positional('id', { type: 'string', demandOption: true, describe: 'container id' })
    .option('bundle', { alias: 'b', type: 'string', default: '.', describe: 'path to the bundle directory' })
    .option('pid-file', { type: 'string', describe: 'write the init process id to this file' })
    .option('console-socket', { type: 'string', describe: 'unix socket that receives the pty master (process.terminal)' })
    .option('pidfd-socket', { type: 'string', hidden: true })
    .option('no-pivot', { type: 'boolean', describe: 'use MS_MOVE + chroot instead of pivot_root' })
    .option('no-new-keyring', { type: 'boolean', describe: 'keep the caller\'s session keyring' })
    .option('preserve-fds', { type: 'number', default: 0, describe: 'pass N extra fds (3..3+N-1) to the container' });
}

/** Socket-activation fds handed to this process by systemd (LISTEN_PID must be us). */
export function listenFdsFromEnv(): number {
  const n = Number(process.env.LISTEN_FDS ?? 0);
  return Number.isInteger(n) && n > 0 && Number(process.env.LISTEN_PID) === process.pid ? n : 0;
}

export async function create(args: CreateArgs) {
  if ((args as { 'pidfd-socket'?: string })['pidfd-socket']) {
    const { RuntsError } = await import('../../foundation/errors');
    throw new RuntsError('--pidfd-socket is not supported by runts yet', 'unsupported');
  }
  const { createContainer } = await import('../../runtime/create');
  return createContainer(store(args), {
    id: args.id, bundle: args.bundle, pidFile: args['pid-file'], consoleSocket: args['console-socket'],
    noPivot: args['no-pivot'], noNewKeyring: args['no-new-keyring'], preserveFds: args['preserve-fds'],
    listenFds: listenFdsFromEnv(), warn: logWarning, debug: logDebug,
  });
}

const command: CommandModule<GlobalArgs, CreateArgs> = {
  command: 'create <id>',
  describe: 'create a container from a bundle; it waits for `start`',
  builder: (y) => createFlags(y) as unknown as Argv<CreateArgs>,
  handler: async (args) => {
    await create(args);
  },
};
export default command;
