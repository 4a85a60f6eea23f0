/*
 * The klipper-helm image, played: what the `helm` container of a helm-controller Job prints and
 * exits with, so that the kubelet stand-in can "run" it (stand-ins.ts) and serve its log through
 * the real API server (kubelet-logs.ts). No helm and no chart repository are reached.
 *
 * The script is klipper-helm's `entry` (github.com/rancher/klipper-helm): `set -e -v`, then
 * `set +v -x`, so bash traces every command with `+ `; for an install it runs helm_repo_init
 * (`helm repo add ${NAME%%/*} ${REPO}`, `helm repo update`) and then helm_update (`helm ls` for the
 * release, `helm install ...`); for a delete it skips the repository and runs
 * `helm uninstall ${NAME} --namespace ${TARGET_NAMESPACE}`. The lines below follow the trace of a
 * real k3s install Job of klipper-helm v0.9 (`kubectl logs helm-install-…` quoted in Harvester's
 * guide to testing the harvester-cloud-provider chart, 2026); the head of the script that `set -v`
 * echoes first is left out.
 *
 * Failures played (each exits 1, as `set -e` makes the script exit with helm's status):
 *  - the chart repository cannot be reached: a repo whose host ends in `.invalid` (RFC 2606: it
 *    never resolves). helm v3 `repo add` fails in cmd/helm/repo_add.go with
 *    `looks like %q is not a valid chart repository or cannot be reached: %w`, wrapping
 *    net/http's error for the index (pkg/repo/chartrepo.go DownloadIndexFile: `<repo>/index.yaml`)
 *    and the cluster DNS' answer (k3s: kube-dns at 10.43.0.10); cobra prints it as `Error: …`.
 *  - a delete a test names (`failingDeletes`): `helm uninstall` fails with helm's
 *    pkg/action/uninstall.go `uninstallation completed with %d error(s): %s` (here a timeout).
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
  const args = c.args ?? [];
  const [action, ...flags] = args;
  const name = env.NAME ?? '';
  const target = env.TARGET_NAMESPACE ?? '';
  const lines = ['set +v -x', `+ [[ '${env.HELM_VERSION ?? ''}' == v2 ]]`, '+ shopt -s nullglob'];
  if (action === 'delete') {
    lines.push(`+ [[ delete != delete ]]`, '+ helm_update delete', `+ [[ delete = delete ]]`, `+ helm uninstall ${name} --namespace ${target}`);
    if (opts.failingDeletes?.includes(name)) {
      lines.push('Error: uninstallation completed with 1 error(s): context deadline exceeded');
      return { exitCode: 1, log: `${lines.join('\n')}\n` };
    }
    lines.push(`release "${name}" uninstalled`, '+ exit');
    return { exitCode: 0, log: `${lines.join('\n')}\n` };
  }
  const repo = env.REPO ?? '';
  const chart = env.CHART ?? '';
  lines.push(`+ [[ ${action} != delete ]]`, '+ helm_repo_init', "+ grep -q -e 'https\\?://'", `+ [[ ${chart} == stable/* ]]`, `+ [[ -n ${repo} ]]`);
  if (repo) {
    lines.push('+ [[ -f /auth/username ]]', '+ [[ -f /auth/tls.crt ]]', `+ helm repo add ${name} ${repo}`);
    if (hostOf(repo).endsWith('.invalid')) {
      lines.push(unreachableRepoError(repo));
      return { exitCode: 1, log: `${lines.join('\n')}\n` };
    }
    lines.push(
      `"${name}" has been added to your repositories`,
      '+ helm repo update',
      'Hang tight while we grab the latest from your chart repositories...',
      `...Successfully got an update from the "${name}" chart repository`,
      'Update Complete. ⎈Happy Helming!⎈',
    );
  }
  const values = valuesFiles.map((f) => ` --values /config/${f}`).join('');
  lines.push(
    `+ helm_update ${args.join(' ')}`,
    `+ LINE=null,null,null`,
    `+ [[ null =~ ^(|null)$ ]]`,
    "+ echo 'Installing helm chart'",
    'Installing helm chart',
    `+ helm ${action} ${flags.join(' ')} ${name} ${chart}${values}`.replace(/ +/g, ' '),
    `NAME: ${name}`,
    `LAST DEPLOYED: ${ansic(now)}`,
    `NAMESPACE: ${target}`,
    'STATUS: deployed',
    'REVISION: 1',
    'TEST SUITE: None',
    '+ exit',
  );
  return { exitCode: 0, log: `${lines.join('\n')}\n` };
}
