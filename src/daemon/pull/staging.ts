// Where a pull extracts layers ahead of unpacking them; what a pull the daemon did not live to
// finish left there is removed at start.
import * as fs from 'fs';
import * as path from 'path';

export const stagingDir = (root: string) => path.join(root, 'pull-staging');

export function clearStaging(root: string): void {
  fs.rmSync(stagingDir(root), { recursive: true, force: true });
}
