/**
 * A cross-process lock file for one machine: `<path>.lock`, created by an
 * atomic hard link, holding the owner's pid and a random token. A lock whose owner
 * process is gone is stale and is taken over; a live owner's lock is never
 * taken, however old. Used to let exactly one process compact the
 * dead-letter file; appends never take it.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { closeSync, linkSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';

/**
 * A held lock.
 *
 * @example
 * ```ts
 * const lock = tryLock('/data/dlq.jsonl');
 * if (lock) try { if (lock.held()) compact() } finally { lock.release() }
 * ```
 */
export interface FileLock {
  /** Whether the lock file still carries this holder's token. */
  held(): boolean;
  /** Removes the lock file if it is still ours. */
  release(): void;
}

function errno(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

function readLock(lockPath: string): string | undefined {
  try {
    return readFileSync(lockPath, 'utf8');
  } catch (e) {
    if (errno(e) === 'ENOENT') return undefined;
    throw e;
  }
}

function ownerAlive(content: string): boolean {
  const pid = Number.parseInt(content, 10);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errno(e) === 'EPERM';
  }
}

/**
 * Tries once to take `<path>.lock`; returns the lock, or `undefined` when a
 * live process holds it. A stale lock (its pid no longer runs) is moved
 * aside by an atomic rename and checked to be the one that was seen, so two
 * processes cleaning up the same stale lock cannot both end up holding it.
 *
 * @example
 * ```ts
 * const lock = tryLock('dead-letters.jsonl');
 * if (!lock) return; // someone else is compacting
 * ```
 */
export function tryLock(path: string): FileLock | undefined {
  const lockPath = `${path}.lock`;
  const token = `${process.pid} ${randomBytes(8).toString('hex')}\n`;
  for (let attempt = 0; attempt < 2; attempt++) {
    // The lock file appears with its content or not at all (link of a
    // written temp file), so nobody ever reads a half-made lock as stale.
    const tmp = `${lockPath}.${process.pid}-${randomBytes(4).toString('hex')}`;
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      writeSync(fd, token);
    } finally {
      closeSync(fd);
    }
    let linked = false;
    try {
      linkSync(tmp, lockPath);
      linked = true;
    } catch (e) {
      if (errno(e) !== 'EEXIST') throw e;
    } finally {
      unlinkSync(tmp);
    }
    if (linked) {
      return {
        held: () => readLock(lockPath) === token,
        release: () => {
          if (readLock(lockPath) !== token) return;
          try {
            unlinkSync(lockPath);
          } catch {
            // already gone
          }
        },
      };
    }
    const seen = readLock(lockPath);
    if (seen === undefined) continue;
    if (ownerAlive(seen)) return undefined;
    const aside = `${lockPath}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      renameSync(lockPath, aside);
    } catch (e) {
      if (errno(e) === 'ENOENT') continue;
      throw e;
    }
    if (readLock(aside) !== seen) {
      // We moved a fresh lock another process had just taken: give it back.
      try {
        linkSync(aside, lockPath);
      } catch {
        // a third process took the lock meanwhile; the fresh owner will see held() === false
      }
      unlinkSync(aside);
      return undefined;
    }
    unlinkSync(aside);
  }
  return undefined;
}
