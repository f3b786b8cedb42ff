import { Logger } from '@nestjs/common';
import { chmodSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { chmod, lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** The data directory holds the whole database, the signing secret and the first admin's password: its owner's only. */
export const PRIVATE_DIRECTORY = 0o700;
export const PRIVATE_FILE = 0o600;

const loose = (mode: number) => (mode & 0o077) !== 0;

/**
 * Creates the data directory readable by the service's user only and makes whatever the service creates in it
 * afterwards private too (PGlite's files among them, which it creates with the process's umask): the umask of this
 * process gains 077. A directory made before this rule, with looser modes, is tightened (the service owns it), with
 * a warning naming how many paths changed; one it cannot change stays as it is, with a warning saying so.
 */
export function ensurePrivateDirectory(dir: string, logger = new Logger('DataDirectory')): { tightened: number } {
  process.umask(process.umask() | 0o077);
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIRECTORY });
  if (process.platform === 'win32' || !loose(lstatSync(dir).mode)) return { tightened: 0 };
  let tightened = 0;
  const failed: string[] = [];
  // Iterative: the PGlite tree is a few levels deep but has a thousand files.
  const stack = [dir];
  while (stack.length) {
    const path = stack.pop()!;
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) continue;
    if (stat.isDirectory()) for (const name of readdirSync(path)) stack.push(join(path, name));
    if (!loose(stat.mode)) continue;
    try {
      chmodSync(path, (stat.mode & 0o700) | (stat.isDirectory() ? PRIVATE_DIRECTORY : 0));
      tightened++;
    } catch {
      failed.push(path);
    }
  }
  if (tightened) logger.warn(`${dir} was readable by other users: ${tightened} paths in it made readable by the service's user only (0700/0600)`);
  if (failed.length) logger.warn(`${dir}: could not make ${failed.length} paths private (${failed.slice(0, 3).join(', ')}): check their owner`);
  return { tightened };
}

/**
 * PGlite (Emscripten's file system over Node's) creates its files 0666 whatever the umask; they sit in directories
 * PostgreSQL makes 0700, so nobody else can reach them, but each is made 0600 here too: after the database starts
 * (without holding up the start: a thousand files) and when it closes (the files this run created). Best effort: a
 * file that disappears meanwhile (PostgreSQL removes WAL segments and temporary files) is skipped.
 */
export async function makeFilesPrivate(dir: string): Promise<void> {
  const stack = [dir];
  while (stack.length) {
    const path = stack.pop()!;
    try {
      const stat = await lstat(path);
      if (stat.isDirectory()) for (const name of await readdir(path)) stack.push(join(path, name));
      else if (stat.isFile() && loose(stat.mode)) await chmod(path, PRIVATE_FILE);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}
