// Replaces a file in one step: the data goes to a temporary file beside it, which is renamed over
// it, so a reader (or a crash) sees the old content or the new one, never part of either.
import * as fs from 'fs';
import * as path from 'path';

export interface AtomicWriteOptions {
  /** Mode of a newly created file (default 0o666 less the umask, as fs.writeFileSync). */
  mode?: number;
  /**
   * 'file': fsync the data before the rename; 'file+dir': also fsync the directory afterwards,
   * so the rename itself survives a crash. Default: no fsync.
   */
  sync?: 'file' | 'file+dir';
}

export function writeFileAtomic(file: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): void {
  // Per process: two processes replacing the same file never share a temporary.
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    const fd = fs.openSync(temp, 'w', options.mode ?? 0o666);
    try {
      fs.writeFileSync(fd, data);
      if (options.sync) fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, file);
  } catch (err) {
    try {
      fs.unlinkSync(temp);
    } catch {
      /* never created, or not a file of ours */
    }
    throw err;
  }
  if (options.sync === 'file+dir') {
    const dir = fs.openSync(path.dirname(file), 'r');
    try {
      fs.fsyncSync(dir);
    } finally {
      fs.closeSync(dir);
    }
  }
}
