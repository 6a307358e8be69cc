// `scripts/flash`: check everything, print the plan, ask, get the credential,
// write and verify the image, then inject the device's files into the boot
// partition. Any refusal happens before the first byte is written.

import { execFileSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { isEntryPoint, usageLine } from '../../shared/cli/command-line.js';
import { deviceFiles } from './config.js';
import { FlashError, UsageError } from './errors.js';
import { FatVolume } from './fat.js';
import { registerDevice } from './hub-api.js';
import { type ImageSource, openImage, readImageHead } from './image.js';
import { applyInjection, bootFiles, type Injection, planInjection, screenOf } from './inject.js';
import { parseMbr, piLayout } from './mbr.js';
import { type FlashOptions, parseFlashArgs, USAGE } from './options.js';
import { formatBytes } from './progress.js';
import { describeTarget, inspectTarget, systemRoots, type TargetInfo } from './target.js';
import { toolEnv } from './tools.js';
import { flushTarget, verifyImage, writeImage } from './write.js';

export interface FlashIo {
  env: Record<string, string | undefined>;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
  /** The repository root (default bundle location). */
  root: string;
}

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

function haveCommand(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore', env: toolEnv() });
    return true;
  } catch {
    return false;
  }
}

function checkTools(image: string): void {
  const needed: Array<[string, string]> = [
    ['mcopy', 'mtools'],
    ['mdir', 'mtools'],
    ['mtype', 'mtools'],
    ['mmd', 'mtools'],
  ];
  if (/\.xz$/i.test(image)) needed.push(['xz', 'xz-utils']);
  const missing = needed.filter(([cmd]) => !haveCommand(cmd));
  if (missing.length) {
    const packages = [...new Set(missing.map(([, p]) => p))].join(' ');
    throw new FlashError(`missing ${missing.map(([c]) => c).join(', ')}: sudo apt-get install ${packages}`);
  }
}

function ask(io: FlashIo, question: string): Promise<string> {
  const rl = createInterface({ input: io.stdin, output: io.stderr, terminal: true });
  return new Promise((resolveAnswer) => {
    rl.question(question, (answer) => {
      rl.close();
      resolveAnswer(answer.trim());
    });
  });
}

/** Read a password from the terminal without echo. */
function askHidden(io: FlashIo, question: string): Promise<string> {
  return new Promise((resolvePassword, reject) => {
    const input = io.stdin;
    io.stderr.write(question);
    input.setRawMode(true);
    input.resume();
    input.setEncoding('utf8');
    let value = '';
    const done = (error?: Error) => {
      input.setRawMode(false);
      input.pause();
      input.off('data', onData);
      io.stderr.write('\n');
      if (error) reject(error);
      else resolvePassword(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new FlashError('cancelled'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    input.on('data', onData);
  });
}

function printPlan(
  io: FlashIo,
  options: FlashOptions,
  image: ImageSource,
  target: TargetInfo,
  configText: string,
  files: { path: string; what: string }[],
  convention: string,
) {
  const out = (line = '') => io.stdout.write(`${line}\n`);
  const who = options.deviceId ? `${options.deviceId} (${options.role})` : 'hub';
  out(`Plan for ${who}:`);
  out(
    `  image      ${image.path} (${image.format === 'xz' ? 'xz, ' : ''}${image.size ? formatBytes(image.size) : 'size unknown'})`,
  );
  out(`  target     ${describeTarget(target)}`);
  out(
    `  hostname   ${options.hostname}; time zone ${options.timeZone}; login user ${options.loginUser} (${options.sshKeys.length} SSH key${options.sshKeys.length === 1 ? '' : 's'})`,
  );
  if (!options.sshKeys.length) {
    out('  warning    no --ssh-key: nobody will be able to log in to read logs or update the device');
  }
  out(
    `  network    ${options.wifi ? `Wi-Fi "${options.wifi.ssid}" (${options.wifi.country}) and Ethernet` : 'Ethernet (no Wi-Fi given)'}`,
  );
  if (options.hub)
    out(
      `  hub        ${options.hub.host} (MQTT ${options.hub.mqttPort}, HTTP ${options.hub.httpPort}; also the time server)`,
    );
  out(
    options.rtc
      ? `  clock      real-time clock ${options.rtc} on I²C (dtoverlay=i2c-rtc,${options.rtc}; fake-hwclock removed)`
      : `  clock      no real-time clock (${options.role === 'hub' ? 'NTP, or an officer confirms the time after a power cut; --rtc ds3231 recommended' : 'the hub is the time server'})`,
  );
  const screen = screenOf(options);
  if (screen) {
    out(
      `  screen     touch screen: ${screen.user} logs in to the desktop and opens ${screen.url} in Chromium's kiosk mode; no screen blanking`,
    );
  }
  const cred = options.credential;
  if (cred?.kind === 'file') out(`  credential ${cred.path}`);
  else if (cred) {
    out(
      `  credential registered on http://${options.hub!.host}:${options.hub!.httpPort} as ${options.deviceId}${options.replace ? ' (replacing the old credential)' : ''}`,
    );
  }
  out(`  first boot ${convention}`);
  out(
    `  application ${options.bundle.kind === 'file' ? options.bundle.path : `downloaded from ${options.bundle.url}`}`,
  );
  out('  boot partition files:');
  for (const file of files) out(`    ${file.path.padEnd(28)} ${file.what}`);
  out(`  /etc/qms/${options.role}.json:`);
  for (const line of configText.trimEnd().split('\n')) out(`    ${line}`);
}

export async function flash(argv: string[], io: FlashIo): Promise<number> {
  const options = parseFlashArgs(argv, { env: io.env, root: io.root });
  if (!options) {
    io.stdout.write(USAGE);
    return 0;
  }
  checkTools(options.image);
  const image = await openImage(options.image);
  const target = await inspectTarget(options.target, {
    imagePath: image.path,
    allowNonRemovable: options.allowNonRemovable,
    roots: systemRoots(io.env),
  });
  if (target.kind === 'block' && image.size !== undefined && image.size > target.size) {
    throw new FlashError(
      `--target: ${target.path} holds ${formatBytes(target.size)}, the image needs ${formatBytes(image.size)}`,
    );
  }

  // A touch screen needs the desktop image; a Lite one is refused before anything is written
  // (a .img is looked into below; a compressed one can only be judged by its name until written).
  if (screenOf(options) && /lite/i.test(basename(image.path))) {
    throw new FlashError(
      `--touch needs Raspberry Pi OS with desktop (Bookworm), not Lite: ${basename(image.path)} looks like the Lite image`,
    );
  }

  // The partition table, before writing anything: a non-Pi image is refused here.
  const head = await readImageHead(image, 512);
  const layout = piLayout(parseMbr(head, image.path), image.path);

  let secret: string | undefined;
  if (options.credential?.kind === 'file') {
    secret = readFileSync(options.credential.path, 'utf8').replace(/[\r\n]+$/, '');
  }
  const writtenAt = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  // Checked now with a stand-in secret when the hub will issue the real one.
  let files = deviceFiles(options, secret ?? 'to-be-issued-by-the-hub');

  // For a plain .img the convention can be read from the source already.
  let convention =
    'detected from the image after writing (cloud-init if it has user-data/meta-data, else firstrun.sh)';
  let planned: { path: string; what: string }[];
  const input = { options, files, secret: secret ?? '', writtenAt };
  if (image.format === 'img') {
    const injection = await planInjection(
      new FatVolume(image.path, layout.boot.offset),
      layout.root,
      image.path,
      input,
    );
    convention =
      injection.convention === 'firstrun'
        ? `firstrun.sh via systemd.run (boot partition at ${injection.bootMount})`
        : 'cloud-init';
    planned = injection.files;
  } else {
    planned = bootFiles('firstrun', '/boot/firmware', '', input).filter((f) => f.path.startsWith('qms/'));
  }
  printPlan(io, options, image, target, files.configText, planned, convention);

  if (options.dryRun) {
    io.stdout.write('Dry run: nothing written.\n');
    return 0;
  }

  // The administrator's password is asked before the confirmation, the device registered after it.
  const cred = options.credential;
  let auth: { token: string } | { username: string; password: string } | undefined;
  if (cred?.kind === 'admin-token') auth = { token: cred.token };
  else if (cred?.kind === 'admin-user') {
    let password = cred.password;
    if (!password) {
      if (!io.stdin.isTTY) {
        throw new UsageError('--admin-user: set QMS_ADMIN_PASSWORD or run in a terminal to be asked');
      }
      password = await askHidden(io, `Password of ${cred.username} on the hub: `);
    }
    auth = { username: cred.username, password };
  }

  if (target.kind === 'block' && !options.yes) {
    if (!io.stdin.isTTY)
      throw new FlashError(
        `refusing to erase ${target.path} without confirmation: run in a terminal or add --yes`,
      );
    const answer = await ask(
      io,
      `\nEverything on ${describeTarget(target)} will be erased. Type "yes" to continue: `,
    );
    if (answer.toLowerCase() !== 'yes') {
      io.stdout.write('Cancelled: nothing written.\n');
      return 1;
    }
  }

  let registered = false;
  if (auth) {
    secret = await registerDevice({
      httpUrl: `http://${options.hub!.host}:${options.hub!.httpPort}`,
      deviceId: options.deviceId!,
      role: options.role as Exclude<typeof options.role, 'hub'>,
      counterId: options.counterId,
      replace: options.replace,
      auth,
    });
    registered = true;
    io.stdout.write(`Registered ${options.deviceId} on the hub; its credential goes on the card only.\n`);
    files = deviceFiles(options, secret);
  }

  const started = performance.now();
  const writeTarget = { path: target.path, kind: target.kind };
  let written: Awaited<ReturnType<typeof writeImage>>;
  let verified: { ms: number };
  let injection: Injection;
  let injectMs: number;
  try {
    written = await writeImage(image, writeTarget);
    verified = await verifyImage(writeTarget, written.bytes, written.sha256);
    const injectStarted = performance.now();
    const layoutOnTarget = piLayout(parseMbr(readSector(target.path), target.path), target.path);
    const fat = new FatVolume(target.path, layoutOnTarget.boot.offset);
    injection = await planInjection(fat, layoutOnTarget.root, target.path, {
      options,
      files,
      secret,
      writtenAt,
    });
    await applyInjection(fat, injection);
    await flushTarget(writeTarget);
    injectMs = performance.now() - injectStarted;
  } catch (error) {
    if (registered && error instanceof FlashError) {
      throw new FlashError(
        `${error.message}\n(${options.deviceId} is registered on the hub now: run again with --replace to issue a new credential)`,
      );
    }
    throw error;
  }
  const totalMs = performance.now() - started;

  const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  io.stdout.write(
    [
      `Wrote ${formatBytes(written.bytes)} to ${target.path} in ${seconds(written.ms)}, verified in ${seconds(verified.ms)} (sha256 ${written.sha256.slice(0, 16)}…).`,
      `First boot: ${injection.convention}${injection.convention === 'firstrun' ? ` (${injection.bootMount}/firstrun.sh)` : ''}; ${injection.files.length} files written to the boot partition and read back in ${seconds(injectMs)}.`,
      `Done in ${seconds(totalMs)}. ${target.kind === 'block' ? `You can remove the card (${basename(target.path)}) and put it in the Pi.` : ''}`.trimEnd(),
      '',
    ].join('\n'),
  );
  return 0;
}

/** The first sector of what was just written (its partition table). */
function readSector(path: string): Buffer {
  const handle = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(512);
    readSync(handle, buffer, 0, 512, 0);
    return buffer;
  } finally {
    closeSync(handle);
  }
}

export async function main(argv = process.argv.slice(2)): Promise<number> {
  const io: FlashIo = {
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    root: REPO_ROOT,
  };
  try {
    return await flash(argv, io);
  } catch (error) {
    if (error instanceof FlashError) {
      io.stderr.write(
        error instanceof UsageError ? `${usageLine('flash', error.message)}\n` : `flash: ${error.message}\n`,
      );
      return error.exitCode;
    }
    io.stderr.write(
      `flash: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return 1;
  }
}

if (isEntryPoint(import.meta.url)) {
  main().then((code) => {
    process.exitCode = code;
  });
}
