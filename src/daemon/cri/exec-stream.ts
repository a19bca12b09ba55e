// Exec through the streaming server: the process's stdout and stderr go over the client's SPDY
// streams (from fifos the shim writes), and its end is reported on the error stream as kubelet
// does: nothing more for exit 0, a metav1.Status with the exit code otherwise (v4), or the
// message (older protocols). stdin and ttys are not served yet.
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { CriPlugin } from './plugin';
import { ContainerMeta, asStatus } from './store';
import { readFifo } from './logs';
import { Channels } from './streaming/server';

const PROCESS_TYPE = 'types.containerd.io/opencontainers/runtime-spec/1/Process';
const DRAIN_MS = 2000;
const FLUSH_MS = 30_000;

function exitStatus(protocol: string, cmd: string[], code: number): string {
  const message = `command terminated with non-zero exit code: error executing command ${JSON.stringify(cmd)}, exit code ${code}`;
  if (protocol !== 'v4.channel.k8s.io') return message;
  return JSON.stringify({
    metadata: {}, status: 'Failure', message, reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
  });
}

export async function execStream(cri: CriPlugin, containerId: string, cmd: string[], ch: Channels): Promise<void> {
  const c = await cri.store.get<ContainerMeta>('container', containerId);
  const spec = await cri.store.spec(c.id);
  const execId = `exec-${randomBytes(8).toString('hex')}`;
  const dir = path.join(cri.stateDir, c.id, execId);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const readers = ([['stdout', ch.stdout], ['stderr', ch.stderr]] as const)
    .filter(([, stream]) => stream !== undefined)
    .map(([name, stream]) => readFifo(path.join(dir, name), (chunk) => stream!.write(chunk)));
  try {
    const process = { ...spec.process, args: cmd, terminal: false };
    await cri.client.unary('tasks', 'Exec', {
      container_id: c.id, exec_id: execId, stdin: '', terminal: false,
      stdout: ch.stdout ? readers[0].path : '', stderr: ch.stderr ? readers[readers.length - 1].path : '',
      spec: { type_url: PROCESS_TYPE, value: Buffer.from(JSON.stringify(process)) },
    });
    await cri.client.unary('tasks', 'Start', { container_id: c.id, exec_id: execId });
    readers.forEach((r) => r.release());
    const exit = await cri.waitTask(c.id, 0, execId);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(readers.map((r) => r.done)), new Promise((r) => { timer = setTimeout(r, DRAIN_MS); })]);
    clearTimeout(timer);
    const code = exit?.exitStatus ?? 0;
    if (code !== 0) ch.error.write(exitStatus(ch.protocol, cmd, code));
  } catch (err) {
    const status = asStatus(err) as Error;
    ch.error.write(ch.protocol === 'v4.channel.k8s.io'
      ? JSON.stringify({ metadata: {}, status: 'Failure', message: status.message, reason: 'InternalError' })
      : status.message);
  } finally {
    // what the client's flow-control window still holds back must reach it before the session ends
    const flushed = [ch.stdout, ch.stderr, ch.error].filter((x) => x !== undefined).map((x) => new Promise<void>((resolve) => {
      x!.once('finish', resolve);
      x!.once('close', resolve);
      x!.end();
    }));
    let flushTimer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(flushed), new Promise((r) => { flushTimer = setTimeout(r, FLUSH_MS); })]);
    clearTimeout(flushTimer);
    await cri.client.unary('tasks', 'DeleteProcess', { container_id: c.id, exec_id: execId }).catch(() => undefined);
    readers.forEach((r) => r.close());
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
