// The build's own checks, on small trees made here (no registry, no compiler):
// the ELF reader, the scan that makes an ELF for another CPU a build error,
// pruning of prebuilt binaries to the target, the approval of install steps,
// and a cached runtime whose node is for the wrong CPU.

import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { machineName, parseElfHeader, readElfHeader } from '../../scripts/bundle-lib/elf.js';
import { scanTree, sumsText } from '../../scripts/bundle-lib/manifest.js';
import { installStep, packageDirs, prunePrebuilds } from '../../scripts/bundle-lib/modules.js';
import { fetchRuntime, sriSha512 } from '../../scripts/bundle-lib/runtime.js';
import { NODE_RUNTIME, TARGETS, target } from '../../scripts/bundle-lib/targets.js';
import { tempDir } from '../helpers/hub.js';

const dir = tempDir('qms-bundle-checks-');
afterAll(() => dir.remove());

/** An ELF header for `machine` (64-bit little-endian), padded. */
function fakeElf(machine: number, bits: 32 | 64 = 64): Buffer {
  const b = Buffer.alloc(64);
  b.writeUInt32BE(0x7f454c46, 0);
  b[4] = bits === 64 ? 2 : 1;
  b[5] = 1;
  b.writeUInt16LE(machine, 18);
  return b;
}

function tree(name: string, files: Record<string, Buffer | string>): string {
  const root = join(dir.path, name);
  for (const [path, data] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), data);
  }
  return root;
}

describe('ELF headers', () => {
  it('reads the CPU of this Node.js binary and of made-up headers; anything else is not ELF', () => {
    const own = readElfHeader(process.execPath);
    expect(own).toEqual({ bits: 64, machine: process.arch === 'arm64' ? 183 : 62 });
    expect(parseElfHeader(fakeElf(183))).toEqual({ bits: 64, machine: 183 });
    expect(parseElfHeader(fakeElf(40, 32))).toEqual({ bits: 32, machine: 40 });
    expect(machineName(183)).toBe('aarch64');
    expect(machineName(9999)).toBe('e_machine 9999');
    expect(parseElfHeader(Buffer.from('#!/bin/sh\necho not elf at all\n'))).toBeNull();
    expect(parseElfHeader(Buffer.from([0x7f, 0x45, 0x4c, 0x46]))).toBeNull(); // too short
    const machO = Buffer.alloc(64);
    machO.writeUInt32BE(0xcafebabe, 0);
    expect(parseElfHeader(machO)).toBeNull();
  });
});

describe('the scan of a bundle tree', () => {
  it('lists every ELF with its CPU and hash; an ELF for another CPU, or a non-ELF .node, is wrong', () => {
    const root = tree('mixed', {
      'node/bin/node': fakeElf(183),
      'node_modules/a/build/Release/a.node': fakeElf(183),
      'node_modules/b/prebuilds/linux-x64/b.node': fakeElf(62),
      'node_modules/c/prebuilds/linux-arm/c.node': fakeElf(40, 32),
      'node_modules/d/prebuilds/darwin-x64+arm64/d.node': Buffer.from([0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 0]),
      'node_modules/e/bin/tool': fakeElf(62),
      'dist/hub/main.js': 'console.log(1)\n',
    });
    // A copy of this machine's real node binary left in an arm64 tree.
    if (process.arch === 'x64') copyFileSync(process.execPath, join(root, 'node_modules/a/host-node'));
    const scan = scanTree(root, TARGETS.arm64);
    expect(scan.native.map((n) => [n.path, n.machine])).toEqual(
      expect.arrayContaining([
        ['node/bin/node', 'aarch64'],
        ['node_modules/a/build/Release/a.node', 'aarch64'],
      ]),
    );
    expect(scan.native.find((n) => n.path === 'node/bin/node')!.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(scan.wrong).toEqual(
      expect.arrayContaining([
        'node_modules/b/prebuilds/linux-x64/b.node: 64-bit x86_64, not aarch64',
        'node_modules/c/prebuilds/linux-arm/c.node: 32-bit arm, not aarch64',
        'node_modules/d/prebuilds/darwin-x64+arm64/d.node: a .node that is not ELF (another OS)',
        'node_modules/e/bin/tool: 64-bit x86_64, not aarch64',
      ]),
    );
    if (process.arch === 'x64')
      expect(scan.wrong).toContain('node_modules/a/host-node: 64-bit x86_64, not aarch64');
    expect(scan.wrong.some((w) => w.startsWith('node/bin/node') || w.includes('/a.node'))).toBe(false);
    // SHA256SUMS in sha256sum's own format.
    const sums = sumsText(root, scan.files);
    expect(sums.split('\n')[0]).toMatch(/^[0-9a-f]{64} {2}\S/);
    expect(sums).not.toContain('SHA256SUMS');
  });
});

describe('prebuilt binaries', () => {
  it('keep only linux-<arch> glibc, and say whether one for the target is there', () => {
    const files = {
      'package.json': '{"name":"@serialport/bindings-cpp","scripts":{"install":"node-gyp-build"}}',
      'binding.gyp': '{}',
      'prebuilds/linux-arm64/x.armv8.glibc.node': fakeElf(183),
      'prebuilds/linux-arm64/x.armv8.musl.node': fakeElf(183),
      'prebuilds/linux-x64/x.glibc.node': fakeElf(62),
      'prebuilds/win32-x64/x.node': 'MZ',
      'prebuilds/android-arm64/x.armv8.node': fakeElf(183),
    };
    const arm = tree('serial-arm64/node_modules/@serialport/bindings-cpp', files);
    expect(prunePrebuilds(arm, TARGETS.arm64)).toBe(true);
    const left = scanTree(arm, TARGETS.arm64).files.filter((f) => f.startsWith('prebuilds/'));
    expect(left).toEqual(['prebuilds/linux-arm64/x.armv8.glibc.node']);
    // A package with prebuilds for other systems only: none for the target (it must be compiled).
    const other = tree('serial-x64-only', {
      ...files,
      'prebuilds/linux-arm64/x.armv8.glibc.node': 'not elf',
    });
    expect(prunePrebuilds(other, TARGETS.arm64)).toBe(false);
    expect(installStep(arm)).toBe('install: node-gyp-build');
    expect(packageDirs(join(dir.path, 'serial-arm64', 'node_modules'))).toEqual([arm]);
  });

  it('install steps are found from scripts or a binding.gyp; a plain package has none', () => {
    expect(installStep(tree('gyp-only', { 'package.json': '{"name":"g"}', 'binding.gyp': '{}' }))).toBe(
      'binding.gyp',
    );
    expect(
      installStep(tree('post', { 'package.json': '{"name":"p","scripts":{"postinstall":"node x.js"}}' })),
    ).toBe('postinstall: node x.js');
    expect(installStep(tree('plain', { 'package.json': '{"name":"q","scripts":{"test":"x"}}' }))).toBeNull();
  });
});

describe('targets and the runtime', () => {
  it('knows arm64 and x64, refuses the rest by name (32-bit armv7l has no Node.js 20.19+)', () => {
    expect(target('arm64').machineName).toBe('aarch64');
    expect(target('x64').elfMachine).toBe(62);
    expect(() => target('armv7l')).toThrow(
      /not a target \(arm64, x64\); 32-bit armv7l has no Node\.js 20\.19\+/,
    );
    expect(NODE_RUNTIME.integrity.arm64).toMatch(/^sha512-[A-Za-z0-9+/]{86}==$/);
    expect(sriSha512(Buffer.from('abc'))).toBe(
      'sha512-3a81oZNherrMQXNJriBBMRLm+k6JqX6iCp7u5ktV05ohkpkqJ0/BqDa6PCOj/uu9RU1EI2Q86A4qmslPpUyknw==',
    );
  });

  it('a cached runtime whose node is for another CPU is refused, naming the folder to delete', async () => {
    const cache = join(dir.path, 'cache');
    const folder = join(cache, `node-linux-arm64-${NODE_RUNTIME.version}`);
    mkdirSync(join(folder, 'bin'), { recursive: true });
    mkdirSync(join(folder, 'include', 'node'), { recursive: true });
    writeFileSync(join(folder, 'include', 'node', 'node_api.h'), '');
    writeFileSync(join(folder, 'bin', 'node'), fakeElf(62));
    await expect(fetchRuntime(TARGETS.arm64, cache, () => undefined)).rejects.toThrow(
      /bin\/node is x86_64, not aarch64: delete the folder and build again/,
    );
    writeFileSync(join(folder, 'bin', 'node'), fakeElf(183));
    expect(await fetchRuntime(TARGETS.arm64, cache, () => undefined)).toMatchObject({
      version: NODE_RUNTIME.version,
      package: `node-linux-arm64@${NODE_RUNTIME.version}`,
    });
    expect(readFileSync(join(folder, 'bin', 'node')).length).toBe(64);
  });
});
