// The shim's `log` fifo: runtsd holds the read end open for the shim's whole life (a shim opening
// it for writing blocks until a reader exists) and copies each line into its own log.
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { Logger } from '../log';

export function followShimLog(bundlePath: string, id: string, log: Logger): net.Socket | undefined {
  let fd: number;
  try {
    // Read-write, so the fifo never reports end-of-file while no shim has it open.
    fd = fs.openSync(path.join(bundlePath, 'log'), fs.constants.O_RDWR | fs.constants.O_NONBLOCK);
  } catch (err) {
    log.warn('cannot read shim log', { id, error: (err as Error).message });
    return undefined;
  }
  const reader = new net.Socket({ fd, readable: true, writable: false });
  let pending = '';
  reader.on('data', (chunk: Buffer) => {
    const lines = (pending + chunk.toString('utf8')).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) log.debug('shim', { id, log: line });
  });
  reader.on('error', () => reader.destroy());
  reader.unref();
  return reader;
}
