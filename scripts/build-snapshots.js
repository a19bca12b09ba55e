#!/usr/bin/env node
// Builds each program's V8 startup snapshot with the Node pinned in package.json: its snapshot
// entry (dist/.../snapshot.js) and everything it loads are bundled into one script, because a
// snapshot's own require() only loads Node's built-in modules, and the pinned Node runs that
// script once and saves the initialised heap. Output: dist/snapshot/PROGRAM.blob (and .js).
// bin/PROGRAM starts from the blob when it is newer than dist/ and the runtime, else loads
// modules as usual. Run after the TypeScript build.
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const esbuild = require('esbuild');
const { ownDirname } = require('./esbuild-own-dirname');

const root = path.join(__dirname, '..');
const outDir = path.join(root, 'dist', 'snapshot');
const pinnedNode = path.join(root, 'node_modules', '.bin', 'node');
// withoutCodeCache: the blob leaves out V8's code cache of Node's built-in modules. Node keeps the
// whole blob in memory while the process lives, so for the long-lived shim (one per container
// unless grouped) this is ~7 MB less private memory and a blob half the size to read at start; the
// few built-ins it loads after start compile from source instead.
const PROGRAMS = {
  runts: { entry: 'dist/cli/snapshot.js', withoutCodeCache: false },
  'containerd-shim-runts-v2': { entry: 'dist/shim/snapshot.js', withoutCodeCache: true },
};

async function buildSnapshot(name, { entry, withoutCodeCache }) {
  const bundle = path.join(outDir, `${name}.js`);
  const blob = path.join(outDir, `${name}.blob`);
  await esbuild.build({
    entryPoints: [path.join(root, entry)],
    bundle: true,
    platform: 'node',
    format: 'iife',
    target: 'node22',
    outfile: bundle,
    plugins: [ownDirname],
    logLevel: 'error',
  });
  fs.rmSync(blob, { force: true });
  const config = path.join(outDir, `${name}.config.json`);
  fs.writeFileSync(config, JSON.stringify({ builder: bundle, withoutCodeCache }));
  const r = spawnSync(pinnedNode, ['--snapshot-blob', blob, '--build-snapshot-config', config], { cwd: root, encoding: 'utf8' });
  fs.rmSync(config);
  if (r.status !== 0) throw new Error(`snapshot of ${name} failed (${r.status}):\n${r.stderr}`);
  console.log(`snapshot: ${path.relative(root, blob)} (${fs.statSync(blob).size} bytes)`);
}

(async () => {
  fs.mkdirSync(outDir, { recursive: true });
  for (const [name, program] of Object.entries(PROGRAMS)) await buildSnapshot(name, program);
})().catch((err) => {
  console.error(err.message);
  process.exit(1);
});
