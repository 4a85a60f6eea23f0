// Generated app declarations for `npm run bench`: plain `export default { ... }` files (no imports),
// in the shapes real apps have, so N apps render about as many objects as N real ones would.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The spec of generated app `i`: a quarter each plain, with secrets and egress, autoscaled, with a volume. */
export function benchAppSpec(i: number): Record<string, unknown> {
  const spec: Record<string, unknown> = { image: `ghcr.io/bench/app-${i}:1.0.${i}`, port: 8080, hosts: [`app-${i}`], healthPath: '/healthz' };
  if (i % 4 === 1) Object.assign(spec, { secrets: true, egressPorts: [5432] });
  if (i % 4 === 2) Object.assign(spec, { autoscaling: { minReplicas: 2, maxReplicas: 4 } });
  if (i % 4 === 3) Object.assign(spec, { volume: { mountPath: '/data', size: '1Gi' } });
  return spec;
}

/** Replaces `dir` with `n` app files, `app-0.ts` ... `app-<n-1>.ts`. */
export function writeBenchApps(dir: string, n: number): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < n; i++) writeFileSync(join(dir, `app-${i}.ts`), `export default ${JSON.stringify(benchAppSpec(i))};\n`);
}

/** Kubernetes objects in every YAML file under `dir` (documents separated by `---` lines). */
export function countObjects(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) n += countObjects(path);
    else if (/\.ya?ml$/.test(e.name)) n += readFileSync(path, 'utf8').split(/^---$/m).filter((doc) => /^kind:/m.test(doc)).length;
  }
  return n;
}
