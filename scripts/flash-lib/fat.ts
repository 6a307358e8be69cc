// Files in the FAT boot partition of a disk or image, through mtools with
// `-i target@@offset`: no loop mount, no root needed for image files, and it
// works on kernels without vfat.

import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlashError } from './errors.js';
import { toolEnv } from './tools.js';

const ENV = toolEnv({ MTOOLS_SKIP_CHECK: '1' });

function mtools(
  command: string,
  args: string[],
  encoding: 'utf8' | 'buffer' = 'utf8',
): Promise<{ stdout: string | Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { env: ENV, encoding: encoding === 'buffer' ? 'buffer' : 'utf8', maxBuffer: 256 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const err = String(stderr ?? '').trim();
        if (error) {
          const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
          reject(
            new FlashError(
              missing
                ? `${command} not found: install mtools (sudo apt-get install mtools)`
                : `${command} ${args.join(' ')}: ${err || error.message}`,
            ),
          );
        } else resolve({ stdout, stderr: err });
      },
    );
  });
}

const fatPath = (path: string) => `::/${path.replace(/^\/+/, '')}`;

export class FatVolume {
  private readonly image: string;
  constructor(
    readonly target: string,
    readonly offset: number,
  ) {
    this.image = `${target}@@${offset}`;
  }

  /** Every file and folder, as paths without a leading slash; folders end with "/". */
  async list(): Promise<string[]> {
    const { stdout } = await mtools('mdir', ['-b', '-/', '-i', this.image, '::/']);
    return String(stdout)
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.startsWith('::/'))
      .map((line) => line.slice(3))
      .filter((line) => line !== '');
  }

  /** The top-level names (case kept as stored). */
  async rootNames(): Promise<string[]> {
    return (await this.list()).filter((p) => !p.replace(/\/$/, '').includes('/'));
  }

  async exists(path: string): Promise<boolean> {
    const want = path.replace(/^\/+/, '').toLowerCase();
    return (await this.list()).some((p) => p.replace(/\/$/, '').toLowerCase() === want);
  }

  async read(path: string): Promise<Buffer> {
    const { stdout } = await mtools('mtype', ['-i', this.image, fatPath(path)], 'buffer');
    return stdout as Buffer;
  }

  async readText(path: string): Promise<string> {
    return (await this.read(path)).toString('utf8');
  }

  async mkdir(path: string): Promise<void> {
    if (await this.exists(path)) return;
    await mtools('mmd', ['-i', this.image, fatPath(path)]);
  }

  /** Write (or overwrite) a file from memory. */
  async write(path: string, data: string | Buffer): Promise<void> {
    const dir = await mkdtemp(join(tmpdir(), 'qms-flash-'));
    try {
      const local = join(dir, 'file');
      await writeFile(local, data, { mode: 0o600 });
      await this.copyIn(local, path);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** Copy a local file in (large files: the bundle, a Node.js tarball). */
  async copyIn(local: string, path: string): Promise<void> {
    await mtools('mcopy', ['-D', 'o', '-i', this.image, local, fatPath(path)]);
  }

  async remove(path: string): Promise<void> {
    await mtools('mdel', ['-i', this.image, fatPath(path)]);
  }

  /** Free bytes, from `minfo`/`mdir` ("... bytes free"). */
  async freeBytes(): Promise<number | undefined> {
    const { stdout } = await mtools('mdir', ['-i', this.image, '::/']);
    const match = /([\d ]+) bytes free/.exec(String(stdout));
    return match ? Number(match[1]!.replace(/ /g, '')) : undefined;
  }
}
