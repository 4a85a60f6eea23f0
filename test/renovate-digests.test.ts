import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Handlebars from 'handlebars';
import { afterAll, describe, expect, it } from 'vitest';
import { IMAGES, imageRef, type PinnedImage } from '../config/versions';
import { parseImage } from '../lib/spec/fields';

/*
 * The platform's own images pinned by digest (config/versions.ts IMAGES, renovate.json's images
 * manager): Renovate's regex manager finds each `tag:` with the `digest:` under it, and writes an
 * update back by rendering `autoReplaceStringTemplate` with Handlebars (the library Renovate uses)
 * over the whole match. Here the same template, rendered by Handlebars, is written into a copy of
 * config/versions.ts, which is then imported: what synth would render after Renovate's PR.
 */

type Manager = { managerFilePatterns: string[]; matchStrings: string[]; autoReplaceStringTemplate?: string };
type Rule = Record<string, unknown> & { matchFileNames?: string[]; matchDatasources?: string[] };
const root = resolve(import.meta.dirname, '..');
const renovate = JSON.parse(readFileSync(join(root, 'renovate.json'), 'utf8')) as { customManagers: Manager[]; packageRules: Rule[] };
const manager = renovate.customManagers.find((m) => m.autoReplaceStringTemplate && m.managerFilePatterns.includes('/^config/versions\\.ts$/'))!;
const source = readFileSync(join(root, 'config/versions.ts'), 'utf8');
const digest = (c: string) => `sha256:${c.repeat(64)}`;
const dockerImages = Object.values(IMAGES as Record<string, PinnedImage>).filter((i) => i.repository !== IMAGES.barmanCloudPlugin.repository);

/** Renovate's replacement: each match of the dependency replaced by the template rendered with the match's groups and the update. */
function renovated(text: string, update: (groups: Record<string, string | undefined>) => { newValue: string; newDigest?: string } | undefined): string {
  const template = Handlebars.compile(manager.autoReplaceStringTemplate!, { noEscape: false });
  return text.replace(new RegExp(manager.matchStrings[0]!, 'g'), (match, ...rest) => {
    const groups = rest.at(-1) as Record<string, string | undefined>;
    const next = update(groups);
    return next ? template({ ...groups, ...next }) : match;
  });
}

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
async function importVersions(text: string): Promise<typeof import('../config/versions')> {
  const dir = mkdtempSync(join(tmpdir(), 'renovated-versions-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'versions.ts'), text);
  return import(join(dir, 'versions.ts'));
}

describe("the platform's images, pinned by digest through Renovate", () => {
  it('Renovate pins the registry images (not the Barman Cloud plugin, a chart value without a digest field) and merges digest PRs once green', () => {
    const pin = renovate.packageRules.find((r) => r.pinDigests === true)!;
    expect(pin).toMatchObject({ matchFileNames: ['config/versions.ts'], matchDatasources: ['docker'] });
    expect(renovate.packageRules.some((r) => r.automerge === true && JSON.stringify(r.matchUpdateTypes) === JSON.stringify(['digest', 'pinDigest']))).toBe(true);
  });

  it("a pinDigest PR adds a digest line under each registry image's tag; synth then renders repository:tag@digest", async () => {
    const pinned = renovated(source, (g) => (g.datasource === 'docker' && !g.currentDigest ? { newValue: g.currentValue!, newDigest: digest('a') } : undefined));
    expect(pinned.match(/^ {4}digest: 'sha256:a{64}',$/gm)).toHaveLength(dockerImages.length);
    const after = await importVersions(pinned);
    for (const [name, image] of Object.entries(after.IMAGES as Record<string, PinnedImage>)) {
      const was = (IMAGES as Record<string, PinnedImage>)[name]!;
      expect(image.tag, name).toBe(was.tag);
      if (name === 'barmanCloudPlugin') {
        expect(image.digest).toBeUndefined();
        continue;
      }
      expect(after.imageRef(image)).toBe(`${was.repository}:${was.tag}@${digest('a')}`);
      // The reference the pods get parses as the app schema and check-images parse it: tag and digest.
      expect(parseImage(after.imageRef(image))).toMatchObject({ repository: was.repository, tag: was.tag, digest: digest('a') });
    }
  });

  it('a later update moves tag and digest together, and a rebuilt tag only the digest; the manager still finds every image', async () => {
    const pinned = renovated(source, (g) => (g.datasource === 'docker' ? { newValue: g.currentValue!, newDigest: digest('a') } : undefined));
    const bumped = renovated(pinned, (g) => (g.depName === IMAGES.valkey.repository ? { newValue: '9.0.0-alpine', newDigest: digest('b') } : g.currentDigest ? { newValue: g.currentValue!, newDigest: digest('c') } : undefined));
    const found = [...bumped.matchAll(new RegExp(manager.matchStrings[0]!, 'g'))].map((m) => m.groups!);
    expect(found).toHaveLength(Object.keys(IMAGES).length);
    expect(found.find((g) => g.depName === IMAGES.valkey.repository)).toMatchObject({ currentValue: '9.0.0-alpine', currentDigest: digest('b') });
    expect(found.filter((g) => g.currentDigest === digest('c'))).toHaveLength(dockerImages.length - 1);
    const after = await importVersions(bumped);
    expect(after.imageRef(after.IMAGES.valkey)).toBe(`${IMAGES.valkey.repository}:9.0.0-alpine@${digest('b')}`);
  });

  it('as committed, every digest present is a sha256 digest, and an image without one renders as its tag', () => {
    for (const image of Object.values(IMAGES as Record<string, PinnedImage>)) if (image.digest) expect(image.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(imageRef({ repository: 'r.example/x', tag: '1' })).toBe('r.example/x:1');
  });
});
