// The light commands' start-up (bin/runts, scripts/build-snapshots.js): the whole program bundled
// into one script (dist/snapshot/runts-light.js) is compiled with a V8 code cache of it, made at
// build time after the bundle has run those commands once, so V8 neither parses nor compiles what
// they run. For them it is cheaper than the startup snapshot, whose bigger heap every start
// deserialises. The bundle holds every command: the start-up path decides speed, never behaviour.
import * as fs from 'fs';
import * as vm from 'vm';

export interface BundledProgram {
  program: typeof import('./program');
  script: vm.Script;
  /** V8 refused the code cache (another Node or other V8 flags) and compiled the source. */
  cacheRejected: boolean;
}

/** Compiles the bundle, with its code cache when given, and runs its module code. */
export function loadBundledProgram(bundlePath: string, cachePath?: string): BundledProgram {
  const source = fs.readFileSync(bundlePath, 'utf8');
  const cachedData = cachePath === undefined ? undefined : fs.readFileSync(cachePath);
  // The bundle is CommonJS: it requires Node's built-in modules only.
  const script = new vm.Script(`(function (require, module, exports) {${source}\n})`, { filename: bundlePath, cachedData });
  const module = { exports: {} as BundledProgram['program'] };
  script.runInThisContext()(require, module, module.exports);
  return { program: module.exports, script, cacheRejected: script.cachedDataRejected === true };
}
