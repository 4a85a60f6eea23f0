/*
 * The klipper-helm image, played: what the `helm` container of a helm-controller Job prints and
 * exits with, so that the kubelet stand-in can "run" it (stand-ins.ts) and serve its log through
 * the real API server (kubelet-logs.ts). No helm and no chart repository are reached.
 *
 * The script is klipper-helm's `entry` (github.com/rancher/klipper-helm): `set -e -v`, then
 * `set +v -x`, so bash traces every command with `+ `; for an install it runs helm_repo_init
 * (`helm repo add ${NAME%%/*} ${REPO}`, `helm repo update`) and then helm_update (`helm ls` for the
 * release, `helm install ...`); for a delete it skips the repository and runs
 * `helm uninstall ${NAME} --namespace ${TARGET_NAMESPACE}`. The lines below follow, line for line,
 * the trace of a real install Job of klipper-helm v0.9 (`kubectl logs helm-install-…` quoted in
 * Harvester's guide to testing the harvester-cloud-provider chart, 2026); the head of the script
 * that `set -v` echoes first is left out.
 *
 * Failures played (each exits 1, as `set -e` makes the script exit with helm's status):
 *  - the chart repository cannot be reached: a repo whose host ends in `.invalid` (RFC 2606: it
 *    never resolves). helm v3 `repo add` fails in cmd/helm/repo_add.go with
 *    `looks like %q is not a valid chart repository or cannot be reached: %w`, wrapping
 *    net/http's error for the index (pkg/repo/chartrepo.go DownloadIndexFile: `<repo>/index.yaml`)
 *    and the cluster DNS' answer (k3s: kube-dns at 10.43.0.10); cobra prints it as `Error: …`.
 *  - a delete a test names (`failingDeletes`): `helm uninstall` fails with helm's
 *    pkg/action/uninstall.go `uninstallation completed with %d error(s): %s` (here a timeout).
 *    klipper-helm's entry script of 2021 (the newest this project could read) ran
 *    `helm uninstall … || true`; whatever the v0.9 image does, the played failure stands for any
 *    delete Job that does not succeed, which is what keeps a HelmChart Terminating.
 */

export interface PlayedRun {
  readonly exitCode: number;
  readonly log: string;
}

interface HelmContainer {
  args?: string[];
  env?: { name: string; value?: string }[];
}

export interface PlayedHelmOptions {
  /** HelmChart names whose delete Job's helm fails. */
  readonly failingDeletes?: readonly string[];
}

/** True for the image helm-controller runs its Jobs with (chart.go DefaultJobImage, or a HelmChart's spec.jobImage of it). */
export const isKlipperHelm = (image: string) => /(^|\/)klipper-helm(:|@|$)/.test(image);

const KUBE_DNS = '10.43.0.10:53';

/** Go's time.ANSIC (`Mon Jan _2 15:04:05 2006`), as helm prints LAST DEPLOYED, in UTC. */
function ansic(d: Date): string {
  const [wd, day, mon, year, time] = d.toUTCString().replace(',', '').split(' ');
  return `${wd} ${mon} ${String(Number(day)).padStart(2, ' ')} ${time} ${year}`;
}

/** The host of a repository URL, or '' when it has none. */
function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return '';
  }
}

/** helm's error for a repository whose name does not resolve, as `helm repo add` prints it. */
export function unreachableRepoError(repo: string): string {
  const index = `${repo.replace(/\/+$/, '')}/index.yaml`;
  return `Error: looks like "${repo}" is not a valid chart repository or cannot be reached: Get "${index}": dial tcp: lookup ${hostOf(repo)} on ${KUBE_DNS}: no such host`;
}

/**
 * One run of the `helm` container: its output and exit code. `valuesFiles`: what the Job mounts at
 * /config (the `values` volume's paths); `now` stamps helm's LAST DEPLOYED line.
 */
export function playHelm(c: HelmContainer, valuesFiles: readonly string[], opts: PlayedHelmOptions = {}, now = new Date()): PlayedRun {
  const env = Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value ?? '']));
  const q = (v: string | undefined) => (v ? v : "''"); // bash -x quotes an empty word
  const args = c.args ?? [];
  const [action = 'install', ...flags] = args;
  const name = env.NAME ?? '';
  const target = env.TARGET_NAMESPACE ?? '';
  const repo = env.REPO ?? '';
  const chart = env.CHART ?? '';
  const done = (exitCode: number, lines: string[]): PlayedRun => ({ exitCode, log: `${lines.join('\n')}\n` });
  const values = valuesFiles.map((f) => ` --values /config/${f}`).join('');
  const lines = [
    'set +v -x',
    `+ [[ ${q(env.HELM_VERSION)} == v2 ]]`,
    '+ shopt -s nullglob',
    '+ [[ -f /config/ca-file.pem ]]',
    '+ [[ -f /tmp/ca-file.pem ]]',
    `+ [[ ${env.INSECURE_SKIP_TLS_VERIFY ?? 'false'} == true ]]`,
    `+ [[ ${env.PLAIN_HTTP ?? 'false'} == true ]]`,
    `+ [[ -n ${q(env.TIMEOUT)} ]]`,
    '+ helm_content_decode',
    '+ set -e',
    `+ ENC_CHART_PATH=/chart/${name}.tgz.base64`,
    `+ CHART_PATH=/tmp/${name}.tgz`,
    `+ [[ ! -f /chart/${name}.tgz.base64 ]]`,
    '+ return',
    `+ [[ ${action} != delete ]]`,
  ];
  if (action !== 'delete') {
    lines.push('+ helm_repo_init', "+ grep -q -e 'https\\?://'", `+ [[ ${chart} == stable/* ]]`, `+ [[ -n ${q(repo)} ]]`);
    if (repo) {
      lines.push('+ [[ -f /auth/username ]]', '+ [[ -f /auth/tls.crt ]]', `+ helm repo add ${name} ${repo}`);
      if (hostOf(repo).endsWith('.invalid')) return done(1, [...lines, unreachableRepoError(repo)]);
      lines.push(
        `"${name}" has been added to your repositories`,
        '+ helm repo update',
        'Hang tight while we grab the latest from your chart repositories...',
        `...Successfully got an update from the "${name}" chart repository`,
        'Update Complete. ⎈Happy Helming!⎈',
      );
    }
  }
  // helm_update: the release's chart and status, from `helm ls`; on a delete, the release helm installed.
  const release = action === 'delete' ? `${chart.split('/').pop()}-${env.VERSION || '0.0.0'},deployed,1` : 'null,null,null';
  lines.push(
    `+ helm_update ${args.join(' ')}`,
    `++ helm ls --all -f '^${name}$' --namespace ${target} --output json`,
    `++ jq -r '"\\(.[0].chart),\\(.[0].status),\\(.[0].revision)"'`,
    "++ tr '[:upper:]' '[:lower:]'",
    `+ LINE=${release}`,
    '+ IFS=,',
    '+ read -r INSTALLED_VERSION STATUS REVISION _',
    '+ VALUES=',
    ...valuesFiles.flatMap((_, i) => ['+ for VALUES_FILE in /config/*.yaml', `+ VALUES='${valuesFiles.slice(0, i + 1).map((f) => ` --values /config/${f}`).join('')}'`]),
    `+ [[ ${action} = delete ]]`,
  );
  if (action === 'delete') {
    lines.push(`+ [[ -z ${release.split(',')[0]} ]]`, `+ helm uninstall ${name} --namespace ${target}`);
    if (opts.failingDeletes?.includes(name)) return done(1, [...lines, 'Error: uninstallation completed with 1 error(s): context deadline exceeded']);
    return done(0, [...lines, `release "${name}" uninstalled`, '+ exit']);
  }
  return done(0, [
    ...lines,
    '+ [[ null =~ ^(|null)$ ]]',
    '+ [[ null =~ ^(|null)$ ]]',
    "+ echo 'Installing helm chart'",
    `+ helm ${action} ${flags.join(' ')} ${name} ${chart}${values}`.replace(/ +/g, ' '),
    `NAME: ${name}`,
    `LAST DEPLOYED: ${ansic(now)}`,
    `NAMESPACE: ${target}`,
    'STATUS: deployed',
    'REVISION: 1',
    'TEST SUITE: None',
    '+ exit',
  ]);
}
