#!/usr/bin/env node
// Builds runtsd's V8 startup snapshot, dist/snapshot/runtsd.blob, from dist/daemon/snapshot.js
// and what it requires, bundled into one script (dist/snapshot/runtsd.js) as for the bundle
// (build-daemon-bundle.js). A snapshot may hold no socket, handle or native addon, so the Node
// modules that create them (net, tls, http2, ...) and lmdb (a native addon) are stand-ins in
// it: objects with a getter per export that loads the real module on first use, at run time.
// The packages runtsd requires only on first use load from node_modules through a require
// bin/runtsd gives the program (a snapshot's own require only loads Node's built-in modules).
// The build fails if the blob holds a binding a worker thread could not load (snapshot.ts).
// Run after the TypeScript build.
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const esbuild = require('esbuild');
const { ownDirname } = require('./esbuild-own-dirname');

const root = path.join(__dirname, '..');
const outDir = path.join(root, 'dist', 'snapshot');
const bundle = path.join(outDir, 'runtsd.js');
const blob = path.join(outDir, 'runtsd.blob');
const pinnedNode = path.join(root, 'node_modules', '.bin', 'node');
// loaded on first use at run time: they hold handles or load bindings a worker cannot load again
const DEFERRED = ['net', 'tls', 'http', 'https', 'http2', 'crypto', 'child_process', 'dns', 'dgram', 'tty', 'v8', 'worker_threads', 'lmdb'];
// bundled as in the bundle; the other packages load from node_modules when first required
const BUNDLED = ['@grpc/grpc-js', 'smol-toml', 'lmdb'];
// bindings whose templates a worker thread sets up again when it loads their module
const NOT_IN_BLOB = /^Internal Binding (stream_wrap|tcp_wrap|pipe_wrap|tty_wrap|crypto|process_wrap|spawn_sync|http2|tls_wrap|heap_utils)$/;

/** Each deferred module's exports: names, and the plain objects (http2.constants) as they are. */
function exportsOf(names) {
  const program = `const out = {};
for (const name of ${JSON.stringify(names)}) {
  const m = require(name), keys = Object.keys(m), plain = {};
  for (const k of keys) if (k === 'constants' && m[k] && typeof m[k] === 'object') plain[k] = m[k];
  out[name] = { keys, plain };
}
process.stdout.write(JSON.stringify(out));`;
  const r = spawnSync(pinnedNode, ['-e', program], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`reading the deferred modules' exports failed:\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** esbuild plugin: runtsd's and grpc-js' imports of a deferred module get its stand-in. */
function deferredModules(exported) {
  return {
    name: 'deferred-modules',
    setup(build) {
      const filter = new RegExp(`^(node:)?(${DEFERRED.map((n) => n.replace(/[/]/g, '\\/')).join('|')})$`);
      build.onResolve({ filter }, (args) => (args.namespace === 'deferred' ? undefined : { path: args.path.replace(/^node:/, ''), namespace: 'deferred' }));
      build.onLoad({ filter: /.*/, namespace: 'deferred' }, (args) => {
        const { keys, plain } = exported[args.path];
        const getters = keys.filter((k) => !(k in plain)).map((k) => `${JSON.stringify(k)}: { get: () => load()[${JSON.stringify(k)}], enumerable: true }`);
        const values = Object.keys(plain).map((k) => `${JSON.stringify(k)}: { value: ${JSON.stringify(plain[k])}, enumerable: true }`);
        return {
          contents: `let real;\nconst load = () => real ??= require(${JSON.stringify(args.path)});\nmodule.exports = Object.defineProperties({}, {${[...getters, ...values].join(',\n')}});`,
          resolveDir: root,
          loader: 'js',
        };
      });
    },
  };
}

(async () => {
  const { dependencies } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  await esbuild.build({
    entryPoints: [path.join(root, 'dist', 'daemon', 'snapshot.js')],
    bundle: true,
    platform: 'node',
    format: 'iife',
    target: 'node22',
    outfile: bundle,
    external: Object.keys(dependencies).filter((name) => !BUNDLED.includes(name)),
    plugins: [deferredModules(exportsOf(DEFERRED)), ownDirname],
    // a snapshot's require loads only built-ins: packages and addons load through bin/runtsd's
    banner: { js: 'require = ((builtin) => (id) => (globalThis.runtsdRequire ?? builtin)(id))(require);' },
    footer: { js: `{const held = process.moduleLoadList.filter((m) => ${NOT_IN_BLOB}.test(m)); if (held.length) throw new Error('the snapshot would hold ' + held.join(', '));}` },
    minifyWhitespace: true,
    logLevel: 'error',
  });
  fs.rmSync(blob, { force: true });
  const r = spawnSync(pinnedNode, ['--snapshot-blob', blob, '--build-snapshot', bundle], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`snapshot of runtsd failed (${r.status}):\n${r.stderr}`);
  console.log(`snapshot: ${path.relative(root, blob)} (${fs.statSync(blob).size} bytes)`);
})().catch((err) => {
  console.error(err.message);
  process.exit(1);
});
