// `runtsctl exec [-i] [-t] [-e K=V] [-w DIR] CONTAINER CMD...`: a new process in a running
// container (the container's process spec with these args), its exit status as ours.
import { randomBytes } from 'crypto';
import * as path from 'path';
import { Argv, CommandModule } from 'yargs';
import { commandArgs, withClient } from '../context';
import { ExitError, startFailure } from '../containers/exit';
import { findContainer, taskState } from '../containers/lookup';
import { Session } from '../containers/session';
import { ContainerArgs, containerDir } from '../containers/settings';
import { makeFifos } from '../containers/stdio';
import { mergeEnv, parseEnv } from '../containers/spec';

type ExecArgs = ContainerArgs & { container: string; command: string[]; interactive: boolean; tty: boolean; env: string[]; workdir?: string };

const PROCESS_TYPE = 'types.containerd.io/opencontainers/runtime-spec/1/Process';

const exec: CommandModule<ContainerArgs, ExecArgs> = {
  command: 'exec <container> [command..]',
  describe: 'run a command in a running container',
  builder: (y) => y
    .positional('container', { type: 'string', demandOption: true })
    .positional('command', { type: 'string', array: true, default: [] })
    .option('interactive', { alias: 'i', type: 'boolean', default: false, describe: 'keep stdin open' })
    .option('tty', { alias: 't', type: 'boolean', default: false, describe: 'allocate a pseudo-TTY' })
    .option('env', { alias: 'e', type: 'string', array: true, default: [], describe: 'K=V environment variable' })
    .option('workdir', { alias: 'w', type: 'string', describe: 'working directory inside the container' }) as Argv<ExecArgs>,
  handler: (args) => withClient(args, async (client) => {
    if (commandArgs(args).length === 0) throw new ExitError('exec needs a command to run in the container', 1);
    const c = await findContainer(client, args.container);
    if ((await taskState(client, c.id)).status !== 'RUNNING') throw new ExitError(`container ${c.id} is not running`, 1);
    const execId = `exec-${randomBytes(6).toString('hex')}`;
    const base = (c.spec.process ?? {}) as Record<string, unknown> & { env?: string[] };
    const spec = {
      ...base,
      args: commandArgs(args),
      terminal: args.tty,
      env: mergeEnv(base.env ?? [], parseEnv(args.env, process.env)),
      ...(args.workdir ? { cwd: args.workdir } : {}),
    };
    const fifos = makeFifos(path.join(containerDir(args, c.id), 'fifo'), execId, args.interactive, !args.tty);
    const session = new Session(client, fifos, { id: c.id, execId, interactive: args.interactive, terminal: args.tty });
    let status: number;
    try {
      try {
        await client.unary('tasks', 'Exec', {
          container_id: c.id, exec_id: execId, stdin: fifos.stdin, stdout: fifos.stdout, stderr: fifos.stderr, terminal: args.tty,
          spec: { type_url: PROCESS_TYPE, value: Buffer.from(JSON.stringify(spec)) },
        });
        await client.unary('tasks', 'Start', { container_id: c.id, exec_id: execId });
      } catch (err) {
        await client.unary('tasks', 'DeleteProcess', { container_id: c.id, exec_id: execId }).catch(() => undefined);
        throw startFailure(err);
      }
      session.started();
      status = await session.wait();
      await client.unary('tasks', 'DeleteProcess', { container_id: c.id, exec_id: execId }).catch(() => undefined);
    } finally {
      session.close();
    }
    process.exitCode = status;
  }),
};

export default exec;
