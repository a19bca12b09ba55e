// AppArmor and SELinux: asked-for labels need the LSM. This build applies neither, so a
// config that asks for one on any host gets a clear error instead of running unconfined.
import * as fs from 'fs';
import { RuntsError } from '../foundation/errors';
import { Process, Spec } from './spec';

const apparmorEnabled = () => fs.existsSync('/sys/kernel/security/apparmor');
const selinuxEnabled = () => fs.existsSync('/sys/fs/selinux/enforce');

export function checkLsm(process: Process | undefined, spec?: Spec): void {
  if (process?.apparmorProfile) {
    throw new RuntsError(apparmorEnabled()
      ? `apparmor profile "${process.apparmorProfile}" requested: AppArmor confinement is not implemented by runts yet`
      : `apparmor profile "${process.apparmorProfile}" requested but AppArmor is not enabled on this host`, 'unsupported');
  }
  const label = process?.selinuxLabel ?? spec?.linux?.mountLabel;
  if (label) {
    throw new RuntsError(selinuxEnabled()
      ? `selinux label "${label}" requested: SELinux labelling is not implemented by runts yet`
      : `selinux label "${label}" requested but SELinux is not enabled on this host`, 'unsupported');
  }
}
