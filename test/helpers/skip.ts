// Every skip says why: a test that cannot run on this machine (no tmpfs
// mounts, no libfaketime, no qemu, no sandbox) prints one line naming what
// is skipped and the reason, at collection, so a green run never hides it.

/**
 * For `it.skipIf(skipping(what, reason))`: `reason` is why `what` cannot run
 * here, or null/false/'' when it can. Prints the reason once per call.
 */
export function skipping(what: string, reason: string | null | undefined | false): boolean {
  if (!reason) return false;
  console.warn(`SKIPPED ${what}: ${reason}`);
  return true;
}

export const NO_TMPFS = 'cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN)';
export const NO_FAKETIME = 'libfaketime not installed (apt-get install faketime; scripts/test.sh does)';
