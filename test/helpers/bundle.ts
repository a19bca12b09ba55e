// Test bundles: a busybox rootfs (Debian's busybox-static) in a temp dir with a config.json
// from `runts spec`, adjusted per test. Every bundle is removed by cleanupBundles().
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export const REPO = path.resolve(__dirname, '..', '..');
export const RUNTS = path.join(REPO, 'bin', 'runts');

let template: string | undefined;
const made: string[] = [];

/** One busybox rootfs per test process, copied into each bundle. */
function rootfsTemplate(): string {
  if (!template) {
    template = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-rootfs-'));
    made.push(template);
    execFileSync(path.join(REPO, 'scripts', 'make-rootfs.sh'), [path.join(template, 'rootfs')]);
  }
  return path.join(template, 'rootfs');
}

export interface TestBundle {
  dir: string;
  rootfs: string;
  config: any;
  save(): void;
}

export function makeBundle(edit?: (config: any) => void, base?: any): TestBundle {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-bundle-'));
  made.push(dir);
  execFileSync('cp', ['-a', rootfsTemplate(), path.join(dir, 'rootfs')]);
  let config = base;
  if (!config) {
    execFileSync(RUNTS, ['spec', '--bundle', dir]);
    config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
    config.process.terminal = false;
  }
  const bundle: TestBundle = {
    dir,
    rootfs: path.join(dir, 'rootfs'),
    config,
    save() {
      fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(bundle.config, null, 2));
    },
  };
  edit?.(config);
  bundle.save();
  return bundle;
}

export function cleanupBundles(): void {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  template = undefined;
}
