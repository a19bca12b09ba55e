// bin/runts starts the light commands here when their code cache is fresh (see code-cache.ts),
// from this file bundled with what it imports (dist/snapshot/runts-light-start.cjs):
// node runts-light-start.cjs CACHE ARGS..., CACHE being the code cache of the command in ARGS.
import * as path from 'path';
import { loadBundledProgram } from './code-cache';

const [cache, ...args] = process.argv.slice(2);
const { program, cacheRejected } = loadBundledProgram(path.join(__dirname, '..', 'snapshot', 'runts-light.js'), cache);
void program.runProgram(args, cacheRejected ? 'code cache rejected by this Node, compiling the bundle' : 'started from the code cache');
