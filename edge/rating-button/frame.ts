// The bytes a counter number display gets for one number. Boards differ
// (plain ASCII with CR LF, STX…ETX framed, an address byte first), so the
// frame is a template from the device config:
//   "{number}\r\n"          plain text line (the default)
//   "\x02{number}\x03"      STX number ETX
//   "\x1b@{counter}:{number}\r" an address and the number
// {number} is the ticket called or served at the counter ("1023", "A015"), or
// the idle text when there is none; {counter} is the counter number.
// Escapes written as text in the template: \xHH (one byte), \r, \n, \t, \\
// (a JSON file can also give control characters directly, e.g. "\u0002").

export interface FrameOptions {
  frame: string;
  /** {number} when nothing is called. */
  idle?: string | undefined;
  /** Right-align {number} to this many characters (0: as it is). */
  width?: number | undefined;
}

const ESCAPES: Record<string, number> = { r: 0x0d, n: 0x0a, t: 0x09, '\\': 0x5c };

/** Turn a template with text escapes into bytes: \xHH and \r \n \t \\ become the byte. */
export function unescapeFrame(text: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && i + 1 < text.length) {
      const next = text[i + 1]!;
      const hex = text.slice(i + 2, i + 4);
      if (next === 'x' && /^[0-9a-fA-F]{2}$/.test(hex)) {
        out.push(Number.parseInt(hex, 16));
        i += 3;
        continue;
      }
      if (next in ESCAPES) {
        out.push(ESCAPES[next]!);
        i += 1;
        continue;
      }
    }
    out.push(...Buffer.from(c, 'utf8'));
  }
  return Buffer.from(out);
}

/** The frame for one number (null: nothing called), as bytes for the serial line. */
export function renderFrame(options: FrameOptions, number: string | null, counterId: number): Buffer {
  let shown = number ?? options.idle ?? '';
  if (options.width) shown = shown.padStart(options.width, ' ');
  // Fill the placeholders first, on the template text, then turn escapes into
  // bytes; a number never contains a backslash (display = prefix + digits).
  const text = options.frame.replaceAll('{number}', shown).replaceAll('{counter}', String(counterId));
  return unescapeFrame(text);
}
