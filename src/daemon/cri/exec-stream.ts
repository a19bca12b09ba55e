// Exec through the streaming server: the client's stdin goes into a fifo the shim reads (its end
// becomes the process's EOF through CloseIO), the process's stdout and stderr come from fifos the
// shim writes, a tty's size follows the client's resize channel, and the end is reported on the
// error stream as kubelet does. A client that goes away before the process ends has it killed,
// as containerd does.
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { CriPlugin } from './plugin';
import { ContainerMeta, asStatus } from './store';
import { readFifo } from './logs';
import { forwardInput, writeStdinFifo } from './stdin-fifo';
import { Channels, TerminalSize, onResize, reportExitCode, reportFailure } from './streaming/remotecommand';

const PROCESS_TYPE = 'types.containerd.io/opencontainers/runtime-spec/1/Process';
const DRAIN_MS = 2000;
const SIGKILL = 9;

export async function execStream(cri: CriPlugin, containerId: string, cmd: string[], tty: boolean, ch: Channels): Promise<void> {
  const c = await cri.store.get<ContainerMeta>('container', containerId);
  const spec = await cri.store.spec(c.id);
  const execId = `exec-${randomBytes(8).toString('hex')}`;
  const dir = path.join(cri.stateDir, c.id, execId);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const ref = { container_id: c.id, exec_id: execId };
  const stdin = ch.stdin ? writeStdinFifo(path.join(dir, 'stdin'), true) : undefined;
  const outputs = ([['stdout', ch.stdout], ['stderr', ch.stderr]] as const).filter(([, stream]) => stream !== undefined);
  const readers = outputs.map(([name, stream]) => readFifo(path.join(dir, name), (chunk) => stream!.write(chunk)));
  const fifoOf = (name: string) => readers.find((r) => path.basename(r.path) === name)?.path ?? '';
  let started = false;
  let size: TerminalSize | undefined;
  const resize = (s: TerminalSize) => {
    size = s;
    if (started) void cri.client.unary('tasks', 'ResizePty', { ...ref, ...s }).catch(() => undefined);
  };
  onResize(ch.resize, resize);
  try {
    const process = { ...spec.process, args: cmd, terminal: tty };
    await cri.client.unary('tasks', 'Exec', {
      ...ref, stdin: stdin?.path ?? '', terminal: tty, stdout: fifoOf('stdout'), stderr: fifoOf('stderr'),
      spec: { type_url: PROCESS_TYPE, value: Buffer.from(JSON.stringify(process)) },
    });
    await cri.client.unary('tasks', 'Start', ref);
    started = true;
    // the shim opens an exec's fifos at Start: our extra ends can go
    readers.forEach((r) => r.release());
    stdin?.release();
    if (size) resize(size);
    if (ch.stdin && stdin) forwardInput(ch.stdin, stdin, () => void cri.client.unary('tasks', 'CloseIO', { ...ref, stdin: true }).catch(() => undefined));
    let exited = false;
    let clientGone = false;
    void ch.closed.then(() => {
      clientGone = true;
      return exited ? undefined : cri.killTask(c.id, SIGKILL, execId);
    }).catch(() => undefined);
    const exit = await cri.waitTask(c.id, 0, execId);
    exited = true;
    if (clientGone) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(readers.map((r) => r.done)), new Promise((r) => { timer = setTimeout(r, DRAIN_MS); })]);
    clearTimeout(timer);
    const code = exit?.exitStatus ?? 0;
    if (code !== 0) reportExitCode(ch, cmd, code);
  } catch (err) {
    reportFailure(ch, (asStatus(err) as Error).message);
  } finally {
    await cri.client.unary('tasks', 'DeleteProcess', ref).catch(() => undefined);
    readers.forEach((r) => r.close());
    stdin?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
