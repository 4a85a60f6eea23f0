import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { DEPLOY_SERVICE_ACCOUNT, DRIFT_SERVICE_ACCOUNT } from '../../lib/delivery/deploy-identity';
import { kubernetesVersionOf, startControlPlane, type ControlPlane } from '../../lib/delivery/control-plane';
import { playCertManager } from './cert-manager-stand-in';
import { playExternalSecrets, type ExternalSecretsOptions } from './external-secrets-stand-in';
import { playHelmController } from './helm-controller-stand-in';
import { playKubeletLogs } from './kubelet-logs';
import { playCloudNativePG, playVolSync } from './operator-stand-ins';
import { playKubelet, type StandIn } from './stand-ins';
import type { AppSource } from '../../lib/spec/app';
import type { ClusterConfig } from '../../lib/config';
import { fixtureCluster } from '../fixtures/cluster';
import { render } from '../helpers';

/** What a test asks of the stand-ins (test/cluster/stand-ins.ts and the controllers' stand-ins). */
export interface StandInOptions {
  /** Infisical keys the played Infisical does not hold: ExternalSecrets that read them fail (external-secrets-stand-in.ts). */
  readonly absentKeys?: ExternalSecretsOptions['absentKeys'];
  /** Played Infisical values (default `stand-in`). */
  readonly externalSecretValues?: ExternalSecretsOptions['values'];
  /** HelmChart names whose `helm-delete-<name>` Job's helm fails (played-helm.ts). */
  readonly failingHelmDeletes?: readonly string[];
}

/** A control plane with the stand-ins running (kubelet, helm-controller, cloudnative-pg, volsync, cert-manager, external-secrets), for one test file. */
export interface TestCluster extends ControlPlane {
  /** Stand-in log lines, in order (also printed). */
  readonly played: string[];
  /**
   * The environment of the deploy job: KUBECONFIG holds a short-lived token of the deploy
   * identity (lib/delivery/deploy-identity.ts), not the admin's.
   */
  readonly deployEnv: NodeJS.ProcessEnv;
  /** The same for the drift identity (`npm run apply -- --drift` in the drift check). */
  readonly driftEnv: NodeJS.ProcessEnv;
}

/** The repository root (tests run in it). */
export const REPO = resolve(import.meta.dirname, '../..');

/** The control plane at the version the tests' cluster config pins (test/fixtures/cluster.ts, never the user's config/cluster.ts). */
export const startPinnedControlPlane = () => startControlPlane({ version: kubernetesVersionOf(fixtureCluster), root: REPO });

/** A kubeconfig for this control plane that holds a short-lived token of one ServiceAccount, as CI gets one. */
function tokenKubeconfig(cp: ControlPlane, sa: { namespace: string; name: string }): string {
  const token = cp.kubectl(['-n', sa.namespace, 'create', 'token', sa.name, '--duration=2h']).trim();
  const path = join(cp.dir, `${sa.name}-kubeconfig`);
  const admin = JSON.parse(readFileSync(cp.kubeconfig, 'utf8'));
  admin.users = [{ name: sa.name, user: { token } }];
  admin.contexts = [{ name: 'test', context: { cluster: 'test', user: sa.name } }];
  writeFileSync(path, JSON.stringify(admin));
  return path;
}

/** The admin's one-time step for `dist`: `npm run -s deploy-identity -- --dist <dist> | kubectl apply --server-side -f -`. */
export function applyIdentities(cp: Pick<ControlPlane, 'kubectl'>, dist: string): string {
  const printed = execFileSync(process.execPath, ['scripts/run.mjs', 'scripts/deploy-identity.ts', '--dist', dist], { cwd: REPO, encoding: 'utf8' });
  cp.kubectl(['apply', '--server-side', '-f', '-'], printed);
  return printed;
}

/** `dist`: the dist/ the identities' admission policy is printed for (a test's own, from renderDist). */
export async function startTestCluster(dist: string, opts: StandInOptions = {}): Promise<TestCluster> {
  const cp = await startPinnedControlPlane();
  console.log(`control plane: kube-apiserver ${cp.version} at ${cp.server} (etcd, kube-controller-manager; binaries in ${cp.binDir})`);
  const played: string[] = [];
  const log = (line: string) => {
    played.push(line);
    if (process.env.VERBOSE_STAND_INS) console.log(line);
  };
  // k3s installs helm-controller's CRDs when its server starts; this control plane is not k3s.
  cp.kubectl(['apply', '--server-side', '--field-manager=k3s', '-f', join(REPO, 'imports/crds/helm.cattle.io_helmcharts.yaml'), '-f', join(REPO, 'imports/crds/helm.cattle.io_helmchartconfigs.yaml')]);
  cp.kubectl(['wait', '--for=condition=Established', 'crd/helmcharts.helm.cattle.io', 'crd/helmchartconfigs.helm.cattle.io']);
  log('[stand-in k3s] helm.cattle.io CRDs installed, as the k3s server does when it starts');
  const logs = await playKubeletLogs(cp, log);
  const standIns: StandIn[] = [
    playKubelet(cp, log, { logs, helm: { failingDeletes: opts.failingHelmDeletes } }),
    playHelmController(cp, REPO, log),
    playCloudNativePG(cp, log),
    playVolSync(cp, log),
    playCertManager(cp, log),
    playExternalSecrets(cp, log, { absentKeys: opts.absentKeys, values: opts.externalSecretValues }),
    logs,
  ];

  // The deploy and drift identities and their admission policy, as the one-time admin step creates
  // them, and a token for each, as CI gets one.
  applyIdentities(cp, dist);
  return {
    ...cp,
    played,
    deployEnv: { ...cp.env, KUBECONFIG: tokenKubeconfig(cp, DEPLOY_SERVICE_ACCOUNT) },
    driftEnv: { ...cp.env, KUBECONFIG: tokenKubeconfig(cp, DRIFT_SERVICE_ACCOUNT) },
    async stop() {
      await Promise.all(standIns.map((s) => s.stop()));
      await cp.stop();
    },
  };
}

export interface CommandResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/**
 * `npm run apply -- <args>`, exactly as a user or the deploy job runs it (without npm's launcher).
 * Asynchronous: the stand-ins run in this process and must keep playing while the apply waits.
 * `args` name the dist/ (`--dist <dir>`, a test's own): the identities are that dist/'s.
 */
export function runApply(cluster: Pick<ControlPlane, 'env'>, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CommandResult> {
  const dist = args[args.indexOf('--dist') + 1];
  if (!args.includes('--dist') || !dist) throw new Error('runApply: pass --dist <a test\'s own dist/> (never the repository\'s)');
  const started = Date.now();
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, ['scripts/run.mjs', 'scripts/apply.ts', ...args], {
      cwd: REPO,
      env: { ...cluster.env, INFISICAL_IDENTITIES: testIdentities(dist), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', fail);
    child.on('close', (status) => ok({ status, stdout, stderr, ms: Date.now() - started }));
  });
}

/**
 * A dist/ of the test's own: the platform with `apps`, rendered with the tests' cluster config
 * (never the user's apps/, config or committed dist/), in a scratch folder.
 */
export function renderDist(apps: readonly AppSource[], cluster: ClusterConfig = fixtureCluster): string {
  return renderDistInto(mkdtempSync(join(tmpdir(), 'hobby-infra-dist-')), apps, cluster);
}

/** Renders into `dir`, replacing what it held (as `npm run synth` replaces dist/). */
export function renderDistInto(dir: string, apps: readonly AppSource[], cluster: ClusterConfig = fixtureCluster): string {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of render({ cluster, apps }).files) {
    mkdirSync(join(dir, file.split('/')[0]!), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  return dir;
}

/** A scratch copy of a test's dist/ (e.g. to put back after a change, as `git checkout dist/` would). */
export function copyDist(dist: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'hobby-infra-dist-'));
  cpSync(dist, dir, { recursive: true });
  return dir;
}

export const removeDir = (dir: string) => rmSync(dir, { recursive: true, force: true });

/** Rewrites one dist file's documents. */
export function editDistFile(dist: string, file: string, edit: (docs: Record<string, any>[]) => Record<string, any>[]): void {
  const path = join(dist, file);
  const docs = parseAllDocuments(readFileSync(path, 'utf8')).map((d) => d.toJS() as Record<string, any>);
  writeFileSync(path, edit(docs).map((d) => stringify(d)).join('---\n'));
}

/** The real kubectl with a given environment (e.g. the deploy identity's); throws with its output on failure. */
export function runKubectl(env: NodeJS.ProcessEnv, args: readonly string[], input?: string): string {
  const r = spawnSync(env.KUBECTL ?? 'kubectl', args, { env, input, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`kubectl ${args.join(' ')} (exit ${r.status}): ${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** One distinct (fake) Infisical identity per namespace with a SecretStore in `dist`, as the deploy job gets them. */
export function testIdentities(dist: string): string {
  const namespaces = readdirSync(dist, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((f) => parseAllDocuments(readFileSync(join(dist, f), 'utf8')).map((d) => d.toJS()))
    .filter((m) => m?.kind === 'SecretStore')
    .map((m) => m.metadata.namespace as string);
  return JSON.stringify(Object.fromEntries(namespaces.map((ns) => [ns, { clientId: `id-of-${ns}`, clientSecret: `secret-of-${ns}` }])));
}

/** A test cluster for one test file and its scratch `dist` (from renderDist), each test starting from what the last left. */
export async function startWithDist(dist: string, opts: StandInOptions = {}): Promise<{ cluster: TestCluster; dist: string }> {
  return { cluster: await startTestCluster(dist, opts), dist };
}

export async function stopWithDist(cluster: TestCluster | undefined, dist: string | undefined): Promise<void> {
  await cluster?.stop();
  if (dist) removeDir(dist);
}

/** `npm run apply` on `dist` as the deploy job runs it: as the deploy identity, never as the admin. */
export const applyAsDeployer = (cluster: TestCluster, dist: string, args: readonly string[]) =>
  runApply({ env: cluster.deployEnv }, ['--dist', dist, ...args], { INFISICAL_IDENTITIES: testIdentities(dist) });

/** What a command printed, both streams. */
export const output = (r: { stdout: string; stderr: string }) => `${r.stdout}\n${r.stderr}`;
