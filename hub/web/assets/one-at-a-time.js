// A page's reload from the hub, one at a time: what is asked while a reload
// runs gives one more reload after it, however often it was asked, so the
// page ends on the latest answer without stacking requests on a slow link.

/**
 * @param {() => Promise<unknown>} work the reload
 * @param {() => unknown} [after] what the reload asked for meanwhile does (default: `work` again at once)
 * @returns {() => Promise<void>} ask for a reload
 */
export function oneAtATime(work, after) {
  let running = false;
  let again = false;
  const ask = async () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      await work();
    } finally {
      running = false;
      if (again) {
        again = false;
        (after ?? ask)();
      }
    }
  };
  return ask;
}
