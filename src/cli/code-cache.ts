// The light commands' start-up (bin/runts, scripts/build-snapshots.js): the whole program bundled
// into one script (dist/snapshot/runts-light.js) is compiled with a V8 code cache of it, made at
// build time after the bundle has run those commands once, so V8 neither parses nor compiles what
// they run. For them it is cheaper than the startup snapshot, whose bigger heap every start
// deserialises. Each light command has a code cache of its own (runts-light-COMMAND.cache), of
// what it runs alone: a cache of all of them was 1.6 times the size of list's and took ~1.5 ms
// more to load. The bundle holds every command: the start-up path decides speed, never behaviour.
import * as fs from 'fs';
import type * as vm from 'vm';
import { compileModule } from '../foundation/cached-script';

export interface BundledProgram {
  program: typeof import('./program');
  script: vm.Script;
  /** V8 refused the code cache (another Node or other V8 flags) and compiled the source. */
  cacheRejected: boolean;
}

/** Compiles the bundle, with its code cache when given, and runs its module code. */
export function loadBundledProgram(bundlePath: string, cachePath?: string): BundledProgram {
  const compiled = compileModule(bundlePath, cachePath === undefined ? undefined : fs.readFileSync(cachePath));
  return { program: compiled.run() as BundledProgram['program'], script: compiled.script, cacheRejected: compiled.cache === 'rejected' };
}
