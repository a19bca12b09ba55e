// releaseIdleMemory, as an idle shim calls it: in a Node process of its own (the pinned runtime,
// as the shim runs), the executable's code stops being mapped, and the process runs on.
import { spawnSync } from 'child_process';
import * as path from 'path';

const REPO = path.resolve(__dirname, '..', '..', '..');
const NODE = path.join(REPO, 'node_modules', '.bin', 'node');

const script = `
const native = require(${JSON.stringify(path.join(REPO, 'src', 'native.ts'))});
const rssFile = () => Number(/^RssFile:\\s+(\\d+)/m.exec(require('fs').readFileSync('/proc/self/status', 'utf8'))[1]);
const before = rssFile();
native.releaseIdleMemory();
// the release runs as the loop goes to sleep: here, before this timer fires
setTimeout(() => {
  const after = rssFile();
  // code the release unmapped runs again: parse, compile, a Buffer and a regexp
  const works = JSON.parse(JSON.stringify({ a: [1, 2] })).a[1] === 2 && new Function('x', 'return x * 2')(21) === 42 && /b+/.test(Buffer.from('abc').toString());
  console.log(JSON.stringify({ before, after, works }));
}, 100);
`;

it("unmaps the executable's clean read-only pages, and the process runs on", () => {
  const r = spawnSync(NODE, ['-r', path.join(REPO, 'test', 'bench', 'load-ts.js'), '-e', script], { encoding: 'utf8', timeout: 30000 });
  expect(r.stderr).toBe('');
  const { before, after, works } = JSON.parse(r.stdout);
  expect(works).toBe(true);
  expect(after).toBeLessThan(before - 1024);
});
