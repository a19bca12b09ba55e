// A shim lives for hours and works for milliseconds: 1 s after its last request it releases its
// idle memory (src/foundation/idle-memory.ts). The first time, it also moves Node's private copy
// of the startup snapshot to the page cache (native.mapSnapshotCopy, through a copy file beside
// the blob that all shims share).
import * as path from 'path';
import * as native from '../native';
import { IdleMemoryRelease } from '../foundation/idle-memory';
import { debug } from './log';

const IDLE_MS = 1000;

/** Started: the first release comes 1 s after start-up unless a request comes first. */
export function shimIdleMemoryRelease(): IdleMemoryRelease {
  const blob = startupSnapshotBlob();
  const idle = new IdleMemoryRelease({ firstMs: IDLE_MS, laterMs: IDLE_MS }, debug, blob ? () => {
    debug(`idle: ${native.mapSnapshotCopy(blob, snapshotCopyOf(blob))} kB of the startup snapshot's copy moved to the page cache`);
  } : undefined);
  idle.busy();
  return idle;
}

/** Where the bytes of Node's in-memory copy of a snapshot are kept (scripts/build-snapshots.js removes it with the blob). */
const snapshotCopyOf = (blob: string) => `${blob}.mapped`;

/** The startup snapshot this process started from (node --snapshot-blob FILE), if any. */
function startupSnapshotBlob(): string | undefined {
  const args = process.execArgv;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--snapshot-blob' && args[i + 1]) return path.resolve(args[i + 1]);
    if (args[i].startsWith('--snapshot-blob=')) return path.resolve(args[i].slice('--snapshot-blob='.length));
  }
  return undefined;
}
