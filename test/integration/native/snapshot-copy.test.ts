// mapSnapshotCopy, as an idle shim calls it: a Node process started from a startup snapshot
// (built here with the pinned runtime) hands its private copy of the snapshot to the page cache,
// keeps the same bytes (a new V8 context, which is made from that copy, still works), and a
// second process maps the copy file the first one wrote.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const REPO = path.resolve(__dirname, '..', '..', '..');
const NODE = path.join(REPO, 'node_modules', '.bin', 'node');
const ADDON = path.join(REPO, 'build', 'Release', 'runts_native.node');

const builder = `
require('v8').startupSnapshot.setDeserializeMainFunction(() => {
  const addon = { exports: {} };
  process.dlopen(addon, ${JSON.stringify(ADDON)});
  const anon = () => Number(/^RssAnon:\\s+(\\d+)/m.exec(require('fs').readFileSync('/proc/self/status', 'utf8'))[1]);
  const [blob, copy] = process.argv.slice(1);
  const before = anon();
  const moved = addon.exports.mapSnapshotCopy(blob, copy);
  const after = anon();
  const vm = require('vm');
  const works = vm.runInContext('[1, 2].map((x) => x * 21)[1]', vm.createContext({})) === 42;
  console.log(JSON.stringify({ before, moved, after, works }));
});
`;

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'snapshot-copy-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

it("moves Node's copy of its startup snapshot to a shared file, bytes unchanged", () => {
  const blob = path.join(dir, 'test.blob');
  const copy = `${blob}.mapped`;
  fs.writeFileSync(path.join(dir, 'builder.js'), builder);
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ builder: path.join(dir, 'builder.js'), withoutCodeCache: true }));
  const built = spawnSync(NODE, ['--snapshot-blob', blob, '--build-snapshot-config', path.join(dir, 'config.json')], { encoding: 'utf8', timeout: 60000 });
  expect(built.status).toBe(0);
  const run = () => {
    const r = spawnSync(NODE, ['--jitless', '--snapshot-blob', blob, '--', blob, copy], { encoding: 'utf8', timeout: 30000 });
    expect(r.stderr).toBe('');
    return JSON.parse(r.stdout);
  };
  const first = run();
  expect(first.works).toBe(true);
  expect(first.moved).toBeGreaterThan(1024);
  expect(first.after).toBeLessThan(first.before - first.moved * 0.8);
  const written = fs.statSync(copy);
  const second = run();
  expect(second.works).toBe(true);
  expect(second.moved).toBe(first.moved);
  // the same file, mapped again rather than written again
  expect(fs.statSync(copy).ino).toBe(written.ino);
});

it('moves nothing in a process that did not start from that snapshot', () => {
  const r = spawnSync(NODE, ['-e', `const a = { exports: {} }; process.dlopen(a, ${JSON.stringify(ADDON)}); console.log(a.exports.mapSnapshotCopy(process.argv[1], process.argv[2]))`, path.join(REPO, 'package.json'), path.join(dir, 'none.mapped')], { encoding: 'utf8' });
  expect(r.stdout.trim()).toBe('0');
  expect(fs.existsSync(path.join(dir, 'none.mapped'))).toBe(false);
});
