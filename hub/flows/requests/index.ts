// Every request action a device may send (the broker's ACL limits each role
// to its own, see shared/protocol/topics.ts REQUEST_ACTIONS). One line each.

import { announcementPlayedHandler } from './announcement-played.js';
import type { RequestHandler } from './handler.js';
import { issueTicketHandler } from './issue-ticket.js';
import { requestLeaseHandler } from './request-lease.js';
import { submitRatingHandler } from './submit-rating.js';
import { syncTicketsHandler } from './sync-tickets.js';

export const requestHandlers: Record<string, RequestHandler<{ requestId: string }>> = {
  'issue-ticket': issueTicketHandler,
  'request-lease': requestLeaseHandler,
  'sync-tickets': syncTicketsHandler,
  'announcement-played': announcementPlayedHandler,
  'submit-rating': submitRatingHandler,
};
