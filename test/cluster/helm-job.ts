import { createHash } from 'node:crypto';

/*
 * The objects k3s' helm-controller creates for a HelmChart, built as its source builds them:
 * github.com/k3s-io/helm-controller v0.16.10 (the version k3s v1.32 ships), pkg/controllers/chart/chart.go
 * job(), args(), getJobAndRelatedResources() (setFailurePolicy, setBackOffLimit, hashObjects),
 * valuesSecret(), contentConfigMap(), serviceAccount(), roleBinding(). The helm-controller stand-in
 * (helm-controller-stand-in.ts) applies them; test/oracles/helm-job checks them against job() itself.
 *
 * Not played (none of this project's HelmCharts uses them): a HelmChartConfig's values
 * (valuesSecretAddConfig), spec.valuesSecrets, authSecret, dockerRegistrySecret, repoCAConfigMap,
 * bootstrap, and the proxy variables the controller copies from its own environment (setProxyEnv).
 */

/** chart.go: DefaultJobImage. */
export const DEFAULT_JOB_IMAGE = 'rancher/klipper-helm:v0.9.5-build20250306';
/** chart.go: Label, Annotation. */
export const CHART_LABEL = 'helmcharts.helm.cattle.io/chart';
export const CONFIG_HASH_ANNOTATION = 'helmcharts.helm.cattle.io/configHash';
/** k3s starts helm-controller with managedBy `helm-controller` and job ClusterRole `cluster-admin` (pkg/server/server.go). */
export const MANAGED_BY = 'helm-controller';
export const JOB_CLUSTER_ROLE = 'cluster-admin';
/** wrangler v3.1.0 pkg/generic/remove.go: finalizerKey + the handler's name, `on-helm-chart-remove` in chart.go Register(). */
export const HELM_CHART_FINALIZER = 'wrangler.cattle.io/on-helm-chart-remove';

export interface HelmChartObject {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace: string; uid: string; resourceVersion?: string; deletionTimestamp?: string; finalizers?: string[]; annotations?: Record<string, string> };
  spec: {
    chart: string;
    repo?: string;
    version?: string;
    targetNamespace?: string;
    createNamespace?: boolean;
    valuesContent?: string;
    chartContent?: string;
    repoCA?: string;
    set?: Record<string, string | number>;
    jobImage?: string;
    helmVersion?: string;
    timeout?: string;
    failurePolicy?: string;
    backOffLimit?: number;
    authPassCredentials?: boolean;
    insecureSkipTLSVerify?: boolean;
    plainHTTP?: boolean;
    podSecurityContext?: Record<string, unknown>;
    securityContext?: Record<string, unknown>;
  };
  status?: { jobName?: string; conditions?: { type: string; status: string; reason?: string; message?: string }[] };
}

/** args(): `delete` when the chart is being deleted, else `install` and its flags. */
export function helmArgs(chart: HelmChartObject): string[] {
  if (chart.metadata.deletionTimestamp) return ['delete'];
  const { spec } = chart;
  const args = ['install'];
  if (spec.targetNamespace) args.push('--namespace', spec.targetNamespace);
  if (spec.createNamespace) args.push('--create-namespace');
  if (spec.version) args.push('--version', spec.version);
  for (const k of Object.keys(spec.set ?? {}).sort()) {
    const v = spec.set![k]!;
    // typedVal(): ints, true/false/null go to --set; everything else to --set-string, commas escaped (escapeComma).
    if (typeof v === 'number' || ['true', 'false', 'null'].includes(String(v).toLowerCase())) args.push('--set', `${k}=${v}`);
    else args.push('--set-string', `${k}=${String(v).replace(/\\*,/g, (m) => (m.length % 2 === 1 ? `\\${m}` : m))}`);
  }
  return args;
}

/** Go's time.Duration.String() for what metav1.Duration parses from `1h`, `90s`, `5m30s` (whole seconds only). */
function goDuration(text: string): string {
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text);
  if (!m || !text) throw new Error(`HelmChart spec.timeout: got ${text}, expected whole hours, minutes and seconds (the stand-in plays no other)`);
  const total = Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
  const [h, min, s] = [Math.floor(total / 3600), Math.floor((total % 3600) / 60), total % 60];
  return total === 0 ? '0s' : h ? `${h}h${min}m${s}s` : min ? `${min}m${s}s` : `${s}s`;
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

/** valuesSecret() and contentConfigMap(): the data the Job mounts at /config and /chart. */
export function chartData(chart: HelmChartObject) {
  const values: Record<string, string> = {};
  if (chart.spec.valuesContent) values.HelmChartValuesContent = chart.spec.valuesContent;
  if (chart.spec.repoCA) values.RepoCA = chart.spec.repoCA;
  const content: Record<string, string> = {};
  if (chart.spec.chartContent) content[`${chart.metadata.name}.tgz.base64`] = chart.spec.chartContent;
  return { values, content };
}

/**
 * hashObjects(job, contentConfigMap, valuesSecret): SHA-256 over each object's `data`, keys sorted,
 * key then value, as runtime.DefaultUnstructuredConverter renders it (a Secret's values base64).
 */
export function configHash(chart: HelmChartObject): string {
  const { values, content } = chartData(chart);
  const hash = createHash('sha256');
  for (const data of [content, Object.fromEntries(Object.entries(values).map(([k, v]) => [k, b64(v)]))]) {
    for (const k of Object.keys(data).sort()) hash.update(k).update(data[k]!);
  }
  return `SHA256=${hash.digest('hex').toUpperCase()}`;
}

const emptyDir = (name: string) => ({ name, emptyDir: { medium: 'Memory' } });

/** job() + setFailurePolicy + setBackOffLimit + hashObjects: `helm-install-<name>` (or `helm-delete-<name>` while the chart is deleted). */
export function helmJob(chart: HelmChartObject) {
  const { name, namespace } = chart.metadata;
  const { spec } = chart;
  const action = chart.metadata.deletionTimestamp ? 'delete' : 'install';
  const env: { name: string; value?: string }[] = [
    ['NAME', name],
    ['VERSION', spec.version ?? ''],
    ['REPO', spec.repo ?? ''],
    ['HELM_DRIVER', 'secret'],
    ['CHART_NAMESPACE', namespace],
    ['CHART', spec.repo ? `${name}/${spec.chart}` : spec.chart],
    ['HELM_VERSION', spec.helmVersion ?? ''],
    ['TARGET_NAMESPACE', spec.targetNamespace || namespace],
    ['AUTH_PASS_CREDENTIALS', String(spec.authPassCredentials ?? false)],
    ['INSECURE_SKIP_TLS_VERIFY', String(spec.insecureSkipTLSVerify ?? false)],
    ['PLAIN_HTTP', String(spec.plainHTTP ?? false)],
    ...(spec.timeout ? [['TIMEOUT', goDuration(spec.timeout)] as [string, string]] : []),
    ['FAILURE_POLICY', spec.failurePolicy || 'reinstall'],
  ].map(([n, v]) => (v ? { name: n!, value: v } : { name: n! })); // EnvVar.Value is `omitempty`
  const { values } = chartData(chart);
  const items = [
    ...(values.HelmChartValuesContent ? [{ key: 'HelmChartValuesContent', path: 'values-0-000-HelmChart-ValuesContent.yaml' }] : []),
    ...(values.RepoCA ? [{ key: 'RepoCA', path: 'ca-file.pem' }] : []),
  ];
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: `helm-${action}-${name}`, namespace, labels: { [CHART_LABEL]: name } },
    spec: {
      backoffLimit: spec.backOffLimit ?? 1000,
      template: {
        metadata: { annotations: { [CONFIG_HASH_ANNOTATION]: configHash(chart) }, labels: { [CHART_LABEL]: name } },
        spec: {
          restartPolicy: 'OnFailure',
          containers: [
            {
              name: 'helm',
              image: spec.jobImage?.trim() || DEFAULT_JOB_IMAGE,
              imagePullPolicy: 'IfNotPresent',
              args: helmArgs(chart),
              env,
              securityContext: spec.securityContext ?? { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true },
              volumeMounts: [
                { name: 'klipper-helm', mountPath: '/home/klipper-helm/.helm' },
                { name: 'klipper-cache', mountPath: '/home/klipper-helm/.cache' },
                { name: 'klipper-config', mountPath: '/home/klipper-helm/.config' },
                { name: 'tmp', mountPath: '/tmp' },
                { name: 'values', mountPath: '/config' },
                { name: 'content', mountPath: '/chart' },
              ],
            },
          ],
          serviceAccountName: `helm-${name}`,
          securityContext: spec.podSecurityContext ?? { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
          nodeSelector: { 'kubernetes.io/os': 'linux' },
          volumes: [
            emptyDir('klipper-helm'),
            emptyDir('klipper-cache'),
            emptyDir('klipper-config'),
            emptyDir('tmp'),
            { name: 'values', projected: { sources: [{ secret: { name: `chart-values-${name}`, ...(items.length ? { items } : {}) } }] } }, // Items is omitempty
            { name: 'content', configMap: { name: `chart-content-${name}` } },
          ],
        },
      },
    },
  };
}

/** The rest of getJobAndRelatedResources(): values Secret, content ConfigMap, the Job's ServiceAccount and its ClusterRoleBinding. */
export function relatedObjects(chart: HelmChartObject) {
  const { name, namespace } = chart.metadata;
  const { values, content } = chartData(chart);
  return [
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: `chart-values-${name}`, namespace }, type: 'helmcharts.helm.cattle.io/values', data: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, b64(v)])) },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `chart-content-${name}`, namespace }, data: content },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: `helm-${name}`, namespace }, automountServiceAccountToken: true },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: `helm-${namespace}-${name}` },
      roleRef: { kind: 'ClusterRole', apiGroup: 'rbac.authorization.k8s.io', name: JOB_CLUSTER_ROLE },
      subjects: [{ name: `helm-${name}`, kind: 'ServiceAccount', namespace }],
    },
  ];
}

/** The sets: OnChange's generating handler applies `<managedBy>-chart-registration`; OnRemove applies `helm-chart-registration`. */
export const INSTALL_SET = `${MANAGED_BY}-chart-registration`;
export const REMOVE_SET = 'helm-chart-registration';

/**
 * How wrangler's apply marks what a HelmChart owns (wrangler v3.1.0 pkg/apply/desiredset_apply.go
 * GetLabelsAndAnnotations, objectSetHash): annotations naming the owner and the set, and a label
 * hashing them. No ownerReference: helm-controller's generating handler passes no
 * NoOwnerReference option (pkg/generic/generating.go), so the Job is not garbage-collected with the
 * HelmChart: the generating handler's Remove prunes its set once the HelmChart is gone. (The `objectset.rio.cattle.io/applied`
 * annotation, wrangler's record for three-way patches, is not played.)
 */
export function objectSetMarks(chart: HelmChartObject, setID: string) {
  const annotations = {
    'objectset.rio.cattle.io/id': setID,
    'objectset.rio.cattle.io/owner-gvk': 'helm.cattle.io/v1, Kind=HelmChart',
    'objectset.rio.cattle.io/owner-name': chart.metadata.name,
    'objectset.rio.cattle.io/owner-namespace': chart.metadata.namespace,
  };
  const hash = createHash('sha1');
  for (const v of Object.values(annotations)) hash.update(v);
  return { annotations, labels: { 'objectset.rio.cattle.io/hash': hash.digest('hex') } };
}
