// Environment for the external tools: mkfs/debugfs/blockdev live in /usr/sbin,
// which a non-root user's PATH often lacks (an image file target needs no root).

export function toolEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const path = process.env.PATH ?? '/usr/bin:/bin';
  const parts = path.split(':');
  for (const dir of ['/usr/sbin', '/sbin']) if (!parts.includes(dir)) parts.push(dir);
  return { ...process.env, PATH: parts.join(':'), LC_ALL: 'C', ...extra };
}
