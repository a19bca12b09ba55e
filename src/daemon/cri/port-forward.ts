// PortForward through the streaming server: each forwarded connection is a TCP connection to
// localhost:port inside the pod's network namespace (made by the addon without Node entering
// it; a host-network pod's is runtsd's own), copied both ways with the client's data stream.
// When one direction ends the other gets a second to finish, as containerd does; a failure goes
// to the pair's error stream in kubelet's words.
import * as net from 'net';
import { connectInNetns } from '../../native';
import { SandboxMeta } from './store';
import { PortPair } from './streaming/portforward';

const LINGER_MS = 1000;

export function forwardPort(sandbox: SandboxMeta, { port, data, error }: PortPair, closed: Promise<void>): void {
  let finished = false;
  let lingering: NodeJS.Timeout | undefined;
  let socket: net.Socket | undefined;
  const finish = (why?: string) => {
    if (finished) return;
    finished = true;
    clearTimeout(lingering);
    socket?.destroy();
    if (why !== undefined) error.write(`error forwarding port ${port} to pod ${sandbox.id}, uid : ${why}`);
    error.end();
    data.end();
  };
  try {
    // half-open: one side's end must not cut the other direction short
    socket = sandbox.netns
      ? new net.Socket({ fd: connectInNetns(sandbox.netns, port), readable: true, writable: true, allowHalfOpen: true })
      : net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  } catch (err) {
    return finish((err as Error).message);
  }
  const oneWayDone = () => { lingering ??= setTimeout(() => finish(), LINGER_MS); };
  socket.on('error', (err: NodeJS.ErrnoException) => finish(`connect to localhost:${port} in the pod's network: ${err.code ?? err.message}`));
  socket.once('end', oneWayDone);
  data.once('end', oneWayDone);
  socket.once('close', () => finish());
  data.once('close', () => finish());
  data.pipe(socket);
  socket.pipe(data);
  void closed.then(() => finish());
}
