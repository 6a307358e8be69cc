/**
 * Sign-in attempts per key (client address and username): a few tries, then
 * a wait that doubles with each further failure. In memory: a hub restart
 * resets it, which costs an attacker a restart per few guesses.
 */
export class SignInLimiter {
  private readonly failures = new Map<string, { count: number; until: number }>();

  constructor(
    private readonly freeTries = 5,
    private readonly baseLockMs = 30_000,
    private readonly maxLockMs = 15 * 60_000,
  ) {}

  /** Milliseconds to wait before the next try, 0 if it may go ahead. */
  waitMs(key: string, now: number): number {
    const f = this.failures.get(key);
    return f && f.until > now ? f.until - now : 0;
  }

  fail(key: string, now: number): void {
    const f = this.failures.get(key) ?? { count: 0, until: 0 };
    f.count++;
    if (f.count >= this.freeTries) {
      f.until = now + Math.min(this.maxLockMs, this.baseLockMs * 2 ** (f.count - this.freeTries));
    }
    this.failures.set(key, f);
    if (this.failures.size > 10_000) this.prune(now);
  }

  succeed(key: string): void {
    this.failures.delete(key);
  }

  private prune(now: number): void {
    for (const [key, f] of this.failures) if (f.until < now) this.failures.delete(key);
  }
}
