// The kiosk program against a real hub, its buttons pressed through the
// simulated GPIO, printing to a serial printer played on a socat pty pair,
// to a file, and to a device file: the GS v 0 raster decoded from the
// captured bytes is exactly the preview render of the same ticket. A printer
// reporting paper out (DLE EOT answers from the pty) blocks issuance, and the
// hub shows it in the device status.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCanvas, loadImage } from '@napi-rs/canvas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeRaster, encodeTicket, type RasterImage, ticketDots } from '../../edge/kiosk/escpos.js';
import type { Kiosk, NotPrinted, PrintedTicket } from '../../edge/kiosk/kiosk.js';
import { startKiosk } from '../../edge/kiosk/main.js';
import { DeviceTransport } from '../../edge/kiosk/printer.js';
import { renderTicket } from '../../edge/kiosk/ticket-render.js';
import { createLogger, memorySink } from '../../shared/log/logger.js';
import { startTestHub, type TestHub, tempDir } from '../helpers/hub.js';
import { kioskConfig } from '../helpers/kiosk.js';
import { expectSameDots, FakeSerialPrinter, ptyPair, waitFor } from '../helpers/pty.js';

const dir = tempDir('qms-kiosk-print-');
let hub: TestHub;
const cleanup: (() => Promise<unknown> | unknown)[] = [];

beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
  await hub.stop();
  dir.remove();
});

function nextEvent<E extends 'printed' | 'not-printed'>(kiosk: Kiosk, event: E) {
  return new Promise<E extends 'printed' ? PrintedTicket : NotPrinted>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within 5 s`)), 5000);
    kiosk.once(event, ((value: never) => {
      clearTimeout(timer);
      resolve(value);
    }) as never);
  });
}

async function pngDots(path: string): Promise<RasterImage> {
  const image = await loadImage(readFileSync(path));
  const canvas = createCanvas(image.width, image.height);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(image, 0, 0);
  const data = ctx.getImageData(0, 0, image.width, image.height).data;
  return ticketDots({ width: image.width, height: image.height, data });
}

async function start(name: string, hardware: Record<string, unknown>, options = {}) {
  const password = hub.addDevice(name, 'kiosk');
  const logs = memorySink();
  const kiosk = await startKiosk(
    kioskConfig({
      deviceId: name,
      mqttUrl: hub.mqttUrl,
      httpUrl: hub.httpUrl,
      password,
      dataDir: join(dir.path, name),
      hardware,
    }),
    { log: createLogger(name, { sink: logs, timestamps: false }), ...options },
  );
  cleanup.push(() => kiosk.stop());
  await waitFor(() => kiosk.connection.connected && kiosk.catalogue, 5000, 'kiosk connected');
  return { kiosk, logs };
}

describe('kiosk printing', () => {
  it('prints a pressed ticket as ESC/POS on a serial printer (pty) that decodes to the preview', async () => {
    const pty = await ptyPair(dir.path, 'printer');
    cleanup.push(() => pty.close());
    const printer = await FakeSerialPrinter.open(pty.b);
    cleanup.push(() => printer.close());
    const { kiosk } = await start('kiosk-serial', {
      printer: { transport: { type: 'serial', path: pty.a, baudRate: 115_200 }, paperWidthMm: 58 },
    });

    const printed = nextEvent(kiosk, 'printed');
    kiosk.press(0);
    const ticket = await printed;
    expect(ticket.kind).toBe('online');
    expect(ticket.view).toMatchObject({ fieldName: 'Căn cước', offline: false });
    await waitFor(() => printer.cuts() === 1, 5000, 'the cut');

    // What reached the printer is the preview of the same ticket, dot for dot.
    const images = printer.images();
    expect(images).toHaveLength(1);
    const preview = renderTicket(ticket.view, 58);
    expectSameDots(images[0], ticketDots(preview));
    expect(images[0]!.width).toBe(384);
    // And the PNG kept in simulate mode is the same picture.
    expect(ticket.files).not.toBeNull();
    expectSameDots(await pngDots(ticket.files!.png), images[0]);
    expect([...readFileSync(ticket.files!.escpos)]).toEqual([...ticket.bytes]);
    // The hub has that very ticket.
    const onHub = [...hub.hub.service.state.tickets.values()].find((t) => t.display === ticket.view.display);
    expect(onHub?.source?.deviceId).toBe('kiosk-serial');
    expect(ticket.view.lookupUrl).toBe(`${hub.httpUrl}/t/${onHub!.id}`);
  });

  it('blocks issuance while the printer reports paper out, and the hub shows it', async () => {
    const pty = await ptyPair(dir.path, 'paper');
    cleanup.push(() => pty.close());
    const printer = await FakeSerialPrinter.open(pty.b);
    cleanup.push(() => printer.close());
    const { kiosk } = await start('kiosk-paper', {
      printer: { transport: { type: 'serial', path: pty.a, baudRate: 115_200 } },
      buzzer: { gpio: 27 },
    });
    await waitFor(() => hub.hub.devices.get('kiosk-paper')?.status?.printer === 'ok', 5000, 'status ok');

    printer.state = 'paper_out';
    const ticketsBefore = hub.hub.service.state.tickets.size;
    const refused = nextEvent(kiosk, 'not-printed');
    kiosk.press(1);
    expect(await refused).toMatchObject({ code: 'printer', reason: 'printer paper_out' });
    expect(kiosk.ledPattern).toBe('blink-fast');
    const status = await waitFor(
      () => {
        const s = hub.hub.devices.get('kiosk-paper')?.status;
        return s?.printer === 'paper_out' ? s : null;
      },
      5000,
      'paper_out on the hub',
    );
    expect(status).toMatchObject({ state: 'online', fault: 'Máy in hết giấy' });
    // As the administration page shows it.
    const admin = hub.as(await hub.signIn('admin-1', await hub.addAccount('admin-1', 'admin')));
    const listed = (await (await admin('/api/admin/devices')).json()) as { id: string }[];
    expect(listed.find((d) => d.id === 'kiosk-paper')).toMatchObject({
      online: true,
      printer: 'paper_out',
      fault: 'Máy in hết giấy',
    });
    // No number was taken for the ticket that could not be printed.
    expect(hub.hub.service.state.tickets.size).toBe(ticketsBefore);
    expect(printer.cuts()).toBe(0);

    printer.state = 'paper_near_end';
    const printed = nextEvent(kiosk, 'printed');
    kiosk.press(1);
    expect((await printed).view.fieldName).toBe('Cư trú');
    await waitFor(() => printer.cuts() === 1, 5000, 'the cut');
    await waitFor(
      () => hub.hub.devices.get('kiosk-paper')?.status?.printer === 'paper_near_end',
      5000,
      'near end on the hub',
    );
    expect(hub.hub.devices.get('kiosk-paper')?.status?.fault).toBeNull();
    expect(kiosk.ledPattern).toBe('on');
  });

  it('prints to a file and to a device file (usblp-like) with the same bytes', async () => {
    const file = join(dir.path, 'printer.out');
    const { kiosk } = await start('kiosk-file', { printer: { transport: { type: 'file', path: file } } });
    const printed = nextEvent(kiosk, 'printed');
    kiosk.press(0);
    const ticket = await printed;
    const bytes = readFileSync(file);
    expect(bytes.equals(Buffer.from(ticket.bytes))).toBe(true);
    expectSameDots(decodeRaster(bytes)[0], ticketDots(renderTicket(ticket.view, 80)));

    // A pty is a character device like /dev/usb/lp0: written with plain writes, status read back.
    const pty = await ptyPair(dir.path, 'lp');
    cleanup.push(() => pty.close());
    const fake = await FakeSerialPrinter.open(pty.b);
    cleanup.push(() => fake.close());
    const { kiosk: usb } = await start('kiosk-usblp', {}, { transport: new DeviceTransport(pty.a) });
    const second = nextEvent(usb, 'printed');
    usb.press(0);
    const t2 = await second;
    await waitFor(() => fake.cuts() === 1, 5000, 'the cut');
    expect(Buffer.from(fake.received).includes(Buffer.from(encodeTicket(renderTicket(t2.view, 80))))).toBe(
      true,
    );
    fake.state = 'cover_open';
    const refused = nextEvent(usb, 'not-printed');
    usb.press(0);
    expect(await refused).toMatchObject({ code: 'printer', reason: 'printer cover_open' });
  });
});
