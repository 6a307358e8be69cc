// The kiosk: wires its small parts with a start/stop lifecycle.
//   buttons (GPIO) ─▶ choice ─▶ printer can print? ─▶ durable number
//   (hub, or lease + outbox) ─▶ ticket picture ─▶ ESC/POS ─▶ printer
// plus the optional CCCD scanner (priority for 60+), the status LED and
// buzzer, and the retained device status (printer state, fault) on the hub.
// In simulate mode the buttons are SimulatedGpio and every printed ticket is
// also kept as PNG + ESC/POS in <dataDir>/printed.

import { EventEmitter } from 'node:events';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { KioskConfig } from '../../shared/config/device-config.js';
import { DeviceConnection } from '../../shared/device/connection.js';
import { joinFaults, stateFaultOf, stateFaultText } from '../../shared/device/fault.js';
import { HubClock } from '../../shared/device/hub-clock.js';
import {
  type GpioBackend,
  Led,
  type LedPattern,
  OnoffBackend,
  SimulatedGpio,
} from '../../shared/hardware/gpio.js';
import { createLogger, type Logger } from '../../shared/log/logger.js';
import {
  type CatalogueMessage,
  catalogueMessage,
  decodePayload,
  type QueueSummary,
  queueSummary,
} from '../../shared/protocol/messages.js';
import { topics } from '../../shared/protocol/topics.js';
import { kioskFaultText } from '../../shared/text/vi/kiosk.js';
import { appVersion } from '../../shared/version.js';
import { ButtonPanel, type Choice } from './button-panel.js';
import { encodeTicket } from './escpos.js';
import { HubRelay } from './hub-relay.js';
import { type Issued, Issuer } from './issuer.js';
import { LocalState } from './local-state.js';
import { createTransport, NullTransport, Printer, type PrinterTransport } from './printer.js';
import { canPrint, type PrinterState } from './printer-state.js';
import { CccdScanner } from './scanner.js';
import { loadTicketFonts, renderTicket, type TicketDocument, type TicketView } from './ticket-render.js';
import { type ScreenStatus, TouchServer } from './touch-server.js';

export interface KioskOptions {
  log?: Logger;
  /** Replaces the GPIO backend chosen from the config (tests). */
  gpio?: GpioBackend;
  /** Replaces the printer transport from the config (the benchmark). */
  transport?: PrinterTransport;
  now?: () => number;
  /** How often the printer state is polled while idle (default 15 s). */
  statusPollMs?: number;
}

export interface PrintedTicket {
  kind: 'online' | 'leased';
  view: TicketView;
  bytes: Uint8Array;
  /** performance.now() of the press, the durable number, the ESC/POS bytes ready, the bytes sent. */
  timings: { pressedAt: number; numberAt: number; bytesReadyAt: number; printedAt: number };
  /** Simulate mode: the ticket kept as PNG and ESC/POS. */
  files: { png: string; escpos: string } | null;
}

export interface NotPrinted {
  code: 'printer' | 'refused' | 'unavailable' | 'print_failed' | 'busy' | 'error';
  reason: string;
  /** printer: the printer's state; refused: the hub's code and message (in Vietnamese). */
  printer?: PrinterState;
  refusal?: { code: string; message: string };
  /** print_failed: the number was issued (it is durable) but the paper did not come out. */
  display?: string;
}

/** What became of one press: the printed ticket, or why there is none. */
export type TicketOutcome = { ok: true; ticket: PrintedTicket } | { ok: false; why: NotPrinted };

/** A press waiting its turn: from a button, or from the touch screen (which waits for its outcome). */
interface Press {
  procedureId: string;
  priority: string | null;
  pressedAt: number;
  /** Printed under the ticket (the touch screen's "documents to bring"). */
  documents?: TicketDocument[] | null;
  done?: (outcome: TicketOutcome) => void;
}

export interface KioskEvents {
  choice: [choice: Choice];
  printed: [ticket: PrintedTicket];
  'not-printed': [why: NotPrinted];
}

const MAX_WAITING_PRESSES = 5;
const FAULT_FLASH_MS = 5000;
/** How long the LED flashes fast after a scanned code that is not a valid card. */
const REJECTED_CARD_FLASH_MS = 2000;

/** Local time, sortable and safe in file names: 20251128-093005-120. */
function fileTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}-${p(d.getMilliseconds(), 3)}`;
}

export class Kiosk extends EventEmitter<KioskEvents> {
  catalogue: CatalogueMessage | null;
  /** The touch screen's loopback server and its window on the hub (hardware.touch), once started. */
  touch: TouchServer | null = null;
  relay: HubRelay | null = null;
  queue: QueueSummary | null = null;
  private readonly presses: Press[] = [];
  private working = false;
  private pressFault: string | null = null;
  private faultUntil = 0;
  private readonly timers: NodeJS.Timeout[] = [];
  private stopped = false;
  /** Outbox syncs and lease requests under way: a stop waits for them, so none writes the state file after it. */
  private readonly background = new Set<Promise<void>>();

  constructor(
    readonly config: KioskConfig,
    readonly log: Logger,
    readonly gpio: GpioBackend,
    readonly connection: DeviceConnection,
    readonly state: LocalState,
    readonly printer: Printer,
    readonly issuer: Issuer,
    readonly panel: ButtonPanel,
    readonly scanner: CccdScanner | null,
    private readonly led: Led | null,
    private readonly buzzer: Led | null,
    private readonly now: () => number,
    /** The hub's clock: the time printed on tickets, and whether it can be printed at all. */
    readonly hubClock: HubClock = new HubClock(now),
  ) {
    super();
    this.catalogue = state.cache.data.catalogue;
  }

  /** Press configured button `index` (or the priority button) on the simulated GPIO. */
  press(index: number | 'priority'): void {
    if (!(this.gpio instanceof SimulatedGpio)) throw new Error('press() needs simulated GPIO');
    const { hardware } = this.config;
    const line = index === 'priority' ? hardware.priorityButton?.gpio : hardware.buttons[index]?.gpio;
    if (line === undefined) throw new Error(`no button ${index}`);
    this.gpio.press(line);
  }

  /** What the status LED shows (null without one): on ready, slow blink choosing, fast blink fault. */
  get ledPattern(): LedPattern | null {
    return this.led?.pattern ?? null;
  }

  /**
   * A ticket asked for on the touch screen: queued behind any press being
   * printed, with the same guarantees (a durable number before printing),
   * resolving with what became of it.
   */
  takeTicket(choice: {
    procedureId: string;
    priority?: string | null;
    documents?: TicketDocument[] | null;
  }): Promise<TicketOutcome> {
    if (this.stopped) return Promise.resolve({ ok: false, why: { code: 'error', reason: 'kiosk stopping' } });
    if (this.presses.length >= MAX_WAITING_PRESSES) {
      const why: NotPrinted = { code: 'busy', reason: 'too many presses waiting' };
      this.emit('not-printed', why);
      return Promise.resolve({ ok: false, why });
    }
    return new Promise((done) => {
      this.presses.push({
        procedureId: choice.procedureId,
        priority: choice.priority ?? null,
        pressedAt: performance.now(),
        documents: choice.documents ?? null,
        done,
      });
      void this.work();
      this.showLed();
    });
  }

  /** For the touch screen: can a ticket be printed now, and if not, why. */
  screenStatus(): ScreenStatus {
    const printer = this.printer.state;
    const hubConnected = this.connection.connected;
    const leasedNumbers = Object.values(this.state.held(this.now())).reduce((a, b) => a + b, 0);
    const reason =
      printer !== null && !canPrint(printer)
        ? 'printer'
        : !hubConnected && leasedNumbers === 0
          ? 'no_number'
          : null;
    return {
      deviceId: this.config.deviceId,
      canPrint: reason === null,
      reason,
      printer,
      hubConnected,
      leasedNumbers,
    };
  }

  /** Resolves when no press is waiting or being printed. */
  async idle(): Promise<void> {
    while (this.working || this.presses.length) await new Promise((r) => setTimeout(r, 10));
  }

  // ------------------------------------------------------------ wiring

  start(statusPollMs: number): void {
    const { connection, issuer, printer, panel, log } = this;
    printer.on('state', () => this.report());
    panel.on('choice', (choice, pressedAt) => this.onChoice(choice, pressedAt));
    this.scanner?.on('card', (card) => {
      const scanner = this.config.hardware.scanner!;
      if (card.age >= scanner.elderlyAge) panel.armPriority(scanner.elderlyCategory);
      else log.info('scanned card holder under the priority age', { id: card.maskedId, age: card.age });
    });
    // A code that is not a valid card: the citizen hears two beeps and sees the
    // LED flash, so they know to scan again or ask an officer.
    this.scanner?.on('rejected', () => this.signalRejectedCard());
    this.scanner?.start();
    connection.on('connected', () => {
      this.inBackground(() => this.catchUp());
    });
    connection.on('message', (topic, payload) => {
      if (topic === topics.catalogue) {
        const decoded = decodePayload(payload, catalogueMessage);
        if (!decoded.ok) return log.warn('bad catalogue ignored', { reason: decoded.message });
        this.catalogue = decoded.value;
        this.state.setCatalogue(decoded.value).catch((error: unknown) => {
          log.warn('catalogue not cached', { error });
        });
        // A touch screen's lease covers the catalogue's fields: ask as soon as they are known (or change).
        if (this.config.hardware.touch && connection.connected)
          this.inBackground(() => issuer.refreshLease(true));
      } else if (topic === topics.hubStatus) {
        if (!this.hubClock.update(payload)) log.warn('bad hub status ignored');
        else if (this.hubClock.trusted === false)
          log.warn("the hub's clock is not trusted: tickets show no time");
      } else if (topic === topics.queueSummary) {
        const decoded = decodePayload(payload, queueSummary);
        if (!decoded.ok) return;
        const newDay = this.queue !== null && this.queue.serviceDate !== decoded.value.serviceDate;
        this.queue = decoded.value;
        if (newDay || issuer.leaseLow(decoded.value.serviceDate))
          this.inBackground(() => issuer.refreshLease(newDay));
      }
    });
    void printer.check();
    this.timers.push(
      setInterval(() => {
        if (!this.working && !this.stopped) void printer.check();
      }, statusPollMs),
      setInterval(() => {
        if (connection.connected) this.inBackground(() => this.catchUp());
        this.showLed();
      }, 30_000),
    );
    for (const t of this.timers) t.unref();
    this.report();
  }

  /**
   * Run a sync or a lease request beside the presses. A failure is logged,
   * never left to end the program as an unhandled rejection (the outbox keeps
   * its tickets and the next connection tries again); a stop waits for it.
   */
  private inBackground(task: () => Promise<void>): void {
    if (this.stopped) return;
    const running: Promise<void> = task()
      .catch((error: unknown) =>
        this.log.error('background hub request failed', {
          error: error instanceof Error ? error.message : String(error),
        }),
      )
      .finally(() => this.background.delete(running));
    this.background.add(running);
  }

  /** After (re)connecting: send the outbox, in order, then top the lease up. */
  private async catchUp(): Promise<void> {
    if (this.state.outbox.length) await this.issuer.sync();
    if (this.issuer.leaseLow(this.queue?.serviceDate)) await this.issuer.refreshLease(true);
    if (this.pressFault === kioskFaultText.noNumber && Object.keys(this.state.held(this.now())).length) {
      this.setPressFault(null);
    }
  }

  private onChoice(choice: Choice, pressedAt: number): void {
    this.emit('choice', choice);
    if (choice.kind === 'ignored') {
      this.log.info('press ignored', { button: choice.button, reason: choice.reason });
    } else if (choice.kind === 'field-chosen') {
      this.log.info('field chosen: press the procedure button', { field: choice.fieldName });
      this.showLedLater(this.config.hardware.choiceTimeoutMs);
    } else if (choice.kind === 'priority-armed') {
      this.log.info('next ticket is priority', { category: choice.category, by: choice.source });
      this.showLedLater(this.config.hardware.choiceTimeoutMs);
    } else {
      if (this.presses.length >= MAX_WAITING_PRESSES) {
        this.emit('not-printed', { code: 'busy', reason: 'too many presses waiting' });
      } else {
        this.presses.push({ procedureId: choice.procedureId, priority: choice.priority, pressedAt });
        void this.work();
      }
    }
    this.showLed();
  }

  private async work(): Promise<void> {
    if (this.working) return;
    this.working = true;
    try {
      for (let next = this.presses.shift(); next; next = this.presses.shift()) {
        let outcome: TicketOutcome;
        try {
          outcome = await this.ticketFor(next);
        } catch (error) {
          this.log.error('ticket failed', {
            error: error instanceof Error ? (error.stack ?? error.message) : error,
          });
          outcome = this.fail(
            { code: 'error', reason: error instanceof Error ? error.message : String(error) },
            null,
          );
        }
        next.done?.(outcome);
      }
    } finally {
      this.working = false;
      this.showLed();
    }
  }

  private fail(why: NotPrinted, fault: string | null): TicketOutcome {
    this.log.warn('no ticket printed', { code: why.code, reason: why.reason });
    if (fault !== null) this.setPressFault(fault);
    this.faultUntil = this.now() + FAULT_FLASH_MS;
    this.showLedLater(FAULT_FLASH_MS);
    this.beep(3);
    this.emit('not-printed', why);
    return { ok: false, why };
  }

  private async ticketFor(press: Press): Promise<TicketOutcome> {
    // 1. A printer that cannot print gets no number: none is lost.
    const printerState = await this.printer.check();
    if (!canPrint(printerState)) {
      return this.fail({ code: 'printer', reason: `printer ${printerState}`, printer: printerState }, null);
    }
    // 2. A durable number.
    const issued = await this.issuer.issue({ procedureId: press.procedureId, priority: press.priority });
    const numberAt = performance.now();
    if (issued.kind === 'refused') {
      return this.fail(
        { code: 'refused', reason: issued.message, refusal: { code: issued.code, message: issued.message } },
        null,
      );
    }
    if (issued.kind === 'unavailable') {
      return this.fail({ code: 'unavailable', reason: issued.reason }, kioskFaultText.noNumber);
    }
    // 3. The picture and the bytes.
    const view = { ...this.viewOf(issued), documents: press.documents ?? null };
    const rendered = renderTicket(view, this.config.hardware.printer.paperWidthMm);
    const bytes = encodeTicket(rendered);
    const bytesReadyAt = performance.now();
    // 4. Print.
    try {
      await this.printer.print(bytes);
    } catch (error) {
      // The number is durable (the hub or the outbox has it); the citizen can ask staff for it.
      this.log.error('ticket issued but not printed', {
        display: view.display,
        error: (error as Error).message,
      });
      return this.fail(
        { code: 'print_failed', reason: (error as Error).message, display: view.display },
        kioskFaultText.printFailed,
      );
    }
    const printedAt = performance.now();
    if (this.pressFault) this.setPressFault(null);
    this.faultUntil = 0;
    this.beep(1);
    const files = this.config.simulate ? await this.keep(view.display, rendered.png(), bytes) : null;
    this.log.info(`ticket printed: số ${view.display}`, {
      kind: issued.kind,
      procedure: view.procedureName,
      priority: view.priorityName ?? undefined,
      ahead: view.ahead ?? undefined,
      ms: Math.round(printedAt - press.pressedAt),
      png: files?.png,
    });
    const ticket: PrintedTicket = {
      kind: issued.kind === 'online' ? 'online' : 'leased',
      view,
      bytes,
      timings: { pressedAt: press.pressedAt, numberAt, bytesReadyAt, printedAt },
      files,
    };
    this.emit('printed', ticket);
    if (issued.kind === 'leased' && this.connection.connected) this.inBackground(() => this.catchUp());
    return { ok: true, ticket };
  }

  private viewOf(issued: Extract<Issued, { kind: 'online' | 'leased' }>): TicketView {
    const { config } = this;
    const base = { siteName: config.site.name, timeZone: config.site.timeZone };
    // A time the hub does not trust (after a night on fake-hwclock, before anyone confirmed it) is not printed.
    const timeOf = (ms: number) => (this.hubClock.trusted === false ? null : ms);
    if (issued.kind === 'online') {
      const t = issued.ticket;
      return {
        ...base,
        display: t.display,
        fieldName: t.fieldName,
        procedureName: t.procedureName,
        priorityName: t.priorityName,
        issuedAt: timeOf(t.issuedAt),
        ahead: t.ahead,
        estimatedWaitSeconds: t.estimatedWaitSeconds,
        estimatedWait: t.estimatedWait,
        counters: t.counters,
        lookupUrl: new URL(t.lookupPath, config.hub.httpUrl).href,
        offline: false,
      };
    }
    const e = issued.entry;
    const field = this.catalogue?.fields.find((f) => f.procedures.some((p) => p.id === e.procedureId));
    const procedure = field?.procedures.find((p) => p.id === e.procedureId);
    const leased = this.state.data.lease?.procedures[e.procedureId];
    const fieldId = leased?.fieldId ?? field?.id;
    // The last waiting count the hub published for the field, plus what this kiosk printed offline since.
    const waiting = this.queue?.fields.find((f) => f.fieldId === fieldId)?.waiting;
    const offlineBefore = this.state.outbox.filter(
      (o) =>
        o.ticketId !== e.ticketId && this.state.data.lease?.procedures[o.procedureId]?.fieldId === fieldId,
    ).length;
    return {
      ...base,
      display: e.display,
      fieldName: field?.name ?? fieldId ?? '',
      procedureName: procedure?.name ?? e.procedureId,
      priorityName: e.priority
        ? (this.catalogue?.priorityCategories.find((c) => c.id === e.priority)?.name ?? e.priority)
        : null,
      issuedAt: timeOf(e.issuedAt),
      ahead: waiting === undefined ? null : waiting + offlineBefore,
      estimatedWaitSeconds: null,
      counters: leased?.counters ?? [],
      lookupUrl: new URL(`/t/${e.ticketId}`, config.hub.httpUrl).href,
      offline: true,
    };
  }

  /** Simulate mode: keep the ticket as a picture and its bytes, the last N of them. */
  private async keep(
    display: string,
    png: Buffer,
    bytes: Uint8Array,
  ): Promise<{ png: string; escpos: string }> {
    const dir = resolve(this.config.dataDir, 'printed');
    await mkdir(dir, { recursive: true });
    const base = join(dir, `${fileTime(this.now())}-${display.replace(/[^A-Za-z0-9_-]/g, '_')}`);
    const files = { png: `${base}.png`, escpos: `${base}.escpos` };
    await Promise.all([writeFile(files.png, png), writeFile(files.escpos, bytes)]);
    const keep = this.config.hardware.printer.keepPrinted;
    const all = (await readdir(dir)).filter((f) => /^\d{8}-\d{6}-\d{3}-.*\.(png|escpos)$/.test(f)).sort();
    const pngs = all.filter((f) => f.endsWith('.png'));
    const cut = pngs.length > keep ? pngs[pngs.length - keep]! : null;
    if (cut) await Promise.all(all.filter((f) => f < cut).map((f) => rm(join(dir, f), { force: true })));
    return files;
  }

  // ------------------------------------------------------------ signals

  private setPressFault(fault: string | null): void {
    this.pressFault = fault;
    this.report();
  }

  /**
   * The retained status: printer state and the current faults in words (a
   * damaged state file at start stays listed until the program restarts).
   */
  private report(): void {
    const state: PrinterState | undefined = this.printer.state ?? undefined;
    const printerFault =
      state && !canPrint(state) ? kioskFaultText[state as keyof typeof kioskFaultText] : null;
    const damage = this.state.damage;
    this.connection.setStatus({
      printer: state,
      fault: joinFaults([printerFault ?? this.pressFault, damage && stateFaultText(damage)]),
      ...(damage ? { stateFault: stateFaultOf(damage) } : {}),
    });
    this.showLed();
  }

  private showLed(): void {
    if (!this.led || this.stopped) return;
    const state = this.printer.state;
    const fault =
      (state !== null && !canPrint(state)) || this.now() < this.faultUntil || this.pressFault !== null;
    if (fault) this.led.show('blink-fast');
    else if (this.panel.machine.pending(this.now())) this.led.show('blink-slow');
    else this.led.show('on');
  }

  /** Look at the LED again when a fault flash or a pending choice runs out. */
  private showLedLater(ms: number): void {
    setTimeout(() => this.showLed(), ms + 20).unref();
  }

  /** Two beeps (one is a ticket, three a failed print) and a short fast blink. */
  private signalRejectedCard(): void {
    if (this.stopped) return;
    this.faultUntil = Math.max(this.faultUntil, this.now() + REJECTED_CARD_FLASH_MS);
    this.showLed();
    this.showLedLater(REJECTED_CARD_FLASH_MS);
    this.beep(2);
  }

  private beep(times: number): void {
    const buzzer = this.buzzer;
    if (!buzzer) return;
    for (let i = 0; i < times; i++) {
      setTimeout(() => buzzer.show('on'), i * 250).unref();
      setTimeout(() => buzzer.show('off'), i * 250 + 120).unref();
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    await this.touch?.close();
    await this.idle().catch(() => undefined);
    await this.relay?.close();
    this.panel.close();
    this.led?.close();
    this.buzzer?.close();
    await this.scanner?.close();
    await this.printer.close();
    await this.connection.close(); // ends any request still waiting for the hub
    await Promise.all(this.background);
  }
}

/** The host of `url` when it is this machine only (localhost, 127.x, ::1); else null. */
export function loopbackHost(url: string): string | null {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\./.test(host) ? host : null;
}

/** Start the kiosk program: state, printer, connection, buttons, scanner. */
export async function startKiosk(config: KioskConfig, options: KioskOptions = {}): Promise<Kiosk> {
  const log = options.log ?? createLogger('kiosk');
  const now = options.now ?? Date.now;
  // Tickets and the lease run on the hub's time; buttons and lights on this device's own.
  const hubClock = new HubClock(now);
  const hubNow = () => hubClock.now();
  const { hardware } = config;
  loadTicketFonts(); // fail at start, not at the first citizen

  // A damaged state file is salvaged, never a reason not to start (a crash loop under systemd).
  const state = await LocalState.open(resolve(config.dataDir), {
    deviceId: config.deviceId,
    log: log.child('state'),
  });
  if (state.outbox.length)
    log.info('tickets printed offline wait for the hub', { count: state.outbox.length });

  let transport = options.transport;
  if (!transport) {
    if (config.simulate && hardware.printer.transport.type === 'device') {
      transport = new NullTransport();
      log.info('simulate mode: printed tickets are kept as PNG and ESC/POS', {
        dir: resolve(config.dataDir, 'printed'),
      });
    } else transport = createTransport(hardware.printer.transport);
  }
  const printer = new Printer(transport, {
    // A simulated printer (no status channel) is always fine.
    statusQuery: hardware.printer.statusQuery && !(transport instanceof NullTransport),
    baudRate: hardware.printer.transport.type === 'serial' ? hardware.printer.transport.baudRate : undefined,
    log: log.child('printer'),
  });

  let gpio = options.gpio;
  if (!gpio) {
    gpio = config.simulate
      ? new SimulatedGpio()
      : await OnoffBackend.load(
          { sysfsRoot: hardware.gpio.sysfsRoot, chipLabel: hardware.gpio.chipLabel },
          (error) => log.error('GPIO error', { error: error.message }),
        );
  }

  const connection = new DeviceConnection({
    url: config.hub.mqttUrl,
    deviceId: config.deviceId,
    role: 'kiosk',
    password: config.credentials.password,
    version: appVersion(),
    log: log.child('mqtt'),
    subscriptions: [topics.catalogue, topics.queueSummary, topics.hubStatus],
  });

  const issuer = new Issuer({
    connection,
    state,
    log: log.child('issuer'),
    requestTimeoutMs: hardware.requestTimeoutMs,
    leaseSize: hardware.leaseSize,
    scope: () => {
      const fieldIds = hardware.buttons.flatMap((b) => (b.fieldId ? [b.fieldId] : []));
      // A touch screen offers every procedure of the catalogue: the lease covers every field.
      if (hardware.touch) {
        const catalogue = kiosk?.catalogue ?? state.cache.data.catalogue;
        fieldIds.push(...(catalogue?.fields.map((f) => f.id) ?? []));
      }
      return {
        fieldIds: [...new Set(fieldIds)].slice(0, 100),
        procedureIds: [...new Set(hardware.buttons.flatMap((b) => (b.procedureId ? [b.procedureId] : [])))],
      };
    },
    now: hubNow,
  });

  let kiosk: Kiosk | null = null;
  const panel = new ButtonPanel(gpio, hardware, () => kiosk?.catalogue ?? state.cache.data.catalogue, now);
  const scanner = hardware.scanner
    ? new CccdScanner({
        path: hardware.scanner.path,
        baudRate: hardware.scanner.baudRate,
        timeZone: config.site.timeZone,
        log: log.child('scanner'),
        now,
      })
    : null;
  const led = hardware.led ? new Led(gpio, hardware.led.gpio) : null;
  const buzzer = hardware.buzzer ? new Led(gpio, hardware.buzzer.gpio) : null;
  kiosk = new Kiosk(
    config,
    log,
    gpio,
    connection,
    state,
    printer,
    issuer,
    panel,
    scanner,
    led,
    buzzer,
    now,
    hubClock,
  );
  kiosk.start(options.statusPollMs ?? 15_000);
  if (hardware.touch) {
    try {
      kiosk.relay = await HubRelay.open({
        hubUrl: config.hub.httpUrl,
        dataDir: resolve(config.dataDir),
        log: log.child('screen'),
      });
      kiosk.touch = await TouchServer.start({
        port: hardware.touch.port,
        ticketsPerMinute: hardware.touch.ticketsPerMinute,
        documents: hardware.touch.documents,
        kiosk,
        relay: kiosk.relay,
        log: log.child('screen'),
      });
    } catch (error) {
      await kiosk.stop();
      const e = error as NodeJS.ErrnoException;
      throw e.code === 'EADDRINUSE'
        ? new Error(
            `touch screen: port ${hardware.touch.port} of 127.0.0.1 is taken by another program (hardware.touch.port)`,
          )
        : error;
    }
  }
  log.info('kiosk ready', {
    buttons: hardware.buttons.length,
    touch: kiosk.touch ? `http://127.0.0.1:${kiosk.touch.port}/guide` : undefined,
    twoStep: hardware.twoStep,
    printer: transport.description,
    paper: `${hardware.printer.paperWidthMm}mm`,
    leaseSize: hardware.leaseSize,
    simulate: config.simulate,
  });
  const qrHost = loopbackHost(config.hub.httpUrl);
  if (qrHost) {
    // The QR link is the hub's address as this kiosk knows it: a phone cannot open 127.0.0.1.
    log.warn(
      `ticket QR codes point at ${qrHost}, which citizens' phones cannot open: set hub.httpUrl in the kiosk config to the hub's LAN address (e.g. http://192.168.1.10:8080)`,
    );
  }
  return kiosk;
}
