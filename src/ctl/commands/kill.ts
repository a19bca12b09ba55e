// `runtsctl kill [-s SIG] CONTAINER...`: a signal (default KILL) to running containers.
import { Argv, CommandModule } from 'yargs';
import { withClient } from '../context';
import { findContainer, taskState } from '../containers/lookup';
import { ContainerArgs } from '../containers/settings';
import { parseSignal, signalTask } from '../containers/signal';
import { RuntsError } from '../../foundation/errors';

type KillArgs = ContainerArgs & { containers: string[]; signal: string };

const kill: CommandModule<ContainerArgs, KillArgs> = {
  command: 'kill <containers..>',
  describe: 'kill running containers',
  builder: (y) => y
    .positional('containers', { type: 'string', array: true, demandOption: true })
    .option('signal', { alias: 's', type: 'string', default: 'KILL', describe: 'signal to send' }) as Argv<KillArgs>,
  handler: (args) => withClient(args, async (client) => {
    const signal = parseSignal(args.signal);
    for (const ref of args.containers) {
      const c = await findContainer(client, String(ref));
      if ((await taskState(client, c.id)).status !== 'RUNNING') {
        throw new RuntsError(`Cannot kill container: ${ref}: Container ${c.id} is not running`, 'state');
      }
      await signalTask(client, c.id, signal);
      process.stdout.write(`${ref}\n`);
    }
  }),
};

export default kill;
