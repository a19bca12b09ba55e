import type { CommandModule } from 'yargs';
import { GlobalArgs, store } from '../context';
import { print } from '../print';

type PsArgs = GlobalArgs & { id: string; format: string };

/**
 * `ps [flags] <id> [ps options]`: like runc, everything after the id goes to ps(1) (`ps ID -e -x`).
 * Inserts `--` after the id; `at` is the index of "ps".
 */
export function separatePsArgs(argv: string[], at: number): string[] {
  for (let i = at + 1; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') return argv;
    if (a.startsWith('-')) {
      if (/^(--format|-f)$/.test(a)) i++;
      continue;
    }
    return [...argv.slice(0, i + 1), '--', ...argv.slice(i + 1)];
  }
  return argv;
}

const command: CommandModule<GlobalArgs, PsArgs> = {
  command: 'ps <id> [ps-args..]',
  describe: 'list the processes of a container (json: their pids)',
  builder: (y) => y.positional('id', { type: 'string', demandOption: true }).option('format', { alias: 'f', choices: ['table', 'json'], default: 'table' }),
  handler: async (args) => {
    const { containerPids, psTable } = await import('../../runtime/ps');
    const pids = containerPids(store(args), args.id);
    const psArgs = [...((args['ps-args'] as string[] | undefined) ?? []), ...(args._ as unknown[]).slice(1).map(String)];
    if (args.format === 'json') print(JSON.stringify(pids) + '\n');
    else print(psTable(pids, psArgs));
  },
};
export default command;
