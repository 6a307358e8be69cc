// The touch-screen guide's data: the live catalogue (active fields and
// procedures, the counters serving each) with each procedure's guide card,
// and the current line per procedure. Cards are edited on the administration
// page; every edit, and every change of the queue, reaches the screens
// through the board's live feed (the screen then asks /api/guide/lines, and
// /api/guide again when `contentTag` changed).

import { createHash } from 'node:crypto';
import QRCode from 'qrcode';
import type { GuideCardView, GuideContent, GuideLines } from '../../shared/protocol/guide.js';
import { localTime } from '../../shared/time/local-time.js';
import type { AccountStore } from '../auth/account-store.js';
import { sampleGuideCards } from '../defaults/guide-cards.js';
import { checkGuide, copiesText, type GuideInput, refuseGuide, type StoredGuide } from '../guide/card.js';
import { estimateWait } from '../queue/estimate.js';
import { waitingTicket } from '../queue/new-ticket.js';
import type { Catalogue, QueueState, Ticket } from '../queue/types.js';
import type { GuideStore } from '../store/guide-store.js';
import type { QueueService } from './queue-service.js';
import { activeFields } from './views.js';

/** The setting that records that the sample cards were loaded once (so a removed one does not come back). */
const SAMPLES_LOADED = 'guideSamplesLoaded';
/** QR pictures kept in memory (one per distinct online address). */
const QR_CACHE = 200;

export interface GuideOptions {
  now: () => number;
  timeZone: string;
  /** A card changed: the screens should look again (the board feed pushes a snapshot). */
  onChange: () => void;
}

export type GuideSaved = { ok: true; guide: StoredGuide } | { ok: false; code: string; message: string };

function cardView(g: StoredGuide): GuideCardView {
  return {
    ...g.card,
    documents: g.card.documents.map((d) => ({ ...d, copiesText: copiesText(d) })),
    sample: g.sample,
    checkedOn: g.checkedOn,
  };
}

export class GuideService {
  private cards = new Map<string, StoredGuide>();
  private cardsRevision = 0;
  private cached: { key: string; content: Omit<GuideContent, 'lines'> } | null = null;
  private catalogueSeen: Catalogue | null = null;
  private catalogueRevision = 0;
  private readonly qr = new Map<string, string>();
  /** The lines change only with the queue: kept until the next committed change. */
  private linesCache: Omit<GuideLines, 'at'> | null = null;
  private readonly onQueueChange = () => {
    this.linesCache = null;
  };

  constructor(
    private readonly service: QueueService,
    private readonly store: GuideStore,
    private readonly accounts: AccountStore,
    private readonly options: GuideOptions,
  ) {
    this.reload();
    service.on('changes', this.onQueueChange);
  }

  stop(): void {
    this.service.off('changes', this.onQueueChange);
  }

  private reload(): void {
    this.cards = new Map(this.store.all().map((g) => [g.procedureId, g]));
    this.cardsRevision++;
    this.linesCache = null;
  }

  /**
   * Load the sample cards once: on a new store, and on a store made before
   * guide cards existed. Only onto a procedure that still has the default
   * name (an office may have given the id to another procedure), never over
   * a card, and never again after (a card the office removed stays removed).
   */
  loadSamples(): number {
    const { store } = this.service;
    if (store.getSetting<boolean>(SAMPLES_LOADED)) return 0;
    const procedures = new Map(this.service.state.catalogue.procedures.map((p) => [p.id, p]));
    const now = this.options.now();
    let loaded = 0;
    store.db.transaction(() => {
      for (const [id, sample] of sampleGuideCards()) {
        const procedure = procedures.get(id);
        if (!procedure || procedure.name.normalize('NFC') !== sample.name || this.store.get(id)) continue;
        this.store.put({
          procedureId: id,
          card: sample.card,
          sample: true,
          checkedOn: null,
          updatedAt: now,
          updatedBy: null,
        });
        loaded++;
      }
      store.putSetting(SAMPLES_LOADED, true);
    })();
    this.reload();
    return loaded;
  }

  /** The office's calendar date now (a card's check date may not be later). */
  private today(): string {
    const t = localTime(this.options.now(), this.options.timeZone);
    return `${t.year}-${t.month}-${t.day}`;
  }

  // ------------------------------------------------------------ screen

  /** Fields → procedures → cards, with the counters; cached until something in it changes. */
  private contentWithoutLines(): Omit<GuideContent, 'lines'> {
    const state = this.service.state;
    if (state.catalogue !== this.catalogueSeen) {
      this.catalogueSeen = state.catalogue;
      this.catalogueRevision++;
    }
    const counters = [...state.counters.values()].sort((a, b) => a.id - b.id);
    const countersKey = counters
      .map((c) => `${c.id}:${c.name}:${c.serves.map((s) => s.procedureId).join(',')}`)
      .join('|');
    const key = `${this.cardsRevision}/${this.catalogueRevision}/${countersKey}`;
    if (this.cached?.key === key) return this.cached.content;
    const body = {
      fields: activeFields(state.catalogue, (p) => {
        const card = this.cards.get(p.id);
        return {
          id: p.id,
          name: p.name,
          card: card ? cardView(card) : null,
          counters: counters.filter((c) => c.serves.some((s) => s.procedureId === p.id)).map((c) => c.id),
        };
      }),
      counters: counters.map((c) => ({ id: c.id, name: c.name })),
    };
    const contentTag = createHash('sha1').update(JSON.stringify(body)).digest('base64url').slice(0, 16);
    this.cached = { key, content: { contentTag, ...body } };
    return this.cached.content;
  }

  content(): GuideContent {
    return { ...this.contentWithoutLines(), lines: this.lines() };
  }

  /** For each active procedure, what a ticket taken now would have before it (hub/queue/estimate.ts). */
  lines(): GuideLines {
    const { contentTag } = this.contentWithoutLines();
    if (this.linesCache?.contentTag !== contentTag) this.linesCache = this.computeLines();
    return { ...this.linesCache, at: this.options.now() };
  }

  private computeLines(): Omit<GuideLines, 'at'> {
    const state = this.service.state;
    const { contentTag, fields } = this.contentWithoutLines();
    const procedures: GuideLines['procedures'] = {};
    for (const f of fields) {
      for (const p of f.procedures) {
        const e = estimateWait(state, this.newTicket(state, p.id, f.id), this.options.now());
        procedures[p.id] = { ahead: e.ahead, waitSeconds: e.waitSeconds, openCounters: e.openCounters };
      }
    }
    return {
      contentTag,
      serviceDate: state.serviceDate,
      procedures,
      counters: Object.fromEntries([...state.counters.values()].map((c) => [String(c.id), c.state])),
    };
  }

  /** A ticket that would join the line now, for the estimate only (never stored). */
  private newTicket(state: QueueState, procedureId: string, fieldId: string): Ticket {
    const now = this.options.now();
    return waitingTicket({
      id: `guide:${procedureId}`,
      serviceDate: state.serviceDate,
      seriesKey: '',
      number: Number.MAX_SAFE_INTEGER,
      display: '',
      fieldId,
      procedureId,
      priority: null,
      issuedAt: now,
      seq: state.lastSeq + 1,
      queuedAt: now,
      clockUntrusted: false,
      source: null,
    });
  }

  /** The QR code of a procedure's online address, as SVG; null when it has none. */
  async qrSvg(procedureId: string): Promise<string | null> {
    const url = this.cards.get(procedureId)?.card.onlineUrl;
    if (!url) return null;
    let svg = this.qr.get(url);
    if (!svg) {
      svg = await QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
      if (this.qr.size >= QR_CACHE) this.qr.clear();
      this.qr.set(url, svg);
    }
    return svg;
  }

  // ------------------------------------------------------------ administration

  /** Every procedure (active or not), with its card. */
  adminList() {
    const { fields, procedures } = this.service.state.catalogue;
    return {
      today: this.today(),
      fields: fields.map((f) => ({ id: f.id, name: f.name, active: f.active })),
      procedures: procedures.map((p) => {
        const g = this.cards.get(p.id);
        return {
          id: p.id,
          fieldId: p.fieldId,
          name: p.name,
          active: p.active,
          card: g ? g.card : null,
          sample: g?.sample ?? false,
          checkedOn: g?.checkedOn ?? null,
          updatedAt: g?.updatedAt ?? null,
          updatedBy: g?.updatedBy ?? null,
        };
      }),
    };
  }

  /** An administrator's card for a procedure: checked, stored with its audit entry, pushed to the screens. */
  save(procedureId: string, input: GuideInput, username: string): GuideSaved {
    if (!this.service.state.catalogue.procedures.some((p) => p.id === procedureId))
      return refuseGuide('unknown_procedure', { procedureId });
    const checked = checkGuide(input, this.today());
    if (!checked.ok) return checked;
    const now = this.options.now();
    // The office's own from now on: a sample it edited is no longer a sample.
    const guide: StoredGuide = {
      procedureId,
      card: checked.card,
      sample: false,
      checkedOn: checked.checkedOn,
      updatedAt: now,
      updatedBy: username,
    };
    this.store.db.transaction(() => {
      this.store.put(guide);
      this.accounts.audit(
        { username, action: 'guide-edit', detail: { procedureId, checkedOn: guide.checkedOn } },
        now,
      );
    })();
    this.reload();
    this.options.onChange();
    return { ok: true, guide };
  }

  remove(procedureId: string, username: string): GuideSaved {
    const existing = this.cards.get(procedureId);
    if (!existing) return refuseGuide('no_card', { procedureId });
    this.store.db.transaction(() => {
      this.store.remove(procedureId);
      this.accounts.audit({ username, action: 'guide-remove', detail: { procedureId } }, this.options.now());
    })();
    this.reload();
    this.options.onChange();
    return { ok: true, guide: existing };
  }
}
