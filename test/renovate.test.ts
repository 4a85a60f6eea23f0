import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CHARTS, IMAGES, type PinnedImage } from '../config/versions';
import { setImageInSource } from '../lib/app-files';
import { parseImage } from '../lib/spec/fields';

/* renovate.json against what it manages: config/versions.ts, cdk8s.yaml, the apps' images, npm. */

const root = resolve(import.meta.dirname, '..');
const Renovate = z.strictObject({
  $schema: z.string().url(),
  extends: z.array(z.string()),
  dependencyDashboard: z.boolean(),
  schedule: z.array(z.string()),
  internalChecksFilter: z.enum(['strict', 'flexible', 'none']),
  prCreation: z.enum(['immediate', 'not-pending', 'status-success', 'approval']),
  gitIgnoredAuthors: z.array(z.string()),
  customManagers: z
    .array(
      z.strictObject({
        customType: z.literal('regex'),
        description: z.string().optional(),
        managerFilePatterns: z.array(z.string().regex(/^\/.*\/$/)).min(1),
        matchStrings: z.array(z.string()).min(1),
        depNameTemplate: z.string().optional(),
        datasourceTemplate: z.string().optional(),
        registryUrlTemplate: z.string().optional(),
        autoReplaceStringTemplate: z.string().optional(),
      }),
    )
    .min(1),
  packageRules: z.array(
    z.strictObject({
      description: z.string(),
      matchDatasources: z.array(z.string()).optional(),
      matchPackageNames: z.array(z.string()).optional(),
      matchFileNames: z.array(z.string()).optional(),
      matchUpdateTypes: z.array(z.enum(['major', 'minor', 'patch', 'digest', 'pinDigest', 'pin'])).optional(),
      matchManagers: z.array(z.string()).optional(),
      matchDepTypes: z.array(z.string()).optional(),
      allowedVersions: z.string().optional(),
      minimumReleaseAge: z.string().regex(/^\d+ (day|days|week|weeks)$/).optional(),
      minimumReleaseAgeBehaviour: z.enum(['timestamp-required', 'timestamp-optional']).optional(),
      groupName: z.string().optional(),
      schedule: z.array(z.string()).optional(),
      automerge: z.boolean().optional(),
      pinDigests: z.boolean().optional(),
    }),
  ),
});
const config = Renovate.parse(JSON.parse(readFileSync(join(root, 'renovate.json'), 'utf8')));
const managersFor = (path: string) => config.customManagers.filter((m) => m.managerFilePatterns.some((p) => new RegExp(p.slice(1, -1)).test(path)));

describe('renovate.json', () => {
  const versionsPath = 'config/versions.ts';
  const source = readFileSync(join(root, versionsPath), 'utf8');

  it('has the shape Renovate expects for the fields we use (unknown fields are refused, so a typo cannot pass)', () => {
    expect(config.extends).toContain('config:recommended');
    expect(() => Renovate.parse({ ...config, minimumReleaseAges: '3 days' })).toThrow();
  });

  it('holds npm updates back until the release is 3 days old, and opens no branch before that', () => {
    const npm = config.packageRules.filter((r) => r.matchDatasources?.includes('npm') && r.minimumReleaseAge);
    expect(config.prCreation).toBe('not-pending');
    expect(npm).toHaveLength(1);
    expect(npm[0]!.matchPackageNames).toBeUndefined();
    expect(Number.parseInt(npm[0]!.minimumReleaseAge!, 10) * (/week/.test(npm[0]!.minimumReleaseAge!) ? 7 : 1)).toBeGreaterThanOrEqual(3);
    expect(config.internalChecksFilter).toBe('strict');
  });

  it('its regexes capture every chart version and image tag in config/versions.ts, with the right values', () => {
    expect(managersFor(versionsPath)).toHaveLength(2); // the charts', and the images' (test/renovate-digests.test.ts)
    const matches = managersFor(versionsPath).flatMap((m) => m.matchStrings.flatMap((s) => [...source.matchAll(new RegExp(s, 'g'))].map((x) => ({ ...x.groups }))))
      .map(({ currentDigest, ...rest }) => ({ ...rest, ...(currentDigest ? { currentDigest } : {}) }));
    const expected = Object.values(CHARTS).map((c) => ({ datasource: 'helm', depName: c.chart, registryUrl: c.repo, currentValue: c.version }));
    const images = [
      { datasource: 'github-releases', depName: 'cloudnative-pg/plugin-barman-cloud', currentValue: IMAGES.barmanCloudPlugin.tag },
      ...[IMAGES.postgres, IMAGES.valkey, IMAGES.kubectl, IMAGES.busybox, IMAGES.restic, IMAGES.oauth2Proxy].map((i: PinnedImage) => ({ datasource: 'docker', depName: i.repository, currentValue: i.tag, ...(i.digest ? { currentDigest: i.digest } : {}) })),
    ];
    expect(matches).toEqual(expect.arrayContaining([...expected, ...images]));
    expect(matches).toHaveLength(expected.length + images.length);
    // Every `version:` and `tag:` line is covered (one added without its renovate comment would be missed).
    expect(source.match(/^\s*version: '/gm)).toHaveLength(expected.length);
    expect(source.match(/^\s*tag: '/gm)).toHaveLength(images.length);
  });

  it('moves the CRD sources in cdk8s.yaml with their chart, as the same dependency (one PR)', () => {
    const cdk8s = readFileSync(join(root, 'cdk8s.yaml'), 'utf8');
    const found = managersFor('cdk8s.yaml').flatMap((m) =>
      m.matchStrings.flatMap((re) => [...cdk8s.matchAll(new RegExp(re, 'g'))].map((match) => ({ depName: m.depNameTemplate, registryUrl: m.registryUrlTemplate, datasource: m.datasourceTemplate, currentValue: match.groups!.currentValue }))),
    );
    const charts = Object.values(CHARTS) as { chart: string; repo: string; version: string }[];
    expect(found.length).toBeGreaterThanOrEqual(7);
    for (const dep of found) {
      const chart = charts.find((c) => c.chart === dep.depName)!;
      expect(dep, dep.depName).toEqual({ depName: chart.chart, registryUrl: chart.repo, datasource: 'helm', currentValue: chart.version });
    }
  });

  it('package rules name packages that exist', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    const npmPackages = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies });
    // The depNames the config/versions.ts comments declare (a github-releases name is owner/repo).
    const declared = [...source.matchAll(/renovate: datasource=\S+ depName=(\S+)/g)].map((m) => m[1]!);
    // The workflows' actions (owner/repo of each `uses:`) and the custom managers' own dependency names.
    const workflows = readdirSync(join(root, '.github/workflows')).map((f) => readFileSync(join(root, '.github/workflows', f), 'utf8')).join('\n');
    const actions = [...workflows.matchAll(/uses: ([\w.-]+\/[\w.-]+)@/g)].map((m) => m[1]!);
    const templated = config.customManagers.map((m) => m.depNameTemplate).filter((n): n is string => !!n);
    const names = new Set([...Object.values(CHARTS).map((c) => c.chart), ...Object.values(IMAGES).map((i) => i.repository), ...declared, ...npmPackages, ...actions, ...templated]);
    for (const rule of config.packageRules) {
      for (const name of rule.matchPackageNames ?? []) {
        // A /regex/ must match at least one package; a plain name must be one.
        if (name.startsWith('/')) expect(npmPackages.some((p) => new RegExp(name.slice(1, -1)).test(p)), name).toBe(true);
        else expect(names).toContain(name);
      }
    }
  });
});

describe('app images come from Renovate watching their registries (no token of this repository in app repositories)', () => {
  const managers = managersFor('apps/site.ts');
  const manager = managers[0]!;
  // The examples (not the user's apps/) and the shapes an app may write its image in.
  const examples = readdirSync(join(root, 'examples')).filter((f) => f.endsWith('.ts')).map((f) => readFileSync(join(root, 'examples', f), 'utf8'));
  const shapes = [
    `export default defineApp({ image: "registry.example.com:5000/team/app:2.0.1", port: 80 });`,
    `processes: { web: { image: 'ghcr.io/me/web:1.2.3@sha256:${'c'.repeat(64)}', port: 8080 }, worker: { image: 'ghcr.io/me/worker:1.2.3' } }`,
    `const api = 'ghcr.io/me/api:3.1.0'; // an image held in a variable is not an image: line: neither set-image nor Renovate move it`,
  ];
  const captures = (text: string) => manager.matchStrings.flatMap((s) => [...text.matchAll(new RegExp(s, 'g'))].map((m) => ({ ...m.groups })));

  it('scans apps/*.ts only, as docker images', () => {
    expect(managers).toHaveLength(1);
    expect(manager.datasourceTemplate).toBe('docker');
    for (const path of ['examples/site.ts', 'apps/site/index.ts', 'apps/site.tsx', 'config/versions.ts']) expect(managersFor(path), path).not.toContain(manager);
  });

  it('captures exactly the image: lines set-image edits, split as the app schema splits them', () => {
    let seen = 0;
    for (const text of [...examples, ...shapes]) {
      const expected = [...text.matchAll(/\bimage:\s*(['"])([^'"\n]+)\1/g)].map((m) => parseImage(m[2]!)!).filter((i) => i.tag)
        .map((i) => ({ depName: i.repository, currentValue: i.tag, currentDigest: i.digest }));
      expect(captures(text)).toEqual(expected);
      seen += expected.length;
    }
    expect(seen).toBeGreaterThanOrEqual(12);
    expect(captures(shapes[0]!)).toEqual([{ depName: 'registry.example.com:5000/team/app', currentValue: '2.0.1', currentDigest: undefined }]);
  });

  it('bumps an app the way `npm run set-image` does: the same lines, the same text', () => {
    for (const text of [...examples, ...shapes]) {
      for (const { depName, currentValue, currentDigest } of captures(text)) {
        if (currentDigest) continue; // a digest moves with its tag: Renovate looks the new one up
        // Renovate replaces currentValue inside each match of the dependency.
        const renovated = text.replace(new RegExp(manager.matchStrings[0]!, 'g'), (match, ...rest) => {
          const groups = rest.at(-1) as Record<string, string>;
          return groups.depName === depName ? match.replace(`:${currentValue}`, ':99.0.0') : match;
        });
        expect(renovated).toBe(setImageInSource(text, `${depName}:99.0.0`, 'fixture.ts'));
      }
    }
  });
});
