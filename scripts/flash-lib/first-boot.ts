// What the Pi runs on its first boot, as text: the QMS installer
// (qms/install.sh) plus the image's own first-boot convention around it:
// - Raspberry Pi OS Bookworm and earlier: firstrun.sh started by
//   `systemd.run=` in cmdline.txt, the way Raspberry Pi Imager does it
//   (hostname, user and SSH key, Wi-Fi, time zone), which then removes itself;
// - images with cloud-init: user-data, meta-data and network-config in the
//   boot partition.
// Both call `install.sh stage`: it points time sync at the hub and enables
// qms-install.service, which runs `install.sh run`: the bundle from the card
// (Node.js runtime and node_modules for this CPU inside: no npm, no network)
// into /opt/qms, /etc/qms, the role's unit. Only a bundle given as a URL
// waits for the network; a failed run is retried every 30 s.

import { pbkdf2Sync, randomUUID } from 'node:crypto';
import type { FlashRole, WifiOptions } from './options.js';

export type Convention = 'firstrun' | 'cloud-init';

/** Supplementary groups each program needs (they match the systemd units). */
export const ROLE_GROUPS: Record<FlashRole, string[]> = {
  hub: [],
  kiosk: ['gpio', 'lp', 'dialout'],
  rating: ['gpio', 'dialout'],
  speaker: ['audio'],
};

export const unitName = (role: FlashRole) => `qms-${role}.service`;

/** Single-quoted for bash: safe for any text. */
export function shQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** WPA2 pre-shared key from the passphrase, as Raspberry Pi Imager stores it (no plain passphrase on the card). */
export function wpaPsk(ssid: string, passphrase: string): string {
  return pbkdf2Sync(passphrase, ssid, 4096, 32, 'sha1').toString('hex');
}

/** Cloud-init "ds=nocloud" on the kernel line, or user-data/meta-data in the boot partition. */
export function detectConvention(bootNames: string[], cmdline: string): Convention {
  const names = new Set(bootNames.map((n) => n.replace(/\/$/, '').toLowerCase()));
  if (names.has('user-data') || names.has('meta-data') || /(^|\s)ds=nocloud/.test(cmdline))
    return 'cloud-init';
  return 'firstrun';
}

// ---------------------------------------------------------------- install.sh

export interface InstallScriptInput {
  role: FlashRole;
  deviceId: string | undefined;
  configName: string;
  secretName: string | undefined;
  /** Devices: the hub (their time server). */
  timeServer: string | undefined;
  bundleName: string | undefined;
  bundleUrl: string | undefined;
  /** A real-time clock model (--rtc), e.g. ds3231: fake-hwclock goes at first boot. */
  rtc?: string;
  /** A kiosk with a touch screen (--touch): the desktop opens this page in Chromium's kiosk mode. */
  screen?: ScreenSetup;
  /** For the header comment. */
  writtenAt: string;
}

// ---------------------------------------------------------------- touch screen

/** The unprivileged user logged in to the desktop of a touch-screen kiosk (no password, no sudo). */
export const SCREEN_USER = 'qms-screen';
export const SCREEN_LAUNCHER = '/usr/local/bin/qms-screen';
/** Groups the desktop session needs for the display, the GPU and the touch panel. */
export const SCREEN_GROUPS = ['video', 'render', 'input', 'audio', 'autologin'];

export interface ScreenSetup {
  /** The kiosk program's guide page on the loopback address. */
  url: string;
  user: string;
}

/**
 * The screen's launcher, started by the desktop session: waits for the kiosk
 * program's page (the desktop comes up before it at boot), then keeps
 * Chromium open on it in kiosk mode with a fresh profile (no "restore pages?"
 * after a power cut, nothing remembered between citizens), started again if
 * it ever closes. Chromium's own flags: no pinch zoom, no swipe back, no
 * translation bar, no update checks, no keyring prompt.
 */
export function screenLauncher(url: string): string {
  const port = new URL(url).port || '80';
  return `#!/bin/bash
# QMS touch screen, written by scripts/flash: the guide page in Chromium's kiosk
# mode, started by the desktop session of ${SCREEN_USER} (labwc or wayfire autostart).
URL=${shQuote(url)}
BROWSER=$(command -v chromium-browser || command -v chromium)
PROFILE="\${XDG_RUNTIME_DIR:-/tmp}/qms-screen-profile"
# The kiosk program serves the page; at boot the desktop may come first (at most 5 minutes).
for _ in $(seq 1 300); do
  if (exec 3<>/dev/tcp/127.0.0.1/${port}) 2>/dev/null; then break; fi
  sleep 1
done
while true; do
  rm -rf "$PROFILE"
  "$BROWSER" --kiosk "$URL" --user-data-dir="$PROFILE" --no-first-run --noerrdialogs \\
    --disable-infobars --disable-session-crashed-bubble --disable-translate --disable-pinch \\
    --overscroll-history-navigation=0 --disable-features=Translate,TouchpadOverscrollHistoryNavigation \\
    --check-for-update-interval=31536000 --password-store=basic --ozone-platform-hint=auto \\
    --touch-events=enabled >/dev/null 2>&1
  sleep 3
done
`;
}

/** labwc (Raspberry Pi OS Bookworm's desktop since late 2024): this user's autostart replaces the desktop's own, so no panel and no swayidle (no blanking). */
export function labwcAutostart(): string {
  return `# QMS touch screen: only the guide page; no panel, no desktop icons, no screen blanking.
${SCREEN_LAUNCHER} &
`;
}

/** wayfire (Bookworm's desktop before labwc): the same, and its idle plugin told never to blank. */
export function wayfireIni(): string {
  return `# QMS touch screen: only the guide page; no panel, no screen blanking.
[core]
plugins = autostart idle

[autostart]
autostart_wf_shell = false
qms_screen = ${SCREEN_LAUNCHER}

[idle]
dpms_timeout = -1
screensaver_timeout = -1
`;
}

/** An X11 desktop (older Pi models on Bookworm): LXDE's autostart, blanking off. */
export function lxdeAutostart(): string {
  return `@xset s off
@xset -dpms
@xset s noblank
@${SCREEN_LAUNCHER}
`;
}

// ---------------------------------------------------------------- real-time clock

/**
 * Models the Raspberry Pi `i2c-rtc` overlay knows that `--rtc` accepts; the
 * DS3231 (temperature-compensated, a few seconds a month) is the one the
 * deployment guide recommends for the hub.
 */
export const RTC_MODELS = ['ds3231', 'ds1307', 'pcf8523', 'pcf85063a', 'mcp7940x'] as const;
export type RtcModel = (typeof RTC_MODELS)[number];

const RTC_MARK = '# QMS: battery-backed real-time clock (scripts/flash --rtc)';

/**
 * config.txt with the RTC overlay, as the Raspberry Pi documentation says:
 * I²C on, `dtoverlay=i2c-rtc,<model>`, in an [all] section at the end so no
 * model filter above applies to it. Written again on a card flashed before,
 * it replaces its own lines (and any other i2c-rtc overlay) rather than
 * adding a second one.
 */
export function configTxtWithRtc(configTxt: string, model: RtcModel): string {
  const kept: string[] = [];
  const lines = configTxt.replace(/\r\n/g, '\n').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === RTC_MARK) {
      // Our block: the mark, [all], dtparam and dtoverlay lines.
      while (i + 1 < lines.length && /^(\[all\]|dtparam=i2c_arm=on|dtoverlay=i2c-rtc.*)$/.test(lines[i + 1]!))
        i++;
      continue;
    }
    if (/^\s*dtoverlay=i2c-rtc\b/.test(line)) continue;
    kept.push(line);
  }
  const text = kept.join('\n').replace(/\n*$/, '\n');
  return `${text}\n${RTC_MARK}\n[all]\ndtparam=i2c_arm=on\ndtoverlay=i2c-rtc,${model}\n`;
}

/**
 * sed -E program that comments out the early exit of Debian's
 * /lib/udev/hwclock-set under systemd, so udev sets the system clock from
 * the RTC as soon as its driver loads (Raspberry Pi documentation, "Add a
 * real-time clock").
 */
export const HWCLOCK_SET_SED = String.raw`/^if \[ -e \/run\/systemd\/system \] ?; then/,/^fi/ s/^/#/`;

export function installScript(input: InstallScriptInput): string {
  const who = input.deviceId ? `${input.deviceId} (${input.role})` : 'the hub';
  const assign = (name: string, value: string | undefined) => `${name}=${shQuote(value ?? '')}`;
  return `#!/bin/bash
# QMS setup for ${who}, written by scripts/flash on ${input.writtenAt}.
#
#   install.sh stage           first boot (called by firstrun.sh or cloud-init):
#                              time server, and qms-install.service
#   install.sh run             qms-install.service: the bundle (application, Node.js and
#                              node_modules for this CPU) into /opt/qms, /etc/qms,
#                              ${unitName(input.role)}; no npm and no network needed
#   qms-update update [FILE]   later: install a new bundle (this script is kept as
#                              /usr/local/sbin/qms-update) and restart the service
#   qms-update rollback        go back to the application before the last update
#   install.sh screen          a kiosk with a touch screen: the desktop opens the guide page
#                              (part of run; on its own to set the screen up again)
#
# A bundle is checked before it replaces anything: its CPU (BUNDLE.json "arch" and
# the ELF header of node/bin/node) must be this device's, and every file must match
# SHA256SUMS. The version it replaces is kept in /opt/qms.previous.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive HOME=/root

${assign('ROLE', input.role)}
${assign('DEVICE_ID', input.deviceId)}
${assign('UNIT', unitName(input.role))}
${assign('CONFIG_NAME', input.configName)}
${assign('SECRET_NAME', input.secretName)}
${assign('TIME_SERVER', input.timeServer)}
${assign('BUNDLE_NAME', input.bundleName)}
${assign('BUNDLE_URL', input.bundleUrl)}
${assign('RTC', input.rtc)}
${assign('EXTRA_GROUPS', ROLE_GROUPS[input.role].join(' '))}
${assign('SCREEN_URL', input.screen?.url)}
${assign('SCREEN_USER', input.screen?.user)}
${assign('SCREEN_GROUPS', SCREEN_GROUPS.join(' '))}
APP_DIR=/opt/qms
NODE="$APP_DIR/node/bin/node"
CONFIG_DIR=/etc/qms
DONE=/var/lib/qms-install/done

SELF=$(readlink -f "$0")
# On first boot: the boot partition's qms/ folder, with the config, secret and bundle.
HERE=$(dirname "$SELF")
LOG=""
if [ -f "$HERE/$CONFIG_NAME" ]; then LOG="$HERE/install.log"; fi

log() {
  echo "qms-install: $*" >&2
  if [ -n "$LOG" ]; then echo "$(date '+%F %T') $*" >>"$LOG" 2>/dev/null || true; fi
}

fetch() {
  if command -v curl >/dev/null 2>&1; then
    curl -fsSL --retry 5 --retry-delay 5 -o "$2" "$1"
  else
    wget -q -O "$2" "$1"
  fi
}

use_rtc() {
  # A real-time clock keeps the time over a power cut: fake-hwclock would set
  # it back to the last shutdown at every boot, so it goes (Raspberry Pi
  # documentation), and udev sets the system clock from the RTC at boot.
  systemctl disable fake-hwclock.service >/dev/null 2>&1 || true
  if dpkg -s fake-hwclock >/dev/null 2>&1; then
    apt-get -y -qq remove fake-hwclock >/dev/null 2>&1 || dpkg --remove fake-hwclock >/dev/null 2>&1 ||
      log "warning: could not remove fake-hwclock"
  fi
  update-rc.d -f fake-hwclock remove >/dev/null 2>&1 || true
  local hwclock_set=/lib/udev/hwclock-set
  if [ -f "$hwclock_set" ]; then sed -i -E '${HWCLOCK_SET_SED}' "$hwclock_set"; fi
  log "real-time clock $RTC (dtoverlay=i2c-rtc,$RTC): fake-hwclock removed; the clock is set from the RTC at boot"
}

stage() {
  if [ -n "$RTC" ]; then use_rtc; fi
  if [ "$ROLE" != hub ] && [ -n "$TIME_SERVER" ]; then
    mkdir -p /etc/systemd/timesyncd.conf.d
    printf '# QMS: take the time from the hub\\n[Time]\\nNTP=%s\\n' "$TIME_SERVER" \\
      >/etc/systemd/timesyncd.conf.d/qms.conf
  fi
  # Only a bundle downloaded on first boot needs the network.
  local wait_network=""
  if [ -z "$BUNDLE_NAME" ] && [ -n "$BUNDLE_URL" ]; then
    wait_network=$'Wants=network-online.target\\nAfter=network-online.target'
  fi
  cat >/etc/systemd/system/qms-install.service <<EOF
[Unit]
Description=QMS first-boot installation (application, $UNIT)
$wait_network
ConditionPathExists=!$DONE
StartLimitIntervalSec=0

[Service]
Type=oneshot
ExecStart=/bin/bash $SELF run
Restart=on-failure
RestartSec=30
TimeoutStartSec=infinity

[Install]
WantedBy=multi-user.target
EOF
  mkdir -p /etc/systemd/system/multi-user.target.wants
  ln -sf /etc/systemd/system/qms-install.service /etc/systemd/system/multi-user.target.wants/qms-install.service
  log "staged: qms-install.service installs $UNIT\${wait_network:+ once the network is up}"
}

ensure_user() {
  if ! id -u qms >/dev/null 2>&1; then
    useradd --system --user-group --home-dir /var/lib/qms --no-create-home --shell /usr/sbin/nologin qms
  fi
  local group
  for group in $EXTRA_GROUPS; do
    if getent group "$group" >/dev/null; then usermod -aG "$group" qms; fi
  done
}

# This device's CPU as bundles name it (uname -m: aarch64, x86_64).
device_arch() {
  case "$(uname -m)" in
    aarch64 | arm64) echo arm64 ;;
    x86_64) echo x64 ;;
    *) uname -m ;;
  esac
}

# A complete bundle for this CPU, intact: else a clear reason and status 1.
check_bundle() {
  local dir=$1 path arch want machine expected need have bad
  for path in BUNDLE.json SHA256SUMS dist/hub/main.js node/bin/node node_modules; do
    if [ ! -e "$dir/$path" ]; then
      log "not a complete QMS bundle (no $path): build one with npm run bundle -- --arch $(device_arch)"
      return 1
    fi
  done
  arch=$(sed -n 's/^  "arch": "\\([A-Za-z0-9_]*\\)",$/\\1/p' "$dir/BUNDLE.json" | head -n 1)
  want=$(device_arch)
  if [ "$arch" != "$want" ]; then
    log "the bundle is for \${arch:-an unknown CPU}; this device is $(uname -m): build one with npm run bundle -- --arch $want"
    return 1
  fi
  # e_machine of the runtime's ELF header: 183 aarch64, 62 x86-64.
  machine=$(od -An -tu2 -j18 -N2 "$dir/node/bin/node" | tr -d ' ')
  case "$want" in
    arm64) expected=183 ;;
    x64) expected=62 ;;
    *) expected=none ;;
  esac
  if [ "$machine" != "$expected" ]; then
    log "node/bin/node in the bundle is not a $want program (ELF machine \${machine:-none})"
    return 1
  fi
  # Native modules built against a newer C library than this system's would not load.
  need=$(sed -n 's/^  "glibc": "\\([0-9.]*\\)",$/\\1/p' "$dir/BUNDLE.json" | head -n 1)
  have=$(getconf GNU_LIBC_VERSION 2>/dev/null | awk '{print $2}')
  if [ -n "$need" ] && [ -n "$have" ] && [ "$(printf '%s\\n%s\\n' "$need" "$have" | sort -V | head -n 1)" != "$need" ]; then
    log "this system has glibc $have; the bundle needs $need or later (Raspberry Pi OS Bookworm or newer)"
    return 1
  fi
  if ! bad=$(cd "$dir" && sha256sum --quiet --strict -c SHA256SUMS 2>&1); then
    log "the bundle is damaged (copy it again): $(printf '%s' "$bad" | head -n 3 | tr '\\n' ' ')"
    return 1
  fi
}

find_bundle() {
  if [ -n "\${1:-}" ]; then
    echo "$1"
  elif [ -n "$BUNDLE_NAME" ] && [ -f "$HERE/$BUNDLE_NAME" ]; then
    echo "$HERE/$BUNDLE_NAME"
  elif [ -n "$BUNDLE_URL" ]; then
    log "downloading the application from $BUNDLE_URL"
    fetch "$BUNDLE_URL" /var/tmp/qms-bundle.tar.gz
    echo /var/tmp/qms-bundle.tar.gz
  else
    log "no application bundle: give one (qms-update update FILE)"
    return 1
  fi
}

install_bundle() {
  local bundle=$1 new="$APP_DIR.new"
  if [ ! -f "$bundle" ]; then
    log "no bundle at $bundle"
    return 1
  fi
  rm -rf "$new"
  mkdir -p "$new"
  if ! tar -xzf "$bundle" -C "$new" --no-same-owner; then
    rm -rf "$new"
    log "cannot unpack $bundle (not a .tar.gz, or damaged)"
    return 1
  fi
  if ! check_bundle "$new"; then
    rm -rf "$new"
    return 1
  fi
  # A clip pack built on the device survives updates.
  if [ ! -d "$new/clips" ] && [ -d "$APP_DIR/clips" ]; then cp -a "$APP_DIR/clips" "$new/clips"; fi
  chown -R root:root "$new"
  chmod -R go-w "$new"
  rm -rf "$APP_DIR.previous"
  if [ -d "$APP_DIR" ]; then mv "$APP_DIR" "$APP_DIR.previous"; fi
  mv "$new" "$APP_DIR"
  log "application installed in $APP_DIR ($(grep -o '"version": *"[^"]*"' "$APP_DIR/BUNDLE.json" | head -n 1), $(device_arch), Node.js $("$NODE" -v 2>/dev/null || echo '?'))"
}

install_config() {
  install -d -m 0750 -o root -g qms "$CONFIG_DIR"
  if [ -f "$HERE/$CONFIG_NAME" ]; then
    install -m 0640 -o root -g qms "$HERE/$CONFIG_NAME" "$CONFIG_DIR/$CONFIG_NAME"
  fi
  if [ -n "$SECRET_NAME" ] && [ -f "$HERE/$SECRET_NAME" ]; then
    install -m 0600 -o qms -g qms "$HERE/$SECRET_NAME" "$CONFIG_DIR/$SECRET_NAME"
    # The boot partition is FAT (no permissions): the copy there goes.
    rm -f "$HERE/$SECRET_NAME"
  fi
  if [ ! -f "$CONFIG_DIR/$CONFIG_NAME" ]; then
    log "missing $CONFIG_DIR/$CONFIG_NAME"
    return 1
  fi
}

serve_time() {
  # timesyncd only takes time; the devices take theirs from the hub, so the hub runs chrony.
  if ! command -v chronyd >/dev/null 2>&1; then
    if ! { apt-get update -qq && apt-get install -y -qq chrony; }; then
      log "warning: could not install chrony; devices will not get their time from the hub"
      return 0
    fi
  fi
  mkdir -p /etc/chrony/conf.d
  printf '# QMS: serve time to the devices on the LAN, even without internet\\nallow\\nlocal stratum 10\\n' \\
    >/etc/chrony/conf.d/qms.conf
  systemctl restart chrony || true
}

build_clips() {
  if [ -f "$APP_DIR/clips/manifest.json" ]; then return 0; fi
  if ! { command -v espeak-ng >/dev/null 2>&1 && command -v sox >/dev/null 2>&1; }; then
    if ! { apt-get update -qq && apt-get install -y -qq espeak-ng sox alsa-utils; }; then
      log "warning: could not install espeak-ng and sox to build the clip pack"
      return 0
    fi
  fi
  "$NODE" "$APP_DIR/dist/edge/speaker/build-clips.js" --out "$APP_DIR/clips" ||
    log "warning: building the clip pack in $APP_DIR/clips failed"
}

# A kiosk with a touch screen: the desktop logs in ${SCREEN_USER} (no password, no sudo)
# and opens the guide page in Chromium's kiosk mode; the screen never blanks.
setup_screen() {
  if [ -z "$SCREEN_URL" ]; then
    log "no touch screen configured"
    return 0
  fi
  if ! command -v chromium-browser >/dev/null 2>&1 && ! command -v chromium >/dev/null 2>&1; then
    log "warning: no Chromium on this system: the touch screen needs Raspberry Pi OS with desktop"
  fi
  if ! id -u "$SCREEN_USER" >/dev/null 2>&1; then
    useradd --create-home --shell /bin/bash --comment "QMS touch screen" "$SCREEN_USER"
  fi
  passwd -l "$SCREEN_USER" >/dev/null 2>&1 || true
  local group home
  for group in $SCREEN_GROUPS; do
    if getent group "$group" >/dev/null; then usermod -aG "$group" "$SCREEN_USER"; fi
  done
  home=$(getent passwd "$SCREEN_USER" | cut -d: -f6)
  cat >${SCREEN_LAUNCHER} <<'QMS_SCREEN_EOF'
${input.screen ? screenLauncher(input.screen.url) : ''}QMS_SCREEN_EOF
  chmod 0755 ${SCREEN_LAUNCHER}
  install -d -o "$SCREEN_USER" -g "$SCREEN_USER" -m 0755 "$home/.config" "$home/.config/labwc" \\
    "$home/.config/lxsession" "$home/.config/lxsession/LXDE-pi"
  cat >"$home/.config/labwc/autostart" <<'QMS_SCREEN_EOF'
${labwcAutostart()}QMS_SCREEN_EOF
  cat >"$home/.config/wayfire.ini" <<'QMS_SCREEN_EOF'
${wayfireIni()}QMS_SCREEN_EOF
  cat >"$home/.config/lxsession/LXDE-pi/autostart" <<'QMS_SCREEN_EOF'
${lxdeAutostart()}QMS_SCREEN_EOF
  chown "$SCREEN_USER:$SCREEN_USER" "$home/.config/labwc/autostart" "$home/.config/wayfire.ini" \\
    "$home/.config/lxsession/LXDE-pi/autostart"
  # The desktop logs this user in at boot: lightdm.conf is read last, so its own
  # autologin-user (the image's first user) is commented out for the drop-in.
  mkdir -p /etc/lightdm/lightdm.conf.d
  printf '# QMS touch screen (scripts/flash --touch)\\n[Seat:*]\\nautologin-user=%s\\nautologin-user-timeout=0\\n' \\
    "$SCREEN_USER" >/etc/lightdm/lightdm.conf.d/90-qms-screen.conf
  if [ -f /etc/lightdm/lightdm.conf ]; then
    sed -i -E 's/^(autologin-user=.*)$/#\\1  # QMS: lightdm.conf.d\\/90-qms-screen.conf/' /etc/lightdm/lightdm.conf
  else
    log "warning: no lightdm on this system: the touch screen needs Raspberry Pi OS with desktop"
  fi
  systemctl set-default graphical.target >/dev/null 2>&1 || true
  # Screen blanking off for every desktop (X11 and labwc); wayfire's is off in wayfire.ini.
  if command -v raspi-config >/dev/null 2>&1; then raspi-config nonint do_blanking 1 || true; fi
  log "touch screen: $SCREEN_USER opens $SCREEN_URL in Chromium's kiosk mode at boot; no screen blanking"
}

install_units() {
  install -m 0644 "$APP_DIR/systemd/$UNIT" "/etc/systemd/system/$UNIT"
  if [ -f "$APP_DIR/systemd/qms-backoff@.service" ]; then
    install -m 0644 "$APP_DIR/systemd/qms-backoff@.service" /etc/systemd/system/qms-backoff@.service
  fi
  systemctl daemon-reload
}

run() {
  log "installing $UNIT"
  ensure_user
  local bundle
  bundle=$(find_bundle)
  install_bundle "$bundle"
  install_config
  if [ "$ROLE" = hub ]; then serve_time; fi
  if [ "$ROLE" = speaker ]; then build_clips; fi
  install_units
  install -m 0755 "$SELF" /usr/local/sbin/qms-update
  if [ -n "$SCREEN_URL" ]; then setup_screen; fi
  systemctl enable "$UNIT"
  systemctl restart "$UNIT"
  mkdir -p "$(dirname "$DONE")"
  date '+%F %T' >"$DONE"
  rm -f /etc/systemd/system/multi-user.target.wants/qms-install.service
  log "done: $UNIT enabled and started"
}

update() {
  local bundle
  bundle=$(find_bundle "\${1:-}")
  install_bundle "$bundle"
  install_units
  systemctl restart "$UNIT"
  log "updated; $UNIT restarted (qms-update rollback goes back)"
}

rollback() {
  if [ ! -d "$APP_DIR.previous" ]; then
    log "no previous application in $APP_DIR.previous"
    return 1
  fi
  rm -rf "$APP_DIR.failed"
  mv "$APP_DIR" "$APP_DIR.failed"
  mv "$APP_DIR.previous" "$APP_DIR"
  install_units
  systemctl restart "$UNIT"
  log "rolled back; the failed version is in $APP_DIR.failed"
}

case "\${1:-}" in
  stage) stage ;;
  run) run ;;
  update) update "\${2:-}" ;;
  rollback) rollback ;;
  screen) setup_screen ;;
  *)
    echo "usage: $0 stage | run | update [BUNDLE.tar.gz] | rollback | screen" >&2
    exit 2
    ;;
esac
`;
}

// ---------------------------------------------------------------- firstrun.sh (Imager style)

export interface SystemSetup {
  hostname: string;
  timeZone: string;
  loginUser: string;
  sshKeys: string[];
  wifi: WifiOptions | undefined;
  /** For comments and instance ids. */
  label: string;
  writtenAt: string;
}

const hex = (text: string) => Buffer.from(text, 'utf8').toString('hex');

export function firstrunScript(setup: SystemSetup): string {
  const q = shQuote;
  const lines: string[] = [];
  const add = (...more: string[]) => lines.push(...more);
  add(
    '#!/bin/bash',
    `# First-boot setup for ${setup.label}, written by scripts/flash on ${setup.writtenAt}.`,
    '# Started once by systemd.run= in cmdline.txt, as Raspberry Pi Imager does; it removes',
    '# itself and that entry, then the Pi reboots and qms-install.service does the rest.',
    '',
    'set +e',
    '',
    'BOOT=$(dirname "$(readlink -f "$0")")',
    'mkdir -p "$BOOT/qms"',
    'exec >>"$BOOT/qms/firstrun.log" 2>&1',
    'echo "firstrun: $(date \'+%F %T\')"',
    '',
    'CURRENT_HOSTNAME=$(tr -d " \\t\\n\\r" </etc/hostname)',
    'if [ -f /usr/lib/raspberrypi-sys-mods/imager_custom ]; then',
    `   /usr/lib/raspberrypi-sys-mods/imager_custom set_hostname ${q(setup.hostname)}`,
    'else',
    `   echo ${q(setup.hostname)} >/etc/hostname`,
    `   sed -i "s/127.0.1.1.*$CURRENT_HOSTNAME/127.0.1.1\\t${setup.hostname}/g" /etc/hosts`,
    'fi',
    'FIRSTUSER=$(getent passwd 1000 | cut -d: -f1)',
    'FIRSTUSERHOME=$(getent passwd 1000 | cut -d: -f6)',
  );
  if (setup.sshKeys.length) {
    const keys = setup.sshKeys.map(q).join(' ');
    add(
      'if [ -f /usr/lib/raspberrypi-sys-mods/imager_custom ]; then',
      `   /usr/lib/raspberrypi-sys-mods/imager_custom enable_ssh -k ${keys}`,
      'else',
      '   install -o "$FIRSTUSER" -m 700 -d "$FIRSTUSERHOME/.ssh"',
      `   install -o "$FIRSTUSER" -m 600 <(printf '%s\\n' ${keys}) "$FIRSTUSERHOME/.ssh/authorized_keys"`,
      "   echo 'PasswordAuthentication no' >>/etc/ssh/sshd_config",
      '   systemctl enable ssh',
      'fi',
    );
  }
  // The login user: key only (no password); the image's first user renamed, as Imager does.
  const user = q(setup.loginUser);
  add(
    'if [ -f /usr/lib/userconf-pi/userconf ]; then',
    `   /usr/lib/userconf-pi/userconf ${user} '*'`,
    'else',
    `   echo "$FIRSTUSER:*" | chpasswd -e`,
    `   if [ -n "$FIRSTUSER" ] && [ "$FIRSTUSER" != ${user} ]; then`,
    `      usermod -l ${user} "$FIRSTUSER"`,
    `      usermod -m -d /home/${setup.loginUser} ${user}`,
    `      groupmod -n ${user} "$FIRSTUSER"`,
    '      if [ -f /etc/sudoers.d/010_pi-nopasswd ]; then',
    `         sed -i "s/^$FIRSTUSER /${setup.loginUser} /" /etc/sudoers.d/010_pi-nopasswd`,
    '      fi',
    '   fi',
    'fi',
  );
  if (setup.wifi) {
    const { ssid, country } = setup.wifi;
    const psk = wpaPsk(ssid, setup.wifi.password);
    add(
      'if [ -f /usr/lib/raspberrypi-sys-mods/imager_custom ]; then',
      `   /usr/lib/raspberrypi-sys-mods/imager_custom set_wlan ${q(ssid)} ${q(psk)} ${q(country)}`,
      'elif [ -d /etc/NetworkManager/system-connections ]; then',
      "   cat >/etc/NetworkManager/system-connections/qms-wifi.nmconnection <<'NMEOF'",
      '[connection]',
      'id=qms-wifi',
      `uuid=${randomUUID()}`,
      'type=wifi',
      '',
      '[wifi]',
      'mode=infrastructure',
      `ssid=${ssid.replace(/\\/g, '\\\\').replace(/^ /, '\\s')}`,
      '',
      '[wifi-security]',
      'key-mgmt=wpa-psk',
      `psk=${psk}`,
      '',
      '[ipv4]',
      'method=auto',
      '',
      '[ipv6]',
      'method=auto',
      'NMEOF',
      '   chmod 600 /etc/NetworkManager/system-connections/qms-wifi.nmconnection',
      `   iw reg set ${q(country)} 2>/dev/null`,
      'else',
      "   cat >/etc/wpa_supplicant/wpa_supplicant.conf <<'WPAEOF'",
      `country=${country}`,
      'ctrl_interface=DIR=/var/run/wpa_supplicant GROUP=netdev',
      'ap_scan=1',
      'update_config=1',
      'network={',
      `\tssid=${hex(ssid)}`,
      `\tpsk=${psk}`,
      '}',
      'WPAEOF',
      '   chmod 600 /etc/wpa_supplicant/wpa_supplicant.conf',
      'fi',
      'rfkill unblock wifi',
      'for filename in /var/lib/systemd/rfkill/*:wlan; do',
      '   [ -e "$filename" ] && echo 0 >"$filename"',
      'done',
    );
  }
  add(
    'if [ -f /usr/lib/raspberrypi-sys-mods/imager_custom ]; then',
    `   /usr/lib/raspberrypi-sys-mods/imager_custom set_timezone ${q(setup.timeZone)}`,
    'else',
    '   rm -f /etc/localtime',
    `   echo ${q(setup.timeZone)} >/etc/timezone`,
    '   dpkg-reconfigure -f noninteractive tzdata',
    'fi',
    '',
    '# QMS: time server, and the installation once the network is up.',
    'bash "$BOOT/qms/install.sh" stage',
    '',
    'rm -f "$BOOT/firstrun.sh"',
    'sed -i \'s| systemd.run.*||g\' "$BOOT/cmdline.txt"',
    'exit 0',
    '',
  );
  return lines.join('\n');
}

/** cmdline.txt with the firstrun.sh entry appended (one line, as the firmware wants it). */
export function cmdlineWithFirstrun(
  cmdline: string,
  scriptPath: string,
  wifiCountry: string | undefined,
): string {
  let line = cmdline.replace(/\r?\n[\s\S]*$/, '').trim();
  line = line.replace(/ systemd\.run.*$/, '').replace(/\s*cfg80211\.ieee80211_regdom=\S+/g, '');
  if (wifiCountry) line += ` cfg80211.ieee80211_regdom=${wifiCountry}`;
  line += ` systemd.run=${scriptPath} systemd.run_success_action=reboot systemd.unit=kernel-command-line.target`;
  return `${line}\n`;
}

// ---------------------------------------------------------------- cloud-init

/** A YAML scalar: JSON strings are valid YAML and need no further escaping rules. */
const y = (text: string) => JSON.stringify(text);

export interface CloudInitFiles {
  userData: string;
  metaData: string;
  /** Only when Wi-Fi is set; otherwise the image's own network-config stays. */
  networkConfig: string | undefined;
}

export function cloudInitFiles(setup: SystemSetup, instanceId: string): CloudInitFiles {
  const find =
    'for d in /boot/firmware /boot; do if [ -f "$d/qms/install.sh" ]; then bash "$d/qms/install.sh" stage; break; fi; done';
  const runcmd = [
    find,
    ...(setup.sshKeys.length ? ['systemctl enable --now ssh'] : []),
    'systemctl start --no-block qms-install.service',
  ];
  const lines = [
    '#cloud-config',
    `# Written by scripts/flash for ${setup.label} on ${setup.writtenAt}.`,
    `hostname: ${y(setup.hostname)}`,
    'manage_etc_hosts: true',
    `timezone: ${y(setup.timeZone)}`,
    'users:',
    `  - name: ${y(setup.loginUser)}`,
    '    groups: [adm, sudo, users, systemd-journal]',
    '    shell: /bin/bash',
    '    lock_passwd: true',
    '    sudo: "ALL=(ALL) NOPASSWD:ALL"',
    ...(setup.sshKeys.length
      ? ['    ssh_authorized_keys:', ...setup.sshKeys.map((k) => `      - ${y(k)}`)]
      : []),
    'ssh_pwauth: false',
    'runcmd:',
    ...runcmd.map((c) => `  - [bash, -c, ${y(c)}]`),
    '',
  ];
  const metaData = `instance-id: ${y(instanceId)}\nlocal-hostname: ${y(setup.hostname)}\n`;
  let networkConfig: string | undefined;
  if (setup.wifi) {
    networkConfig = [
      `# Written by scripts/flash for ${setup.label}.`,
      'network:',
      '  version: 2',
      '  renderer: NetworkManager',
      '  ethernets:',
      '    eth0:',
      '      dhcp4: true',
      '      optional: true',
      '  wifis:',
      '    wlan0:',
      '      dhcp4: true',
      '      optional: true',
      `      regulatory-domain: ${y(setup.wifi.country)}`,
      '      access-points:',
      `        ${y(setup.wifi.ssid)}:`,
      `          password: ${y(wpaPsk(setup.wifi.ssid, setup.wifi.password))}`,
      '',
    ].join('\n');
  }
  return { userData: lines.join('\n'), metaData, networkConfig };
}
