// What the administration API answers (hub/http/admin-routes.ts builds it;
// hub/web/assets/admin.js shows it): GET and the changes of /api/admin/*.
// Only pure type modules are imported here: the pages' type check (tsconfig.web.json)
// reads this file and everything it imports, so nothing of the hub's runtime code may
// come in. The hub's own types (hub/auth, hub/defaults, hub/service/admin-settings.ts)
// must stay assignable to these: the routes declare these as their answers.
import type {
  Counter,
  CounterService,
  Field,
  Numbering,
  PriorityCategory,
  Procedure,
} from '../../hub/queue/types.js';
import type { AnnouncementSettingsMessage, DeviceStatus } from '../protocol/messages.js';
import type { Role } from '../protocol/topics.js';
import type { RatingLevel } from '../ratings.js';

export type AccountRole = 'officer' | 'admin';

/** A procedure as the administrator sees it: its own series or null, and the counters serving it. */
export interface AdminProcedure extends Omit<Procedure, 'numbering'> {
  numbering: Numbering | null;
  servedBy: number[];
}

/** PUT /api/admin/procedures/:id: the procedure as saved (its counters are not part of the edit). */
export type ProcedureEdited = Omit<AdminProcedure, 'servedBy'>;

/** GET /api/admin/catalogue: the whole catalogue, inactive items included. */
export interface AdminCatalogue {
  fields: Field[];
  procedures: AdminProcedure[];
  priorityCategories: PriorityCategory[];
  counters: { id: number; name: string }[];
}

/** POST /api/admin/catalogue/defaults: what the default catalogue adds (a preview unless applied). */
export interface CatalogueDefaults {
  applied: boolean;
  fieldsAdded: { id: string; name: string; numbering: string }[];
  proceduresAdded: { id: string; fieldId: string; name: string }[];
  renamed: { id: string; from: string; to: string }[];
  /** Left out, with the reason in words. */
  skipped: { id: string; reason: string }[];
}

/** GET /api/admin/counters (and the answer of adding or editing one). */
export interface AdminCounter extends Pick<Counter, 'id' | 'name' | 'state' | 'officer'> {
  serves: CounterService[];
  /** The ticket called or served there now. */
  current: { display: string; status: 'called' | 'serving' } | null;
}

/** DELETE /api/admin/counters/:id. */
export interface CounterRemoved {
  id: number;
  removed: true;
}

/** An account, never its password hash (GET /api/admin/accounts, PUT …/:username). */
export interface AccountView {
  username: string;
  displayName: string;
  role: AccountRole;
  createdAt: number;
  disabledAt: number | null;
}

/** POST /api/admin/accounts: the generated password is in this answer only. */
export interface AccountCreated {
  account: AccountView;
  password?: string;
}

/** POST /api/admin/accounts/:username/password. */
export interface PasswordSet {
  username: string;
  password?: string;
}

/** GET /api/admin/settings, and the answer of every PUT /api/admin/settings/*. */
export interface AdminSettings {
  ratingScale: {
    levels: 3 | 4;
    scale: { level: RatingLevel; name: string; score: number }[];
  };
  /** Rating window after a service; "correction": a press within correctionSeconds replaces the one before. */
  ratingRules: { windowSeconds: number; policy: 'first' | 'correction'; correctionSeconds: number };
  priority: { categories: PriorityCategory[]; cap: number };
  /** Per weekday (mon … sun), the periods the office is open, local "HH:MM"; none: closed. */
  openingHours: Record<
    'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun',
    { open: string; close: string }[]
  >;
  /** null: the hub config's time applies. */
  dailyResetTime: string | null;
  serviceDate: string;
  /** How speakers word calls (the message speakers receive, without its envelope). */
  announcements: Omit<AnnouncementSettingsMessage, 'v' | 'at'>;
}

/** A registered device with what it last reported (GET /api/admin/devices). */
export interface DeviceView {
  id: string;
  role: Role;
  counterId: number | null;
  online: boolean;
  state: DeviceStatus['state'] | null;
  version: string | null;
  printer: NonNullable<DeviceStatus['printer']> | null;
  fault: string | null;
  /** A damaged state file the device salvaged at start (docs/kiosk.md, docs/rating.md). */
  stateFault: NonNullable<DeviceStatus['stateFault']> | null;
  lastSeen: number | null;
  createdAt: number;
  revokedAt: number | null;
}

/** POST /api/admin/devices: the device's MQTT password is in this answer only. */
export interface DeviceRegistered {
  device: DeviceView;
  token: string;
}

/** POST /api/admin/devices/:id/revoke. */
export interface DeviceRevoked {
  device: DeviceView;
}

export interface AuditEntry {
  id: number;
  at: number;
  username: string;
  action: string;
  counterId: number | null;
  ticketId: string | null;
  /** The request's own data, as recorded. */
  detail: unknown;
}

/** GET /api/admin/audit: newest first; `next` asks for the older page. */
export interface AuditPage {
  entries: AuditEntry[];
  next: number | null;
}

/** A field as the administrator edits it (GET /api/admin/catalogue, POST/PUT /api/admin/fields). */
export type AdminField = Field;
