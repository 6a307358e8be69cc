import { describe, expect, it } from 'vitest';
import { ButtonPanel, type Choice, ChoiceMachine } from '../../../edge/kiosk/button-panel.js';
import { parseDeviceConfig } from '../../../shared/config/device-config.js';
import { SimulatedGpio } from '../../../shared/hardware/gpio.js';
import type { CatalogueMessage } from '../../../shared/protocol/messages.js';

const catalogue: CatalogueMessage = {
  v: 1,
  at: 0,
  fields: [
    {
      id: 'can-cuoc',
      name: 'Căn cước',
      procedures: [
        { id: 'can-cuoc-01', name: 'Cấp thẻ căn cước' },
        { id: 'can-cuoc-02', name: 'Cấp đổi thẻ căn cước' },
        { id: 'can-cuoc-03', name: 'Cấp lại thẻ căn cước' },
      ],
    },
    {
      id: 'ly-lich-tu-phap',
      name: 'Lý lịch tư pháp',
      procedures: [{ id: 'lltp-01', name: 'Cấp Phiếu LLTP' }],
    },
  ],
  priorityCategories: [{ id: 'nguoi-cao-tuoi', name: 'Người cao tuổi' }],
};

const buttons = [{ fieldId: 'can-cuoc' }, { fieldId: 'ly-lich-tu-phap' }, { procedureId: 'xnc-01' }];

describe('ChoiceMachine, direct', () => {
  const machine = () =>
    new ChoiceMachine(buttons, { twoStep: false, timeoutMs: 10_000, priorityCategory: 'nguoi-cao-tuoi' });

  it('gives a field button its first procedure and a procedure button its own', () => {
    const m = machine();
    expect(m.press(0, catalogue, 0)).toEqual({
      kind: 'issue',
      procedureId: 'can-cuoc-01',
      priority: null,
      button: 0,
    });
    expect(m.press(2, catalogue, 0)).toMatchObject({ kind: 'issue', procedureId: 'xnc-01' });
    // A procedure button works even before the catalogue arrives; a field button does not.
    expect(m.press(2, null, 0)).toMatchObject({ kind: 'issue', procedureId: 'xnc-01' });
    expect(m.press(0, null, 0)).toMatchObject({ kind: 'ignored', reason: 'no catalogue from the hub yet' });
  });

  it('ignores a field the hub does not offer now', () => {
    const m = machine();
    const paused = { ...catalogue, fields: catalogue.fields.slice(0, 1) };
    expect(m.press(1, paused, 0)).toMatchObject({
      kind: 'ignored',
      reason: expect.stringContaining('not offered'),
    });
    expect(m.press(7, catalogue, 0)).toMatchObject({ kind: 'ignored', reason: 'no such button' });
  });

  it('marks the next ticket only as priority, within the time-out', () => {
    const m = machine();
    expect(m.pressPriority(0)).toEqual({
      kind: 'priority-armed',
      category: 'nguoi-cao-tuoi',
      source: 'button',
    });
    expect(m.press(0, catalogue, 5000)).toMatchObject({ priority: 'nguoi-cao-tuoi' });
    expect(m.press(0, catalogue, 6000)).toMatchObject({ priority: null });
    m.armPriority('nguoi-cao-tuoi', 10_000, 'scanner');
    expect(m.press(0, catalogue, 20_000)).toMatchObject({ priority: null });
  });

  it('ignores the priority button when none is configured', () => {
    const m = new ChoiceMachine(buttons, { twoStep: false, timeoutMs: 1000 });
    expect(m.pressPriority(0)).toMatchObject({ kind: 'ignored', button: 'priority' });
  });
});

describe('ChoiceMachine, two-step', () => {
  const machine = () =>
    new ChoiceMachine(buttons, { twoStep: true, timeoutMs: 10_000, priorityCategory: 'nguoi-cao-tuoi' });

  it('chooses the field, then button N picks its N-th procedure', () => {
    const m = machine();
    expect(m.press(0, catalogue, 0)).toEqual({
      kind: 'field-chosen',
      fieldId: 'can-cuoc',
      fieldName: 'Căn cước',
      procedures: 3,
    });
    expect(m.pending(1)).toBe(true);
    expect(m.press(2, catalogue, 1000)).toMatchObject({ kind: 'issue', procedureId: 'can-cuoc-03' });
    expect(m.pending(1001)).toBe(false);
  });

  it('keeps waiting on a button past the field’s procedures, and forgets after the time-out', () => {
    const m = machine();
    m.press(0, catalogue, 0);
    expect(m.press(5, catalogue, 100)).toMatchObject({ kind: 'ignored' });
    expect(m.pending(200)).toBe(true);
    // Too late: the press starts over as a first step.
    expect(m.press(1, catalogue, 10_000)).toMatchObject({ kind: 'issue', procedureId: 'lltp-01' });
  });

  it('needs no second step for a field with one procedure, and keeps the priority across both', () => {
    const m = machine();
    expect(m.press(1, catalogue, 0)).toMatchObject({ kind: 'issue', procedureId: 'lltp-01' });
    m.pressPriority(0);
    m.press(0, catalogue, 100);
    expect(m.press(1, catalogue, 200)).toMatchObject({
      procedureId: 'can-cuoc-02',
      priority: 'nguoi-cao-tuoi',
    });
  });
});

describe('ButtonPanel on simulated GPIO', () => {
  const config = parseDeviceConfig(
    JSON.stringify({
      role: 'kiosk',
      deviceId: 'kiosk-1',
      site: { name: 'T' },
      hub: { mqttUrl: 'mqtt://127.0.0.1:1', httpUrl: 'http://127.0.0.1:1' },
      credentials: { password: 'x' },
      hardware: {
        buttons: [
          { gpio: 5, fieldId: 'can-cuoc' },
          { gpio: 6, fieldId: 'ly-lich-tu-phap' },
        ],
        priorityButton: { gpio: 26, category: 'nguoi-cao-tuoi' },
        debounceMs: 30,
        pressWindowMs: 1500,
      },
    }),
    'test',
  );
  if (config.role !== 'kiosk') throw new Error('kiosk config expected');

  it('turns debounced presses into choices, one per press window', () => {
    const gpio = new SimulatedGpio();
    let now = 0;
    const panel = new ButtonPanel(
      gpio,
      config.hardware,
      () => catalogue,
      () => now,
    );
    const choices: Choice[] = [];
    panel.on('choice', (c) => choices.push(c));
    gpio.press(26);
    now = 100;
    gpio.press(5);
    now = 110;
    gpio.press(5); // bounce
    now = 1000;
    gpio.press(5); // impatience, within the press window
    now = 2000;
    gpio.press(5);
    now = 2100;
    gpio.press(6);
    expect(
      choices.map((c) => (c.kind === 'issue' ? `${c.procedureId}${c.priority ? '+p' : ''}` : c.kind)),
    ).toEqual(['priority-armed', 'can-cuoc-01+p', 'can-cuoc-01', 'lltp-01']);
    panel.armPriority('nguoi-cao-tuoi');
    expect(choices.at(-1)).toMatchObject({ kind: 'priority-armed', source: 'scanner' });
    panel.close();
  });
});
