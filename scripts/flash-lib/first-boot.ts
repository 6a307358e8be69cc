// What the Pi runs on its first boot, as text: the QMS installer
// (qms/install.sh) plus the image's own first-boot convention around it:
// - Raspberry Pi OS Bookworm and earlier: firstrun.sh started by
//   `systemd.run=` in cmdline.txt, the way Raspberry Pi Imager does it
//   (hostname, user and SSH key, Wi-Fi, time zone), which then removes itself;
// - images with cloud-init: user-data, meta-data and network-config in the
//   boot partition.
// Both call `install.sh stage`, which needs no network: it points time sync
// at the hub and enables qms-install.service, which runs `install.sh run`
// once the network is up (Node.js, the bundle in /opt/qms, /etc/qms, the
// role's unit) and retries every 30 s until it succeeds.

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
  nodeTarball: string | undefined;
  /** A real-time clock model (--rtc), e.g. ds3231: fake-hwclock goes at first boot. */
  rtc?: string;
  /** For the header comment. */
  writtenAt: string;
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
#   install.sh stage           first boot, no network needed (called by firstrun.sh or
#                              cloud-init): time server, and qms-install.service
#   install.sh run             qms-install.service, once the network is up: Node.js,
#                              the application in /opt/qms, /etc/qms, ${unitName(input.role)};
#                              retried every 30 s until it succeeds
#   qms-update update [FILE]   later: install a new bundle (this script is kept as
#                              /usr/local/sbin/qms-update) and restart the service
#   qms-update rollback        go back to the application before the last update
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive HOME=/root npm_config_cache=/var/cache/qms-npm

${assign('ROLE', input.role)}
${assign('DEVICE_ID', input.deviceId)}
${assign('UNIT', unitName(input.role))}
${assign('CONFIG_NAME', input.configName)}
${assign('SECRET_NAME', input.secretName)}
${assign('TIME_SERVER', input.timeServer)}
${assign('BUNDLE_NAME', input.bundleName)}
${assign('BUNDLE_URL', input.bundleUrl)}
${assign('NODE_TARBALL', input.nodeTarball)}
${assign('RTC', input.rtc)}
${assign('EXTRA_GROUPS', ROLE_GROUPS[input.role].join(' '))}
NODE_MAJOR=20
NODE_MIN_MINOR=19
APP_DIR=/opt/qms
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
  cat >/etc/systemd/system/qms-install.service <<EOF
[Unit]
Description=QMS first-boot installation (Node.js, application, $UNIT)
Wants=network-online.target
After=network-online.target
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
  log "staged: qms-install.service runs once the network is up"
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

node_ok() {
  local version major rest minor
  version=$("$1" -p 'process.versions.node' 2>/dev/null) || return 1
  major=\${version%%.*}
  rest=\${version#*.}
  minor=\${rest%%.*}
  [ "$major" -gt "$NODE_MAJOR" ] || { [ "$major" -eq "$NODE_MAJOR" ] && [ "$minor" -ge "$NODE_MIN_MINOR" ]; }
}

install_node() {
  if [ -x /usr/bin/node ] && node_ok /usr/bin/node; then
    log "Node.js $(/usr/bin/node -v) is installed"
    return 0
  fi
  if [ -e /usr/bin/node ] && [ ! -L /usr/bin/node ]; then
    log "/usr/bin/node is an older packaged Node.js ($(/usr/bin/node -v 2>/dev/null)); remove it: apt-get remove nodejs"
    return 1
  fi
  local arch tarball work name base
  case "$(uname -m)" in
    aarch64) arch=arm64 ;;
    armv7l) arch=armv7l ;;
    x86_64) arch=x64 ;;
    *)
      log "no Node.js $NODE_MAJOR build for $(uname -m): use a Raspberry Pi 3, 4, 5 or Zero 2 with a 64-bit OS"
      return 1
      ;;
  esac
  work=$(mktemp -d)
  if [ -n "$NODE_TARBALL" ] && [ -f "$HERE/$NODE_TARBALL" ] && [[ $NODE_TARBALL == *"-linux-$arch."* ]]; then
    tarball="$HERE/$NODE_TARBALL"
  else
    base="https://nodejs.org/dist/latest-v$NODE_MAJOR.x"
    log "downloading Node.js $NODE_MAJOR for linux-$arch from $base"
    fetch "$base/SHASUMS256.txt" "$work/SHASUMS256.txt"
    name=$(grep -o "node-v$NODE_MAJOR\\.[0-9.]*-linux-$arch\\.tar\\.xz" "$work/SHASUMS256.txt" | head -n 1)
    if [ -z "$name" ]; then
      log "no node-v$NODE_MAJOR linux-$arch tarball listed in $base/SHASUMS256.txt"
      return 1
    fi
    fetch "$base/$name" "$work/$name"
    (cd "$work" && grep "  $name\\$" SHASUMS256.txt | sha256sum -c --quiet -)
    tarball="$work/$name"
  fi
  rm -rf /usr/local/lib/nodejs.new
  mkdir -p /usr/local/lib/nodejs.new
  tar -xf "$tarball" -C /usr/local/lib/nodejs.new --strip-components=1 --no-same-owner
  rm -rf /usr/local/lib/nodejs
  mv /usr/local/lib/nodejs.new /usr/local/lib/nodejs
  local bin
  for bin in node npm npx; do ln -sf "/usr/local/lib/nodejs/bin/$bin" "/usr/local/bin/$bin"; done
  ln -sf /usr/local/lib/nodejs/bin/node /usr/bin/node
  rm -rf "$work"
  log "installed Node.js $(/usr/bin/node -v)"
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
  local bundle=$1 new="$APP_DIR.new" npm
  rm -rf "$new"
  mkdir -p "$new"
  tar -xzf "$bundle" -C "$new" --no-same-owner
  if [ ! -f "$new/dist/hub/main.js" ]; then
    log "$bundle is not a QMS bundle (no dist/hub/main.js)"
    return 1
  fi
  if [ ! -d "$new/node_modules" ]; then
    log "installing the production dependencies (npm ci --omit=dev)"
    npm="$(dirname "$(readlink -f /usr/bin/node)")/npm"
    (cd "$new" && "$npm" ci --omit=dev --no-audit --no-fund --loglevel=warn)
  fi
  # A clip pack built on the device survives updates.
  if [ ! -d "$new/clips" ] && [ -d "$APP_DIR/clips" ]; then cp -a "$APP_DIR/clips" "$new/clips"; fi
  chown -R root:root "$new"
  chmod -R go-w "$new"
  rm -rf "$APP_DIR.previous"
  if [ -d "$APP_DIR" ]; then mv "$APP_DIR" "$APP_DIR.previous"; fi
  mv "$new" "$APP_DIR"
  log "application installed in $APP_DIR ($(grep -o '"version": *"[^"]*"' "$APP_DIR/package.json" | head -n 1))"
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
  /usr/bin/node "$APP_DIR/dist/edge/speaker/build-clips.js" --out "$APP_DIR/clips" ||
    log "warning: building the clip pack in $APP_DIR/clips failed"
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
  install_node
  local bundle
  bundle=$(find_bundle)
  install_bundle "$bundle"
  install_config
  if [ "$ROLE" = hub ]; then serve_time; fi
  if [ "$ROLE" = speaker ]; then build_clips; fi
  install_units
  install -m 0755 "$SELF" /usr/local/sbin/qms-update
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
  *)
    echo "usage: $0 stage | run | update [BUNDLE.tar.gz] | rollback" >&2
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
