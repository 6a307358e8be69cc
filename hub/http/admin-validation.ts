// Input checks of the administration API in words an administrator can act
// on: the JSON-schema errors of a request become one Vietnamese sentence
// ("Dữ liệu không hợp lệ: số kết thúc (numbering.end) phải không quá 9999").

import type { FastifySchemaValidationError } from 'fastify';
import { validationText as V } from '../../shared/text/vi/admin.js';
import { fillText } from '../../shared/text/vi.js';

/** Which pattern hint fits a property. */
const HINT_OF: Record<string, string> = {
  id: 'id',
  fieldId: 'id',
  procedureId: 'id',
  prefix: 'prefix',
  open: 'time',
  close: 'time',
  time: 'time',
  username: 'username',
};

function label(path: string[]): string {
  const named = [...path].reverse().find((p) => !/^\d+$/.test(p));
  const text = named ? (V.labels[named] ?? named) : 'dữ liệu';
  return path.length ? `${text} (${path.join('.')})` : text;
}

function describe(e: FastifySchemaValidationError, context: string, deviceIds: boolean): string {
  const path = e.instancePath.split('/').filter(Boolean);
  const params = e.params as Record<string, unknown>;
  const l = label(path);
  switch (e.keyword) {
    case 'required':
      return fillText(V.required, { label: label([...path, String(params.missingProperty)]) });
    case 'additionalProperties':
      return fillText(V.unknownKey, { key: [...path, String(params.additionalProperty)].join('.') });
    case 'type': {
      const types = String(params.type)
        .split(',')
        .map((t) => V.types[t] ?? t)
        .join(' hoặc ');
      return fillText(V.type, { label: l, type: types });
    }
    case 'minimum':
    case 'maximum':
    case 'minLength':
    case 'maxLength':
    case 'minItems':
    case 'maxItems':
      return fillText(V[e.keyword], { label: l, limit: String(params.limit) });
    case 'minProperties':
      return V.minProperties;
    case 'enum':
      return fillText(V.enum, {
        label: l,
        values: ((params.allowedValues as unknown[]) ?? []).map((v) => JSON.stringify(v)).join(', '),
      });
    case 'pattern': {
      const last = path.at(-1) ?? '';
      const hintKey =
        last === 'id' && (deviceIds || context === 'params') ? deviceIdHint(deviceIds) : HINT_OF[last];
      return fillText(V.pattern, { label: l, hint: hintKey ? (V.hints[hintKey] ?? '') : '' });
    }
    default:
      return fillText(V.other, { label: l });
  }
}

const deviceIdHint = (deviceIds: boolean) => (deviceIds ? 'deviceId' : 'id');

/** One sentence for all problems of a request (repeats dropped). */
export function validationMessage(
  errors: FastifySchemaValidationError[],
  context: string | undefined,
  options: { deviceIds?: boolean } = {},
): string {
  const parts = [...new Set(errors.map((e) => describe(e, context ?? 'body', options.deviceIds ?? false)))];
  return `${V.prefix}: ${parts.join('; ')}.`;
}
