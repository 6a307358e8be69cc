// A progress bar on stderr: redrawn in place on a terminal, a line every
// quarter otherwise (logs and tests stay short).

const MiB = 1024 * 1024;

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * MiB) return `${(bytes / 1024 / MiB).toFixed(2)} GiB`;
  if (bytes >= MiB) return `${(bytes / MiB).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}

function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export interface ProgressOptions {
  stream?: NodeJS.WriteStream;
  /** Redraw in place (default: when the stream is a terminal). */
  tty?: boolean;
  now?: () => number;
}

export class Progress {
  private done = 0;
  private readonly started: number;
  private lastDraw = 0;
  private nextQuarter = 1;
  private readonly stream: NodeJS.WriteStream;
  private readonly tty: boolean;
  private readonly now: () => number;

  constructor(
    private readonly label: string,
    /** Total bytes, or undefined when unknown (then no bar, just the count). */
    private readonly total: number | undefined,
    options: ProgressOptions = {},
  ) {
    this.stream = options.stream ?? process.stderr;
    this.tty = options.tty ?? Boolean(this.stream.isTTY);
    this.now = options.now ?? (() => performance.now());
    this.started = this.now();
  }

  add(bytes: number): void {
    this.done += bytes;
    const t = this.now();
    if (this.tty) {
      if (t - this.lastDraw >= 100) {
        this.lastDraw = t;
        this.stream.write(`\r${this.line(t)}\u001b[K`);
      }
    } else if (this.total) {
      while (this.nextQuarter < 4 && this.done >= (this.total * this.nextQuarter) / 4) {
        this.stream.write(`${this.line(t)}\n`);
        this.nextQuarter++;
      }
    }
  }

  /** Final line; returns the elapsed milliseconds. */
  finish(): number {
    const t = this.now();
    const line = this.line(t);
    this.stream.write(this.tty ? `\r${line}\u001b[K\n` : `${line}\n`);
    return t - this.started;
  }

  line(t = this.now()): string {
    const seconds = (t - this.started) / 1000;
    const rate = seconds > 0 ? this.done / seconds : 0;
    const speed = `${(rate / MiB).toFixed(1)} MiB/s`;
    if (!this.total) return `${this.label} ${formatBytes(this.done)}  ${speed}`;
    const fraction = Math.min(1, this.done / this.total);
    const width = 30;
    const filled = Math.round(fraction * width);
    const bar = `${'#'.repeat(filled)}${'.'.repeat(width - filled)}`;
    const eta = rate > 0 && fraction < 1 ? `  ETA ${formatDuration((this.total - this.done) / rate)}` : '';
    return `${this.label} [${bar}] ${String(Math.floor(fraction * 100)).padStart(3)}%  ${formatBytes(this.done)} / ${formatBytes(this.total)}  ${speed}${eta}`;
  }
}
