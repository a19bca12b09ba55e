import type { CommandModule } from 'yargs';
import { GlobalArgs, store } from '../context';

type PsArgs = GlobalArgs & { id: string; format: string };

const command: CommandModule<GlobalArgs, PsArgs> = {
  command: 'ps <id> [ps-args..]',
  describe: 'list the processes of a container (json: their pids)',
  builder: (y) => y.positional('id', { type: 'string', demandOption: true }).option('format', { alias: 'f', choices: ['table', 'json'], default: 'table' }),
  handler: async (args) => {
    const { containerPids, psTable } = await import('../../runtime/ps');
    const pids = containerPids(store(args), args.id);
    const psArgs = [...((args['ps-args'] as string[] | undefined) ?? []), ...(args._ as unknown[]).slice(1).map(String)];
    if (args.format === 'json') process.stdout.write(JSON.stringify(pids) + '\n');
    else process.stdout.write(psTable(pids, psArgs));
  },
};
export default command;
