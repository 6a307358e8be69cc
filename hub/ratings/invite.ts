// The `rating` part of a counter's retained MQTT state: which ticket a key
// press would rate now, whether it is rated already, and when its window
// closes. The rating device lights its invite LED from it, so the LED is right
// after a device restart, a reconnect or a hub restart without any clock on
// the device.

import type { CounterStateMessage } from '../../shared/protocol/messages.js';
import { readRatingRules } from '../service/admin-settings.js';
import type { QueueService } from '../service/queue-service.js';
import { ratingStoreOf } from '../store/rating-store.js';
import { openRating } from './rules.js';

export type RatingInvite = NonNullable<CounterStateMessage['rating']>;

export function ratingInvite(service: QueueService, counterId: number, now: number): RatingInvite | null {
  const open = openRating(service.state.tickets.values(), counterId, now, readRatingRules(service.store));
  if (!open) return null;
  const { ticket, closesAt } = open;
  return {
    ticketId: ticket.id,
    display: ticket.display,
    status: ticket.status === 'serving' ? 'serving' : 'done',
    rated: ratingStoreOf(service.store.db).forTicket(ticket.id) !== undefined,
    closesAt,
  };
}
