// The generated first-boot text (install.sh, firstrun.sh, cloud-init files,
// cmdline.txt), the convention detection, the partition table reader and the
// progress bar, without images.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  cloudInitFiles,
  cmdlineWithFirstrun,
  configTxtWithRtc,
  detectConvention,
  firstrunScript,
  HWCLOCK_SET_SED,
  installScript,
  ROLE_GROUPS,
  SCREEN_USER,
  type SystemSetup,
  screenLauncher,
  shQuote,
  wpaPsk,
} from '../../scripts/flash-lib/first-boot.js';
import { parseMbr, piLayout } from '../../scripts/flash-lib/mbr.js';
import { FLASH_ROLES } from '../../scripts/flash-lib/options.js';
import { Progress } from '../../scripts/flash-lib/progress.js';

const dir = mkdtempSync(join(tmpdir(), 'qms-first-boot-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function bashN(text: string): void {
  const file = join(dir, `s${Math.random().toString(36).slice(2)}.sh`);
  writeFileSync(file, text);
  execFileSync('bash', ['-n', file]);
}

/** Run a bash snippet and return its stdout. */
const bash = (script: string) => execFileSync('bash', ['-c', script], { encoding: 'utf8' });

const setup = (over: Partial<SystemSetup> = {}): SystemSetup => ({
  hostname: 'kiosk-01',
  timeZone: 'Asia/Ho_Chi_Minh',
  loginUser: 'technician',
  sshKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKey one', 'ssh-rsa AAAAB3NzaC1yc2E two'],
  wifi: { ssid: `Văn phòng "A" O'B $(reboot)`, password: 'pa$$ word `x`', country: 'VN' },
  label: 'kiosk-01 (kiosk)',
  writtenAt: '2026-11-27T21:00:00Z',
  ...over,
});

describe('install.sh', () => {
  it.each(FLASH_ROLES)('is valid bash for the %s and carries its settings', (role) => {
    const script = installScript({
      role,
      deviceId: role === 'hub' ? undefined : `${role}-01`,
      configName: `${role}.json`,
      secretName: role === 'hub' ? undefined : `${role}-01.secret`,
      timeServer: role === 'hub' ? undefined : '192.168.1.10',
      bundleName: 'qms-bundle.tar.gz',
      bundleUrl: undefined,
      writtenAt: '2026-11-27T21:00:00Z',
    });
    bashN(script);
    expect(script.startsWith('#!/bin/bash\n')).toBe(true);
    expect(script).toContain(`UNIT='qms-${role}.service'`);
    expect(script).toContain(`EXTRA_GROUPS='${ROLE_GROUPS[role].join(' ')}'`);
    // The three modes and the pieces each needs.
    for (const piece of [
      'useradd --system --user-group',
      'install -m 0600 -o qms -g qms "$HERE/$SECRET_NAME" "$CONFIG_DIR/$SECRET_NAME"',
      'rm -f "$HERE/$SECRET_NAME"',
      'sha256sum --quiet --strict -c SHA256SUMS',
      'NODE="$APP_DIR/node/bin/node"',
      'systemctl enable "$UNIT"',
      'ExecStart=/bin/bash $SELF run',
      'NTP=%s',
      'install -m 0755 "$SELF" /usr/local/sbin/qms-update',
    ]) {
      expect(script).toContain(piece);
    }
    // Usage without a mode, exit 2, and nothing else done.
    const file = join(dir, `install-${role}.sh`);
    writeFileSync(file, script);
    let status = 0;
    try {
      execFileSync('bash', [file], { stdio: 'pipe' });
    } catch (error) {
      status = (error as { status: number }).status;
    }
    expect(status).toBe(2);
    // The bundle brings Node.js and node_modules: nothing is fetched but a bundle given as a URL.
    expect(script).not.toMatch(/npm"? (ci|install)|nodejs\.org|install -y -qq nodejs/);
  });

  it('quotes any value safely', () => {
    const script = installScript({
      role: 'kiosk',
      deviceId: 'kiosk-01',
      configName: 'kiosk.json',
      secretName: 'kiosk-01.secret',
      timeServer: 'hub.local',
      bundleName: undefined,
      bundleUrl: "http://hub.local:8000/qms-bundle.tar.gz?a=1&b='2'",
      writtenAt: 'now',
    });
    const assignment = script.split('\n').find((l) => l.startsWith('BUNDLE_URL='))!;
    expect(bash(`${assignment}; printf %s "$BUNDLE_URL"`)).toBe(
      "http://hub.local:8000/qms-bundle.tar.gz?a=1&b='2'",
    );
  });
});

describe('a touch screen (--touch)', () => {
  const input = {
    role: 'kiosk' as const,
    deviceId: 'guide-01',
    configName: 'kiosk.json',
    secretName: 'guide-01.secret',
    timeServer: '192.168.1.10',
    bundleName: 'qms-bundle.tar.gz',
    bundleUrl: undefined,
    writtenAt: 'now',
  };

  it('install.sh sets the screen up after the application, and can do it alone', () => {
    const script = installScript({
      ...input,
      screen: { url: 'http://127.0.0.1:8181/guide', user: SCREEN_USER },
    });
    bashN(script);
    expect(script).toContain("SCREEN_URL='http://127.0.0.1:8181/guide'");
    expect(script).toContain("SCREEN_USER='qms-screen'");
    expect(script).toContain('  screen) setup_screen ;;');
    expect(script.indexOf('setup_screen; fi')).toBeGreaterThan(
      script.indexOf('install -m 0755 "$SELF" /usr/local/sbin/qms-update'),
    );
    expect(script).toContain('raspi-config nonint do_blanking 1');
    // Without a touch screen nothing of it runs.
    const plain = installScript(input);
    expect(plain).toContain("SCREEN_URL=''");
    bashN(plain);
  });

  it('the launcher is valid bash and quotes the address', () => {
    const launcher = screenLauncher("http://127.0.0.1:8181/guide?x='1'");
    bashN(launcher);
    expect(bash(`${launcher.split('\n').find((l) => l.startsWith('URL='))}; printf %s "$URL"`)).toBe(
      "http://127.0.0.1:8181/guide?x='1'",
    );
  });
});

describe('a real-time clock (--rtc)', () => {
  const CONFIG =
    '# For more options see http://rptl.io/configtxt\ndtparam=audio=on\n[cm4]\notg_mode=1\n[all]\n';

  it('config.txt gets I²C and the overlay in an [all] section at the end, once', () => {
    const once = configTxtWithRtc(CONFIG, 'ds3231');
    expect(once.startsWith(CONFIG)).toBe(true);
    expect(once.slice(CONFIG.length)).toBe(
      '\n# QMS: battery-backed real-time clock (scripts/flash --rtc)\n[all]\ndtparam=i2c_arm=on\ndtoverlay=i2c-rtc,ds3231\n',
    );
    // Flashed again, or with another model: still one overlay.
    expect(configTxtWithRtc(once, 'ds3231')).toBe(once);
    const other = configTxtWithRtc(once, 'pcf8523');
    expect(other.match(/dtoverlay=i2c-rtc/g)).toEqual(['dtoverlay=i2c-rtc']);
    expect(other).toContain('dtoverlay=i2c-rtc,pcf8523');
    // An overlay someone added by hand goes too.
    expect(configTxtWithRtc(`${CONFIG}dtoverlay=i2c-rtc,ds1307\n`, 'ds3231').match(/i2c-rtc/g)).toHaveLength(
      1,
    );
  });

  it('install.sh removes fake-hwclock and lets udev set the clock from the RTC, as the Raspberry Pi documentation says', () => {
    const script = installScript({
      role: 'hub',
      deviceId: undefined,
      configName: 'hub.json',
      secretName: undefined,
      timeServer: undefined,
      bundleName: 'qms-bundle.tar.gz',
      bundleUrl: undefined,
      rtc: 'ds3231',
      writtenAt: '2026-11-27T21:00:00Z',
    });
    bashN(script);
    expect(script).toContain("RTC='ds3231'");
    expect(script).toContain('if [ -n "$RTC" ]; then use_rtc; fi');
    expect(script).toContain('apt-get -y -qq remove fake-hwclock');
    // Debian's /lib/udev/hwclock-set exits early under systemd; the program comments that out.
    const hwclockSet = join(dir, 'hwclock-set');
    writeFileSync(
      hwclockSet,
      '#!/bin/sh\n# Reset the System Clock to UTC if the hardware clock from which it\n# was copied by the kernel was in localtime.\n\ndev=$1\n\nif [ -e /run/systemd/system ] ; then\n    exit 0\nfi\n\n/sbin/hwclock --rtc=$dev --systz\n/sbin/hwclock --rtc=$dev --hctosys\n',
    );
    execFileSync('sed', ['-i', '-E', HWCLOCK_SET_SED, hwclockSet]);
    const patched = execFileSync('cat', [hwclockSet], { encoding: 'utf8' });
    expect(patched).toContain('#if [ -e /run/systemd/system ] ; then\n#    exit 0\n#fi\n');
    expect(patched).toContain('\n/sbin/hwclock --rtc=$dev --hctosys\n');
    // Twice is harmless.
    execFileSync('sed', ['-i', '-E', HWCLOCK_SET_SED, hwclockSet]);
    expect(execFileSync('cat', [hwclockSet], { encoding: 'utf8' })).toBe(patched);
    // Without --rtc nothing of it runs.
    const plain = installScript({
      role: 'hub',
      deviceId: undefined,
      configName: 'hub.json',
      secretName: undefined,
      timeServer: undefined,
      bundleName: undefined,
      bundleUrl: undefined,
      writtenAt: 'now',
    });
    expect(plain).toContain("RTC=''");
  });
});

describe('firstrun.sh (Imager style)', () => {
  it('is valid bash; hostname, keys, user, Wi-Fi, time zone, then the installer, then it removes itself', () => {
    const s = setup();
    const script = firstrunScript(s);
    bashN(script);
    const order = [
      'set_hostname',
      'enable_ssh -k',
      '/usr/lib/userconf-pi/userconf',
      'set_wlan',
      'set_timezone',
      'install.sh" stage',
      'rm -f "$BOOT/firstrun.sh"',
      'sed -i \'s| systemd.run.*||g\' "$BOOT/cmdline.txt"',
    ].map((piece) => script.indexOf(piece));
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    // Hostile Wi-Fi names and passphrases stay data: the line evaluates to the exact words.
    const wlan = script.split('\n').find((l) => l.includes('imager_custom set_wlan'))!;
    const words = bash(`printf '%s\\n' ${wlan.replace(/^.*set_wlan /, '')}`).split('\n');
    expect(words.slice(0, 3)).toEqual([s.wifi!.ssid, wpaPsk(s.wifi!.ssid, s.wifi!.password), 'VN']);
    expect(script).not.toContain(s.wifi!.password);
    // Without Imager's helper: wpa_supplicant gets the SSID in hex.
    expect(script).toContain(`\tssid=${Buffer.from(s.wifi!.ssid).toString('hex')}`);
  });

  it('without Wi-Fi and keys: no Wi-Fi and no SSH lines', () => {
    const script = firstrunScript(setup({ wifi: undefined, sshKeys: [] }));
    bashN(script);
    expect(script).not.toMatch(/set_wlan|wpa_supplicant|enable_ssh/);
  });

  it('cmdline.txt: one line, entries appended once, regulatory domain before them', () => {
    const base =
      'console=serial0,115200 console=tty1 root=PARTUUID=5e3da7a1-02 rootfstype=ext4 fsck.repair=yes rootwait quiet\n';
    const once = cmdlineWithFirstrun(base, '/boot/firmware/firstrun.sh', 'VN');
    expect(once).toBe(
      `${base.trim()} cfg80211.ieee80211_regdom=VN systemd.run=/boot/firmware/firstrun.sh systemd.run_success_action=reboot systemd.unit=kernel-command-line.target\n`,
    );
    expect(cmdlineWithFirstrun(once, '/boot/firmware/firstrun.sh', 'VN')).toBe(once);
    // What firstrun.sh's own sed leaves: the kernel line plus the Wi-Fi country.
    expect(bash(`printf %s ${shQuote(once)} | sed 's| systemd.run.*||g'`)).toBe(
      `${base.trim()} cfg80211.ieee80211_regdom=VN\n`,
    );
  });
});

describe('cloud-init', () => {
  it('user-data, meta-data and network-config parse as YAML with the values given', () => {
    const s = setup();
    const files = cloudInitFiles(s, 'qms-kiosk-01-20261127210000');
    const yaml = (text: string) =>
      JSON.parse(
        execFileSync(
          'python3',
          ['-c', 'import sys, json, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))'],
          {
            input: text,
            encoding: 'utf8',
          },
        ),
      );
    const user = yaml(files.userData);
    expect(user.users[0].ssh_authorized_keys).toEqual(s.sshKeys);
    expect(user.runcmd.at(-1)).toEqual(['bash', '-c', 'systemctl start --no-block qms-install.service']);
    for (const [, , command] of user.runcmd) bashN(command);
    expect(yaml(files.metaData)).toEqual({
      'instance-id': 'qms-kiosk-01-20261127210000',
      'local-hostname': 'kiosk-01',
    });
    const wifi = yaml(files.networkConfig!).network.wifis.wlan0;
    expect(wifi['access-points'][s.wifi!.ssid].password).toBe(wpaPsk(s.wifi!.ssid, s.wifi!.password));
    expect(cloudInitFiles(setup({ wifi: undefined }), 'x').networkConfig).toBeUndefined();
  });

  it('detects the convention from the boot partition or the kernel line', () => {
    expect(
      detectConvention(['cmdline.txt', 'config.txt', 'overlays/'], 'console=tty1 root=/dev/mmcblk0p2'),
    ).toBe('firstrun');
    expect(detectConvention(['cmdline.txt', 'user-data', 'meta-data'], 'console=tty1')).toBe('cloud-init');
    expect(detectConvention(['cmdline.txt', 'META-DATA'], 'console=tty1')).toBe('cloud-init');
    expect(detectConvention(['cmdline.txt'], 'console=tty1 ds=nocloud;s=file:///boot/firmware/')).toBe(
      'cloud-init',
    );
  });
});

describe('WPA-PSK', () => {
  it('matches the IEEE 802.11i test vector', () => {
    expect(wpaPsk('IEEE', 'password')).toBe(
      'f42c6fc52df0ebef9ebb4b90b38a5f902e83fe1b135a70e23aed762e9710a12e',
    );
  });
});

describe('MBR', () => {
  const sector = (entries: Array<[type: number, start: number, sectors: number]>) => {
    const b = Buffer.alloc(512);
    entries.forEach(([type, start, sectors], i) => {
      const at = 446 + i * 16;
      b[at + 4] = type;
      b.writeUInt32LE(start, at + 8);
      b.writeUInt32LE(sectors, at + 12);
    });
    b[510] = 0x55;
    b[511] = 0xaa;
    return b;
  };

  it('finds the FAT boot and Linux root partitions by type', () => {
    const layout = piLayout(
      parseMbr(
        sector([
          [0x0c, 8192, 1_048_576],
          [0x83, 1_056_768, 4_000_000],
        ]),
      ),
    );
    expect(layout.boot).toMatchObject({ number: 1, offset: 8192 * 512, size: 1_048_576 * 512 });
    expect(layout.root).toMatchObject({ number: 2, offset: 1_056_768 * 512 });
  });

  it('refuses no signature, GPT, and a table without FAT', () => {
    expect(() => parseMbr(Buffer.alloc(512), 'x.img')).toThrow(/x\.img: no MBR partition table/);
    expect(() => parseMbr(sector([[0xee, 1, 100]]), 'gpt.img')).toThrow(/GPT partition table/);
    expect(() => piLayout(parseMbr(sector([[0x83, 2048, 100]])), 'linux.img')).toThrow(
      /no FAT boot partition \(partition types: 0x83\)/,
    );
  });
});

describe('progress bar', () => {
  const sink = (isTTY: boolean) => {
    const chunks: string[] = [];
    return {
      stream: { isTTY, write: (s: string) => chunks.push(s) } as unknown as NodeJS.WriteStream,
      chunks,
    };
  };

  it('redraws one line on a terminal', () => {
    let t = 0;
    const { stream, chunks } = sink(true);
    const bar = new Progress('writing', 100 * 1024 * 1024, { stream, now: () => t });
    t = 1000;
    bar.add(50 * 1024 * 1024);
    t = 2000;
    bar.add(50 * 1024 * 1024);
    bar.finish();
    expect(chunks[0]).toMatch(
      /^\rwriting \[#{15}\.{15}\] {2}50% {2}50\.0 MiB \/ 100\.0 MiB {2}50\.0 MiB\/s {2}ETA 0:01/,
    );
    const last = chunks.at(-1)!;
    expect(last).toMatch(/^\rwriting \[#{30}\] 100% {2}100\.0 MiB \/ 100\.0 MiB {2}50\.0 MiB\/s/);
    expect(last.endsWith('\u001b[K\n')).toBe(true);
  });

  it('prints a line per quarter otherwise', () => {
    const { stream, chunks } = sink(false);
    const bar = new Progress('writing', 1000, { stream });
    for (let i = 0; i < 100; i++) bar.add(10);
    bar.finish();
    expect(chunks.length).toBe(4);
    expect(chunks.every((c) => !c.includes('\r'))).toBe(true);
  });
});
