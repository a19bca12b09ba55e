import * as fs from 'fs';
import * as path from 'path';
import { randomUUID } from 'crypto';
import { systemError } from '../../foundation/errors';
import { writeFileAtomic } from '../../foundation/atomic-file';

/** The daemon's uuid, created once and kept in <root>/uuid across restarts. */
export function loadOrCreateUuid(root: string): string {
  const file = path.join(root, 'uuid');
  try {
    const existing = fs.readFileSync(file, 'utf8').trim();
    if (/^[0-9a-f-]{36}$/.test(existing)) return existing;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw systemError(`reading ${file}`, err);
  }
  const uuid = randomUUID();
  try {
    writeFileAtomic(file, `${uuid}\n`, { mode: 0o644 });
  } catch (err) {
    throw systemError(`writing ${file}`, err);
  }
  return uuid;
}
