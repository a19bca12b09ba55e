// `runtsctl ps [-a] [-q]`: docker's columns; without -a only running containers.
import { Argv, CommandModule } from 'yargs';
import { printTable, withClient } from '../context';
import { listContainers, taskState, TaskState } from '../containers/lookup';
import { ContainerArgs } from '../containers/settings';
import { formatPort } from '../../network/ports';

type PsArgs = ContainerArgs & { all: boolean; quiet: boolean };

/** docker's human durations (go-units HumanDuration): "About a minute", "3 hours". */
export function ago(from: Date, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - from.getTime()) / 1000));
  const m = Math.round(s / 60);
  const h = Math.round(s / 3600);
  if (s < 1) return 'Less than a second';
  if (s === 1) return '1 second';
  if (s < 60) return `${s} seconds`;
  if (m === 1) return 'About a minute';
  if (m < 60) return `${m} minutes`;
  if (h === 1) return 'About an hour';
  if (h < 48) return `${h} hours`;
  return `${Math.round(h / 24)} days`;
}

export function statusText(t: TaskState, createdAt: Date): string {
  if (t.status === 'RUNNING') return `Up ${ago(createdAt)}`;
  if (t.status === 'PAUSED') return `Up ${ago(createdAt)} (Paused)`;
  if (t.status === 'STOPPED') return `Exited (${t.exitStatus}) ${t.exitedAt ? `${ago(t.exitedAt)} ago` : ''}`.trim();
  if (t.status === 'NONE' || t.status === 'CREATED') return 'Created';
  return 'Unknown';
}

const ps: CommandModule<ContainerArgs, PsArgs> = {
  command: 'ps',
  describe: 'list containers',
  builder: (y) => y
    .option('all', { type: 'boolean', default: false, describe: 'show all containers (default: running); -a' })
    .option('quiet', { type: 'boolean', default: false, describe: 'only IDs; -q' }) as Argv<PsArgs>,
  handler: (args) => withClient(args, async (client) => {
    const rows: string[][] = [];
    const containers = (await listContainers(client)).sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
    for (const c of containers) {
      const t = await taskState(client, c.id);
      if (!args.all && t.status !== 'RUNNING' && t.status !== 'PAUSED') continue;
      const command = JSON.stringify((c.spec.process?.args ?? []).join(' '));
      const up = t.status === 'RUNNING' || t.status === 'PAUSED';
      rows.push([c.id.slice(0, 12), c.image, command.length > 22 ? `${command.slice(0, 20)}…"` : command,
        `${ago(c.createdAt)} ago`, statusText(t, c.createdAt), up ? c.ports.map(formatPort).join(', ') : '', c.name]);
    }
    if (args.quiet) {
      process.stdout.write(rows.map((r) => `${r[0]}\n`).join(''));
      return;
    }
    printTable(['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NAMES'], rows);
  }),
};

export default ps;
