#!/usr/bin/env bash
# Builds a real helm from the official Go module (helm.sh/helm/v3 or helm.sh/helm/v4, ./cmd/helm)
# with `go build`, the way helm's own Makefile does (same version and Kubernetes ldflags), for
# machines that cannot download helm releases. CI uses the official release instead
# (azure/setup-helm in .github/workflows/pr.yml). The binary is cached outside the repository,
# keyed by version, so only the first run on a machine pays for the build (minutes on 2 cores).
# Several processes may run it at once.
#
# usage: build-helm.sh <helm version, e.g. 3.17.4 or v4.1.4>   prints the path of the helm binary
set -euo pipefail
case "${1:-}" in
  -h | --help)
    printf 'usage: npm run -s build-helm -- <helm version, e.g. 3.17.4 or v4.1.4>\n\nBuilds helm from its Go module (cached by version outside the repository) and prints the path of the binary.\n'
    exit 0 ;;
  -*)
    echo "build-helm: $1: got an unknown option, expected a helm version such as 3.17.4 (see --help)" >&2
    exit 2 ;;
esac
# shellcheck source=scripts/go-build.sh
source "$(dirname "$0")/go-build.sh"

version="${1:?usage: build-helm.sh <helm version, e.g. 3.17.4>}"
version="v${version#v}"
major="${version%%.*}"                      # v3 or v4: the module path suffix
module="helm.sh/helm/$major"
start_binary_build helm "$version" "rendering charts needs helm $version (install it), or Go for scripts/build-helm.sh to build it"
# A throwaway main module that requires only helm: minimal version selection then picks exactly
# the dependency versions of helm's own go.mod, as a build in helm's repository would.
printf 'module hobby-infra.local/helm\n\ngo 1.23.0\n\nrequire %s %s\n' "$module" "$version" > go.mod
export CGO_ENABLED=0 GOFLAGS=-mod=mod
modfile="$(go mod download -json "$module@$version" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"

ldflags="-w -s -X $module/internal/version.version=$version -X $module/internal/version.gitTreeState=clean"
if [ "$major" = v3 ]; then
  # helm 3's Makefile derives the default Kubernetes version (used by `helm template` without
  # --kube-version, and by lint) from its client-go: v0.32 -> 1.32.
  k8s="$(awk '$1 == "k8s.io/client-go" { print $2 }' "$modfile")"
  k8s_minor="$(echo "$k8s" | cut -d. -f2)"
  for pkg in "$module/pkg/lint/rules" "$module/pkg/chartutil"; do
    ldflags+=" -X $pkg.k8sVersionMajor=1 -X $pkg.k8sVersionMinor=$k8s_minor"
  done
fi
go build -trimpath -ldflags "$ldflags" -o "$work/helm" "$module/cmd/helm"
install_binary helm
