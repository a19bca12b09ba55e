// Hooks run in order, each with the OCI state on stdin; a failing hook fails create cleanly.
import * as fs from 'fs';
import * as path from 'path';
import { cleanupBundles, makeBundle } from '../../helpers/bundle';
import { Runts, uniqueId } from '../../helpers/runts';

let runts: Runts;
beforeEach(() => (runts = new Runts()));
afterEach(() => runts.reset());
afterAll(cleanupBundles);

/** A hook that appends "<name> <state JSON>" to `log`; `sh` is the host's or the rootfs's. */
const recorder = (sh: string, log: string, name: string) => ({
  path: sh,
  args: ['sh', '-c', `printf '%s ' ${name} >> ${log}; cat >> ${log}; echo >> ${log}`],
});

test('all six hook kinds run in order with the state on stdin', () => {
  const b = makeBundle();
  const id = uniqueId('hooks');
  const hostLog = path.join(b.dir, 'hooks.log');
  // startContainer runs inside the container (after pivot_root): its log lands in the rootfs.
  b.config.root.readonly = false;
  b.config.process.args = ['sh', '-c', `echo process >> ${hostLog.replace(b.dir, '')}`];
  b.config.hooks = {
    prestart: [recorder('/bin/sh', hostLog, 'prestart')],
    createRuntime: [recorder('/bin/sh', hostLog, 'createRuntime')],
    createContainer: [recorder('/bin/sh', hostLog, 'createContainer')],
    startContainer: [recorder('/bin/sh', '/hooks.log', 'startContainer')],
    poststart: [recorder('/bin/sh', hostLog, 'poststart')],
    poststop: [recorder('/bin/sh', hostLog, 'poststop')],
  };
  b.save();
  runts.ok(['create', '--bundle', b.dir, id]);
  const { pid } = runts.state(id);
  runts.ok(['start', id]);
  const deadline = Date.now() + 5000;
  while (runts.state(id).status !== 'stopped' && Date.now() < deadline);
  runts.ok(['delete', id]);

  const host = fs.readFileSync(hostLog, 'utf8').trim().split('\n').map((l) => l.split(' ')[0]);
  expect(host).toEqual(['prestart', 'createRuntime', 'createContainer', 'poststart', 'poststop']);
  const inside = fs.readFileSync(path.join(b.rootfs, 'hooks.log'), 'utf8').trim().split('\n');
  expect(inside.map((l) => l.split(' ')[0])).toEqual(['startContainer', 'process']);
  const states = fs.readFileSync(hostLog, 'utf8').trim().split('\n').map((l) => JSON.parse(l.slice(l.indexOf(' ') + 1)));
  for (const s of states) expect(s).toMatchObject({ id, bundle: b.dir, pid: expect.any(Number) });
  expect(states[0].pid).toBe(pid);
  expect(states[4].status).toBe('stopped');
});

test('a failing createRuntime hook fails create and leaves nothing behind', () => {
  const b = makeBundle((c) => (c.hooks = { createRuntime: [{ path: '/bin/sh', args: ['sh', '-c', 'echo broken >&2; exit 3'] }] }));
  const id = uniqueId('hookfail');
  const r = runts.run(['create', '--bundle', b.dir, id]);
  expect(r.status).toBe(1);
  expect(r.stderr).toContain('createRuntime hook #0 (/bin/sh) failed: exit status 3: broken');
  expect(fs.existsSync(path.join(runts.root, id))).toBe(false);
  expect(fs.existsSync(`/sys/fs/cgroup/memory/${id}`)).toBe(false);
});

test('a hook that outlives its timeout is killed and reported', () => {
  const b = makeBundle((c) => (c.hooks = { prestart: [{ path: '/bin/sleep', args: ['sleep', '30'], timeout: 1 }] }));
  const r = runts.run(['create', '--bundle', b.dir, uniqueId('hooktime')]);
  expect(r.status).toBe(1);
  expect(r.stderr).toContain('prestart hook #0 (/bin/sleep): timed out after 1s');
});
