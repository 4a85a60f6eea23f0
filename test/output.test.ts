import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { writeTreeAtomically } from '../lib/output';
import { readTree } from './helpers';

/* How synth replaces dist/: whole or not at all, reusing the files whose text is unchanged. */

const work = mkdtempSync(join(tmpdir(), 'hobby-output-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('writeTreeAtomically', () => {
  test('adds, changes and removes files; an unchanged file is the same file (inode and mtime kept)', () => {
    const dir = join(work, 'dist');
    writeTreeAtomically(dir, new Map([['01-a/same.yaml', 'same\n'], ['01-a/edited.yaml', 'v1\n'], ['02-b/gone.yaml', 'x\n']]));
    const same = statSync(join(dir, '01-a/same.yaml'));
    const edited = statSync(join(dir, '01-a/edited.yaml'));

    writeTreeAtomically(dir, new Map([['01-a/same.yaml', 'same\n'], ['01-a/edited.yaml', 'v2\n'], ['03-c/new.yaml', 'new\n']]));
    expect(readTree(dir)).toEqual(new Map([['01-a/edited.yaml', 'v2\n'], ['01-a/same.yaml', 'same\n'], ['03-c/new.yaml', 'new\n']]));
    expect(readdirSync(dir).sort()).toEqual(['01-a', '03-c']);
    const sameAfter = statSync(join(dir, '01-a/same.yaml'));
    expect([sameAfter.ino, sameAfter.mtimeMs, sameAfter.nlink]).toEqual([same.ino, same.mtimeMs, 1]);
    // Same size, other text: written anew.
    expect(statSync(join(dir, '01-a/edited.yaml')).ino).not.toBe(edited.ino);
    // No staging or previous folder is left beside it.
    expect(readdirSync(work)).toEqual(['dist']);
  });

  test('a symbolic link where a file belongs becomes a plain file, even with the same text', () => {
    const dir = join(work, 'linked');
    mkdirSync(join(dir, '01-a'), { recursive: true });
    // The file holds its own path: the link's size (its target's length) equals the text's too.
    const elsewhere = join(work, 'elsewhere.yaml');
    writeFileSync(elsewhere, elsewhere);
    symlinkSync(elsewhere, join(dir, '01-a/x.yaml'));
    writeTreeAtomically(dir, new Map([['01-a/x.yaml', elsewhere]]));
    expect(lstatSync(join(dir, '01-a/x.yaml')).isFile()).toBe(true);
    expect(readFileSync(join(dir, '01-a/x.yaml'), 'utf8')).toBe(elsewhere);
    rmSync(elsewhere);
  });

  test('a failure part-way leaves the folder exactly as it was', () => {
    const dir = join(work, 'kept');
    writeTreeAtomically(dir, new Map([['01-a/x.yaml', 'x\n']]));
    const before = readTree(dir);
    // `01-a` cannot be both a folder and a file: the second write fails after the first succeeded.
    expect(() => writeTreeAtomically(dir, new Map([['01-a/x.yaml', 'changed\n'], ['01-a', 'a file\n']]))).toThrow();
    expect(readTree(dir)).toEqual(before);
    expect(existsSync(join(work, '.kept-next-' + process.pid))).toBe(false);
  });
});
