// The kiosk's buttons: GPIO buttons (shared/hardware/gpio.ts, debounced, one
// press per press window) turned into choices. The mapping comes from the
// device config (a button leads to a field or to one procedure) and the
// hub's retained catalogue (a field's procedures and their order):
// - direct: a field button issues a ticket for the field's first procedure;
// - two-step (few buttons, many procedures): a field button chooses the
//   field, then button N picks the field's N-th procedure, within
//   choiceTimeoutMs; a field with one procedure needs no second step;
// - the priority button (or a scanned ID card of a person 60+) marks the
//   next ticket as priority, within choiceTimeoutMs.
// ChoiceMachine is the pure part (state in memory, the clock passed in).

import { EventEmitter } from 'node:events';
import type { KioskConfig } from '../../shared/config/device-config.js';
import { Button, type GpioBackend } from '../../shared/hardware/gpio.js';
import type { CatalogueMessage } from '../../shared/protocol/messages.js';

export type ButtonTarget =
  | { fieldId: string; procedureId?: undefined }
  | { procedureId: string; fieldId?: undefined };

export type Choice =
  | { kind: 'issue'; procedureId: string; priority: string | null; button: number }
  | { kind: 'field-chosen'; fieldId: string; fieldName: string; procedures: number }
  | { kind: 'priority-armed'; category: string; source: 'button' | 'scanner' }
  | { kind: 'ignored'; button: number | 'priority'; reason: string };

export interface ChoiceOptions {
  twoStep: boolean;
  timeoutMs: number;
  /** The priority button's category, if there is one. */
  priorityCategory?: string | undefined;
}

export class ChoiceMachine {
  private field: { fieldId: string; until: number } | null = null;
  private priority: { category: string; until: number } | null = null;

  constructor(
    private readonly buttons: readonly ButtonTarget[],
    private readonly options: ChoiceOptions,
  ) {}

  private expire(now: number): void {
    if (this.field && now >= this.field.until) this.field = null;
    if (this.priority && now >= this.priority.until) this.priority = null;
  }

  /** Waiting for the second step or a priority press to be used. */
  pending(now: number): boolean {
    this.expire(now);
    return this.field !== null || this.priority !== null;
  }

  armedPriority(now: number): string | null {
    this.expire(now);
    return this.priority?.category ?? null;
  }

  armPriority(category: string, now: number, source: 'button' | 'scanner'): Choice {
    this.priority = { category, until: now + this.options.timeoutMs };
    return { kind: 'priority-armed', category, source };
  }

  pressPriority(now: number): Choice {
    const category = this.options.priorityCategory;
    if (!category) return { kind: 'ignored', button: 'priority', reason: 'no priority button configured' };
    return this.armPriority(category, now, 'button');
  }

  private issue(procedureId: string, button: number, now: number): Choice {
    const priority = this.armedPriority(now);
    this.priority = null;
    this.field = null;
    return { kind: 'issue', procedureId, priority, button };
  }

  press(button: number, catalogue: CatalogueMessage | null, now: number): Choice {
    this.expire(now);
    const ignored = (reason: string): Choice => ({ kind: 'ignored', button, reason });
    if (this.field) {
      // Second step: button N is the N-th procedure of the chosen field.
      const field = catalogue?.fields.find((f) => f.id === this.field!.fieldId);
      const procedure = field?.procedures[button];
      if (!procedure) return ignored(`the chosen field has no procedure number ${button + 1}`);
      return this.issue(procedure.id, button, now);
    }
    const target = this.buttons[button];
    if (!target) return ignored('no such button');
    if (target.procedureId !== undefined) return this.issue(target.procedureId, button, now);
    if (!catalogue) return ignored('no catalogue from the hub yet');
    const field = catalogue.fields.find((f) => f.id === target.fieldId);
    if (!field || field.procedures.length === 0) {
      return ignored(`field ${target.fieldId} is not offered now (paused or not in the catalogue)`);
    }
    if (this.options.twoStep && field.procedures.length > 1) {
      this.field = { fieldId: field.id, until: now + this.options.timeoutMs };
      return {
        kind: 'field-chosen',
        fieldId: field.id,
        fieldName: field.name,
        procedures: field.procedures.length,
      };
    }
    return this.issue(field.procedures[0]!.id, button, now);
  }
}

export interface ButtonPanelEvents {
  choice: [choice: Choice, pressedAt: number];
}

/** The physical panel: one GPIO Button per configured button, plus the priority button. */
export class ButtonPanel extends EventEmitter<ButtonPanelEvents> {
  readonly machine: ChoiceMachine;
  private readonly buttons: Button[];
  private readonly priorityButton: Button | null;

  constructor(
    backend: GpioBackend,
    hardware: KioskConfig['hardware'],
    private readonly catalogue: () => CatalogueMessage | null,
    private readonly now: () => number = Date.now,
  ) {
    super();
    this.machine = new ChoiceMachine(
      hardware.buttons.map((b) =>
        b.procedureId !== undefined ? { procedureId: b.procedureId } : { fieldId: b.fieldId! },
      ),
      {
        twoStep: hardware.twoStep,
        timeoutMs: hardware.choiceTimeoutMs,
        priorityCategory: hardware.priorityButton?.category,
      },
    );
    const timing = { debounceMs: hardware.debounceMs, pressWindowMs: hardware.pressWindowMs };
    this.buttons = hardware.buttons.map((b, index) => {
      const button = new Button(backend, b.gpio, timing, now);
      button.on('press', () => {
        const at = performance.now();
        this.emit('choice', this.machine.press(index, this.catalogue(), this.now()), at);
      });
      return button;
    });
    this.priorityButton = hardware.priorityButton
      ? new Button(backend, hardware.priorityButton.gpio, timing, now)
      : null;
    this.priorityButton?.on('press', () => {
      const at = performance.now();
      this.emit('choice', this.machine.pressPriority(this.now()), at);
    });
  }

  /** A scanned card of an elderly person arms the priority like the button. */
  armPriority(category: string): void {
    this.emit('choice', this.machine.armPriority(category, this.now(), 'scanner'), performance.now());
  }

  close(): void {
    for (const b of this.buttons) b.close();
    this.priorityButton?.close();
  }
}
