// Attach through the streaming server: the client joins a running container's own stdio. Its
// output comes as runtsd reads it into the CRI log (the log keeps it too), its input goes into
// the stdin fifo runtsd holds for the container, and a tty's size follows the resize channel.
// The session ends when the container's output does or the client goes; with stdin_once (and no
// tty, as containerd) the first client's EOF closes the container's stdin for good.
import { CriPlugin } from './plugin';
import { ContainerMeta } from './store';
import { forwardInput } from './stdin-fifo';
import { Channels, onResize, reportFailure } from './streaming/remotecommand';

export async function attachStream(cri: CriPlugin, meta: ContainerMeta, ch: Channels): Promise<void> {
  const io = cri.containerIO(meta.id);
  if (!io) return reportFailure(ch, `container ${meta.id} is not running: nothing to attach to`);
  const ref = { container_id: meta.id, exec_id: '' };
  onResize(ch.resize, (size) => void cri.client.unary('tasks', 'ResizePty', { ...ref, ...size }).catch(() => undefined));
  const unsubscribe = io.pipe.subscribe((stream, chunk) => (stream === 'stdout' ? ch.stdout : ch.stderr)?.write(chunk));
  const stdin = io.stdin;
  if (ch.stdin && stdin) {
    if (meta.config.stdin_once && !meta.config.tty) {
      forwardInput(ch.stdin, stdin, () => {
        if (io.stdin === stdin) io.stdin = undefined;
        void cri.client.unary('tasks', 'CloseIO', { ...ref, stdin: true }).catch(() => undefined);
      });
    } else {
      ch.stdin.pipe(stdin.stream, { end: false });
    }
  }
  try {
    await Promise.race([io.pipe.done, ch.closed]);
  } finally {
    unsubscribe();
    if (ch.stdin && stdin) ch.stdin.unpipe(stdin.stream);
  }
}
