import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writeFileAtomic } from '../../../src/foundation/atomic-file';

let dir: string;
beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-atomic-')); });
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

test('replaces the file with one of the content and mode asked for, leaving no temporary behind', () => {
  const file = path.join(dir, 'state.json');
  writeFileAtomic(file, 'old');
  writeFileAtomic(file, 'new', { mode: 0o600, sync: 'file+dir' });
  expect(fs.readFileSync(file, 'utf8')).toBe('new');
  expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  expect(fs.readdirSync(dir)).toEqual(['state.json']);
});

test('a failed write keeps the old content and the error', () => {
  const file = path.join(dir, 'state.json');
  writeFileAtomic(file, 'old');
  fs.mkdirSync(path.join(dir, `.state.json.${process.pid}.tmp`)); // the temporary cannot be opened
  expect(() => writeFileAtomic(file, 'new')).toThrow(/EISDIR/);
  expect(fs.readFileSync(file, 'utf8')).toBe('old');
});
