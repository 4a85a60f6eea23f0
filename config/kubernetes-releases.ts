/*
 * The Kubernetes patch release `npm run check-upgrade -- --to <minor>` builds for a minor other than
 * the cluster's (config/cluster.ts pins that one exactly): the newest patch of k8s.io/kubernetes the
 * Go module proxy served when it was pinned (`go list -m -versions k8s.io/kubernetes`). The build is
 * cached per version (scripts/build-control-plane.sh); keep this to the one minor after the
 * cluster's, and move it when the cluster moves: every version here is a kube-apiserver build in CI.
 */
export const KUBERNETES_RELEASES: Readonly<Record<string, string>> = {
  '1.33': '1.33.13',
};
