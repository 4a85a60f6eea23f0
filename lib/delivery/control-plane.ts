import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClusterConfig } from '../config';

/*
 * A real Kubernetes control plane on loopback, for `npm run test:cluster` and for checks that want
 * the real API server's word (`npm run check-charts -- --admission`): etcd, the official
 * kube-apiserver and kube-controller-manager, built from their Go modules at the version
 * config/cluster.ts pins (scripts/build-control-plane.sh). No root, no Docker: random free ports, a
 * throwaway data directory, everything torn down by stop().
 *
 * The API server, its admission (Pod Security, ResourceQuota, LimitRanger, ServiceAccount, ...) and
 * the controllers (namespace deletion, garbage collection, Deployments, ReplicaSets, Jobs, volume binding) are the
 * real thing. There is no kubelet and no helm-controller: test/cluster/stand-ins.ts plays those
 * parts and says so.
 */

export interface ControlPlane {
  /** https://127.0.0.1:<port> */
  readonly server: string;
  /** A kubeconfig (context `test`) with a cluster-admin token. */
  readonly kubeconfig: string;
  /** The folder with kube-apiserver, kube-controller-manager, kubectl and etcd. */
  readonly binDir: string;
  /** kube-apiserver's own /version gitVersion. */
  readonly version: string;
  readonly dir: string;
  /** GET/POST/PATCH/DELETE against the API server as cluster-admin. */
  api<T = any>(method: string, path: string, body?: unknown, contentType?: string): Promise<{ status: number; body: T }>;
  /** Runs the real kubectl against this control plane; throws with its stderr on failure. */
  kubectl(args: readonly string[], input?: string): string;
  /** The environment a user's shell would have: KUBECONFIG set and kubectl on PATH. */
  readonly env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

/** The Kubernetes version of a cluster config, without the distribution suffix (`1.32.5-k3s1` -> `1.32.5`). */
export function kubernetesVersionOf(cluster: Pick<ClusterConfig, 'kubernetes'>): string {
  return cluster.kubernetes.version.replace(/-k3s[0-9]+$/, '');
}

/** Builds (once per machine, cached) or finds the binaries. Throws one clear line when Go is missing. */
export function controlPlaneBinaries(version: string, root: string): string {
  try {
    return execFileSync('bash', [join(root, 'scripts/build-control-plane.sh'), version], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60 * 60_000 }).trim().split('\n').pop()!;
  } catch (err) {
    const e = err as { status?: number; stderr?: string };
    const last = (e.stderr ?? String(err)).trim().split('\n').pop();
    throw new Error(e.status === 3 ? last! : `building the control plane v${version} failed: ${last}`);
  }
}

export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => ok(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, proc?: ChildProcess, log?: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc && proc.exitCode !== null) throw new Error(`${what}: the process exited (${proc.exitCode}); its log: ${log}\n${tail(log)}`);
    if (await check().catch(() => false)) return;
    await sleep(200);
  }
  throw new Error(`${what}: not ready after ${timeoutMs / 1000} s; log: ${log}\n${tail(log)}`);
}

function tail(file?: string): string {
  if (!file) return '';
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-25).join('\n');
  } catch {
    return '';
  }
}

export async function startControlPlane(opts: { version: string; root: string }): Promise<ControlPlane> {
  const binDir = controlPlaneBinaries(opts.version, opts.root);
  const dir = mkdtempSync(join(tmpdir(), 'hobby-infra-cp-'));
  const procs: ChildProcess[] = [];
  const start = (name: string, args: string[]) => {
    const log = join(dir, `${name}.log`);
    const out = createWriteStream(log);
    const p = spawn(join(binDir, name), args, { stdio: ['ignore', 'pipe', 'pipe'], detached: false });
    p.stdout!.pipe(out);
    p.stderr!.pipe(out);
    procs.push(p);
    return { p, log };
  };
  const stop = async () => {
    for (const p of procs.reverse()) {
      if (p.exitCode === null) {
        p.kill('SIGTERM');
        await Promise.race([new Promise((r) => p.once('exit', r)), sleep(5000)]);
        if (p.exitCode === null) p.kill('SIGKILL');
      }
    }
    if (!process.env.KEEP_CONTROL_PLANE) rmSync(dir, { recursive: true, force: true });
  };

  try {
    // etcd
    const [etcdPort, peerPort, apiPort] = [await freePort(), await freePort(), await freePort()];
    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    const peerUrl = `http://127.0.0.1:${peerPort}`;
    const etcd = start('etcd', [
      `--data-dir=${join(dir, 'etcd')}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=default=${peerUrl}`,
      '--unsafe-no-fsync', // a throwaway store: durability buys nothing here
      '--log-level=warn',
    ]);
    await waitFor('etcd', async () => (await fetch(`${etcdUrl}/health`)).ok, 30_000, etcd.p, etcd.log);

    // kube-apiserver: self-signed serving cert, a static admin token, RBAC, default admission plugins.
    const pki = join(dir, 'pki');
    mkdirSync(pki);
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const saKey = join(pki, 'sa.key');
    const saPub = join(pki, 'sa.pub');
    writeFileSync(saKey, privateKey.export({ type: 'pkcs1', format: 'pem' }));
    writeFileSync(saPub, publicKey.export({ type: 'spki', format: 'pem' }));
    const token = `admin-${Math.random().toString(36).slice(2)}${Date.now()}`;
    writeFileSync(join(pki, 'tokens.csv'), `${token},admin,admin-uid,"system:masters"\n`);
    const api = start('kube-apiserver', [
      `--etcd-servers=${etcdUrl}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${apiPort}`,
      `--cert-dir=${pki}`,
      `--token-auth-file=${join(pki, 'tokens.csv')}`,
      '--authorization-mode=RBAC',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${saPub}`,
      `--service-account-signing-key-file=${saKey}`,
      '--service-cluster-ip-range=10.43.0.0/16',
      '--allow-privileged=true',
      '--v=0',
    ]);
    const server = `https://127.0.0.1:${apiPort}`;
    let ca: Buffer | undefined;
    const call = async <T>(method: string, path: string, body?: unknown, contentType = 'application/json') => {
      ca ??= readFileSync(join(pki, 'apiserver.crt'));
      return new Promise<{ status: number; body: T }>((ok, fail) => {
        const data = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
        const req = request(
          `${server}${path}`,
          { method, ca, headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(data ? { 'content-type': contentType } : {}) } },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (c) => (text += c));
            res.on('end', () => {
              let parsed: unknown = text;
              try {
                parsed = JSON.parse(text);
              } catch {
                /* plain text, e.g. /readyz */
              }
              ok({ status: res.statusCode ?? 0, body: parsed as T });
            });
          },
        );
        req.on('error', fail);
        req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${path}: timed out`)));
        if (data) req.write(data);
        req.end();
      });
    };
    await waitFor('kube-apiserver', async () => (await call('GET', '/readyz')).status === 200, 90_000, api.p, api.log);

    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'test', cluster: { server, 'certificate-authority': join(pki, 'apiserver.crt') } }],
        users: [{ name: 'admin', user: { token } }],
        contexts: [{ name: 'test', context: { cluster: 'test', user: 'admin' } }],
        'current-context': 'test',
      }),
    );

    // kube-controller-manager, with the controllers whose work the apply and its tests depend on.
    const kcm = start('kube-controller-manager', [
      `--kubeconfig=${kubeconfig}`,
      `--authentication-kubeconfig=${kubeconfig}`,
      `--authorization-kubeconfig=${kubeconfig}`,
      '--leader-elect=false',
      '--bind-address=127.0.0.1',
      `--secure-port=${await freePort()}`,
      `--service-account-private-key-file=${saKey}`,
      `--root-ca-file=${join(pki, 'apiserver.crt')}`,
      `--controllers=${[
        'namespace', 'garbage-collector', 'deployment', 'replicaset', 'job', 'statefulset', 'daemonset', 'cronjob', 'disruption',
        'resourcequota', 'serviceaccount', 'serviceaccount-token', 'root-ca-certificate-publisher', 'endpoints', 'endpointslice',
        'clusterrole-aggregation', 'persistentvolumeclaim-protection', 'persistentvolume-protection', 'persistentvolume-binder', 'pod-garbage-collector',
      ].map((c) => `${c}-controller`).join(',')}`,
      '--concurrent-namespace-syncs=5',
      // Quotas on a new CRD's objects (the restore drills' one Cluster) are counted at the next full
      // resync: 5 minutes by default, seconds here, so a test does not wait minutes for it.
      '--resource-quota-sync-period=15s',
      '--v=0',
    ]);
    // The ServiceAccount admission plugin refuses pods until the controller has created `default`.
    await waitFor('kube-controller-manager', async () => (await call('GET', '/api/v1/namespaces/default/serviceaccounts/default')).status === 200, 60_000, kcm.p, kcm.log);

    const version = (await call<{ gitVersion: string }>('GET', '/version')).body.gitVersion;
    const env = { ...process.env, KUBECONFIG: kubeconfig, PATH: `${binDir}:${process.env.PATH}`, KUBECTL: join(binDir, 'kubectl') };
    const kubectl = (args: readonly string[], input?: string) => {
      try {
        return execFileSync(join(binDir, 'kubectl'), args, { env, input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
      } catch (err) {
        const e = err as { stderr?: string; stdout?: string; status?: number };
        throw new Error(`kubectl ${args.join(' ')} (exit ${e.status}): ${e.stderr || e.stdout}`);
      }
    };
    return { server, kubeconfig, binDir, version, dir, api: call, kubectl, env, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
