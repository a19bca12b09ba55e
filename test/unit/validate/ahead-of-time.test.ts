// The built validate module must never compile a schema: in a fresh node process, requiring
// dist/runtime/validate and validating a config must not load ajv's compiler. Needs
// `npm run build` (tsc + scripts/build-validators.js) to have run.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { runcSpec } from './fixtures';

const REPO = path.resolve(__dirname, '..', '..', '..');
const DIST_VALIDATE = path.join(REPO, 'dist', 'runtime', 'validate', 'index.js');
const GENERATED = path.join(REPO, 'dist', 'runtime', 'validate', 'generated', 'validators.js');
const COMPILER = /[\\/]ajv[\\/]dist[\\/](core|ajv|compile[\\/])/;

interface Probe {
  requireMs: number;
  firstValidateMs: number;
  modules: string[];
}

/** Runs `load` in a fresh node and reports the time taken and the modules it loaded. */
function probe(load: string, config: unknown): Probe {
  const script = `
    const start = process.hrtime.bigint();
    const mod = ${load};
    const required = process.hrtime.bigint();
    if (mod.validateConfig) mod.validateConfig(JSON.parse(process.argv[1]));
    const validated = process.hrtime.bigint();
    process.stdout.write(JSON.stringify({
      requireMs: Number(required - start) / 1e6,
      firstValidateMs: Number(validated - required) / 1e6,
      modules: Object.keys(require.cache),
    }));`;
  const run = spawnSync(process.execPath, ['-e', script, JSON.stringify(config)], { cwd: REPO, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`probe failed: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

test('the built validators exist (npm run build generates them)', () => {
  expect(fs.existsSync(DIST_VALIDATE)).toBe(true);
  expect(fs.readFileSync(GENERATED, 'utf8')).toContain('exports.validateConfig');
});

test('the built validators match the schemas (rebuild after editing schemas/)', () => {
  const { generateValidators, outFile } = require(path.join(REPO, 'scripts', 'build-validators.js'));
  expect(outFile).toBe(GENERATED);
  expect(fs.readFileSync(GENERATED, 'utf8') === generateValidators()).toBe(true);
});

test('requiring dist/runtime/validate and validating a config never loads the ajv compiler', () => {
  const result = probe(`require(${JSON.stringify(DIST_VALIDATE)})`, runcSpec());
  expect(result.modules).toContain(GENERATED);
  expect(result.modules.filter((m) => COMPILER.test(m))).toEqual([]);
  console.log(`validate module: require ${result.requireMs.toFixed(2)} ms, first validateConfig ` +
    `(loads the generated validators) ${result.firstValidateMs.toFixed(2)} ms`);
});

test('the compiler check does detect ajv when it is loaded', () => {
  const result = probe(`require('ajv')`, {});
  expect(result.modules.filter((m) => COMPILER.test(m)).length).toBeGreaterThan(0);
});
