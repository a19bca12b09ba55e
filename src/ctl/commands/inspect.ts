// `runtsctl inspect CONTAINER...`: a JSON array with docker's field names (Id, Name, State,
// Config, HostConfig, NetworkSettings.IPAddress/Ports/SandboxKey...).
import { Argv, CommandModule } from 'yargs';
import { withClient } from '../context';
import { findContainer, taskState, TaskState } from '../containers/lookup';
import { ContainerInfo } from '../containers/labels';
import { ContainerArgs, attachmentId, logFile, networkEnv } from '../containers/settings';
import { isCniNetwork } from '../containers/network';
import { RuntsError } from '../../foundation/errors';

type InspectArgs = ContainerArgs & { containers: string[] };

const STATUS: Record<TaskState['status'], string> = {
  CREATED: 'created', RUNNING: 'running', STOPPED: 'exited', PAUSED: 'paused', PAUSING: 'paused', UNKNOWN: 'unknown', NONE: 'created',
};

export function dockerView(c: ContainerInfo, t: TaskState, args: ContainerArgs) {
  const ports: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const p of c.ports) (ports[`${p.containerPort}/${p.protocol}`] ??= []).push({ HostIp: p.hostIP || '0.0.0.0', HostPort: String(p.hostPort) });
  const args0 = c.spec.process?.args ?? [];
  const bridged = isCniNetwork(c.network);
  return {
    Id: c.id,
    Created: c.createdAt.toISOString(),
    Path: args0[0] ?? '',
    Args: args0.slice(1),
    State: {
      Status: STATUS[t.status],
      Running: t.status === 'RUNNING',
      Paused: t.status === 'PAUSED',
      Pid: t.status === 'RUNNING' || t.status === 'PAUSED' ? t.pid : 0,
      ExitCode: t.status === 'STOPPED' ? t.exitStatus : 0,
      FinishedAt: t.exitedAt?.toISOString() ?? '0001-01-01T00:00:00Z',
    },
    Image: c.image,
    LogPath: logFile(args, c.id),
    Name: `/${c.name}`,
    Driver: 'overlayfs',
    Config: { Image: c.image, Cmd: args0, Env: c.spec.process?.env ?? [], Tty: c.spec.process?.terminal ?? false, Labels: c.labels },
    HostConfig: { NetworkMode: c.network, PortBindings: ports },
    NetworkSettings: {
      SandboxKey: c.network !== 'host' ? networkEnv(args).netns.pathOf(attachmentId(args.namespace, c.id)) : '',
      Ports: ports,
      IPAddress: c.ip,
      IPPrefixLen: c.prefixLength,
      Gateway: c.gateway,
      MacAddress: c.mac,
      Networks: bridged ? { [c.network]: { IPAddress: c.ip, IPPrefixLen: c.prefixLength, Gateway: c.gateway, MacAddress: c.mac } } : {},
    },
  };
}

const inspect: CommandModule<ContainerArgs, InspectArgs> = {
  command: 'inspect <containers..>',
  describe: 'show containers in docker\'s JSON',
  builder: (y) => y.positional('containers', { type: 'string', array: true, demandOption: true }) as Argv<InspectArgs>,
  handler: (args) => withClient(args, async (client) => {
    const out = [];
    let missing: string | undefined;
    for (const ref of args.containers) {
      try {
        const c = await findContainer(client, String(ref));
        out.push(dockerView(c, await taskState(client, c.id), args));
      } catch (err) {
        if ((err as RuntsError).kind !== 'not-found') throw err;
        missing = String(ref);
      }
    }
    process.stdout.write(`${JSON.stringify(out, null, 4)}\n`);
    if (missing) throw new RuntsError(`Error: No such object: ${missing}`, 'not-found');
  }),
};

export default inspect;
