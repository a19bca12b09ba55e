// Keeps every import in src/ pointing down the stack's layers. A part (a directory or file
// directly under src/) may import its own files and the parts of any layer below its own; never a
// part of its own layer (sideways) nor of a layer above. The foundation imports nothing of src/
// outside itself. Imports are read with TypeScript's own pre-processor: static `import`/`export
// ... from`, `require('...')` and `import('...')`, not what comments or strings mention.
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

/** The layers, lowest first. */
const LAYERS: { name: string; parts: string[] }[] = [
  // errors, OCI spec types, version, atomic files, TOML, ttrpc and the .proto loaders
  { name: 'foundation', parts: ['foundation'] },
  // the addon's typed facade: the one way into the kernel's own calls
  { name: 'addon', parts: ['native'] },
  // the kernel's interfaces (cgroupfs, mounts) and the OCI image format
  { name: 'base', parts: ['cgroups', 'mount', 'image'] },
  // the OCI runtime library, the stores (content, snapshots, diff, metadata), CNI networking and
  // the registry client, and the containerd API client runtsctl and the CRI plugin share
  { name: 'runtime and stores', parts: ['runtime', 'content', 'snapshots', 'diff', 'metadata', 'network', 'registry', 'client'] },
  // the four programs: runts, runtsctl, the shim, runtsd
  { name: 'programs', parts: ['cli', 'ctl', 'shim', 'daemon'] },
];

const SRC = path.resolve(__dirname, '..', '..', 'src');
const layerOf = new Map(LAYERS.flatMap((layer, rank) => layer.parts.map((part) => [part, rank] as const)));

/** The part a path under src/ belongs to: its first directory, or its file name without .ts. */
function partOf(file: string): string {
  return path.relative(SRC, file).split(path.sep)[0].replace(/\.(ts|js|json)$/, '');
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Every module specifier the file imports, requires or loads. */
function specifiers(source: string): string[] {
  return ts.preProcessFile(source, true, true).importedFiles.map((f) => f.fileName);
}

/** Why `file` may not import `specifier`, or undefined when it may. */
function violation(file: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined; // Node built-ins and npm packages
  const target = path.resolve(path.dirname(file), specifier);
  const from = partOf(file);
  if (path.relative(SRC, target).startsWith('..')) return `imports ${specifier}, outside src/`;
  const to = partOf(target);
  if (from === to) return undefined;
  const fromRank = layerOf.get(from)!;
  const toRank = layerOf.get(to);
  if (toRank === undefined) return `imports ${to}, a part missing from the layer table`;
  if (from === 'foundation') return `imports ${to}: the foundation imports nothing outside itself`;
  if (toRank === fromRank) return `imports ${to} sideways (both in layer "${LAYERS[toRank].name}")`;
  if (toRank > fromRank) return `imports ${to} upward (layer "${LAYERS[toRank].name}" is above "${LAYERS[fromRank].name}")`;
  return undefined;
}

test('the import parser sees every form of import and nothing in comments or strings', () => {
  const source = [
    "import a from './a';",
    "import type { B } from './b';",
    "export { c } from './c';",
    "import {\n  d,\n} from './d';",
    "const e = require('./e');",
    "const f = import('./f');",
    "type G = typeof import('./g');",
    "// import h from './h';",
    "const i = \"require('./i')\";",
  ].join('\n');
  expect(specifiers(source)).toEqual(['./a', './b', './c', './d', './e', './f', './g']);
});

test('every part under src/ is in the layer table', () => {
  const parts = new Set(sourceFiles(SRC).map(partOf));
  expect([...parts].filter((part) => !layerOf.has(part)).sort()).toEqual([]);
});

test('every import in src/ points down the layers', () => {
  const problems: string[] = [];
  for (const file of sourceFiles(SRC)) {
    if (!layerOf.has(partOf(file))) continue; // reported by the test above
    for (const specifier of specifiers(fs.readFileSync(file, 'utf8'))) {
      const why = violation(file, specifier);
      if (why) problems.push(`src/${path.relative(SRC, file)} ${why}`);
    }
  }
  expect(problems).toEqual([]);
});

test('the check refuses upward, sideways and outside imports', () => {
  const at = (rel: string) => path.join(SRC, rel);
  expect(violation(at('cgroups/fs.ts'), '../runtime/spec')).toMatch(/upward/);
  expect(violation(at('diff/apply.ts'), '../snapshots/types')).toMatch(/sideways/);
  expect(violation(at('daemon/main.ts'), '../shim/serve')).toMatch(/sideways/);
  expect(violation(at('foundation/errors.ts'), '../native')).toMatch(/foundation imports nothing/);
  expect(violation(at('foundation/errors.ts'), '../../package.json')).toMatch(/outside src/);
  expect(violation(at('runtime/create.ts'), '../cgroups')).toBeUndefined();
  expect(violation(at('shim/serve.ts'), '../foundation/ttrpc/server')).toBeUndefined();
  expect(violation(at('foundation/ttrpc/status.ts'), '../errors')).toBeUndefined();
});
