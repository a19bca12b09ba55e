// Runs a CommonJS script (runtsd's bundle) with a V8 code cache made after start-up. Node's
// compile cache holds only what V8 compiles up front, a script's top level: in a bundle every
// module is a function compiled lazily, on each start again. A cache V8 makes once the program
// has started also holds every function that ran by then.
import { isAscii } from 'buffer';
import * as fs from 'fs';
import * as path from 'path';
import * as vm from 'vm';
import Module from 'module';

export type CodeCacheState = 'used' | 'rejected' | 'none';

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
 * Runs file as a module, compiled with its code cache in cacheDir, or (re)writes that cache
 * afterMs later; beforeRun hears whether V8 took the cache.
 */
export function runWithCodeCache(file: string, cacheDir: string, afterMs: number, beforeRun: (cache: CodeCacheState) => void): void {
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
  if (compiled.cache !== 'used') {
    // unref'd: a short-lived run (runtsd publish) writes nothing
    setTimeout(() => writeCache(compiled.script, cacheDir, cacheFile, prefix), afterMs).unref();
  }
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
