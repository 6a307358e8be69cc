// The pages' shared <head> and parts: written from one line each when the
// pages are read, the head the same for every page but for its title, styles
// and script, a part the same wherever it stands but for its attributes; a
// line that cannot be read stops the start, naming the file.

import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { expandHead } from '../../../hub/http/page-head.js';
import { expandParts } from '../../../hub/http/page-parts.js';
import { loadPage } from '../../../hub/http/pages.js';
import { tempDir } from '../../helpers/hub.js';

const page = (line: string) => `<!doctype html>\n<html lang="vi">\n${line}\n<body></body>\n</html>\n`;

describe('expandHead', () => {
  test('writes the head in place of the line', () => {
    expect(expandHead(page('<!--#head title="Báo cáo" css="style reports" js="reports"-->'), 'x.html')).toBe(
      [
        '<!doctype html>',
        '<html lang="vi">',
        '<head>',
        '  <meta charset="utf-8">',
        '  <meta name="viewport" content="width=device-width, initial-scale=1">',
        '  <title>Báo cáo</title>',
        '  <link rel="stylesheet" href="/assets/style.css">',
        '  <link rel="stylesheet" href="/assets/reports.css">',
        '  <script type="module" src="/assets/reports.js"></script>',
        '</head>',
        '<body></body>',
        '</html>',
        '',
      ].join('\n'),
    );
  });

  test('the kiosk viewport, a theme colour and no favicon when asked; the title escaped', () => {
    const out = expandHead(
      page(
        '<!--#head title="A & <b>" viewport="kiosk" theme="#a4161a" icon="none" css="guide" js="guide"-->',
      ),
      'x.html',
    );
    expect(out).toContain('content="width=device-width, initial-scale=1, maximum-scale=1, user-scalable=no"');
    expect(out).toContain('<meta name="theme-color" content="#a4161a">');
    expect(out).toContain('<link rel="icon" href="data:,">');
    expect(out).toContain('<title>A &amp; &lt;b&gt;</title>');
    expect(out).not.toContain('style.css');
  });

  test('a page without the line is left as it is', () => {
    const html = '<!doctype html>\n<html><head><title>x</title></head></html>\n';
    expect(expandHead(html, 'x.html')).toBe(html);
  });

  test.each([
    ['no title', '<!--#head css="style" js="x"-->'],
    ['an unknown attribute', '<!--#head title="x" script="x"-->'],
    ['an asset name with a path', '<!--#head title="x" js="../x"-->'],
    ['an unknown viewport', '<!--#head title="x" viewport="tv"-->'],
    ['a theme that is not a colour', '<!--#head title="x" theme="red;"-->'],
    ['an unclosed line', '<!--#head title="x"'],
  ])('%s stops the start, naming the file', (_name, line) => {
    expect(() => expandHead(page(line), 'hub/web/pages/x.html')).toThrow(/^hub\/web\/pages\/x\.html: /);
  });

  test('two head lines are refused', () => {
    const line = '<!--#head title="x"-->';
    expect(() => expandHead(page(`${line}\n${line}`), 'x.html')).toThrow(/more than one/);
  });
});

describe('expandParts', () => {
  const dir = tempDir('qms-parts-');
  afterAll(() => dir.remove());
  const parts = join(dir.path, 'parts');
  mkdirSync(parts);
  writeFileSync(join(parts, 'pair.html'), '<label for="{id}-x">X</label>\n<input id="{id}-x">\n');

  test("each line of the part at the line's indentation, filled and escaped", () => {
    const html = '<form>\n    <!--#part pair id="p"-->\n  <!--#part pair id="a&quot"-->\n</form>\n';
    expect(expandParts(html, 'x.html', parts)).toBe(
      [
        '<form>',
        '    <label for="p-x">X</label>',
        '    <input id="p-x">',
        '  <label for="a&amp;quot-x">X</label>',
        '  <input id="a&amp;quot-x">',
        '</form>',
        '',
      ].join('\n'),
    );
  });

  test.each([
    ['a part that does not exist', '<!--#part nothing id="p"-->', /no part nothing/],
    ['a missing attribute', '<!--#part pair-->', /needs id=/],
    ['an attribute the part does not use', '<!--#part pair id="p" name="q"-->', /has no \{name\}/],
    ['a part named by a path', '<!--#part ../pair id="p"-->', /unreadable/],
    ['a line it cannot read', '<!--#part pair id=p-->', /unreadable/],
  ])('%s stops the start, naming the file', (_name, line, message) => {
    expect(() => expandParts(`<div>\n${line}\n</div>\n`, 'hub/web/pages/x.html', parts)).toThrow(message);
    expect(() => expandParts(`<div>\n${line}\n</div>\n`, 'hub/web/pages/x.html', parts)).toThrow(
      /^hub\/web\/pages\/x\.html: /,
    );
  });
});

test.each([
  ['hub', 'hub/web/pages'],
  ['centre', 'central/web/pages'],
])('every %s page has one head with a title, a style sheet and its script', (_name, dir) => {
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.html'))) {
    const html = loadPage(join(dir, file)).body.toString('utf8');
    expect(html, file).not.toContain('<!--#head');
    expect(html, file).not.toContain('<!--#part');
    expect(html.match(/<head>/g), file).toHaveLength(1);
    expect(html, file).toMatch(/<title>[^<]+<\/title>/);
    expect(html, file).toMatch(/<link rel="stylesheet" href="\/assets\/[a-z-]+\.css">/);
    expect(html, file).toMatch(/<script type="module" src="\/assets\/[a-z-]+\.js"><\/script>\n<\/head>/);
  }
});
