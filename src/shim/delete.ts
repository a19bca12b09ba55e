// `delete`: containerd's cleanup after a shim went away (run after every disconnect): force-delete
// whatever is left of the container, unmount its rootfs, report it as killed. Fast when nothing
// is left.
import { log } from './log';
import { ShimFlags } from './flags';
import { encodeDeleteResponse } from './delete-response';
import { unmountRootfs } from './rootfs';
import { runtimeForCleanup } from './runtime-select';

const SIGKILL_STATUS = 128 + 9;

export async function deleteShim(flags: ShimFlags): Promise<Buffer> {
  const bundle = flags.bundle || process.cwd();
  try {
    await runtimeForCleanup(flags.namespace, bundle).delete(flags.id, bundle, true);
  } catch (err) {
    // usually: the container is gone already
    log(`cleanup of ${flags.id}: ${(err as Error).message}`);
  }
  await unmountRootfs(bundle);
  return encodeDeleteResponse(0, SIGKILL_STATUS, new Date());
}
