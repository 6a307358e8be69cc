// Read-only look into the ext4 root partition with debugfs (`target?offset=N`).
// Used only to learn where the image mounts its boot partition (/etc/fstab);
// the root file system is never written.

import { execFile } from 'node:child_process';
import { toolEnv } from './tools.js';

/** The file's bytes, or undefined if debugfs is missing, the partition is not ext4, or the file is absent. */
export function readExt4File(target: string, offset: number, path: string): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    execFile(
      'debugfs',
      ['-R', `cat ${path}`, `${target}?offset=${offset}`],
      { encoding: 'buffer', maxBuffer: 16 * 1024 * 1024, env: toolEnv() },
      (error, stdout, stderr) => {
        const err = stderr.toString('utf8');
        if (error || /not found|Bad magic|Couldn't find valid filesystem|while trying to open/i.test(err)) {
          resolve(undefined);
        } else resolve(stdout);
      },
    );
  });
}

/**
 * Which of `paths` exist in the root partition (files, links or folders), via
 * `debugfs -R "stat PATH"` for each; undefined when debugfs cannot read it at all.
 */
export async function ext4Present(
  target: string,
  offset: number,
  paths: string[],
): Promise<Set<string> | undefined> {
  const present = new Set<string>();
  for (const path of paths) {
    const answer = await new Promise<'yes' | 'no' | 'unreadable'>((resolve) => {
      execFile(
        'debugfs',
        ['-R', `stat ${path}`, `${target}?offset=${offset}`],
        { maxBuffer: 1024 * 1024, env: toolEnv() },
        (error, _stdout, stderr) => {
          if (/Bad magic|Couldn't find valid filesystem|while trying to open/i.test(stderr))
            resolve('unreadable');
          else if (error || /not found/i.test(stderr)) resolve(error && !stderr ? 'unreadable' : 'no');
          else resolve('yes');
        },
      );
    });
    if (answer === 'unreadable') return undefined;
    if (answer === 'yes') present.add(path);
  }
  return present;
}

/** Where /etc/fstab mounts the first vfat partition ("/boot/firmware" on Bookworm, "/boot" before). */
export function bootMountPoint(fstab: string): string | undefined {
  for (const raw of fstab.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const [, mountPoint, type] = line.split(/\s+/);
    if (type === 'vfat' && mountPoint?.startsWith('/boot')) return mountPoint;
  }
  return undefined;
}
