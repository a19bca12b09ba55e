// What a standby (addon/standby/handoff.h) is started with, read the way its clients read it.

/** The fd a standby's spawner gives it its listening socket on (spawn_standby). */
export const STANDBY_LISTEN_FD = 3;

const DEFAULT_SECONDS = 60;
const MAX_SECONDS = 86400;

/** How long a standby waits for a call: RUNTS_STANDBY_SECONDS as standby_seconds reads it. */
export function standbyLifetimeMs(): number {
  const text = process.env.RUNTS_STANDBY_SECONDS ?? '';
  const seconds = /^\d+$/.test(text) ? Number(text) : 0;
  return (seconds > 0 && seconds <= MAX_SECONDS ? seconds : DEFAULT_SECONDS) * 1000;
}
