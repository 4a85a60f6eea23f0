import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Replaces `dir` with exactly `files`: everything is written to a sibling temp folder first and
 * swapped in at the end, so a removed chart's file disappears and a failure leaves `dir` as it was.
 */
export function writeTreeAtomically(dir: string, files: ReadonlyMap<string, string>): void {
  const parent = dirname(dir);
  const staging = join(parent, `.${basename(dir)}-next-${process.pid}`);
  const previous = join(parent, `.${basename(dir)}-previous-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  try {
    for (const [path, content] of files) {
      const target = join(staging, path);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, content);
    }
    mkdirSync(staging, { recursive: true });
    const hadPrevious = existsSync(dir);
    if (hadPrevious) renameSync(dir, previous);
    try {
      renameSync(staging, dir);
    } catch (error) {
      if (hadPrevious) renameSync(previous, dir);
      throw error;
    }
    rmSync(previous, { recursive: true, force: true });
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
