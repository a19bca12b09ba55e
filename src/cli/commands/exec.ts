import * as fs from 'fs';
import type { Argv, CommandModule } from 'yargs';
import { GlobalArgs, store } from '../context';
import { logWarning } from '../log';
import type { Process } from '../../runtime/spec';

interface ExecArgs extends GlobalArgs {
  id: string;
  command: string[];
  process?: string;
  detach?: boolean;
  'pid-file'?: string;
  'console-socket'?: string;
  tty?: boolean;
  cwd?: string;
  env: string[];
  user?: string;
  'additional-gids': number[];
  cap: string[];
  'no-new-privs'?: boolean;
  'preserve-fds': number;
  'ignore-paused'?: boolean;
  cgroup?: string;
  apparmor?: string;
  'process-label'?: string;
}

/** The process to run: --process, or the container's own process amended by the flags. */
async function processFor(args: ExecArgs, base: Process): Promise<Process> {
  const { RuntsError } = await import('../../foundation/errors');
  if (args.process) {
    const { validateProcess } = await import('../../runtime/validate');
    let raw: unknown;
    try {
      raw = JSON.parse(fs.readFileSync(args.process, 'utf8'));
    } catch (err) {
      throw new RuntsError(`process.json: ${(err as Error).message}`, 'invalid');
    }
    return validateProcess(raw);
  }
  if (args.command.length === 0) throw new RuntsError('exec: a command to run is required (or --process)', 'invalid');
  const env = [...(base.env ?? [])];
  for (const e of args.env) {
    const key = e.split('=')[0];
    const i = env.findIndex((x) => x.split('=')[0] === key);
    if (i >= 0) env[i] = e;
    else env.push(e);
  }
  let user = { ...base.user };
  if (args.user) {
    const [uid, gid] = args.user.split(':');
    if (!/^\d+$/.test(uid) || (gid !== undefined && !/^\d+$/.test(gid))) throw new RuntsError(`exec: --user ${args.user}: must be uid[:gid] (numbers)`, 'invalid');
    user = { uid: Number(uid), gid: gid === undefined ? 0 : Number(gid) };
  }
  if (args['additional-gids'].length) user.additionalGids = args['additional-gids'];
  const caps = { ...(base.capabilities ?? {}) };
  for (const set of ['bounding', 'effective', 'permitted'] as const) caps[set] = [...(caps[set] ?? []), ...args.cap];
  return {
    ...base, args: args.command, env, cwd: args.cwd ?? base.cwd, user, capabilities: caps,
    terminal: !!args.tty, noNewPrivileges: args['no-new-privs'] || base.noNewPrivileges,
    apparmorProfile: args.apparmor ?? base.apparmorProfile, selinuxLabel: args['process-label'] ?? base.selinuxLabel,
  };
}

const VALUE_FLAGS = new Set(['process', 'p', 'pid-file', 'console-socket', 'pidfd-socket', 'cwd', 'env', 'e', 'user', 'u',
  'additional-gids', 'g', 'cap', 'c', 'apparmor', 'process-label', 'preserve-fds', 'cgroup']);

/**
 * `exec [flags] <id> <command...>`: like runc, flags end at the container id, so the command's
 * own flags (`sh -c ...`) are not ours. Inserts `--` after the id; `at` is the index of "exec".
 */
export function separateCommand(argv: string[], at: number): string[] {
  for (let i = at + 1; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') return argv;
    if (a.startsWith('-') && a !== '-') {
      if (!a.includes('=') && VALUE_FLAGS.has(a.replace(/^--?/, ''))) i++;
      continue;
    }
    return [...argv.slice(0, i + 1), '--', ...argv.slice(i + 1)];
  }
  return argv;
}

const command: CommandModule<GlobalArgs, ExecArgs> = {
  command: 'exec <id> [command..]',
  describe: 'run a new process inside a running container',
  builder: (y) =>
    (y
      .positional('id', { type: 'string', demandOption: true })
      .positional('command', { type: 'string', array: true, default: [] })
      .option('process', { alias: 'p', type: 'string', describe: 'path to a process.json' })
      .option('detach', { alias: 'd', type: 'boolean' })
      .option('pid-file', { type: 'string' })
      .option('console-socket', { type: 'string' })
      .option('pidfd-socket', { type: 'string', hidden: true })
      .option('tty', { alias: 't', type: 'boolean' })
      .option('cwd', { type: 'string' })
      .option('env', { alias: 'e', type: 'string', array: true, default: [] })
      .option('user', { alias: 'u', type: 'string', describe: 'uid[:gid]' })
      .option('additional-gids', { alias: 'g', type: 'number', array: true, default: [] })
      .option('cap', { alias: 'c', type: 'string', array: true, default: [] })
      .option('no-new-privs', { type: 'boolean' })
      .option('apparmor', { type: 'string' })
      .option('process-label', { type: 'string' })
      .option('preserve-fds', { type: 'number', default: 0 })
      .option('ignore-paused', { type: 'boolean' })
      .option('cgroup', { type: 'string' }) as unknown) as Argv<ExecArgs>,
  handler: async (args) => {
    try {
      const { execProcess } = await import('../../runtime/exec');
      const s = store(args);
      const rec = s.read(args.id);
      // After the `--` separateCommand inserted, yargs leaves the command in `_` (after "exec").
      args.command = [...args.command, ...(args._ as unknown[]).slice(1).map(String)];
      const proc = await processFor(args, rec.config.process!);
      process.exitCode = await execProcess(s, {
        id: args.id, process: proc, detach: args.detach, pidFile: args['pid-file'], consoleSocket: args['console-socket'],
        preserveFds: args['preserve-fds'], subCgroup: args.cgroup, ignorePaused: args['ignore-paused'], warn: logWarning,
      });
    } catch (err) {
      // runc's shape: an exec that could not start, for whatever reason, exits 255 with "exec failed: ...".
      const e = err as Error & { exitCode?: number };
      if (e.name === 'RuntsError') {
        e.message = `exec failed: ${e.message}`;
        e.exitCode = 255;
      }
      throw err;
    }
  },
};
export default command;
