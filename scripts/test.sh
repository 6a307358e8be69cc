#!/usr/bin/env bash
# `npm test`: everything CI runs, on a fresh machine too. Installs the Debian
# packages the tests use when they are missing (apt-get update once, then
# install), type-checks, lints, then runs every test against real parts.
set -euo pipefail
cd "$(dirname "$0")/.."

# command or file → Debian package that provides it
declare -A NEEDED=(
  [mosquitto_sub]=mosquitto-clients
  [mosquitto_pub]=mosquitto-clients
  [chromium]=chromium
  [/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf]=fonts-dejavu-core
  [/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf]=fonts-dejavu-core
  [aplay]=alsa-utils
  [sox]=sox
  [soxi]=sox
  [espeak-ng]=espeak-ng
  [socat]=socat
  [/usr/sbin/sfdisk]=fdisk
  [/usr/sbin/mkfs.vfat]=dosfstools
  [/usr/sbin/mkfs.ext4]=e2fsprogs
  [/usr/sbin/debugfs]=e2fsprogs
  [mcopy]=mtools
  [mdir]=mtools
  [mtype]=mtools
  [mmd]=mtools
  [xz]=xz-utils
  [e2ls]=e2tools
  [systemd-analyze]=systemd
  [/usr/lib/python3/dist-packages/yaml/__init__.py]=python3-yaml
  [faketime]=faketime
  # The appliance bundles (test/arm64, test/flash/offline-install): cross-compiling
  # for arm64 and compiling for x64, running arm64 programs under qemu, checking
  # every native file with `file`, first boot in a network namespace.
  [qemu-aarch64-static]=qemu-user-static
  [/usr/aarch64-linux-gnu/lib/libc.so.6]=libc6-arm64-cross
  [/usr/aarch64-linux-gnu/lib/libstdc++.so.6]=libstdc++6-arm64-cross
  [aarch64-linux-gnu-g++]=g++-aarch64-linux-gnu
  [x86_64-linux-gnu-g++]=g++
  [make]=make
  [file]=file
  [unshare]=util-linux
  [ip]=iproute2
  # The province centre (test/central, bench/central.ts): the central broker,
  # PostgreSQL run as its own user, TLS certificates made by the tests.
  [/usr/sbin/mosquitto]=mosquitto
  [mosquitto_passwd]=mosquitto
  [/usr/lib/postgresql/15/bin/initdb]=postgresql-15
  [/usr/lib/postgresql/15/bin/pg_ctl]=postgresql-15
  [openssl]=openssl
  [runuser]=util-linux
)

missing=()
for need in "${!NEEDED[@]}"; do
  if [[ $need == /* ]]; then
    [ -e "$need" ] || missing+=("${NEEDED[$need]}")
  else
    command -v "$need" >/dev/null 2>&1 || missing+=("${NEEDED[$need]}")
  fi
done
if ((${#missing[@]})); then
  packages=$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')
  echo "installing Debian packages for the tests: $packages"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $packages >/dev/null
fi

echo "== type check"
npx tsc -p tsconfig.json
npx tsc -p tsconfig.web.json
echo "== lint"
npx biome check .
echo "== tests"
results=$(mktemp)
status=0
npx vitest run --reporter=default --reporter=json --outputFile="$results" "$@" || status=$?
# The slowest files and tests (where the time goes, and what to look at when
# the suite slows down), then one plain closing line.
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const cwd = process.cwd() + "/";
  const secs = (ms) => (ms / 1000).toFixed(1).padStart(6) + " s";
  const files = r.testResults.map((f) => ({ name: f.name.replace(cwd, ""), ms: f.endTime - f.startTime }));
  const tests = r.testResults.flatMap((f) =>
    f.assertionResults.map((a) => ({ name: `${f.name.replace(cwd, "")} > ${a.fullName}`, ms: a.duration ?? 0 })),
  );
  const top = (list, title) => {
    console.log(`\n${title}`);
    for (const x of list.sort((a, b) => b.ms - a.ms).slice(0, 15)) console.log(`${secs(x.ms)}  ${x.name.slice(0, 150)}`);
  };
  top(files, "slowest 15 test files");
  top(tests, "slowest 15 tests");
  console.log("");
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
' "$results" || true
rm -f "$results"
exit "$status"
