// The two ways `scripts/flash` stops on purpose. Both print one plain line
// (no stack trace) and exit non-zero; a UsageError also points at --help.

/** A refusal or failure the technician can act on (exit status 1). */
export class FlashError extends Error {
  override readonly name: string = 'FlashError';
  readonly exitCode: number = 1;
}

/** A bad or missing argument (exit status 2); nothing has been written. */
export class UsageError extends FlashError {
  override readonly name = 'UsageError';
  override readonly exitCode = 2;
}
