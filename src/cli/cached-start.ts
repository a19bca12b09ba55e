// bin/runts starts the light commands here when the code cache is fresh (see code-cache.ts), from
// this file bundled with what it imports (dist/snapshot/runts-light-start.cjs).
import * as path from 'path';
import { loadBundledProgram } from './code-cache';

const dir = path.join(__dirname, '..', 'snapshot');
const { program, cacheRejected } = loadBundledProgram(path.join(dir, 'runts-light.js'), path.join(dir, 'runts-light.cache'));
void program.runProgram(process.argv.slice(2), cacheRejected ? 'code cache rejected by this Node, compiling the bundle' : 'started from the code cache');
