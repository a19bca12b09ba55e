// `runtsctl logs [-f] CONTAINER`: the container's output as the shim (detached) or runtsctl
// (foreground) appended it; -f follows until the container exits.
import * as fs from 'fs';
import { Argv, CommandModule } from 'yargs';
import { withClient } from '../context';
import { findContainer, taskState } from '../containers/lookup';
import { ContainerArgs, logFile } from '../containers/settings';

type LogsArgs = ContainerArgs & { container: string; follow: boolean };

const POLL_MS = 200;

const logs: CommandModule<ContainerArgs, LogsArgs> = {
  command: 'logs <container>',
  describe: 'fetch the logs of a container',
  builder: (y) => y
    .positional('container', { type: 'string', demandOption: true })
    .option('follow', { alias: 'f', type: 'boolean', default: false, describe: 'follow the output' }) as Argv<LogsArgs>,
  handler: (args) => withClient(args, async (client) => {
    const c = await findContainer(client, args.container);
    const file = logFile(args, c.id);
    let offset = 0;
    const copy = () => {
      let fd: number;
      try {
        fd = fs.openSync(file, 'r');
      } catch {
        return; // nothing written yet
      }
      try {
        const buf = Buffer.alloc(65536);
        for (let n; (n = fs.readSync(fd, buf, 0, buf.length, offset)) > 0; offset += n) process.stdout.write(buf.subarray(0, n));
      } finally {
        fs.closeSync(fd);
      }
    };
    copy();
    if (!args.follow) return;
    for (;;) {
      const running = ['RUNNING', 'PAUSED', 'CREATED'].includes((await taskState(client, c.id)).status);
      await new Promise((r) => setTimeout(r, POLL_MS));
      copy();
      if (!running) return;
    }
  }),
};

export default logs;
