// One line per event, `LEVEL component: message key=value ...`, written to
// stdout/stderr so systemd's journal keeps it with its own timestamps. Fields
// named like secrets are never printed.

export type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const SECRET_KEY = /pass|secret|token|credential|cookie|authorization/i;

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(component: string): Logger;
}

export interface LogSink {
  write(level: Level, line: string): void;
}

const consoleSink: LogSink = {
  write(level, line) {
    (ORDER[level] >= ORDER.warn ? process.stderr : process.stdout).write(`${line}\n`);
  },
};

function formatValue(value: unknown): string {
  if (value instanceof Error) return JSON.stringify(value.message);
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value) ?? 'undefined';
}

export function formatFields(fields: Record<string, unknown> | undefined): string {
  if (!fields) return '';
  let out = '';
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    out += ` ${key}=${SECRET_KEY.test(key) ? '[redacted]' : formatValue(value)}`;
  }
  return out;
}

export function createLogger(
  component: string,
  options: { level?: Level; sink?: LogSink; timestamps?: boolean } = {},
): Logger {
  const min =
    ORDER[options.level ?? (process.env.QMS_LOG_LEVEL as Level | undefined) ?? 'info'] ?? ORDER.info;
  const sink = options.sink ?? consoleSink;
  // Under systemd the journal adds its own time; elsewhere a time helps.
  const timestamps = options.timestamps ?? !process.env.INVOCATION_ID;
  const emit = (level: Level, message: string, fields?: Record<string, unknown>) => {
    if (ORDER[level] < min) return;
    const time = timestamps ? `${new Date().toISOString()} ` : '';
    sink.write(level, `${time}${level.toUpperCase()} ${component}: ${message}${formatFields(fields)}`);
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (sub) => createLogger(`${component}/${sub}`, options),
  };
}

/** A sink that keeps lines in memory, for tests that check what was logged. */
export function memorySink(): LogSink & { lines: string[] } {
  const lines: string[] = [];
  return { lines, write: (_level, line) => lines.push(line) };
}
