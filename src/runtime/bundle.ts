// Reading a bundle: config.json parsed and validated, rootfs resolved. Nothing is created here.
import * as fs from 'fs';
import * as path from 'path';
import { RuntsError, systemError } from '../foundation/errors';
import { Spec } from './spec';
import { validateConfig } from './validate';

export interface Bundle {
  dir: string;
  spec: Spec;
  rootfs: string;
}

export function loadBundle(dir: string): Bundle {
  let abs: string;
  try {
    abs = fs.realpathSync(dir);
  } catch (err) {
    throw systemError(`bundle ${dir}`, err);
  }
  let text: string;
  try {
    text = fs.readFileSync(path.join(abs, 'config.json'), 'utf8');
  } catch (err) {
    throw systemError(`read ${path.join(abs, 'config.json')}`, err);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new RuntsError(`config.json: invalid JSON: ${(err as Error).message}`, 'invalid');
  }
  const spec = validateConfig(raw);
  const rootfs = path.resolve(abs, spec.root!.path);
  let st: fs.Stats;
  try {
    st = fs.statSync(rootfs);
  } catch (err) {
    throw systemError(`rootfs ${rootfs}`, err);
  }
  if (!st.isDirectory()) throw new RuntsError(`rootfs ${rootfs}: not a directory`, 'invalid');
  return { dir: abs, spec, rootfs: fs.realpathSync(rootfs) };
}
