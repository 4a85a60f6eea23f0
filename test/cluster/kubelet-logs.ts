import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { join } from 'node:path';
import type { ControlPlane } from '../../lib/delivery/control-plane';
import { PLAYED_BY } from './played-by';

/*
 * The kubelet's log endpoint, played, so that `kubectl logs` of a played pod goes through the real
 * API server. kube-apiserver serves pods/log by proxying to the pod's node
 * (k8s.io/kubernetes v1.32 pkg/registry/core/pod/strategy.go LogLocation):
 * `https://<node address>:<status.daemonEndpoints.kubeletEndpoint.Port>/containerLogs/<ns>/<pod>/<container>`
 * with the query `follow`, `previous`, `timestamps`, `sinceSeconds`, `sinceTime`, `tailLines`,
 * `limitBytes`. The address is the first of --kubelet-preferred-address-types (Hostname,
 * InternalDNS, InternalIP, …) the Node has: here only InternalIP 127.0.0.1.
 *
 * Its TLS: the server reuses the API server's own self-signed serving certificate (the control
 * plane's pki dir, lib/delivery/control-plane.ts). kube-apiserver does not verify it: without
 * --kubelet-certificate-authority its kubelet client has no CA and sets TLS Insecure
 * (pkg/kubelet/client/kubelet_client.go transportConfig), and it sends no client certificate
 * without --kubelet-client-certificate. The control plane passes neither flag.
 *
 * The Node `stand-in-node` exists only to carry that address and port. It has a NoSchedule taint of
 * its own: the DaemonSet controller places a DaemonSet's pods on every node whose taints its pods
 * tolerate (pods of this project's platform tolerate no such key), so no real controller targets
 * it. Only the pods the kubelet stand-in binds itself (the played helm Jobs' pods) run there. No
 * node-lifecycle controller runs on this control plane, so nothing marks it NotReady or evicts.
 *
 * What it returns follows the kubelet (pkg/kubelet/server/server.go getContainerLogs and
 * pkg/kubelet/kubelet_pods.go validateContainerLogStatus): the log of the container the status
 * names (`previous`: lastState.terminated's; a container waiting in CrashLoopBackOff: its last
 * terminated run's), or the kubelet's own error with status 400 or 404.
 */

export const STAND_IN_NODE = 'stand-in-node';
/** The taint that keeps every real controller's pods off the stand-in node. */
export const STAND_IN_NODE_TAINT = { key: 'hobby-infra.dev/stand-in-node', value: 'logs-only', effect: 'NoSchedule' };

export interface KubeletLogs {
  /** Records one run of a container: returns the container ID (`containerd://…`) its status names. */
  record(log: string): string;
  stop(): Promise<void>;
}

interface ContainerStatus {
  name: string;
  containerID?: string;
  state?: { waiting?: { reason?: string }; running?: object; terminated?: { containerID?: string } };
  lastState?: { terminated?: { containerID?: string } };
}

/** validateContainerLogStatus: the ID of the container whose log is asked for, or the kubelet's error. */
export function containerToRead(s: ContainerStatus | undefined, container: string, pod: string, previous: boolean): { id: string } | { error: string } {
  if (!s) return { error: `container "${container}" in pod "${pod}" is not available` };
  const last = s.lastState?.terminated;
  const { waiting, running, terminated } = s.state ?? {};
  if (previous) return last?.containerID ? { id: last.containerID } : { error: `previous terminated container "${container}" in pod "${pod}" not found` };
  if (running) return { id: s.containerID ?? '' };
  if (terminated) {
    const id = terminated.containerID || last?.containerID;
    return id ? { id } : { error: `container "${container}" in pod "${pod}" is terminated` };
  }
  if (last) return last.containerID ? { id: last.containerID } : { error: `container "${container}" in pod "${pod}" is terminated` };
  if (waiting) return { error: `container "${container}" in pod "${pod}" is waiting to start: ${waiting.reason}` };
  return { error: `container "${container}" in pod "${pod}" is waiting to start - no logs yet` };
}

/** The query the kubelet honours here: tailLines, timestamps, limitBytes (follow ends with the log: the played runs are over). */
function shape(log: string, q: URLSearchParams, finishedAt: string): string {
  let lines = log.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const tail = q.get('tailLines');
  if (tail !== null) lines = Number(tail) > 0 ? lines.slice(-Number(tail)) : [];
  if (q.get('timestamps') === 'true') lines = lines.map((l) => `${finishedAt} ${l}`);
  const text = lines.length ? `${lines.join('\n')}\n` : '';
  const limit = q.get('limitBytes');
  return limit === null ? text : Buffer.from(text).subarray(0, Number(limit)).toString();
}

export async function playKubeletLogs(cp: ControlPlane, log: (line: string) => void): Promise<KubeletLogs> {
  const runs = new Map<string, { log: string; at: string }>();
  const pki = join(cp.dir, 'pki');
  const server: Server = createServer({ key: readFileSync(join(pki, 'apiserver.key')), cert: readFileSync(join(pki, 'apiserver.crt')) }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://stand-in');
    const m = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    const reply = (status: number, text: string) => {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(text);
      log(`[stand-in kubelet] ${req.method} ${url.pathname}${url.search}: ${status}${status === 200 ? '' : ` ${text}`}`);
    };
    if (req.method !== 'GET' || !m) return reply(404, '404 page not found');
    const [, ns, podName, container] = m.map(decodeURIComponent) as [string, string, string, string];
    void cp
      .api<{ status?: { containerStatuses?: ContainerStatus[] }; spec?: { nodeName?: string } }>('GET', `/api/v1/namespaces/${ns}/pods/${podName}`)
      .then(({ status, body }) => {
        if (status !== 200 || body.spec?.nodeName !== STAND_IN_NODE) return reply(404, `pod "${podName}" does not exist`);
        const s = (body.status?.containerStatuses ?? []).find((c) => c.name === container);
        if (!s && !(body as { spec?: { containers?: { name: string }[] } }).spec?.containers?.some((c) => c.name === container)) return reply(404, `container "${container}" not found in pod "${podName}"`);
        const target = containerToRead(s, container, podName, url.searchParams.get('previous') === 'true');
        if ('error' in target) return reply(400, target.error);
        const run = runs.get(target.id);
        return run ? reply(200, shape(run.log, url.searchParams, run.at)) : reply(400, `container "${container}" in pod "${podName}" is not available`);
      })
      .catch((err) => reply(500, (err as Error).message));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as { port: number }).port;

  const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: STAND_IN_NODE, labels: { 'kubernetes.io/os': 'linux', 'kubernetes.io/hostname': STAND_IN_NODE, [PLAYED_BY]: 'test-harness' } }, spec: { taints: [STAND_IN_NODE_TAINT] } };
  const created = await cp.api('POST', '/api/v1/nodes', node);
  if (created.status !== 201) throw new Error(`creating Node ${STAND_IN_NODE}: ${JSON.stringify(created.body).slice(0, 300)}`);
  const now = new Date().toISOString();
  const status = {
    addresses: [{ type: 'InternalIP', address: '127.0.0.1' }],
    daemonEndpoints: { kubeletEndpoint: { Port: port } },
    conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: now, lastTransitionTime: now }],
  };
  const patched = await cp.api('PATCH', `/api/v1/nodes/${STAND_IN_NODE}/status`, { status }, 'application/merge-patch+json');
  if (patched.status !== 200) throw new Error(`Node ${STAND_IN_NODE} status: ${JSON.stringify(patched.body).slice(0, 300)}`);
  log(`[stand-in kubelet] Node ${STAND_IN_NODE} (InternalIP 127.0.0.1, kubelet port ${port}, taint ${STAND_IN_NODE_TAINT.key}:NoSchedule): serves the played helm Jobs' logs to the API server`);

  return {
    record(text: string) {
      const id = `containerd://${randomBytes(32).toString('hex')}`;
      runs.set(id, { log: text, at: new Date().toISOString() });
      return id;
    },
    stop: () =>
      new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections(); // the API server keeps its connections to a kubelet open
      }),
  };
}
