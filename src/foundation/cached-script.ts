// Runs a CommonJS script (runtsd's bundle) with a V8 code cache made once it has started. Node's
// compile cache holds only what V8 compiles up front, a script's top level: in a bundle every
// module is a function compiled lazily, on each start again. A cache V8 makes once the program
// has started also holds every function that ran by then, and no more: one made 2 s after a start
// that tests drove at once held what their calls ran too (1.48 MB instead of 0.57 MB), and every
// later start paid ~10 ms of CPU to load it.
import { isAscii } from 'buffer';
import type { EventEmitter } from 'events';
import * as fs from 'fs';
import * as path from 'path';
import * as vm from 'vm';
import Module from 'module';

export type CodeCacheState = 'used' | 'rejected' | 'none';

/** Emitted on `process` by a program run through runWithCodeCache once it has started (runtsd:
 *  listening, before any call): its code cache is made then. */
const PROGRAM_STARTED = 'runts-program-started';

/** process as the plain EventEmitter it is: its typings know only Node's own events. */
const processEvents = process as unknown as EventEmitter;

export function programStarted(): void {
  processEvents.emit(PROGRAM_STARTED);
}

export interface CompiledModule {
  script: vm.Script;
  /** Whether V8 took the code cache it was given. */
  cache: CodeCacheState;
  /** Runs the module's code once; returns its exports. */
  run(): unknown;
}

/**
 * A bundle's source. esbuild writes ASCII, and ASCII read as Latin-1 is the same text without
 * the UTF-8 decoding (~1 ms of a 500 KB bundle, on every start).
 */
function readSource(file: string): string {
  const bytes = fs.readFileSync(file);
  return bytes.toString(isAscii(bytes) ? 'latin1' : 'utf8');
}

/** Compiles a CommonJS file as Node would wrap it, with a V8 code cache of that wrapped source. */
export function compileModule(file: string, cachedData?: Buffer): CompiledModule {
  const script = new vm.Script(Module.wrap(readSource(file)), { filename: file, cachedData });
  const cache: CodeCacheState = !cachedData ? 'none' : script.cachedDataRejected ? 'rejected' : 'used';
  const run = () => {
    const mod = new Module(file, module);
    mod.filename = file;
    mod.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(file));
    const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
    wrapper.call(mod.exports, mod.exports, Module.createRequire(file), mod, file, path.dirname(file));
    return mod.exports;
  };
  return { script, cache, run };
}

/**
 * Runs file as a module, compiled with its code cache in cacheDir, or (re)writes that cache when
 * the program says it has started (programStarted); beforeRun hears whether V8 took the cache.
 */
export function runWithCodeCache(file: string, cacheDir: string, beforeRun: (cache: CodeCacheState) => void): void {
  // V8 checks a cache against the source's length only: the name holds the file's size and mtime
  const stat = fs.statSync(file);
  const prefix = `${path.basename(file)}.`;
  const cacheFile = path.join(cacheDir, `${prefix}${stat.size}-${Math.trunc(stat.mtimeMs)}.v8cache`);
  let cachedData: Buffer | undefined;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const compiled = compileModule(file, cachedData);
  // a run that never starts a server (runtsd publish) writes nothing
  if (compiled.cache !== 'used') processEvents.once(PROGRAM_STARTED, () => writeCache(compiled.script, cacheDir, cacheFile, prefix));
  beforeRun(compiled.cache);
  compiled.run();
}

/** Writes the cache (atomically) and removes the caches of earlier builds. */
function writeCache(script: vm.Script, cacheDir: string, cacheFile: string, prefix: string): void {
  const temporary = `${cacheFile}.${process.pid}`;
  try {
    fs.mkdirSync(cacheDir, { recursive: true });
    fs.writeFileSync(temporary, script.createCachedData());
    fs.renameSync(temporary, cacheFile);
    for (const name of fs.readdirSync(cacheDir)) {
      if (name.startsWith(prefix) && name.endsWith('.v8cache') && path.join(cacheDir, name) !== cacheFile) fs.rmSync(path.join(cacheDir, name), { force: true });
    }
  } catch {
    // a cache is an optimisation: a read-only checkout runs without one
    fs.rmSync(temporary, { force: true });
  }
}
