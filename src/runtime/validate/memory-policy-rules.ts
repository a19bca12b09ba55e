// linux.memoryPolicy combinations set_mempolicy(2) refuses with EINVAL.
import { LinuxMemoryPolicy } from '../../foundation/spec-types';
import { Violation, violation } from './pointer';

const WITHOUT_NODES = new Set(['MPOL_DEFAULT', 'MPOL_LOCAL']);
const NEED_NODES = new Set(['MPOL_BIND', 'MPOL_INTERLEAVE', 'MPOL_WEIGHTED_INTERLEAVE', 'MPOL_PREFERRED_MANY']);

export function checkMemoryPolicy(policy: LinuxMemoryPolicy | undefined): Violation | undefined {
  if (!policy) return undefined;
  const at = '/linux/memoryPolicy';
  const hasNodes = /[0-9]/.test(policy.nodes ?? '');
  if (WITHOUT_NODES.has(policy.mode) && hasNodes) return violation(`${at}/nodes`, `must be empty for ${policy.mode}`);
  if (NEED_NODES.has(policy.mode) && !hasNodes) return violation(`${at}/nodes`, `must list at least one node for ${policy.mode}`);
  const flags = policy.flags ?? [];
  if (flags.includes('MPOL_F_STATIC_NODES') && flags.includes('MPOL_F_RELATIVE_NODES')) {
    return violation(`${at}/flags`, 'MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES exclude each other');
  }
  return undefined;
}
