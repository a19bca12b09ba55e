// `start`: find or launch the long-lived shim for this container's group and print its address.
// containerd reads our stdout+stderr as the address, so the shim we launch gets neither.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { RuntsError } from '../runtime/errors';
import { groupIdOf, NAMESPACE_GROUP, shimSocketAddress, SOCKET_DIR } from './address';
import { ShimFlags } from './flags';
import { decodeAny, isRuntimeOptions, shimConfigOf } from './runtime-config';
import { socketPathOf } from './ttrpc/socket-path';

const READY_TIMEOUT_MS = 10000;
/** Node flags of the long-lived shim: a small young generation, since a shim allocates little. */
const SERVE_NODE_FLAGS = ['--max-semi-space-size=1'];

export async function startShim(flags: ShimFlags, entry: string): Promise<string> {
  const bundle = process.cwd();
  const group = sharesNamespaceShim(readStdin()) ? NAMESPACE_GROUP : groupIdOf(bundle, flags.id);
  const address = shimSocketAddress(flags.address, flags.namespace, group);
  const socket = socketPathOf(address);
  if (!(await accepts(socket))) {
    fs.rmSync(socket, { force: true });
    fs.mkdirSync(SOCKET_DIR, { recursive: true, mode: 0o711 });
    await launch(flags, entry, bundle, socket);
  }
  writeAddressFile(bundle, address);
  return address;
}

/** containerd writes the runtime options (a marshalled Any) to our stdin; they come again with Create. */
function readStdin(): Buffer {
  try {
    if (!process.stdin.isTTY) return fs.readFileSync(0);
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

/** Spawns `serve` detached in its own session and waits until it listens (fd 3 says so). */
function launch(flags: ShimFlags, entry: string, bundle: string, socket: string): Promise<void> {
  const args = [
    ...SERVE_NODE_FLAGS,
    entry,
    '-namespace', flags.namespace,
    '-id', flags.id,
    '-address', flags.address,
    '-publish-binary', flags.publishBinary,
    ...(flags.debug ? ['-debug'] : []),
    '-socket', socket,
    'serve',
  ];
  const child = spawn(process.execPath, args, { cwd: bundle, detached: true, stdio: ['ignore', 'ignore', 'ignore', 'pipe'] });
  const ready = child.stdio[3]!;
  return new Promise((resolve, reject) => {
    let said = '';
    const timer = setTimeout(() => fail(`no answer within ${READY_TIMEOUT_MS} ms`), READY_TIMEOUT_MS);
    const fail = (why: string) => {
      clearTimeout(timer);
      if (child.exitCode === null) child.kill('SIGKILL');
      reject(new RuntsError(`start shim for ${flags.id}: ${why}`, 'system'));
    };
    child.once('error', (err) => fail(err.message));
    ready.on('data', (d: Buffer) => (said += d.toString()));
    ready.once('close', () => {
      clearTimeout(timer);
      if (said.trim() === 'ok') {
        ready.destroy();
        child.unref();
        resolve();
      } else {
        fail(said.trim() || 'the shim exited before listening');
      }
    });
  });
}

function writeAddressFile(bundle: string, address: string): void {
  const file = path.join(bundle, 'address');
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, address, { mode: 0o600 });
  fs.renameSync(tmp, file);
}
