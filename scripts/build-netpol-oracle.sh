#!/usr/bin/env bash
# Builds test/oracles/netpol (netpol-oracle: what the policy engine of github.com/mattfenwick/cyclonus,
# pkg/matcher, decides about traffic under a set of NetworkPolicies) for
# test/cluster/platform-network.test.ts, against the cyclonus version its go.mod pins. The binary is
# cached outside the repository, keyed by that version, so only the first run on a machine pays for
# the build (about a minute from cold Go caches: the modules come from the Go module proxy).
# It is rebuilt when main.go or go.mod change (the binary knows the checksum of the sources it was
# built from: `netpol-oracle -source`).
# Safe to run from several processes at once: each builds in its own folder, and the binary is
# moved into place with one rename.
#
# usage: build-netpol-oracle.sh   prints the path of the netpol-oracle binary
set -euo pipefail
case "${1:-}" in -h | --help) sed -n '2,/^# usage/p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
# shellcheck source=scripts/go-build.sh
source "$(dirname "$0")/go-build.sh"

src="$(cd "$(dirname "${BASH_SOURCE[0]}")/../test/oracles/netpol" && pwd)"
module="github.com/mattfenwick/cyclonus"
version="$(awk -v m="$module" '{ for (i = 1; i < NF; i++) if ($i == m) { print $(i + 1); exit } }' "$src/go.mod")"
[ -n "$version" ] || { echo "build-netpol-oracle.sh: $src/go.mod requires no $module" >&2; exit 2; }
source_sum="$(cat "$src/go.mod" "$src/main.go" | cksum | awk '{ print $1 "-" $2 }')"
cache="${HOBBY_INFRA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hobby-infra}"
out="$cache/netpol-oracle/$version"
bin="$out/netpol-oracle"

if [ -x "$bin" ] && [ "$("$bin" -source 2>/dev/null)" = "$source_sum" ]; then echo "$bin"; exit 0; fi

require_go "the NetworkPolicy oracle needs Go to build $module $version"

in_private_build_dir "$out"
cp "$src/go.mod" "$src/main.go" "$work/"
export CGO_ENABLED=0 GOFLAGS=-mod=mod
# go.sum is made here, from the checksum database, rather than kept in the repository.
go mod download "$module"
go build -trimpath -ldflags "-s -w -X main.source=$source_sum" -o "$work/netpol-oracle" .
mv -f "$work/netpol-oracle" "$bin"
echo "$bin"
