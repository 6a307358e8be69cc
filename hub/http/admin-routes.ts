// Administration API (/api/admin/*), for administrators only: catalogue,
// counters, accounts, office settings, device credentials and the audit log.
// - Every write is checked by a JSON schema (no unknown keys) and then by the
//   domain; a refusal changes nothing and says in Vietnamese what to fix.
// - Queue configuration goes decide → persist → apply like any queue change,
//   with its audit entry in the same transaction, so kiosks and counters use
//   it at once (the retained catalogue is republished).
// - Passwords and device tokens are shown once, in the reply that makes them;
//   only hashes are stored and nothing secret goes into the audit log.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type {
  AccountCreated,
  AccountView,
  AdminCatalogue,
  AdminCounter,
  AdminField,
  AdminProcedure,
  AdminSettings,
  AuditPage,
  CatalogueDefaults,
  CounterRemoved,
  DeviceRegistered,
  DeviceRevoked,
  DeviceView,
  PasswordSet,
  ProcedureEdited,
} from '../../shared/api/admin.js';
import { DEVICE_ID_PATTERN, ROLES, type Role } from '../../shared/protocol/topics.js';
import { RATING_NAMES } from '../../shared/ratings.js';
import { type AdminRefusalCode, adminRefusalText } from '../../shared/text/vi/admin.js';
import { fillText } from '../../shared/text/vi.js';
import type { Account, AccountRole } from '../auth/account-store.js';
import { generatePassword, hashPassword } from '../auth/passwords.js';
import { addMissingDefaults } from '../defaults/missing-defaults.js';
import {
  addCounter,
  addField,
  addProcedure,
  CATALOGUE_ID_PATTERN,
  COUNTER_ID_MAX,
  NAME_MAX,
  NUMBER_MAX,
  NUMBER_MIN,
  PRIORITY_CAP_MAX,
  PRIORITY_CAP_MIN,
  removeCounter,
  setPriorityRules,
  updateCounter,
  updateField,
  updateProcedure,
  WEIGHT_MAX,
  WEIGHT_MIN,
} from '../queue/catalogue.js';
import type { Context, Counter, Decision, QueueState } from '../queue/types.js';
import {
  type AnnouncementSettings,
  checkOpeningHours,
  checkRatingRules,
  type OpeningHours,
  RATING_CORRECTION_SECONDS,
  RATING_WINDOW_SECONDS,
  type RatingRules,
  readAnnouncementSettings,
  readDailyResetTime,
  readOpeningHours,
  readRatingLevels,
  readRatingRules,
  readRatingScale,
  SETTING_KEYS,
  TIME_PATTERN,
  WEEKDAYS,
} from '../service/admin-settings.js';
import type { Device } from '../store/device-store.js';
import { validationMessage } from './admin-validation.js';
import { adminRouteOptions, errorBody } from './route-helpers.js';
import type { RouteDeps } from './server.js';

const PASSWORD_MIN = 8;
const PASSWORD_MAX = 200;
const USERNAME_PATTERN = '^[a-z0-9][a-z0-9._-]{0,31}$';

// Refusals that mean "fix the form" (400), as opposed to "not there" (404)
// or "not now, because of the current state" (409).
const BAD_INPUT = new Set<string>([
  'bad_id',
  'bad_name',
  'bad_prefix',
  'bad_range',
  'range_overlap',
  'procedure_listed_twice',
  'bad_weight',
  'counter_listed_twice',
  'bad_counter_id',
  'priority_listed_twice',
  'bad_priority_cap',
  'bad_hours',
  'bad_password',
  'device_counter_needed',
  'device_counter_unused',
]);

function statusOf(code: string): number {
  if (BAD_INPUT.has(code)) return 400;
  return code.startsWith('unknown_') ? 404 : 409;
}

function refusal(reply: FastifyReply, code: AdminRefusalCode, params: Record<string, string | number> = {}) {
  return reply.code(statusOf(code)).send(errorBody(code, fillText(adminRefusalText[code], params)));
}

// ---------------------------------------------------------------- schemas

const RATING_WINDOW_SECONDS_SCHEMA = {
  minimum: RATING_WINDOW_SECONDS.min,
  maximum: RATING_WINDOW_SECONDS.max,
};
const RATING_CORRECTION_SECONDS_SCHEMA = {
  minimum: RATING_CORRECTION_SECONDS.min,
  maximum: RATING_CORRECTION_SECONDS.max,
};

const idSchema = { type: 'string', pattern: CATALOGUE_ID_PATTERN.source } as const;
const nameSchema = { type: 'string', minLength: 1, maxLength: NAME_MAX } as const;
const positionSchema = { type: 'integer', minimum: 1, maximum: 100_000 } as const;
const timeSchema = { type: 'string', pattern: TIME_PATTERN } as const;
const numberingProperties = {
  prefix: { type: 'string', pattern: '^[A-Z]{0,3}$' },
  start: { type: 'integer', minimum: NUMBER_MIN, maximum: NUMBER_MAX },
  end: { type: 'integer', minimum: NUMBER_MIN, maximum: NUMBER_MAX },
  wrap: { type: 'boolean' },
} as const;
const numberingSchema = {
  type: 'object',
  properties: numberingProperties,
  required: ['prefix', 'start', 'end', 'wrap'],
  additionalProperties: false,
} as const;
const numberingOrNull = { ...numberingSchema, type: ['object', 'null'] } as const;
const servesSchema = {
  type: 'array',
  maxItems: 500,
  items: {
    type: 'object',
    properties: {
      procedureId: idSchema,
      weight: { type: 'number', minimum: WEIGHT_MIN, maximum: WEIGHT_MAX },
    },
    required: ['procedureId', 'weight'],
    additionalProperties: false,
  },
} as const;
const counterIdParams = {
  type: 'object',
  properties: { id: { type: 'integer', minimum: 1, maximum: COUNTER_ID_MAX } },
  required: ['id'],
} as const;
const catalogueIdParams = {
  type: 'object',
  properties: { id: idSchema },
  required: ['id'],
} as const;
const usernameParams = {
  type: 'object',
  properties: { username: { type: 'string', minLength: 1, maxLength: 64 } },
  required: ['username'],
} as const;
const deviceIdParams = {
  type: 'object',
  properties: { id: { type: 'string', pattern: DEVICE_ID_PATTERN.source } },
  required: ['id'],
} as const;

const object = (properties: Record<string, unknown>, required: string[] = [], extra: object = {}) => ({
  type: 'object',
  properties,
  required,
  additionalProperties: false,
  ...extra,
});

// ---------------------------------------------------------------- views

function accountView(a: Account) {
  return {
    username: a.username,
    displayName: a.displayName,
    role: a.role,
    createdAt: a.createdAt,
    disabledAt: a.disabledAt,
  };
}

function deviceView(d: Device, online: ReadonlySet<string>) {
  return {
    id: d.id,
    role: d.role,
    counterId: d.counterId,
    online: d.revokedAt === null && online.has(d.id),
    state: d.status?.state ?? null,
    version: d.status?.version ?? null,
    printer: d.status?.printer ?? null,
    fault: d.status?.fault ?? null,
    /** A damaged state file the device salvaged at start (docs/kiosk.md, docs/rating.md). */
    stateFault: d.status?.stateFault ?? null,
    lastSeen: d.lastSeen,
    createdAt: d.createdAt,
    revokedAt: d.revokedAt,
  };
}

function counterAdminView(state: QueueState, c: Counter) {
  const current = c.currentTicketId ? state.tickets.get(c.currentTicketId) : undefined;
  return {
    id: c.id,
    name: c.name,
    state: c.state,
    officer: c.officer,
    serves: c.serves,
    current:
      current && (current.status === 'called' || current.status === 'serving')
        ? { display: current.display, status: current.status }
        : null,
  };
}

function catalogueView(state: QueueState) {
  const { fields, procedures, priorityCategories } = state.catalogue;
  const counters = [...state.counters.values()];
  return {
    fields,
    procedures: procedures.map((p) => ({
      ...p,
      numbering: p.numbering ?? null,
      servedBy: counters.filter((c) => c.serves.some((s) => s.procedureId === p.id)).map((c) => c.id),
    })),
    priorityCategories,
    counters: counters.map((c) => ({ id: c.id, name: c.name })),
  };
}

// ---------------------------------------------------------------- routes

export function registerAdminRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const { service, accounts, devices, requireAdmin } = deps;
  const store = service.store;
  const now = () => deps.clock.now();
  const inTransaction = <T>(work: () => T): T => store.db.transaction(work)();
  const who = (request: FastifyRequest) => request.account!.username;

  const options = (summary: string, schema: Record<string, unknown> = {}) =>
    adminRouteOptions(requireAdmin, summary, schema);

  /** Answer a request that failed its schema; true when it did. */
  const refusedInput = (request: FastifyRequest, reply: FastifyReply, deviceIds = false): boolean => {
    const error = request.validationError;
    if (!error) return false;
    const message = validationMessage(error.validation ?? [], error.validationContext, { deviceIds });
    reply.code(400).send(errorBody('bad_request', message));
    return true;
  };

  /** Run a queue-configuration decision; its audit entry commits with it. */
  const decide = <R>(
    request: FastifyRequest,
    reply: FastifyReply,
    action: string,
    command: (s: QueueState, ctx: Context) => Decision<R>,
    detail: unknown,
    view: (result: R) => unknown,
    options: { counterId?: number; created?: boolean } = {},
  ) => {
    const decision = service.run(command, () =>
      accounts.audit({ username: who(request), action, counterId: options.counterId ?? null, detail }, now()),
    );
    if (!decision.ok)
      return reply.code(statusOf(decision.code)).send(errorBody(decision.code, decision.message));
    deps.log.info('administration', { user: who(request), action });
    return reply.code(options.created ? 201 : 200).send(view(decision.result));
  };

  // ------------------------------------------------------------ catalogue

  app.get(
    '/api/admin/catalogue',
    options('Whole catalogue, inactive items and numbering included'),
    async (): Promise<AdminCatalogue> => catalogueView(service.state),
  );

  // Fields and procedures of the default catalogue a store from an earlier
  // version lacks (hub/defaults/missing-defaults.ts): a preview, or added
  // switched off (and former default wording corrected) when asked.
  app.post<{ Body: { apply?: boolean; renameFormer?: boolean } }>(
    '/api/admin/catalogue/defaults',
    options('Preview or add the default fields and procedures this office lacks (added switched off)', {
      body: object({ apply: { type: 'boolean' }, renameFormer: { type: 'boolean' } }, []),
    }),
    async (request, reply): Promise<CatalogueDefaults | FastifyReply> => {
      if (refusedInput(request, reply)) return reply;
      const input = { renameFormer: request.body.renameFormer ?? true };
      if (!request.body.apply) {
        const preview = addMissingDefaults(service.state, input, service.context());
        return preview.ok
          ? { applied: false, ...preview.result }
          : reply.code(409).send(errorBody(preview.code, preview.message));
      }
      return decide(
        request,
        reply,
        'catalogue-defaults',
        (s, ctx) => addMissingDefaults(s, input, ctx),
        input,
        (r): CatalogueDefaults => ({ applied: true, ...r }),
      );
    },
  );

  /**
   * A route that changes the queue's configuration (fields, procedures,
   * counters), declared as data: the schema checks the input, then the
   * queue command decides with its audit entry committed beside it. A PUT's
   * input is its body with the id from the path.
   */
  const configRoute = <I, R>(route: {
    method: 'POST' | 'PUT';
    url: string;
    summary: string;
    params?: object;
    body: object;
    action: string;
    command: (s: QueueState, input: I, ctx: Context) => Decision<R>;
    view: (result: R) => unknown;
    /** The audit entry records the request body alone, not the id from the path. */
    auditBody?: boolean;
    /** The audit entry names this counter. */
    counter?: boolean;
  }) =>
    app.route<{ Params: { id?: string | number }; Body: Record<string, unknown> }>({
      method: route.method,
      url: route.url,
      ...options(
        route.summary,
        route.params ? { params: route.params, body: route.body } : { body: route.body },
      ),
      handler: async (request, reply) => {
        if (refusedInput(request, reply)) return reply;
        const { id } = request.params;
        const input = (id === undefined ? request.body : { ...request.body, id }) as I;
        return decide(
          request,
          reply,
          route.action,
          (s, ctx) => route.command(s, input, ctx),
          route.auditBody ? request.body : input,
          route.view,
          {
            created: route.method === 'POST',
            ...(route.counter ? { counterId: (input as { id: number }).id } : {}),
          },
        );
      },
    });

  const fieldProperties = {
    name: nameSchema,
    numbering: numberingSchema,
    active: { type: 'boolean' },
    position: positionSchema,
  };
  configRoute({
    method: 'POST',
    url: '/api/admin/fields',
    summary: 'Add a field (lĩnh vực) with its number series',
    body: object({ id: idSchema, ...fieldProperties }, ['id', 'name', 'numbering']),
    action: 'field-add',
    command: addField,
    view: (f): AdminField => f,
  });
  configRoute({
    method: 'PUT',
    url: '/api/admin/fields/:id',
    summary: 'Edit or (de)activate a field',
    params: catalogueIdParams,
    body: object(fieldProperties, [], { minProperties: 1 }),
    action: 'field-edit',
    command: updateField,
    view: (f): AdminField => f,
  });

  const procedureProperties = {
    fieldId: idSchema,
    name: nameSchema,
    numbering: numberingOrNull,
    active: { type: 'boolean' },
    position: positionSchema,
  };
  configRoute({
    method: 'POST',
    url: '/api/admin/procedures',
    summary: 'Add a procedure (thủ tục), optionally with its own series and the counters serving it',
    body: object(
      {
        id: idSchema,
        ...procedureProperties,
        counterIds: {
          type: 'array',
          maxItems: COUNTER_ID_MAX,
          items: { type: 'integer', minimum: 1, maximum: COUNTER_ID_MAX },
        },
      },
      ['id', 'fieldId', 'name'],
    ),
    action: 'procedure-add',
    command: addProcedure,
    view: (r): AdminProcedure => ({
      ...r.procedure,
      numbering: r.procedure.numbering ?? null,
      servedBy: r.counters.map((c) => c.id),
    }),
  });
  configRoute({
    method: 'PUT',
    url: '/api/admin/procedures/:id',
    summary: 'Edit or (de)activate a procedure; numbering null returns it to its field series',
    params: catalogueIdParams,
    body: object(procedureProperties, [], { minProperties: 1 }),
    action: 'procedure-edit',
    command: updateProcedure,
    view: (p): ProcedureEdited => ({ ...p, numbering: p.numbering ?? null }),
  });

  // ------------------------------------------------------------ counters

  app.get(
    '/api/admin/counters',
    options('Every counter with its served procedures and weights'),
    async (): Promise<AdminCounter[]> =>
      [...service.state.counters.values()].map((c) => counterAdminView(service.state, c)),
  );

  configRoute({
    method: 'POST',
    url: '/api/admin/counters',
    summary: 'Add a counter (starts closed)',
    body: object(
      {
        id: { type: 'integer', minimum: 1, maximum: COUNTER_ID_MAX },
        name: nameSchema,
        serves: servesSchema,
      },
      ['id', 'name', 'serves'],
    ),
    action: 'counter-add',
    command: addCounter,
    view: (c): AdminCounter => counterAdminView(service.state, c),
    counter: true,
  });
  configRoute({
    method: 'PUT',
    url: '/api/admin/counters/:id',
    summary: 'Rename a counter or change what it serves',
    params: counterIdParams,
    body: object({ name: nameSchema, serves: servesSchema }, [], { minProperties: 1 }),
    action: 'counter-edit',
    command: updateCounter,
    view: (c): AdminCounter => counterAdminView(service.state, c),
    auditBody: true,
    counter: true,
  });

  app.delete<{ Params: { id: number } }>(
    '/api/admin/counters/:id',
    options('Remove a closed counter with no live ticket and no rating device', { params: counterIdParams }),
    async (request, reply) => {
      if (refusedInput(request, reply)) return reply;
      const { id } = request.params;
      const counter = service.state.counters.get(id);
      const device = devices
        .list()
        .find((d) => d.role === 'rating' && d.counterId === id && d.revokedAt === null);
      if (counter && device) {
        return refusal(reply, 'counter_has_device', { counterName: counter.name, deviceId: device.id });
      }
      return decide(
        request,
        reply,
        'counter-remove',
        (s, ctx) => removeCounter(s, { id }, ctx),
        { name: counter?.name },
        (c): CounterRemoved => ({ id: c.id, removed: true }),
        { counterId: id },
      );
    },
  );

  // ------------------------------------------------------------ accounts

  app.get(
    '/api/admin/accounts',
    options('Accounts (never their password hashes)'),
    async (): Promise<AccountView[]> => accounts.list().map(accountView),
  );

  const activeAdmins = () => accounts.list().filter((a) => a.role === 'admin' && a.disabledAt === null);

  app.post<{ Body: { username: string; displayName: string; role: AccountRole; password?: string } }>(
    '/api/admin/accounts',
    options('Create an officer or administrator; a generated password is shown once', {
      body: object(
        {
          username: { type: 'string', pattern: USERNAME_PATTERN },
          displayName: { type: 'string', minLength: 1, maxLength: 100 },
          role: { type: 'string', enum: ['officer', 'admin'] },
          password: { type: 'string', minLength: PASSWORD_MIN, maxLength: PASSWORD_MAX },
        },
        ['username', 'displayName', 'role'],
      ),
    }),
    async (request, reply) => {
      if (refusedInput(request, reply)) return reply;
      const { username, role } = request.body;
      const displayName = request.body.displayName.normalize('NFC').trim();
      if (!displayName) return refusal(reply, 'bad_name', { max: 100 });
      if (accounts.get(username)) return refusal(reply, 'account_exists', { username });
      const generated = request.body.password === undefined ? generatePassword() : null;
      const passwordHash = await hashPassword(generated ?? request.body.password!);
      // Checked again: another request may have taken the name while hashing.
      const created = inTransaction(() => {
        if (accounts.get(username)) return false;
        accounts.create({ username, displayName, role, passwordHash }, now());
        accounts.audit(
          { username: who(request), action: 'account-add', detail: { username, role, displayName } },
          now(),
        );
        return true;
      });
      if (!created) return refusal(reply, 'account_exists', { username });
      const account = accounts.get(username)!;
      return reply.code(201).send({
        account: accountView(account),
        ...(generated ? { password: generated } : {}),
      } satisfies AccountCreated);
    },
  );

  app.put<{
    Params: { username: string };
    Body: { displayName?: string; role?: AccountRole; disabled?: boolean };
  }>(
    '/api/admin/accounts/:username',
    options(
      'Rename, change the role of, disable or enable an account (ends its sessions when disabled or role changes)',
      {
        params: usernameParams,
        body: object(
          {
            displayName: { type: 'string', minLength: 1, maxLength: 100 },
            role: { type: 'string', enum: ['officer', 'admin'] },
            disabled: { type: 'boolean' },
          },
          [],
          { minProperties: 1 },
        ),
      },
    ),
    async (request, reply): Promise<AccountView | FastifyReply> => {
      if (refusedInput(request, reply)) return reply;
      const { username } = request.params;
      const current = accounts.get(username);
      if (!current) return refusal(reply, 'unknown_account', { username });
      const changes: { displayName?: string; role?: AccountRole; disabled?: boolean } = {};
      if (request.body.displayName !== undefined) {
        const displayName = request.body.displayName.normalize('NFC').trim();
        if (!displayName) return refusal(reply, 'bad_name', { max: 100 });
        changes.displayName = displayName;
      }
      if (request.body.role !== undefined && request.body.role !== current.role)
        changes.role = request.body.role;
      if (request.body.disabled !== undefined && request.body.disabled !== (current.disabledAt !== null)) {
        changes.disabled = request.body.disabled;
      }
      // The office must always keep one administrator who can sign in.
      const staysAdmin =
        (changes.role ?? current.role) === 'admin' && !(changes.disabled ?? current.disabledAt !== null);
      const isActiveAdmin = current.role === 'admin' && current.disabledAt === null;
      if (isActiveAdmin && !staysAdmin && activeAdmins().every((a) => a.username === username)) {
        return refusal(reply, 'last_admin', { username });
      }
      inTransaction(() => {
        accounts.update(username, changes, now());
        accounts.audit(
          { username: who(request), action: 'account-edit', detail: { username, ...changes } },
          now(),
        );
      });
      return accountView(accounts.get(username)!);
    },
  );

  app.post<{ Params: { username: string }; Body: { password?: string } }>(
    '/api/admin/accounts/:username/password',
    options('Set a new password (given, or generated and shown once); ends the account sessions', {
      params: usernameParams,
      body: object({ password: { type: 'string', minLength: PASSWORD_MIN, maxLength: PASSWORD_MAX } }),
    }),
    async (request, reply): Promise<PasswordSet | FastifyReply> => {
      if (refusedInput(request, reply)) return reply;
      const { username } = request.params;
      if (!accounts.get(username)) return refusal(reply, 'unknown_account', { username });
      const generated = request.body.password === undefined ? generatePassword() : null;
      const passwordHash = await hashPassword(generated ?? request.body.password!);
      inTransaction(() => {
        accounts.setPassword(username, passwordHash);
        accounts.audit(
          {
            username: who(request),
            action: 'account-password',
            detail: { username, generated: generated !== null },
          },
          now(),
        );
      });
      return { username, ...(generated ? { password: generated } : {}) };
    },
  );

  // ------------------------------------------------------------ settings

  const settingsView = (): AdminSettings => {
    const scale = readRatingScale(store);
    return {
      ratingScale: {
        levels: readRatingLevels(store),
        scale: scale.levels.map((level) => ({
          level,
          name: RATING_NAMES[level],
          score: scale.scores[level],
        })),
      },
      ratingRules: readRatingRules(store),
      priority: {
        categories: service.state.catalogue.priorityCategories,
        cap: service.state.settings.priorityCap,
      },
      openingHours: readOpeningHours(store),
      dailyResetTime: readDailyResetTime(store) ?? null,
      serviceDate: service.state.serviceDate,
      announcements: readAnnouncementSettings(store),
    };
  };

  app.get('/api/admin/settings', options('Office settings'), async () => settingsView());

  /** Store one setting with its audit entry. */
  const putSetting = (request: FastifyRequest, action: string, key: string, value: unknown) => {
    inTransaction(() => {
      store.putSetting(key, value);
      accounts.audit({ username: who(request), action, detail: value }, now());
    });
    return settingsView();
  };

  app.put<{ Body: { levels: 3 | 4 } }>(
    '/api/admin/settings/rating-scale',
    options('Three rating levels (default) or four ("Bình thường" added)', {
      body: object({ levels: { type: 'integer', enum: [3, 4] } }, ['levels']),
    }),
    async (request, reply) => {
      if (refusedInput(request, reply)) return reply;
      return putSetting(request, 'settings-rating-scale', SETTING_KEYS.ratingScale, {
        levels: request.body.levels,
      });
    },
  );

  app.put<{ Body: RatingRules }>(
    '/api/admin/settings/rating-rules',
    options('Rating window after a service, and whether the first press or a quick correction counts', {
      body: object(
        {
          windowSeconds: { type: 'integer', ...RATING_WINDOW_SECONDS_SCHEMA },
          policy: { type: 'string', enum: ['first', 'correction'] },
          correctionSeconds: { type: 'integer', ...RATING_CORRECTION_SECONDS_SCHEMA },
        },
        ['windowSeconds', 'policy', 'correctionSeconds'],
      ),
    }),
    async (request, reply) => {
      if (refusedInput(request, reply)) return reply;
      const problem = checkRatingRules(request.body);
      if (problem)
        return reply
          .code(400)
          .send(errorBody('bad_input', fillText(adminRefusalText.bad_input, { details: problem })));
      const { windowSeconds, policy, correctionSeconds } = request.body;
      return putSetting(request, 'settings-rating-rules', SETTING_KEYS.ratingRules, {
        windowSeconds,
        policy,
        correctionSeconds,
      });
    },
  );

  app.put<{ Body: { categories: { id: string; name: string }[]; cap: number } }>(
    '/api/admin/settings/priority',
    options('Priority categories and the cap of priority calls in a row', {
      body: object(
        {
          categories: {
            type: 'array',
            maxItems: 20,
            items: object({ id: idSchema, name: nameSchema }, ['id', 'name']),
          },
          cap: { type: 'integer', minimum: PRIORITY_CAP_MIN, maximum: PRIORITY_CAP_MAX },
        },
        ['categories', 'cap'],
      ),
    }),
    async (request, reply) => {
      if (refusedInput(request, reply)) return reply;
      const decision = service.run(
        (s, ctx) => setPriorityRules(s, request.body, ctx),
        () =>
          accounts.audit(
            { username: who(request), action: 'settings-priority', detail: request.body },
            now(),
          ),
      );
      if (!decision.ok)
        return reply.code(statusOf(decision.code)).send(errorBody(decision.code, decision.message));
      return settingsView();
    },
  );

  const period = object({ open: timeSchema, close: timeSchema }, ['open', 'close']);
  app.put<{ Body: { days: OpeningHours } }>(
    '/api/admin/settings/opening-hours',
    options('Opening hours per weekday (informational, for the board and kiosks)', {
      body: object(
        {
          days: object(
            Object.fromEntries(WEEKDAYS.map((d) => [d, { type: 'array', maxItems: 3, items: period }])),
            [...WEEKDAYS],
          ),
        },
        ['days'],
      ),
    }),
    async (request, reply) => {
      if (refusedInput(request, reply)) return reply;
      const problem = checkOpeningHours(request.body.days);
      if (problem) return refusal(reply, 'bad_hours', { day: problem.day, reason: problem.reason });
      return putSetting(request, 'settings-opening-hours', SETTING_KEYS.openingHours, request.body.days);
    },
  );

  app.put<{ Body: { time: string } }>(
    '/api/admin/settings/daily-reset',
    options('Local time a new service day starts (overrides the hub config)', {
      body: object({ time: timeSchema }, ['time']),
    }),
    async (request, reply) => {
      if (refusedInput(request, reply)) return reply;
      return putSetting(request, 'settings-daily-reset', SETTING_KEYS.dailyResetTime, request.body.time);
    },
  );

  app.put<{ Body: AnnouncementSettings }>(
    '/api/admin/settings/announcements',
    options('How speakers word calls: repeats, "Nhắc lại", linh/lẻ, tư/bốn, nghìn/ngàn', {
      body: object(
        {
          repeat: { type: 'integer', minimum: 1, maximum: 3 },
          recallPrefix: { type: 'boolean' },
          zeroTens: { type: 'string', enum: ['linh', 'lẻ'] },
          four: { type: 'string', enum: ['tư', 'bốn'] },
          thousand: { type: 'string', enum: ['nghìn', 'ngàn'] },
        },
        ['repeat', 'recallPrefix', 'zeroTens', 'four', 'thousand'],
      ),
    }),
    async (request, reply) => {
      if (refusedInput(request, reply)) return reply;
      const view = putSetting(request, 'settings-announcements', SETTING_KEYS.announcements, request.body);
      deps.onAnnouncementSettings?.();
      return view;
    },
  );

  // Read-only and harmless: speakers, the board and kiosks may read these without a session.
  app.get(
    '/api/settings/announcements',
    { schema: { summary: 'Announcement wording for speakers' } },
    async () => readAnnouncementSettings(store),
  );
  app.get('/api/settings/opening-hours', { schema: { summary: 'Opening hours per weekday' } }, async () =>
    readOpeningHours(store),
  );

  // ------------------------------------------------------------ devices

  app.get(
    '/api/admin/devices',
    options('Devices: role, counter, online, version, printer, last seen, revoked'),
    async (): Promise<DeviceView[]> => {
      const online = new Set(deps.connectedDevices());
      return devices.list().map((d) => deviceView(d, online));
    },
  );

  app.post<{ Body: { id: string; role: Role; counterId?: number | null; replace?: boolean } }>(
    '/api/admin/devices',
    options('Register a device; its MQTT password is in this reply only (the hub keeps a hash)', {
      body: object(
        {
          id: { type: 'string', pattern: DEVICE_ID_PATTERN.source },
          role: { type: 'string', enum: [...ROLES] },
          counterId: { type: ['integer', 'null'], minimum: 1, maximum: COUNTER_ID_MAX },
          replace: { type: 'boolean' },
        },
        ['id', 'role'],
      ),
    }),
    async (request, reply) => {
      if (refusedInput(request, reply, true)) return reply;
      const { id, role, replace = false } = request.body;
      const counterId = request.body.counterId ?? null;
      if (role === 'rating' && counterId === null) return refusal(reply, 'device_counter_needed');
      if (role !== 'rating' && counterId !== null) return refusal(reply, 'device_counter_unused', { role });
      if (counterId !== null && !service.state.counters.has(counterId)) {
        return refusal(reply, 'unknown_counter', { counterId });
      }
      const existing = devices.get(id);
      if (existing && !replace) return refusal(reply, 'device_exists', { deviceId: id });
      const token = inTransaction(() => {
        const t = devices.register(id, role, counterId, now());
        accounts.audit(
          {
            username: who(request),
            action: 'device-add',
            counterId,
            detail: { id, role, replaced: existing !== null },
          },
          now(),
        );
        return t;
      });
      // A new credential: connections made with the old one end now.
      if (existing) deps.disconnectDevice(id);
      const online = new Set(deps.connectedDevices());
      return reply
        .code(201)
        .send({ device: deviceView(devices.get(id)!, online), token } satisfies DeviceRegistered);
    },
  );

  app.post<{ Params: { id: string } }>(
    '/api/admin/devices/:id/revoke',
    options('Revoke a device credential and cut its connection at once', { params: deviceIdParams }),
    async (request, reply): Promise<DeviceRevoked | FastifyReply> => {
      if (refusedInput(request, reply, true)) return reply;
      const { id } = request.params;
      const device = devices.get(id);
      if (!device) return refusal(reply, 'unknown_device', { deviceId: id });
      if (device.revokedAt !== null) return refusal(reply, 'device_revoked', { deviceId: id });
      inTransaction(() => {
        devices.revoke(id, now());
        accounts.audit(
          { username: who(request), action: 'device-revoke', counterId: device.counterId, detail: { id } },
          now(),
        );
      });
      deps.disconnectDevice(id);
      return { device: deviceView(devices.get(id)!, new Set(deps.connectedDevices())) };
    },
  );

  // ------------------------------------------------------------ audit log

  app.get<{ Querystring: { limit?: number; before?: number } }>(
    '/api/admin/audit',
    options('Audit log, newest first; pass `before` = the `next` of a page for the older one', {
      querystring: object({
        limit: { type: 'integer', minimum: 1, maximum: 500 },
        before: { type: 'integer', minimum: 1 },
      }),
    }),
    async (request, reply): Promise<AuditPage | FastifyReply> => {
      if (refusedInput(request, reply)) return reply;
      const limit = request.query.limit ?? 50;
      const rows = accounts.auditPage({
        limit: limit + 1,
        ...(request.query.before === undefined ? {} : { beforeId: request.query.before }),
      });
      const page = rows.slice(0, limit);
      return {
        entries: page.map((r) => ({
          id: r.id,
          at: r.at,
          username: r.username,
          action: r.action,
          counterId: r.counter_id,
          ticketId: r.ticket_id,
          detail: r.detail === null ? null : (JSON.parse(r.detail) as unknown),
        })),
        next: rows.length > limit ? (page.at(-1)?.id ?? null) : null,
      };
    },
  );
}
