// `runtsctl run [-d] [--rm] [-i] [-t] [--name N] [-e K=V] [-v H:C[:ro]] [-p [IP:]H:C[/proto]]
// [--network bridge|host|none] IMAGE [CMD...]`: docker's run through runtsd and the runts shim.
import * as path from 'path';
import { Argv, CommandModule } from 'yargs';
import { commandArgs, withClient } from '../context';
import { Client } from '../../client/client';
import { createContainer, createTask } from '../containers/create';
import { ExitError, engineFailure, startFailure } from '../containers/exit';
import { ContainerInfo } from '../containers/labels';
import { removeContainer, teardownResources } from '../containers/remove';
import { Session } from '../containers/session';
import { ContainerArgs, containerDir, logFile } from '../containers/settings';
import { makeFifos } from '../containers/stdio';
import { DEFAULT_NETWORK } from '../containers/network';

type RunArgs = ContainerArgs & {
  image: string; command: string[]; detach: boolean; rm: boolean; interactive: boolean; tty: boolean;
  name?: string; env: string[]; volume: string[]; publish: string[]; network: string;
};

async function startDetached(client: Client, args: RunArgs, c: ContainerInfo): Promise<void> {
  const log = `file://${logFile(args, c.id)}`;
  await createTask(client, c, { stdin: '', stdout: log, stderr: log }, args.tty);
  await client.unary('tasks', 'Start', { container_id: c.id, exec_id: '' });
  process.stdout.write(`${c.id}\n`);
}

async function runForeground(client: Client, args: RunArgs, c: ContainerInfo): Promise<number> {
  const fifos = makeFifos(path.join(containerDir(args, c.id), 'fifo'), 'init', args.interactive, !args.tty);
  const session = new Session(client, fifos, { id: c.id, execId: '', interactive: args.interactive, terminal: args.tty, log: logFile(args, c.id) });
  try {
    await createTask(client, c, fifos, args.tty);
    await client.unary('tasks', 'Start', { container_id: c.id, exec_id: '' });
    session.started();
    return await session.wait();
  } finally {
    session.close();
  }
}

const run: CommandModule<ContainerArgs, RunArgs> = {
  command: 'run <image> [command..]',
  describe: 'run a command in a new container',
  builder: (y) => y
    .positional('image', { type: 'string', demandOption: true })
    .positional('command', { type: 'string', array: true, default: [] })
    .option('detach', { alias: 'd', type: 'boolean', default: false, describe: 'run in the background and print the container ID' })
    .option('rm', { type: 'boolean', default: false, describe: 'remove the container when it exits' })
    .option('interactive', { alias: 'i', type: 'boolean', default: false, describe: 'keep stdin open' })
    .option('tty', { alias: 't', type: 'boolean', default: false, describe: 'allocate a pseudo-TTY' })
    .option('name', { type: 'string', describe: 'container name' })
    .option('env', { alias: 'e', type: 'string', array: true, default: [], describe: 'K=V environment variable' })
    .option('volume', { alias: 'v', type: 'string', array: true, default: [], describe: 'bind mount HOST:CONTAINER[:ro]' })
    .option('publish', { alias: 'p', type: 'string', array: true, default: [], describe: 'publish [IP:]HOST:CONTAINER[/tcp|udp]' })
    .option('network', { alias: 'net', type: 'string', default: DEFAULT_NETWORK, describe: 'bridge (a CNI network name), host or none' }) as Argv<RunArgs>,
  handler: (args) => withClient(args, async (client) => {
    if (args.detach && args.rm) throw new ExitError('flags -d and --rm cannot be specified together (as in nerdctl): rm the container yourself', 125);
    let c: ContainerInfo;
    try {
      c = await createContainer(client, args, {
        image: args.image, command: commandArgs(args), name: args.name, env: args.env, volumes: args.volume,
        publish: args.publish, network: args.network, terminal: args.tty,
      });
    } catch (err) {
      throw engineFailure(err);
    }
    if (args.detach) {
      try {
        await startDetached(client, args, c);
      } catch (err) {
        await removeContainer(client, args, c, true).catch(() => teardownResources(client, args, c.id, c.network)).catch(() => undefined);
        throw startFailure(err);
      }
      return;
    }
    let status: number;
    try {
      status = await runForeground(client, args, c);
    } catch (err) {
      // a run that could not start leaves nothing behind
      await removeContainer(client, args, c, true).catch(() => undefined);
      throw startFailure(err);
    }
    if (args.rm) await removeContainer(client, args, c, true);
    process.exitCode = status;
  }),
};

export default run;
