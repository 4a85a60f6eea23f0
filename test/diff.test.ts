import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { HEADER } from '../lib/render';
import { fixtureCluster as cluster } from './fixtures/cluster';
import { renderPlatform } from '../platform';
import { appFile, tempGitRepo } from './helpers';
import { collectObjects } from '../lib/delivery/manifests';
import type { ChartDiff } from '../lib/delivery/helm';
import { defaultBase, diffDist, diffObjects, fieldChanges, readDistAtRef, readDistDir, type DiffResult } from '../lib/delivery/diff';
import { MAX_COMMENT_CHARS, renderMarkdown } from '../lib/delivery/diff-report';
import { unifiedDiff } from '../lib/delivery/line-diff';

/* `npm run diff` against small git repositories built in a temporary folder. */

const root = resolve(import.meta.dirname, '..');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));


const repo = () => tempGitRepo('diff-test-', dirs);

const appNamespace = (name: string) => `${HEADER}apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n`;
const appWorkload = (name: string, image: string, replicas = 2) => `${HEADER}apiVersion: v1
kind: Service
metadata:
  name: ${name}
  namespace: ${name}
spec:
  ports:
    - port: 80
      targetPort: 8080
  selector:
    app.kubernetes.io/name: ${name}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  labels:
    app.kubernetes.io/name: ${name}
  name: ${name}
  namespace: ${name}
spec:
  replicas: ${replicas}
  selector:
    matchLabels:
      app.kubernetes.io/name: ${name}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: ${name}
    spec:
      containers:
        - image: ${image}
          name: app
          ports:
            - containerPort: 8080
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny
  namespace: ${name}
spec:
  podSelector: {}
  policyTypes:
    - Ingress
`;
const helmChart = (exposedPort: number) => `${HEADER}apiVersion: helm.cattle.io/v1
kind: HelmChart
metadata:
  name: traefik
  namespace: kube-system
spec:
  chart: traefik
  repo: https://traefik.github.io/charts
  targetNamespace: traefik
  valuesContent: |
    deployment:
      replicas: 2
    ports:
      web:
        port: 8000
        exposedPort: ${exposedPort}
      websecure:
        port: 8443
        exposedPort: 443
  version: 41.4.0
`;

function seed(r: ReturnType<typeof repo>) {
  r.write('README.md', 'test\n');
  r.write('dist/01-prerequisites/app-blog.yaml', appNamespace('blog'));
  r.write('dist/01-prerequisites/app-shop.yaml', appNamespace('shop'));
  r.write('dist/02-helm-charts/traefik.yaml', helmChart(80));
  r.write('dist/04-apps/app-blog.yaml', appWorkload('blog', 'ghcr.io/a/blog:1.0.0'));
  r.write('dist/04-apps/app-shop.yaml', appWorkload('shop', 'ghcr.io/a/shop:2.0.0'));
  r.commit('seed');
}

function runCli(cwd: string, ...args: string[]): string {
  return execFileSync(process.execPath, [join(root, 'scripts/run.mjs'), join(root, 'scripts/diff.ts'), ...args], { cwd, encoding: 'utf8' });
}

const changedLines = (md: string) => md.split('\n').filter((l) => l.startsWith('<details><summary>🟡 changed'));
const removedLines = (md: string) => md.split('\n').filter((l) => l.startsWith('<details><summary>🔴 removed'));
const addedLines = (md: string) => md.split('\n').filter((l) => l.startsWith('<details><summary>🟢 added'));

function diffWorktree(dir: string, base = 'HEAD'): DiffResult {
  return diffDist(readDistAtRef(dir, base), readDistDir(join(dir, 'dist')));
}

describe('field changes', () => {
  it('reports leaves with array indices and quoted odd keys', () => {
    const before = { metadata: { labels: { 'app.kubernetes.io/name': 'a' } }, spec: { containers: [{ image: 'x:1', name: 'a' }] } };
    const after = { metadata: { labels: { 'app.kubernetes.io/name': 'b' } }, spec: { containers: [{ image: 'x:2', name: 'a' }, { image: 'y', name: 'b' }] } };
    expect(fieldChanges(before, after)).toEqual([
      { path: 'metadata.labels["app.kubernetes.io/name"]', op: 'changed', before: 'a', after: 'b' },
      { path: 'spec.containers[0].image', op: 'changed', before: 'x:1', after: 'x:2' },
      { path: 'spec.containers[1]', op: 'added', after: { image: 'y', name: 'b' } },
    ]);
  });

  it('makes a unified diff with hunks', () => {
    const a = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].join('\n');
    const b = ['a', 'b', 'c', 'D', 'e', 'f', 'g', 'h'].join('\n');
    expect(unifiedDiff(a, b, 1)).toBe(['@@ -3,3 +3,3 @@', ' c', '-d', '+D', ' e'].join('\n'));
    expect(unifiedDiff(a, a)).toBe('');
  });
});

describe('npm run diff on a git repository', () => {
  it('an image tag change is exactly one changed object with one changed field', () => {
    const r = repo();
    seed(r);
    r.write('dist/04-apps/app-blog.yaml', appWorkload('blog', 'ghcr.io/a/blog:1.1.0'));
    const result = diffWorktree(r.dir);
    expect(result.added).toEqual([]);
    expect(result.removed).toEqual([]);
    expect(result.changed).toHaveLength(1);
    expect(result.changed[0]!.name).toBe('Deployment blog/blog');
    expect(result.changed[0]!.fields).toEqual([
      { path: 'spec.template.spec.containers[0].image', op: 'changed', before: 'ghcr.io/a/blog:1.0.0', after: 'ghcr.io/a/blog:1.1.0' },
    ]);

    const md = runCli(r.dir, '--base', 'HEAD');
    expect(md).toContain('## Rendered diff');
    expect(md).toContain('**0 added, 0 removed, 1 changed**');
    expect(changedLines(md)).toEqual([
      '<details><summary>🟡 changed <code>Deployment blog/blog</code>: <code>spec.template.spec.containers[0].image: ghcr.io/a/blog:1.0.0 → ghcr.io/a/blog:1.1.0</code></summary>',
    ]);
    expect(md).toContain('-        - image: ghcr.io/a/blog:1.0.0\n+        - image: ghcr.io/a/blog:1.1.0');
    expect(removedLines(md)).toEqual([]);
    expect(addedLines(md)).toEqual([]);
  });

  it('a removed app lists every one of its objects as removed', () => {
    const r = repo();
    seed(r);
    r.rm('dist/01-prerequisites/app-shop.yaml');
    r.rm('dist/04-apps/app-shop.yaml');
    const result = diffWorktree(r.dir);
    expect(result.changed).toEqual([]);
    expect(result.removed.map((o) => o.key).sort()).toEqual(
      ['/Namespace//shop', '/Service/shop/shop', 'apps/Deployment/shop/shop', 'networking.k8s.io/NetworkPolicy/shop/default-deny'].sort(),
    );
    const md = runCli(r.dir, '--base', 'HEAD');
    expect(md).toContain('**0 added, 4 removed, 0 changed**');
    expect(removedLines(md).map((l) => /<code>(.*?)<\/code>/.exec(l)![1]).sort()).toEqual(
      ['Deployment shop/shop', 'Namespace shop', 'NetworkPolicy shop/default-deny', 'Service shop/shop'].sort(),
    );
  });

  it('a HelmChart values change shows the value path inside valuesContent', () => {
    const r = repo();
    seed(r);
    r.write('dist/02-helm-charts/traefik.yaml', helmChart(8080));
    const result = diffWorktree(r.dir);
    expect(result.changed).toHaveLength(1);
    expect(result.changed[0]!.name).toBe('HelmChart.helm.cattle.io kube-system/traefik');
    expect(result.changed[0]!.fields).toEqual([{ path: 'spec.valuesContent.ports.web.exposedPort', op: 'changed', before: 80, after: 8080 }]);
    const md = renderMarkdown(result);
    expect(md).toContain('spec.valuesContent.ports.web.exposedPort: 80 → 8080');
    // The folded YAML shows the values as YAML, not as one changed string.
    expect(md).toContain('-        exposedPort: 80\n+        exposedPort: 8080');
  });

  it('headers, document order and file moves make no noise', () => {
    const r = repo();
    seed(r);
    const text = readFileSync(join(r.dir, 'dist/04-apps/app-blog.yaml'), 'utf8');
    const docs = text.replace(HEADER, '').split('---\n');
    r.write('dist/04-apps/app-blog.yaml', `# another generator header\n${[...docs].reverse().join('---\n')}`);
    // Moving the namespace into another file of the same phase is not a change either.
    r.rm('dist/01-prerequisites/app-blog.yaml');
    r.write('dist/01-prerequisites/blog-renamed.yaml', appNamespace('blog'));
    const result = diffWorktree(r.dir);
    expect(result).toMatchObject({ added: [], removed: [], changed: [], unchanged: 9 });
    expect(runCli(r.dir, '--base', 'HEAD')).toContain('No Kubernetes object changes');
  });

  it('defaults to the merge-base with main, and a base without dist/ adds everything', () => {
    const r = repo();
    r.write('README.md', 'no dist yet\n');
    r.commit('empty');
    r.git('checkout', '-q', '-b', 'feature');
    seed(r);
    expect(defaultBase(r.dir)).toBe(r.git('rev-parse', 'main').trim());
    const md = runCli(r.dir);
    expect(md).toContain('**9 added, 0 removed, 0 changed**');
    expect(addedLines(md)).toHaveLength(9);

    // --head compares two commits; --out writes the file.
    const out = join(r.dir, 'diff.md');
    runCli(r.dir, '--base', 'main', '--head', 'feature', '--out', out);
    expect(readFileSync(out, 'utf8')).toContain('**9 added, 0 removed, 0 changed**');
  });

  it('on a rendered dist/: one app image bump is one object, one field; removing the app removes all its objects', () => {
    // The platform as synth renders it (committed config), with apps of the test's own: one that has
    // an object in every phase an app writes to (a database, a cache, a volume, a one-off job, a cron
    // job, an autoscaled web component), and one that stays.
    const ledger = (webTag: string) => ({
      hosts: ['ledger'],
      components: {
        web: { image: `ghcr.io/me/ledger:${webTag}`, port: 8080, databaseEnv: { DATABASE_URL: 'uri' }, cacheEnv: { REDIS_URL: 'url' }, autoscaling: { minReplicas: 2, maxReplicas: 3 } },
        worker: { image: 'ghcr.io/me/ledger-worker:1.0.0', cacheEnv: { REDIS_URL: 'url' }, volume: { mountPath: '/data', size: '1Gi' }, egressPorts: [443] },
      },
      jobs: { migrate: { image: 'ghcr.io/me/ledger:1.0.0', args: ['migrate'], databaseEnv: { DATABASE_URL: 'uri' } } },
      cronJobs: { report: { image: 'ghcr.io/me/ledger:1.0.0', args: ['report'], schedule: '0 3 * * *', databaseEnv: { DATABASE_URL: 'uri' } } },
      cache: {},
      database: { size: '1Gi' },
    });
    const blog = appFile('blog', { image: 'ghcr.io/me/blog:1.0.0', port: 8080, hosts: ['blog'] });
    const writeDist = (r: ReturnType<typeof repo>, files: ReadonlyMap<string, string>) => {
      r.rm('dist');
      for (const [path, text] of files) r.write(`dist/${path}`, text);
    };
    const before = renderPlatform({ cluster, appSources: [appFile('ledger', ledger('1.0.0')), blog] }).files;
    const appFiles = [...before.keys()].filter((f) => f.endsWith('/app-ledger.yaml'));
    expect(appFiles.sort()).toEqual(['01-prerequisites/app-ledger.yaml', '04-apps/app-ledger.yaml', '05-rollouts/app-ledger.yaml']);

    const r = repo();
    writeDist(r, before);
    r.commit('rendered dist');
    writeDist(r, renderPlatform({ cluster, appSources: [appFile('ledger', ledger('1.0.1')), blog] }).files);
    const bump = diffWorktree(r.dir);
    expect(bump.added.length + bump.removed.length).toBe(0);
    expect(bump.changed.map((c) => c.name)).toEqual(['Deployment ledger/ledger-web']);
    expect(bump.changed[0]!.fields).toEqual([{ path: 'spec.template.spec.containers[0].image', op: 'changed', before: 'ghcr.io/me/ledger:1.0.0', after: 'ghcr.io/me/ledger:1.0.1' }]);
    expect(changedLines(runCli(r.dir, '--base', 'HEAD'))).toHaveLength(1);

    writeDist(r, renderPlatform({ cluster, appSources: [blog] }).files);
    const count = appFiles.reduce((n, f) => n + parseAllDocuments(before.get(f)!).filter((d) => d.toJS()).length, 0);
    const removal = diffWorktree(r.dir);
    // Beside the app's own objects, only its restore drills go (and the drills' quota shrinks).
    const drills = (c: { key: string }) => c.key.includes('/restore-drills/');
    expect(removal.changed.map((c) => c.name)).toEqual(['ResourceQuota restore-drills/restore-drills']);
    expect(removal.added).toEqual([]);
    expect(removal.removed.filter((c) => !drills(c))).toHaveLength(count);
    expect(removal.removed.filter(drills).map((c) => c.key)).toEqual(expect.arrayContaining(['batch/CronJob/restore-drills/database-ledger']));
    expect(removedLines(runCli(r.dir, '--base', 'HEAD'))).toHaveLength(removal.removed.length);
  });

  it('keeps the comment under the size limit by leaving out details, never summaries', () => {
    const r = repo();
    r.write('README.md', 'x\n');
    r.commit('empty');
    for (let i = 0; i < 40; i++) r.write(`dist/04-apps/app-${i}.yaml`, appWorkload(`app-${i}`, 'ghcr.io/a/x:1'));
    const md = renderMarkdown(diffWorktree(r.dir), { maxChars: 20_000 });
    expect(md.length).toBeLessThanOrEqual(20_000);
    expect(addedLines(md)).toHaveLength(120);
    expect(md).toContain('Details left out');
  });

  it('folds each rendered chart into its own section, and cuts a comment too long even for summaries, pointing at the full report', () => {
    // What a big chart bump renders: 400 objects, each changed (test/helm/ renders a real chart).
    const rendered = (tag: string) =>
      new Map([['chart.yaml', Array.from({ length: 400 }, (_, i) => appWorkload(`svc-${i}`, `ghcr.io/a/x:${tag}`).replace(HEADER, '')).join('---\n')]]);
    const chart: ChartDiff = {
      key: 'helm.cattle.io/HelmChart/kube-system/big',
      name: 'HelmChart.helm.cattle.io kube-system/big',
      chart: 'big',
      before: '1.0.0',
      after: '2.0.0',
      namespace: 'big',
      result: diffObjects(collectObjects(rendered('1')), collectObjects(rendered('2'))),
    };
    const dist = diffDist(new Map([['02-helm-charts/big.yaml', helmChart(80)]]), new Map([['02-helm-charts/big.yaml', helmChart(8080)]]));
    const full = renderMarkdown(dist, { charts: [chart], maxChars: Number.MAX_SAFE_INTEGER });
    expect(full).toContain('<details><summary>📦 <code>HelmChart.helm.cattle.io kube-system/big</code> 1.0.0 → 2.0.0: 0 added, 0 removed, 400 changed (800 unchanged)</summary>');
    expect(changedLines(full)).toHaveLength(401);
    expect(full.length).toBeGreaterThan(MAX_COMMENT_CHARS);

    const fullReport = 'the workflow artifact `rendered-diff`';
    const comment = renderMarkdown(dist, { charts: [chart], fullReport });
    expect(comment.length).toBeLessThanOrEqual(MAX_COMMENT_CHARS);
    expect(comment).toContain('spec.valuesContent.ports.web.exposedPort: 80 → 8080');
    expect(comment).toMatch(/The comment is cut to fit GitHub's size limit: the full report is the workflow artifact `rendered-diff`\.\*\* \(\d+ more objects\)/);
    // Every <details> it opens is closed again.
    expect(comment.split('<details>').length).toBe(comment.split('</details>').length);

    // Without --charts, a HelmChart change says how to see what it renders.
    expect(renderMarkdown(dist, { chartsNote: 'Charts not rendered' })).toContain('_Charts not rendered_');
  });
});
