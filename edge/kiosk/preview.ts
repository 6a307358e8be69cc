// `npm run ticket:preview [-- --out dir] [--offline] [--documents]`: writes
// the sample ticket as PNG for 58 mm and 80 mm paper, exactly the dots the
// printer would print, so a person can check the layout and the Vietnamese
// text; `--documents` adds the documents to bring, as a ticket taken on the
// touch screen has them.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defineCommand, isEntryPoint, runCommand } from '../../shared/cli/command-line.js';
import { sampleDocuments, sampleTicket } from './sample.js';
import { PAPER_DOTS, type PaperWidthMm, renderTicket } from './ticket-render.js';

export function writePreviews(
  outDir: string,
  options: { offline?: boolean; documents?: boolean } = {},
): string[] {
  mkdirSync(outDir, { recursive: true });
  const view = sampleTicket({
    ...(options.offline
      ? { offline: true, estimatedWaitSeconds: null, priorityName: null, display: 'C2007' }
      : {}),
    ...(options.documents ? { documents: sampleDocuments() } : {}),
  });
  const suffix = `${options.offline ? '-offline' : ''}${options.documents ? '-documents' : ''}`;
  return ([58, 80] as PaperWidthMm[]).map((paper) => {
    const ticket = renderTicket(view, paper);
    const path = join(outDir, `ticket-${paper}mm${suffix}.png`);
    writeFileSync(path, ticket.png());
    console.log(`${path}  ${ticket.width}×${ticket.height} dots (${PAPER_DOTS[paper]} across)`);
    return path;
  });
}

if (isEntryPoint(import.meta.url)) {
  const command = defineCommand({
    name: 'ticket:preview',
    usage: 'npm run ticket:preview [-- --out DIR] [--offline]',
    summary: 'Writes the sample ticket as PNG for 58 mm and 80 mm paper, the dots the printer would print.',
    options: {
      out: {
        type: 'string',
        default: 'data/preview',
        value: 'DIR',
        help: 'where the PNGs go (default data/preview)',
      },
      offline: { type: 'boolean', default: false, help: 'the ticket printed while the hub is unreachable' },
      documents: { type: 'boolean', default: false, help: 'with the list of documents to bring' },
    },
  });
  runCommand(command, ({ values }) => {
    writePreviews(resolve(values.out), { offline: values.offline, documents: values.documents });
  });
}
