// Seccomp for CRI's SecurityProfile: Unconfined (none), Localhost (a JSON profile file on the
// node) and RuntimeDefault, runtsd's default: everything allowed but the syscalls Docker's and
// containerd's default profiles keep from containers without extra capabilities (kernel
// modules, reboot, kexec, clock and key management, mount API, tracing, namespaces).
import * as fs from 'fs';
import * as grpc from '@grpc/grpc-js';
import { GrpcStatusError } from '../deps';
import { Message } from './store';

const DENIED = [
  'acct', 'add_key', 'bpf', 'clock_adjtime', 'clock_settime', 'create_module', 'delete_module', 'finit_module',
  'fsconfig', 'fsmount', 'fsopen', 'fspick', 'get_kernel_syms', 'get_mempolicy', 'init_module', 'ioperm', 'iopl',
  'kcmp', 'kexec_file_load', 'kexec_load', 'keyctl', 'lookup_dcookie', 'mbind', 'mount', 'mount_setattr', 'move_mount',
  'move_pages', 'name_to_handle_at', 'nfsservctl', 'open_by_handle_at', 'open_tree', 'perf_event_open', 'personality',
  'pivot_root', 'process_vm_readv', 'process_vm_writev', 'ptrace', 'query_module', 'quotactl', 'reboot', 'request_key',
  'set_mempolicy', 'setns', 'settimeofday', 'stime', 'swapoff', 'swapon', 'sysfs', '_sysctl', 'umount', 'umount2',
  'unshare', 'uselib', 'userfaultfd', 'ustat', 'vm86', 'vm86old',
];

export const RUNTIME_DEFAULT_SECCOMP = {
  defaultAction: 'SCMP_ACT_ALLOW',
  architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32', 'SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM'],
  syscalls: [{ names: DENIED, action: 'SCMP_ACT_ERRNO', errnoRet: 1 }],
};

/** The spec's linux.seccomp for a SecurityProfile (undefined: none); privileged means none. */
export function seccompFor(profile: Message | null | undefined, privileged: boolean): object | undefined {
  if (privileged || !profile) return undefined;
  switch (profile.profile_type) {
    case 'Unconfined': return undefined;
    case 'RuntimeDefault': return RUNTIME_DEFAULT_SECCOMP;
    case 'Localhost': {
      const file = String(profile.localhost_ref ?? '').replace(/^localhost\//, '');
      if (!file.startsWith('/')) throw new GrpcStatusError(grpc.status.INVALID_ARGUMENT, `seccomp localhost profile "${file}" must be an absolute path`);
      try {
        return JSON.parse(fs.readFileSync(file, 'utf8'));
      } catch (err) {
        throw new GrpcStatusError(grpc.status.INVALID_ARGUMENT, `seccomp localhost profile ${file}: ${(err as Error).message}`);
      }
    }
    default: throw new GrpcStatusError(grpc.status.INVALID_ARGUMENT, `unknown seccomp profile type ${profile.profile_type}`);
  }
}

/** AppArmor and SELinux are not on this host: anything but "unconfined"/empty is refused. */
export function refuseLsm(what: string, profile: Message | null | undefined, selinux: Message | null | undefined): void {
  if (profile && profile.profile_type && profile.profile_type !== 'Unconfined' && profile.profile_type !== 'RuntimeDefault') {
    throw new GrpcStatusError(grpc.status.UNIMPLEMENTED, `${what}: AppArmor profiles are not supported by runtsd (no AppArmor on this host)`);
  }
  if (selinux && (selinux.type || selinux.level || selinux.role || selinux.user)) {
    throw new GrpcStatusError(grpc.status.UNIMPLEMENTED, `${what}: SELinux options are not supported by runtsd (no SELinux on this host)`);
  }
}
