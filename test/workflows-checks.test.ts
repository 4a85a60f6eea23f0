import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/* pr.yml's upgrade and supply-chain checks: check-upgrade, check-images, Trivy and Renovate's validator (actionlint and the rest: workflows.test.ts). */

const root = resolve(import.meta.dirname, '..');
type Step = { uses?: string; with?: Record<string, any>; run?: string; name?: string; id?: string; if?: string };
const load = (f: string) => parse(readFileSync(join(root, '.github/workflows', f), 'utf8')) as { jobs: Record<string, { steps: Step[] }> };

describe('pr.yml: upgrades, images, scanners', () => {
  it('checks dist/ and the charts against the next Kubernetes minor\'s API server, and against the cluster\'s new version when a PR bumps it', () => {
    const steps = load('pr.yml').jobs.check!.steps;
    const upgrade = steps.findIndex((s) => s.id === 'upgrade');
    const run = steps[upgrade]!.run!;
    expect(run).toContain('npm run -s check-upgrade -- --to next --charts "$charts" --out "$RUNNER_TEMP/upgrade-next.md" || true');
    expect(run).toContain('git show "origin/$BASE_REF:config/cluster.ts"');
    expect(run).toContain('npm run -s check-upgrade -- --to cluster --charts "$charts" --out "$RUNNER_TEMP/upgrade-cluster.md" || status=$?');
    // After the charts are pulled, before the comment is uploaded; a refused cluster bump fails the job.
    expect(upgrade).toBeGreaterThan(steps.findIndex((s) => s.id === 'rendered'));
    expect(upgrade).toBeLessThan(steps.findIndex((s) => s.with?.name === 'rendered-diff-comment'));
    expect(steps.find((s) => s.if === "steps.upgrade.outputs.cluster != '0'")?.run).toContain('exit 1');
    // The next minor's build is cached with the cluster's, keyed by the file that pins it.
    const key = steps.find((s) => s.with?.path === '~/.cache/hobby-infra/control-plane')?.with?.key;
    expect(key).toContain("'config/kubernetes-releases.ts'");
    expect(key).toContain("'scripts/build-control-plane.sh'");
  });

  it('resolves every image and scans the rendered manifests and the added images with Trivy at a pinned release, its threshold and allow-list in the repository', () => {
    const steps = load('pr.yml').jobs.check!.steps;
    const at = (id: string) => steps.findIndex((s) => s.id === id);
    const images = steps[at('images')]!.run!;
    expect(images).toContain('npm run -s check-images -- --charts "$charts" --rendered-out "$RUNNER_TEMP/manifests/charts" --out "$RUNNER_TEMP/images.md" || status=$?');
    expect(images).toContain('npm run -s check-images -- --charts "$charts" --base "origin/$BASE_REF" --list > "$RUNNER_TEMP/changed-images.txt"');
    expect(images).toContain('cp -r dist "$RUNNER_TEMP/manifests/dist"');
    const trivy = steps[at('trivy-config')]!;
    expect(trivy.uses).toBe('aquasecurity/trivy-action@ed142fd0673e97e23eac54620cfb913e5ce36c25');
    expect(trivy.with).toEqual({ version: 'v0.70.0', 'scan-type': 'config', 'scan-ref': '${{ runner.temp }}/manifests', 'trivy-config': 'trivy.yaml', output: '${{ runner.temp }}/trivy-config.txt' });
    expect(steps[at('trivy-images')]!.run).toContain('trivy image --config trivy.yaml');
    // Both scans and the image check run before the comment is uploaded, and fail the job after it.
    const comment = steps.findIndex((s) => s.with?.name === 'rendered-diff-comment');
    for (const id of ['images', 'trivy-config', 'trivy-images']) expect(at(id), id).toBeLessThan(comment);
    expect(at('images')).toBeGreaterThan(at('rendered'));
    const failing = steps.slice(comment).map((s) => s.if);
    expect(failing).toContain("steps.images.outputs.images != '0'");
    expect(failing).toContain("steps.trivy-config.outcome == 'failure' || steps.trivy-images.outcome == 'failure'");
    expect(steps.find((s) => s.with?.path === '~/.cache/hobby-infra/registry-oracle')?.with?.key).toContain('test/oracles/registry/**');
    // The cluster suite's Trivy (test/cluster/trivy.test.ts) is built at the release above, cached.
    expect(steps.find((s) => s.with?.path === '~/.cache/hobby-infra/trivy')?.with?.key).toBe("trivy-${{ hashFiles('.github/workflows/pr.yml', 'scripts/build-trivy.sh') }}");
    // trivy.yaml holds the threshold and names the allow-list.
    const config = parse(readFileSync(join(root, 'trivy.yaml'), 'utf8'));
    expect(config).toMatchObject({ severity: ['HIGH', 'CRITICAL'], 'exit-code': 1, ignorefile: '.trivyignore.yaml' });
  });

  it('allows a Trivy finding only with a reason, a scope and a date to look at it again', () => {
    const allow = parse(readFileSync(join(root, '.trivyignore.yaml'), 'utf8')) as Record<string, { id: string; paths?: string[]; statement?: string; expired_at?: string }[]>;
    expect(Object.keys(allow).every((k) => ['misconfigurations', 'vulnerabilities'].includes(k))).toBe(true);
    for (const entry of Object.values(allow).flat()) {
      expect(entry.id).toMatch(/^(KSV-\d{4,5}|CVE-\d{4}-\d+|GHSA-[\w-]+)$/);
      expect(entry.statement?.length ?? 0, entry.id).toBeGreaterThan(40);
      // Scoped to the files it is about (a chart's output, one dist/ file), never the whole scan; the
      // apps' files together only for a check synth itself enforces unless an app opts out with a
      // reason (KSV-0014, a writable root: test/cluster/trivy.test.ts holds the findings to the opt-outs).
      expect(entry.paths?.length, entry.id).toBeGreaterThan(0);
      const scope = entry.id === 'KSV-0014' ? /^dist\/0[45]-[a-z-]+\/app-\*\.yaml$/ : /^(charts\/[a-z0-9-]+\.yaml|dist\/0\d-[a-z-]+\/[a-z0-9-]+\.yaml)$/;
      for (const path of entry.paths!) expect(path, entry.id).toMatch(scope);
      expect(String(entry.expired_at), entry.id).toMatch(/^\d{4}-\d{2}-\d{2}/);
    }
  });

  it('validates renovate.json with Renovate\'s own validator at a pinned release, run with npx and never installed by npm ci', () => {
    const job = load('pr.yml').jobs['renovate-config']!;
    expect(job.steps.map((s) => s.run).filter(Boolean)).toEqual([/* the only command */ 'npx --yes --package renovate@44.121.2 -- renovate-config-validator --strict']);
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    expect({ ...pkg.dependencies, ...pkg.devDependencies }).not.toHaveProperty('renovate');
    expect(readFileSync(join(root, 'package-lock.json'), 'utf8')).not.toContain('"node_modules/renovate"');
  });

});
