#!/usr/bin/env node
// Bundles runtsd (dist/daemon/main.js and the modules it requires, at start or later) into one
// script, dist/bundle/runtsd.js, which bin/runtsd loads when it is newer than dist/ and the
// runtime: resolving and reading ~170 modules one by one was about a fifth of runtsd's CPU time
// to ready. The packages runtsd requires only on first use (undici, protobufjs, proto-loader,
// spdy-transport, yargs, ...) stay outside and load from node_modules as before, since V8 keeps
// a script's whole source in memory. lmdb and its JavaScript (msgpackr, ordered-binary) are
// inside, so the code cache holds them too: 10-13 ms less CPU to ready; its native addons load
// from node_modules, from the files found when the bundle is built (esbuild-prebuilt-addons.js).
// grpc-js's client side loads on first use (esbuild-grpc-server-side.js): runtsd starts as a
// server. runtsd's own lazy modules (CRI, pull, diff) are inside: they share
// classes (errors, stores) with the rest, so there must be one copy of each. Node's built-in
// modules are taken as they are where TypeScript copied them (esbuild-plain-builtin-imports.js:
// 113 copies, ~5 ms of CPU to ready and 0.8 MB private dirty at rest). It writes the
// services' rpcs read from proto/ first (declared-services.js). Run after the TypeScript build.
'use strict';
const fs = require('fs');
const path = require('path');
const esbuild = require('esbuild');
const { ownDirname } = require('./esbuild-own-dirname');
const { plainBuiltinImports } = require('./esbuild-plain-builtin-imports');
const { prebuiltAddons } = require('./esbuild-prebuilt-addons');
const { grpcServerSide } = require('./esbuild-grpc-server-side');
const { writeDeclaredServices } = require('./declared-services');

const root = path.join(__dirname, '..');
const outfile = path.join(root, 'dist', 'bundle', 'runtsd.js');
// required while runtsd starts: bundled (with what they require)
const LOADED_AT_START = ['@grpc/grpc-js', 'smol-toml', 'lmdb'];

(async () => {
  // the services' rpcs as read from proto/ (beside dist/'s services.js; inside the bundle)
  writeDeclaredServices(root);
  const { dependencies } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  await esbuild.build({
    entryPoints: [path.join(root, 'dist', 'daemon', 'main.js')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    outfile,
    external: Object.keys(dependencies).filter((name) => !LOADED_AT_START.includes(name)),
    plugins: [grpcServerSide(root), prebuiltAddons(root), plainBuiltinImports, ownDirname],
    // V8 keeps the source (functions compile lazily from it): no indentation
    minifyWhitespace: true,
    logLevel: 'error',
  });
  console.log(`bundle: ${path.relative(root, outfile)} (${fs.statSync(outfile).size} bytes)`);
})().catch((err) => {
  console.error(err.message);
  process.exit(1);
});
