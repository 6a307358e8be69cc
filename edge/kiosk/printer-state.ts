// The printer's state as the protocol reports it in the kiosk's retained status.

import type { z } from 'zod';
import type { printerState } from '../../shared/protocol/messages.js';

export type PrinterState = z.infer<typeof printerState>;

/** States in which a ticket can still be printed (near end: a few more metres of paper). */
export function canPrint(state: PrinterState): boolean {
  return state === 'ok' || state === 'paper_near_end';
}
