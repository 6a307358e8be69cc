// The guide screen's view of the hub (GET /api/guide and /api/guide/lines;
// docs/protocol.md, "Touch-screen guide"). The hub builds it; the kiosk
// program reads the documents of a procedure from it to print them under a
// ticket taken on the screen, so it checks what it reads against these
// schemas like any message from the hub.

import { z } from 'zod';

/** One document to bring, as a card stores it. */
export const guideDocument = z.object({
  name: z.string(),
  originals: z.number().int().nonnegative(),
  copies: z.number().int().nonnegative(),
  note: z.string(),
});

export const guideDocumentView = guideDocument.extend({
  /** "1 bản chính, 1 bản sao", as shown and printed; '' when no count applies. */
  copiesText: z.string(),
});
export type GuideDocumentView = z.infer<typeof guideDocumentView>;

/** What a guide card holds: the hub's store checks a stored card against it too. */
export const guideCard = z.object({
  documents: z.array(guideDocument),
  fee: z.string(),
  timeLimit: z.string(),
  legalBasis: z.array(z.string()),
  /** The procedure's page on the national public-service portal ('' for none); the QR code is /api/guide/procedures/<id>/qr.svg. */
  onlineUrl: z.string(),
  notes: z.string(),
  keywords: z.array(z.string()),
});

export const guideCardView = guideCard.extend({
  documents: z.array(guideDocumentView),
  /** Shipped with the hub, not yet checked by the office. */
  sample: z.boolean(),
  checkedOn: z.string().nullable(),
});
export type GuideCardView = z.infer<typeof guideCardView>;

/** Per procedure: what a ticket taken now would have before it. */
export const guideLine = z.object({
  ahead: z.number().int().nonnegative(),
  /** null: no open counter serves the procedure. */
  waitSeconds: z.number().int().nonnegative().nullable(),
  openCounters: z.number().int().nonnegative(),
});
export type GuideLine = z.infer<typeof guideLine>;

export const guideLines = z.object({
  /** Changes whenever the content (catalogue, counters, cards) does: the screen then fetches /api/guide again. */
  contentTag: z.string(),
  at: z.number(),
  serviceDate: z.string(),
  procedures: z.record(z.string(), guideLine),
  /** Counter id → open, paused or closed. */
  counters: z.record(z.string(), z.enum(['open', 'paused', 'closed'])),
});
export type GuideLines = z.infer<typeof guideLines>;

export const guideContent = z.object({
  contentTag: z.string(),
  fields: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      procedures: z.array(
        z.object({
          id: z.string(),
          name: z.string(),
          card: guideCardView.nullable(),
          /** Counters serving it (any state), by id. */
          counters: z.array(z.number().int()),
        }),
      ),
    }),
  ),
  counters: z.array(z.object({ id: z.number().int(), name: z.string() })),
  lines: guideLines,
});
export type GuideContent = z.infer<typeof guideContent>;
