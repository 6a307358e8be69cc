// Pieces of markup a page uses more than once (the fields of a number series,
// the end of an add-or-edit form) live once, in web/parts/<name>.html beside
// the pages, and a page names them on a line of their own,
//
//   <!--#part numbering id="p"-->
//
// Each "{key}" in the part is filled from the line's attributes (HTML-escaped),
// and every line of the part gets the indentation of the line it replaces.
// Written out when the pages are read at start, as page-head.ts does with the
// head, so the served page is plain HTML with its own ETag.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { escapeHtml } from './page-head.js';

const LINE = /^([ \t]*)<!--#part\s+([a-z][a-z-]{0,39})((?:\s+[a-z]+="[^"]*")*)\s*-->\n/gm;
const ATTRIBUTE = /([a-z]+)="([^"]*)"/g;
const PLACEHOLDER = /\{([a-z]+)\}/g;

/**
 * The page with each `<!--#part name …-->` line replaced by web/parts/name.html
 * (`partsDir`), filled in. Throws, naming the page, on a part that does not
 * exist, an attribute the part does not use or one it needs and lacks.
 */
export function expandParts(html: string, file: string, partsDir: string): string {
  if (!html.includes('<!--#part')) return html;
  const out = html.replace(LINE, (_line, indent: string, name: string, attributes: string) => {
    const path = join(partsDir, `${name}.html`);
    if (!existsSync(path)) throw new Error(`${file}: no part ${name} (${path})`);
    const part = readFileSync(path, 'utf8');
    const given = new Map([...attributes.matchAll(ATTRIBUTE)].map(([, k, v]) => [k!, v!]));
    const used = new Set([...part.matchAll(PLACEHOLDER)].map(([, k]) => k!));
    for (const key of given.keys())
      if (!used.has(key)) throw new Error(`${file}: part ${name} has no {${key}}`);
    for (const key of used) if (!given.has(key)) throw new Error(`${file}: part ${name} needs ${key}="…"`);
    const filled = part.replace(PLACEHOLDER, (_p, key: string) => escapeHtml(given.get(key)!));
    return filled
      .split('\n')
      .filter((l, i, all) => l !== '' || i < all.length - 1)
      .map((l) => (l === '' ? l : indent + l))
      .join('\n')
      .concat('\n');
  });
  if (out.includes('<!--#part')) throw new Error(`${file}: unreadable #part line`);
  return out;
}
