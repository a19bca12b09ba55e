// `start`: report the address of the long-lived shim for this container's group, becoming that
// shim when the group has none listening. containerd waits for `start` to exit and reads its
// stdout+stderr as the address, so the launcher (addon/launcher) gives us pipes of its own and
// relays what we write there; a shim we become lets go of them once it has reported.
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { isatty } from 'tty';
import * as native from '../native';
import { groupIdOf, NAMESPACE_GROUP, shimSocketAddress, SOCKET_DIR } from './address';
import { ShimFlags } from './flags';
import { decodeAny, isRuntimeOptions, shimConfigOf } from './runtime-config';
import { socketPathOf } from '../foundation/ttrpc/socket-path';
import { writeFileAtomic } from '../foundation/atomic-file';

export async function startShim(flags: ShimFlags): Promise<void> {
  const bundle = process.cwd();
  const group = sharesNamespaceShim(readStdin()) ? NAMESPACE_GROUP : groupIdOf(bundle, flags.id);
  const address = shimSocketAddress(flags.address, flags.namespace, group);
  const socket = socketPathOf(address);
  const becomeShim = !(await accepts(socket));
  if (becomeShim) {
    fs.rmSync(socket, { force: true });
    fs.mkdirSync(SOCKET_DIR, { recursive: true, mode: 0o711 });
    // the task service loads only here: a `start` that finds its group's shim must not pay for it
    await (await import('./serve')).serveShim(flags, socket);
  }
  writeAddressFile(bundle, address);
  fs.writeSync(1, address);
  if (becomeShim) letGoOfStarter();
}

/** containerd writes the runtime options (a marshalled Any) to our stdin; they come again with Create. */
function readStdin(): Buffer {
  try {
    if (!isatty(0)) return fs.readFileSync(0);
  } catch {
    // no stdin at all
  }
  return Buffer.alloc(0);
}

/** Only runts's own options can ask for a namespace-wide shim; Create judges the others. */
function sharesNamespaceShim(stdin: Buffer): boolean {
  if (!stdin.length) return false;
  const options = decodeAny(stdin);
  return isRuntimeOptions(options) && shimConfigOf(options.value).shimGroup === 'namespace';
}

function accepts(socket: string): Promise<boolean> {
  if (!fs.existsSync(socket)) return Promise.resolve(false);
  return new Promise((resolve) => {
    const conn = net.createConnection(socket);
    conn.once('connect', () => {
      conn.destroy();
      resolve(true);
    });
    conn.once('error', () => resolve(false));
  });
}

/** The launcher exits, and containerd goes on, when our stdout and stderr close: fds 0-2 become /dev/null. */
function letGoOfStarter(): void {
  const devNull = fs.openSync('/dev/null', 'r+');
  for (const fd of [0, 1, 2]) native.dup2(devNull, fd);
  fs.closeSync(devNull);
}

function writeAddressFile(bundle: string, address: string): void {
  writeFileAtomic(path.join(bundle, 'address'), address, { mode: 0o600 });
}
