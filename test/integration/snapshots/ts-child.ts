// Scripts for child node processes that load TypeScript from src/ through swc (as jest does),
// for tests that must kill a process or run one under another uid.
import * as fs from 'fs';
import * as path from 'path';

const REPO = path.resolve(__dirname, '../../..');

/** Writes `body` to `file` behind a prelude that defines `load('src/...ts')` and `fs`. */
export function writeTsChild(file: string, body: string): void {
  const prelude = `
const swc = require(${JSON.stringify(require.resolve('@swc/core'))});
const fs = require('fs');
require.extensions['.ts'] = (module, file) => {
  const { code } = swc.transformSync(fs.readFileSync(file, 'utf8'), { filename: file, module: { type: 'commonjs' }, jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } });
  module._compile(code, file);
};
const load = (rel) => require(${JSON.stringify(REPO)} + '/' + rel);
`;
  fs.writeFileSync(file, prelude + body, { mode: 0o644 });
}
