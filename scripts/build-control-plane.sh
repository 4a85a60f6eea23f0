#!/usr/bin/env bash
# Builds the real control plane for `npm run test:cluster` (and `check-charts --admission`) from the official Go modules:
# kube-apiserver, kube-controller-manager and kubectl from k8s.io/kubernetes at the version the
# cluster config pins, and etcd from go.etcd.io/etcd/server/v3 at the version that Kubernetes
# release itself requires. Binaries are cached outside the repository, keyed by version, so only
# the first run on a machine pays for the build (several minutes on 2 cores).
#
# usage: build-control-plane.sh <kubernetes version, e.g. 1.32.5>   prints the binary directory
set -euo pipefail
# shellcheck source=scripts/go-build.sh
source "$(dirname "$0")/go-build.sh"

version="${1:?usage: build-control-plane.sh <kubernetes version>}"
version="${version#v}"
minor="${version#*.}"; minor="${minor%%.*}"
cache="${HOBBY_INFRA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hobby-infra}"
out="$cache/control-plane/v$version"
tools=(kube-apiserver kube-controller-manager kubectl etcd)

have_all() { for t in "${tools[@]}"; do [ -x "$out/$t" ] || return 1; done; }
if have_all; then echo "$out"; exit 0; fi

require_go "test:cluster needs Go to build kube-apiserver, kube-controller-manager, kubectl and etcd v$version"

in_private_build_dir "$out"
{
  echo "module hobby-infra.local/control-plane"
  echo
  echo "go 1.23.0"
  echo
} > go.mod
# k8s.io/kubernetes points its staging modules at ./staging; a consumer has to name the published
# v0.<minor>.<patch> of each one instead. etcd is built at the version that release requires.
modfile="$(go mod download -json "k8s.io/kubernetes@v$version" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
etcd="$(awk '$1 == "go.etcd.io/etcd/server/v3" { print $2 }' "$modfile")"
printf "require k8s.io/kubernetes v%s\nrequire go.etcd.io/etcd/server/v3 %s\n" "$version" "$etcd" >> go.mod
grep -E '^\s+k8s\.io/[a-z0-9-]+ => \./staging/' "$modfile" | awk '{print $1}' | while read -r mod; do
  echo "replace $mod => $mod v0.${version#*.}" >> go.mod
done
cat > tools.go <<'GO'
//go:build tools

package tools

import (
	_ "go.etcd.io/etcd/server/v3"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
GO

ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=v$version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
done
export CGO_ENABLED=0 GOFLAGS=-mod=mod
for cmd in kube-apiserver kube-controller-manager kubectl; do
  [ -x "$out/$cmd" ] || { go build -trimpath -ldflags "$ldflags" -o "$work/$cmd" "k8s.io/kubernetes/cmd/$cmd" && mv -f "$work/$cmd" "$out/$cmd"; }
done
[ -x "$out/etcd" ] || { go build -trimpath -ldflags "-s -w" -o "$work/etcd" go.etcd.io/etcd/server/v3 && mv -f "$work/etcd" "$out/etcd"; }
echo "$out"
