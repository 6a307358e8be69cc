// The procedure_guides table (migration 7): one guide card per procedure,
// its parts as JSON. Written only by an administrator's edit (with its audit
// entry, in one transaction) and by the one-time load of the sample cards.

import { guideCard } from '../../shared/protocol/guide.js';
import type { GuideCard, StoredGuide } from '../guide/card.js';
import type { Db } from './db.js';

interface GuideRow {
  procedure_id: string;
  card: string;
  sample: number;
  checked_on: string | null;
  updated_at: number;
  updated_by: string | null;
}

function fromRow(r: GuideRow): StoredGuide | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(r.card);
  } catch {
    return null;
  }
  // What a stored card must hold; a row that does not (edited by hand) is skipped, never shown half.
  const card = guideCard.safeParse(parsed);
  if (!card.success) return null;
  return {
    procedureId: r.procedure_id,
    card: card.data,
    sample: r.sample === 1,
    checkedOn: r.checked_on,
    updatedAt: r.updated_at,
    updatedBy: r.updated_by,
  };
}

export class GuideStore {
  constructor(readonly db: Db) {}

  all(): StoredGuide[] {
    const rows = this.db.prepare('SELECT * FROM procedure_guides ORDER BY procedure_id').all() as GuideRow[];
    return rows.map(fromRow).filter((g): g is StoredGuide => g !== null);
  }

  get(procedureId: string): StoredGuide | null {
    const row = this.db.prepare('SELECT * FROM procedure_guides WHERE procedure_id = ?').get(procedureId) as
      | GuideRow
      | undefined;
    return row ? fromRow(row) : null;
  }

  put(guide: StoredGuide): void {
    this.db
      .prepare(
        `INSERT INTO procedure_guides (procedure_id, card, sample, checked_on, updated_at, updated_by)
         VALUES (@procedure_id, @card, @sample, @checked_on, @updated_at, @updated_by)
         ON CONFLICT (procedure_id) DO UPDATE SET card = excluded.card, sample = excluded.sample,
           checked_on = excluded.checked_on, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
      )
      .run({
        procedure_id: guide.procedureId,
        card: JSON.stringify(guide.card satisfies GuideCard),
        sample: guide.sample ? 1 : 0,
        checked_on: guide.checkedOn,
        updated_at: guide.updatedAt,
        updated_by: guide.updatedBy,
      });
  }

  remove(procedureId: string): boolean {
    return (
      this.db.prepare('DELETE FROM procedure_guides WHERE procedure_id = ?').run(procedureId).changes > 0
    );
  }
}
