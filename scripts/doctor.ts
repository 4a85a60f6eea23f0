// `npm run doctor`: the offline preflight. Lists every placeholder left in config/cluster.ts and
// bootstrap/state.ts, every value that disagrees between the config, the bootstrap and dist/, and
// (informational) every secret and identity to create, with where. Exit 1 while any finding is left.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCommandLine } from '../lib/cli';
import type { ClusterConfig } from '../lib/config';
import { planChanges, readConfigFiles } from '../lib/configure/files';
import { readObject } from '../lib/configure/source';
import { readDistDir } from '../lib/delivery/diff';
import { collectObjects } from '../lib/delivery/manifests';
import { checklist } from '../lib/doctor/checklist';
import { bootstrapOutputFindings, bootstrapStackFindings, distFindings, placeholderFindings, renderFindings, type Finding } from '../lib/doctor/findings';
import { SpecError } from '../lib/validation';

const usage = 'npm run doctor [-- --bootstrap-outputs <terraform output -json file>] [--network] [--findings-only]';
const about = `Offline by default. Fails (exit 1) while a placeholder is left in config/cluster.ts or
bootstrap/state.ts, or while dist/ or the synthesized bootstrap disagree with the config.
  --bootstrap-outputs <file>  also compare the reserved IP and firewall id with the bootstrap's outputs
  --network                   also check the zone's delegation to Cloudflare and that Infisical and
                              Grafana Cloud answer (DNS and HTTPS, no credentials)
  --findings-only             leave out the checklist of secrets and identities
`;
const options = {
  'bootstrap-outputs': { type: 'string' },
  network: { type: 'boolean', default: false },
  'findings-only': { type: 'boolean', default: false },
} as const;
// --help (usage, then `about`) is parseCommandLine's.
const { values } = parseCommandLine('doctor', { usage, about }, options);

const STACK_FILE = 'bootstrap/cdktf.out/stacks/hobby-bootstrap/cdk.tf.json';
const oneLine = (error: unknown) => (error instanceof SpecError ? error.problems.map((p) => `${error.file}: ${p}`) : [String((error as Error)?.message ?? error).split('\n')[0]!]);

async function main(): Promise<void> {
  const root = process.cwd();
  const findings: Finding[] = [];
  const files = readConfigFiles(root);
  findings.push(...placeholderFindings(readObject(files.cluster), readObject(files.state)));
  findings.push(...planChanges(files, []).problems);

  let cluster: ClusterConfig | undefined;
  let dist = new Map<string, string>();
  try {
    cluster = (await import('../config/cluster')).cluster;
  } catch (error) {
    if (!findings.length) findings.push(...oneLine(error));
  }
  if (cluster) {
    dist = readDistDir(join(root, 'dist'));
    const objects = [...collectObjects(dist).values()];
    findings.push(...distFindings(cluster, objects.map((o) => ({ ...o.manifest, file: o.file }))));
    try {
      const { appSources } = await import('virtual:apps');
      const { renderPlatform } = await import('../platform');
      findings.push(...renderFindings(dist, renderPlatform({ cluster, appSources }).files));
    } catch (error) {
      findings.push(...oneLine(error).map((line) => `${line} (apps/ do not render)`));
    }
    if (existsSync(join(root, STACK_FILE))) findings.push(...bootstrapStackFindings(cluster, STACK_FILE, JSON.parse(readFileSync(join(root, STACK_FILE), 'utf8'))));
    const outputsFile = values['bootstrap-outputs'];
    if (outputsFile) {
      try {
        findings.push(...bootstrapOutputFindings(cluster, outputsFile, JSON.parse(readFileSync(outputsFile, 'utf8'))));
      } catch (error) {
        findings.push(`${outputsFile}: (file): got ${(error as NodeJS.ErrnoException).code ?? 'text that is not JSON'}, expected the output of \`terraform output -json\``);
      }
    }
    if (values.network) {
      const { networkFindings } = await import('../lib/doctor/network');
      findings.push(...(await networkFindings(cluster)));
    }
  }

  if (findings.length) {
    console.log(`doctor: ${findings.length} finding(s):`);
    for (const line of findings) console.log(`  - ${line}`);
  } else {
    console.log(`doctor: no placeholders; config, bootstrap and dist/ agree${values.network ? '; network checks passed' : ''}.`);
  }
  if (cluster && !values['findings-only']) {
    const dir = join(root, '.github', 'workflows');
    const workflows = existsSync(dir) ? readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => ({ file: f, text: readFileSync(join(dir, f), 'utf8') })) : [];
    console.log('\nTo create once (doctor cannot see secrets; docs/day-one.md):');
    for (const line of checklist(cluster, [...collectObjects(dist).values()], workflows)) console.log(line);
  }
  process.exitCode = findings.length ? 1 : 0;
}

void main().then(() => process.exit());
