// An office whose store was created by an earlier version lacks what the
// default catalogue gained since (Con dấu; Vũ khí, vật liệu nổ, công cụ hỗ
// trợ) and keeps the old ANTT wording. The store is never changed behind the
// administrator's back: this decision is taken only when an administrator
// asks for it (POST /api/admin/catalogue/defaults), first as a preview.
// Fields and procedures that are missing (by id) are added switched off, so
// no kiosk offers them before a counter serves them; names that are still
// exactly a former default are corrected when asked; whatever conflicts
// with the office's own catalogue (an id or number range in use) is left out
// and named.

import { addField, addProcedure, updateProcedure } from '../queue/catalogue.js';
import type { Change, Context, Decision, QueueState } from '../queue/types.js';
import { defaultCatalogue, FORMER_DEFAULT_NAMES } from './catalogue.js';

export interface DefaultsResult {
  fieldsAdded: { id: string; name: string; numbering: string }[];
  proceduresAdded: { id: string; fieldId: string; name: string }[];
  renamed: { id: string; from: string; to: string }[];
  /** Left out, with the reason in words. */
  skipped: { id: string; reason: string }[];
}

export function addMissingDefaults(
  state: QueueState,
  input: { renameFormer: boolean },
  ctx: Context,
): Decision<DefaultsResult> {
  const defaults = defaultCatalogue();
  let work: QueueState = { ...state };
  const result: DefaultsResult = { fieldsAdded: [], proceduresAdded: [], renamed: [], skipped: [] };
  const take = (id: string, d: Decision<unknown>): boolean => {
    if (!d.ok) {
      result.skipped.push({ id, reason: d.message });
      return false;
    }
    const change = d.changes.find((c): c is Extract<Change, { kind: 'catalogue' }> => c.kind === 'catalogue');
    if (change) work = { ...work, catalogue: change.catalogue };
    return true;
  };

  for (const field of defaults.fields) {
    if (work.catalogue.fields.some((f) => f.id === field.id)) continue;
    const { numbering } = field;
    if (take(field.id, addField(work, { id: field.id, name: field.name, numbering, active: false }, ctx))) {
      result.fieldsAdded.push({
        id: field.id,
        name: field.name,
        numbering: `${numbering.prefix}${numbering.start}–${numbering.prefix}${numbering.end}`,
      });
    }
  }
  for (const procedure of defaults.procedures) {
    if (!work.catalogue.fields.some((f) => f.id === procedure.fieldId)) continue; // its field was left out
    const current = work.catalogue.procedures.find((p) => p.id === procedure.id);
    if (!current) {
      const added = addProcedure(
        work,
        { id: procedure.id, fieldId: procedure.fieldId, name: procedure.name, active: false },
        ctx,
      );
      if (take(procedure.id, added)) {
        result.proceduresAdded.push({ id: procedure.id, fieldId: procedure.fieldId, name: procedure.name });
      }
    } else if (
      input.renameFormer &&
      current.name !== procedure.name &&
      FORMER_DEFAULT_NAMES[procedure.id] === current.name
    ) {
      if (take(procedure.id, updateProcedure(work, { id: procedure.id, name: procedure.name }, ctx))) {
        result.renamed.push({ id: procedure.id, from: current.name, to: procedure.name });
      }
    }
  }
  const changed = work.catalogue !== state.catalogue;
  return {
    ok: true,
    changes: changed ? [{ kind: 'catalogue', catalogue: work.catalogue }] : [],
    result,
  };
}
