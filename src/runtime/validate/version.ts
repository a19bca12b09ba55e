// Which runtime-spec versions runts reads: any 1.0.0 to 1.3.x, pre-releases included
// (runc writes "1.0.2-dev"). Later minors may add fields whose meaning runts would ignore.
import { Violation, violation } from './pointer';

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;
const SUPPORTED_MAJOR = 1;
const NEWEST_MINOR = 3;
export const SUPPORTED_RANGE = `${SUPPORTED_MAJOR}.0.0 to ${SUPPORTED_MAJOR}.${NEWEST_MINOR}.x`;

export function checkOciVersion(version: string): Violation | undefined {
  const match = SEMVER.exec(version);
  if (!match) return violation('/ociVersion', `${JSON.stringify(version)} is not a SemVer version such as "1.3.0"`);
  const [major, minor] = [Number(match[1]), Number(match[2])];
  if (major !== SUPPORTED_MAJOR || minor > NEWEST_MINOR) {
    return violation('/ociVersion', `unsupported version ${JSON.stringify(version)} (runts supports ${SUPPORTED_RANGE})`);
  }
  return undefined;
}
