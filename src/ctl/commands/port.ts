// `runtsctl port CONTAINER [PRIVATE[/PROTO]]`: the published ports, docker's lines.
import { Argv, CommandModule } from 'yargs';
import { withClient } from '../context';
import { findContainer } from '../containers/lookup';
import { ContainerArgs } from '../containers/settings';
import { formatPort } from '../../network/ports';
import { RuntsError } from '../../foundation/errors';

type PortArgs = ContainerArgs & { container: string; private?: string };

const port: CommandModule<ContainerArgs, PortArgs> = {
  command: 'port <container> [private]',
  describe: 'list a container\'s published ports',
  builder: (y) => y.positional('container', { type: 'string', demandOption: true }).positional('private', { type: 'string' }) as Argv<PortArgs>,
  handler: (args) => withClient(args, async (client) => {
    const c = await findContainer(client, args.container);
    if (args.private === undefined) {
      process.stdout.write(c.ports.map((p) => `${formatPort(p)}\n`).join(''));
      return;
    }
    const [number, proto = 'tcp'] = String(args.private).split('/');
    const found = c.ports.filter((p) => String(p.containerPort) === number && p.protocol === proto);
    if (found.length === 0) throw new RuntsError(`No public port '${number}/${proto}' published for ${args.container}`, 'not-found');
    process.stdout.write(found.map((p) => `${p.hostIP || '0.0.0.0'}:${p.hostPort}\n`).join(''));
  }),
};

export default port;
