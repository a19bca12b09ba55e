// Writes the light commands' code cache (see code-cache.ts): runs each of them once from the
// bundle, against an empty state root, then saves what V8 compiled. Run by
// scripts/build-snapshots.js with the pinned Node: node code-cache-build.js BUNDLE CACHE
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadBundledProgram } from './code-cache';

// The command lines bin/runts starts from the code cache, as engines call them (they fail:
// the root is empty).
const WARM_UP = [
  ['--debug', '--log-format', 'json', 'list'],
  ['list', '--format', 'json'],
  ['state', 'warm-up'],
  ['kill', 'warm-up', 'KILL'],
  ['start', 'warm-up'],
  ['delete', '--force', 'warm-up'],
  ['pause', 'warm-up'],
  ['resume', 'warm-up'],
  ['ps', '--format', 'json', 'warm-up'],
  ['events', '--stats', 'warm-up'],
];

async function main([bundle, cache]: string[]): Promise<void> {
  const { program, script } = loadBundledProgram(bundle);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-code-cache-'));
  try {
    for (const args of WARM_UP) await program.runProgram(['--root', root, ...args]);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
  process.exitCode = 0;
  fs.writeFileSync(cache, script.createCachedData());
}

void main(process.argv.slice(2));
