#!/usr/bin/env node
// Builds each program's V8 startup snapshot with the Node pinned in package.json: its snapshot
// entry (dist/.../snapshot.js) and everything it loads are bundled into one script, because a
// snapshot's own require() only loads Node's built-in modules, and the pinned Node runs that
// script once and saves the initialised heap. Output: dist/snapshot/PROGRAM.blob (and .js).
// bin/PROGRAM starts from the blob when it is newer than dist/ and the runtime, else loads
// modules as usual. runts has two: runts-light.blob for its light commands (src/cli/light-snapshot.ts)
// and runts.blob for the others. Run after the TypeScript build.
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const esbuild = require('esbuild');
const { ownDirname, withOwnDirname } = require('./esbuild-own-dirname');
const { plainBuiltinImports } = require('./esbuild-plain-builtin-imports');
const { dropBuiltinCodeCache } = require('./snapshot-blob');

const root = path.join(__dirname, '..');
const outDir = path.join(root, 'dist', 'snapshot');
const pinnedNode = path.join(root, 'node_modules', '.bin', 'node');
// smol-toml reads a runts runtime config file, which a shim parses only when containerd passes
// one (`--runtime-config-path`): the shim's import of it gets smol-toml's exports, each taken from
// node_modules, through a require made for the importer, when first read.
const tomlParserOnFirstUse = {
  name: 'toml-parser-on-first-use',
  setup(build) {
    build.onResolve({ filter: /^smol-toml$/ }, (args) => ({ path: args.path, namespace: 'toml-parser-on-first-use', pluginData: args.importer }));
    build.onLoad({ filter: /.*/, namespace: 'toml-parser-on-first-use' }, (args) => {
      const names = Object.keys(require(require.resolve(args.path, { paths: [path.dirname(args.pluginData)] })));
      const load = `require('module').createRequire(${JSON.stringify(args.pluginData)})(${JSON.stringify(args.path)})`;
      return {
        contents: `let loaded; for (const name of ${JSON.stringify(names)}) Object.defineProperty(exports, name, { enumerable: true, get: () => (loaded ??= ${load})[name] });`,
        loader: 'js',
      };
    });
  },
};

// protobufjs's full build adds the .proto parser to its light one; the shim loads its sets from
// their JSON descriptors (src/foundation/protos/loader.ts), which the light build reads the same.
const protobufLight = {
  name: 'protobuf-light',
  setup(build) {
    build.onResolve({ filter: /^protobufjs$/ }, (args) => build.resolve('protobufjs/light', { kind: args.kind, resolveDir: args.resolveDir }));
  },
};

/**
 * A plugin that leaves the imports matching `filter` out of a bundle: where `locate` gives
 * { request, from }, the bundle requires `request` at run time through a require made for the
 * file `from` (a snapshot's own require() only loads Node's built-in modules); else it bundles
 * the import as usual.
 */
function requiredAtRunTime(name, filter, locate) {
  return {
    name,
    setup(build) {
      build.onResolve({ filter }, (args) => {
        const at = locate(args);
        return at && { path: at.request, namespace: name, pluginData: at.from };
      });
      build.onLoad({ filter: /.*/, namespace: name }, (args) => ({
        contents: `module.exports = require('module').createRequire(${JSON.stringify(args.pluginData)})(${JSON.stringify(args.path)});`,
        loader: 'js',
      }));
    },
  };
}

// Every blob holds the functions compiled while it was built (Node's withoutCodeCache would clear
// them, so each start compiled again whatever it ran) and leaves out V8's code cache of Node's
// built-in modules (snapshot-blob.js): Node keeps the whole blob in memory while the process lives,
// and the few built-ins a program loads after start compile from source instead.
// compiledWhole: V8 compiles every function of the program while the snapshot is built
// (--no-lazy), so the blob holds them all compiled, where lazy compilation compiles only those
// that ran while building and every command compiles the rest on each start (runts run: 249
// functions, ~10 ms of CPU). With the built-in modules' code cache then dropped (snapshot-blob.js),
// the blob is 5.6 MB instead of 8.8 MB: runts run 111 ms of CPU instead of 137 (medians of 20).
// For the long-lived shim, every function compiled is memory it holds at rest: not compiled whole
// (+1.55 MB of private memory per resting shim for 13.5 ms less CPU per `ctr run --rm`), but
// keeping what ran while building (the .proto codecs, the validators, Node's own modules) spares
// ~8 ms of a new shim's CPU for +1.0 MB (`ctr run --rm`, perf stat of containerd and all it
// starts, 3 alternating rounds of 10: 94.5-104.1 -> 84.6-90.5 ms).
// releasesModuleCode: the bundle's modules let go of their top-level function once it has run, so
// the blob does not keep code that ran only while building (-0.4 MB of each resting shim).
// withoutWhitespace: the bundle's source, which the heap holds whole, without indentation and
// newlines: for the long-lived shim, 0.6 MB instead of 1 MB of blob and of each shim's memory.
const PROGRAMS = {
  'containerd-shim-runts-v2': { entry: 'dist/shim/snapshot.js', compiledWhole: false, releasesModuleCode: true, withoutWhitespace: true, plugins: [tomlParserOnFirstUse, protobufLight, ownDirname] },
};

/** entry (under the repo) and everything it requires, as one script at outfile. */
const bundleOf = (entry, outfile, format, plugins, minifyWhitespace = false) => esbuild.build({
  entryPoints: [path.join(root, entry)], bundle: true, platform: 'node', format, target: 'node22', outfile, plugins, minifyWhitespace, logLevel: 'error',
});

// esbuild's wrapper of a CommonJS module (as minifyWhitespace writes it) keeps the module's
// function after running it once; the same wrapper without that reference, so V8 frees the code.
const COMMONJS_WRAPPER = 'var __commonJS=(cb,mod)=>function __require2(){return mod||(0,cb[__getOwnPropNames(cb)[0]])((mod={exports:{}}).exports,mod),mod.exports};';
const COMMONJS_WRAPPER_RELEASING = 'var __commonJS=(cb,mod)=>function __require2(){if(mod)return mod.exports;const init=cb[__getOwnPropNames(cb)[0]];cb=void 0;init((mod={exports:{}}).exports,mod);return mod.exports};';

function releaseModuleCode(bundle) {
  const source = fs.readFileSync(bundle, 'utf8');
  if (!source.includes(COMMONJS_WRAPPER)) throw new Error(`${bundle}: esbuild no longer wraps CommonJS modules as ${COMMONJS_WRAPPER}`);
  fs.writeFileSync(bundle, source.replace(COMMONJS_WRAPPER, COMMONJS_WRAPPER_RELEASING));
}

async function buildSnapshot(name, { entry, compiledWhole, releasesModuleCode, withoutWhitespace, plugins = [ownDirname] }) {
  const bundle = path.join(outDir, `${name}.js`);
  const blob = path.join(outDir, `${name}.blob`);
  await bundleOf(entry, bundle, 'iife', plugins, withoutWhitespace);
  if (releasesModuleCode) releaseModuleCode(bundle);
  fs.rmSync(blob, { force: true });
  // the bytes of the old blob as running shims map them (src/shim/idle-memory.ts): made again on first use
  fs.rmSync(`${blob}.mapped`, { force: true });
  const config = path.join(outDir, `${name}.config.json`);
  fs.writeFileSync(config, JSON.stringify({ builder: bundle, withoutCodeCache: false }));
  const build = () => spawnSync(pinnedNode, [...(compiledWhole ? ['--no-lazy'] : []), '--snapshot-blob', blob, '--build-snapshot-config', config], { cwd: root, encoding: 'utf8' });
  const r = build();
  if (r.status !== 0) throw new Error(`snapshot of ${name} failed (${r.status}):\n${r.stderr}`);
  const dropped = dropBuiltinCodeCache(blob);
  // The layout is Node's own: a blob the pinned Node does not start from is built again as it was.
  if (!dropped || !startsFrom(blob)) {
    console.log(`snapshot: ${name} keeps the built-in code cache (${dropped ? 'Node does not start from the blob without it' : 'not found in the blob'})`);
    if (build().status !== 0) throw new Error(`snapshot of ${name} failed`);
  }
  fs.rmSync(config);
  console.log(`snapshot: ${path.relative(root, blob)} (${fs.statSync(blob).size} bytes)`);
}

/** The pinned Node starts from the blob and runs its program (`--version`). */
const startsFrom = (blob) => spawnSync(pinnedNode, ['--snapshot-blob', blob, '--', '--version'], { encoding: 'utf8' }).status === 0;

// yargs requires 'assert' when it loads, for two checks that hold unless yargs has a bug, and
// loading assert also creates process.stderr: ~3 ms of every light command. runts' snapshots give
// yargs the two checks, which load assert only to fail (so they throw what assert throws).
const lazyAssertForYargs = {
  name: 'lazy-assert-for-yargs',
  setup(build) {
    build.onResolve({ filter: /^assert$/ }, (args) => (/[\\/]yargs[\\/]/.test(args.importer) ? { path: 'assert', namespace: 'lazy-assert' } : undefined));
    build.onLoad({ filter: /.*/, namespace: 'lazy-assert' }, () => ({
      contents: `module.exports = {
        notStrictEqual: (a, b, message) => Object.is(a, b) && require('assert').notStrictEqual(a, b, message),
        strictEqual: (a, b, message) => Object.is(a, b) || require('assert').strictEqual(a, b, message),
      };`,
      loader: 'js',
    }));
  },
};

// yargs' platform shim also takes, when yargs loads, what only help text (and commandDir) use:
// process.stdout.columns, which builds the stdout stream that src/cli/print.ts avoids (~6 ms on
// a pipe), and the modules that lay help out (cliui, string-width, wrap-ansi, ansi-styles, ...).
// runts' snapshots take each when it is first used.
const SHIM_FIELDS_TAKEN_LAZILY = {
  stdColumns: 'void 0!==process.stdout.columns?process.stdout.columns:null',
  cliui: 'require("cliui")',
  stringWidth: 'require("string-width")',
  requireDirectory: 'require("require-directory")',
  getCallerFile: 'require("get-caller-file")',
};
// And every program yargs builds starts with a --version option whose text is the version in the
// nearest package.json (found by listing each directory up: ~1 ms); runts turns that option off
// (.version(false)), so the light snapshot's programs start without it.
const DEFAULT_VERSION_OPTION = 'i.help(),i.version(),i}';
// Each yargs method checks its arguments against a usage string (argsert), parsed again at every
// call with half a dozen regular expressions, whose compiled code no snapshot keeps: ~0.3 ms of a
// light command. The parse depends on the string alone and argsert only reads it, so it is kept.
const ARGSERT_PARSE = 'function h(t,s,i){try{let n=0;const[r,a,h]="object"==typeof t?[{demanded:[],optional:[]},t,s]:[o(`cmd ${t}`),s,i]';
const ARGSERT_MEMO = 'const argsertUsages=new Map;function h(t,s,i){try{let n=0;const[r,a,h]="object"==typeof t?[{demanded:[],optional:[]},t,s]:[argsertUsages.get(t)??argsertUsages.set(t,o(`cmd ${t}`)).get(t),s,i]';
const lazyShimForYargs = {
  name: 'lazy-shim-for-yargs',
  setup(build) {
    build.onLoad({ filter: /[\\/]yargs[\\/]build[\\/]index\.cjs$/ }, (args) => {
      let contents = fs.readFileSync(args.path, 'utf8');
      for (const [field, value] of Object.entries(SHIM_FIELDS_TAKEN_LAZILY)) {
        const eager = `${field}:${value}`;
        if (!contents.includes(eager)) throw new Error(`${args.path} no longer sets ${eager}`);
        contents = contents.replace(eager, `get ${field}(){return ${value}}`);
      }
      if (!contents.includes(DEFAULT_VERSION_OPTION)) throw new Error(`${args.path} no longer adds its version option as ${DEFAULT_VERSION_OPTION}`);
      contents = contents.replace(DEFAULT_VERSION_OPTION, 'i.help(),i}');
      if (!contents.includes(ARGSERT_PARSE)) throw new Error(`${args.path} no longer parses argsert's usage as ${ARGSERT_PARSE}`);
      contents = contents.replace(ARGSERT_PARSE, ARGSERT_MEMO);
      return { contents: withOwnDirname(contents, args.path), loader: 'js' };
    });
  },
};

// The light commands' snapshot leaves the other commands' modules (and the container creation
// they import) out: they are loaded from dist/ if ever asked, through a require made for the file
// (a snapshot's own require() only loads Node's built-in modules). With its whitespace dropped too,
// its bundle is 266 KB instead of 515, and the heap holds that source.
const HEAVY_COMMAND = /^\.\/commands\/(create|run|exec|spec|features|update)$/;
const heavyCommandsFromDist = requiredAtRunTime('heavy-commands-from-dist', HEAVY_COMMAND, (args) => {
  if (!/[\\/]dist[\\/]cli[\\/](commands-table|program)\.js$/.test(args.importer)) return undefined;
  const file = path.join(root, 'dist', 'cli', 'commands', `${args.path.slice('./commands/'.length)}.js`);
  return { request: file, from: file };
});

// runts' light commands (bin/runts: state, list, kill, start, delete, pause, resume, ps, events):
// a snapshot of their program after it has run their usual lines (src/cli/light-snapshot.ts).
// Node starts from it in ~1 ms of CPU more than from its own (`runts state` of a stopped
// container), where their earlier start from a bundle and a V8 code cache per command was ~6 ms
// more; compiled whole (--no-lazy), its bigger heap was ~1.5 ms slower. Its modules' top-level code,
// which ran only while building, is released: 3.65 -> 3.57 MB, `runts list` 98.3 -> 96.4 M
// instructions (callgrind), 0.1-0.7 ms less CPU (medians of 40 alternating).
const LIGHT = {
  entry: 'dist/cli/light-snapshot.js', compiledWhole: false, releasesModuleCode: true, withoutWhitespace: true,
  plugins: [heavyCommandsFromDist, lazyAssertForYargs, lazyShimForYargs, plainBuiltinImports, ownDirname],
};

// Help's layout (cliui, string-width and what they require), which yargs' shim above takes only
// when help is shown, is loaded then from node_modules: a blob compiled whole holds every function
// of its bundle, whether it ever runs or not (4.70 -> 4.56 MB, `runts run` -1.6 M instructions).
const HELP_LAYOUT = /^(cliui|string-width)$/;
const helpLayoutFromNodeModules = requiredAtRunTime('help-layout-from-node-modules', HELP_LAYOUT,
  (args) => (/[\\/]yargs[\\/]/.test(args.importer) ? { request: args.path, from: args.importer } : undefined));

// runts' other commands (run, create, exec, spec, features, update, help; src/cli/snapshot.ts),
// compiled whole: what runs from it is mostly code that cannot run while the blob is built (the
// addon's), and a lazily compiled blob with a warm-up of create, run and exec up to the kernel
// (their lines, engines' bundles, cgroups in memory) was no faster. Compiled whole, the blob holds
// every function of the bundle and of the built-in modules it loads, so the bundle leaves out
// what these commands never run: yargs' assert and help layout as for the light commands, and
// ps's child_process. With the module code released and the whitespace dropped too: 4.56 MB
// instead of 5.57, and the node process of `runts run` 121 M instructions instead of 142
// (callgrind), 41.2 ms of CPU instead of 45.5 (medians of 25 alternating; create 36.3 -> 32.0,
// exec 41.4 -> 38.2; a run with a hook, which loads child_process, 49.5 -> 48.5).
const HEAVY = {
  entry: 'dist/cli/snapshot.js', compiledWhole: true, releasesModuleCode: true, withoutWhitespace: true,
  plugins: [lazyAssertForYargs, lazyShimForYargs, helpLayoutFromNodeModules, plainBuiltinImports, ownDirname],
};

(async () => {
  fs.mkdirSync(outDir, { recursive: true });
  for (const [name, program] of Object.entries(PROGRAMS)) await buildSnapshot(name, program);
  await buildSnapshot('runts', HEAVY);
  await buildSnapshot('runts-light', LIGHT);
})().catch((err) => {
  console.error(err.message);
  process.exit(1);
});
