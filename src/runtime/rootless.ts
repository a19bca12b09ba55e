// Running as a non-root user (rootless, as runc supports): a user namespace mapping the caller,
// state under the user's runtime directory, and no cgroups unless they were delegated.
import * as path from 'path';

export const isRootless = (): boolean => process.getuid?.() !== 0;

/** runc's default: /run/runc for root, $XDG_RUNTIME_DIR/runc otherwise. */
export function defaultStateRoot(): string {
  if (!isRootless()) return '/run/runts';
  const xdg = process.env.XDG_RUNTIME_DIR;
  if (xdg) return path.join(xdg, 'runts');
  // os is loaded only here: root (the usual caller) never needs it, and every command asks
  const { tmpdir } = require('os') as typeof import('os');
  return path.join(tmpdir(), `runts-${process.getuid!()}`);
}
