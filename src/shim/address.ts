// Where a shim listens: containerd derives it from its own address, the namespace and the
// grouping id; every shim socket lives in /run/containerd/s whatever containerd's state dir.
import * as fs from 'fs';
import * as path from 'path';
import { sha256Hex } from '../native';

export const SOCKET_DIR = '/run/containerd/s';

/** Annotations that put a container into an existing shim's group, in containerd's runc v2 shim's
 *  order (groupLabels): an explicit group wins over the pod, so pods can share a shim. */
export const GROUPING_ANNOTATIONS = ['io.containerd.runc.v2.group', 'io.kubernetes.cri.sandbox-id'];

export function shimSocketAddress(grpcAddress: string, namespace: string, groupId: string): string {
  const digest = sha256Hex(path.posix.join(grpcAddress, namespace, groupId));
  return `unix://${path.posix.join(SOCKET_DIR, digest)}`;
}

/**
 * The group of every container of a namespace under `shim_group = "namespace"` (src/shim/runtime-config.ts);
 * '/' never appears in a container id, and the namespace is part of the socket address anyway.
 */
export const NAMESPACE_GROUP = 'runts/namespace';

/** The group a container belongs to: the first grouping annotation in its bundle, else its id. */
export function groupIdOf(bundle: string, id: string): string {
  let annotations: Record<string, string> | undefined;
  try {
    const spec = JSON.parse(fs.readFileSync(path.join(bundle, 'config.json'), 'utf8')) as { annotations?: Record<string, string> };
    annotations = spec.annotations;
  } catch {
    return id;
  }
  for (const key of GROUPING_ANNOTATIONS) {
    const value = annotations?.[key];
    if (value) return value;
  }
  return id;
}
