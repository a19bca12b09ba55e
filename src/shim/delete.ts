// `delete`: containerd's cleanup after a shim went away (run after every disconnect): force-delete
// whatever is left of the container, unmount its rootfs, report it as killed. When the shim
// deleted the container itself, its recorded response is the answer and nothing else is loaded.
import { ShimFlags } from './flags';
import { deletedResponse, encodeDeleteResponse } from './delete-response';

const SIGKILL_STATUS = 128 + 9;

export async function deleteShim(flags: ShimFlags): Promise<Buffer> {
  const bundle = flags.bundle || process.cwd();
  const recorded = deletedResponse(bundle);
  if (recorded) return recorded;
  const { log } = await import('./log');
  const { unmountRootfs } = await import('./rootfs');
  const { runtimeForCleanup } = await import('./runtime-select');
  try {
    await runtimeForCleanup(flags.namespace, bundle).delete(flags.id, bundle, true);
  } catch (err) {
    // usually: the container is gone already
    log(`cleanup of ${flags.id}: ${(err as Error).message}`);
  }
  await unmountRootfs(bundle);
  return encodeDeleteResponse(0, SIGKILL_STATUS, new Date());
}
