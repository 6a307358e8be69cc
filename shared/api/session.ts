// GET /api/session (hub/http/auth.ts): the signed-in account every signed-in page reads.
import type { AccountRole } from './admin.js';

export interface SessionAnswer {
  username: string;
  displayName: string;
  role: AccountRole;
}
