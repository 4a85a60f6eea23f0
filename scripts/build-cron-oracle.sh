#!/usr/bin/env bash
# Builds test/oracles/cron (cron-oracle: what github.com/robfig/cron/v3, the parser kube-apiserver
# validates CronJob.spec.schedule with, makes of each schedule) for test/cron.test.ts, against the
# robfig/cron version its go.mod pins. The binary is cached outside the repository, keyed by that
# version, so only the first run on a machine pays for the build (seconds; the module comes from
# the Go module proxy unless Go's module cache has it). It is rebuilt when main.go or go.mod
# change (the binary knows the checksum of the sources it was built from: `cron-oracle -source`).
# Safe to run from several processes at once: each builds in its own folder, and the binary is
# moved into place with one rename.
#
# usage: build-cron-oracle.sh   prints the path of the cron-oracle binary
set -euo pipefail
# shellcheck source=scripts/go-build.sh
source "$(dirname "$0")/go-build.sh"

src="$(cd "$(dirname "${BASH_SOURCE[0]}")/../test/oracles/cron" && pwd)"
module="github.com/robfig/cron/v3"
version="$(awk -v m="$module" '{ for (i = 1; i < NF; i++) if ($i == m) { print $(i + 1); exit } }' "$src/go.mod")"
[ -n "$version" ] || { echo "build-cron-oracle.sh: $src/go.mod requires no $module" >&2; exit 2; }
source_sum="$(cat "$src/go.mod" "$src/main.go" | cksum | awk '{ print $1 "-" $2 }')"
cache="${HOBBY_INFRA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hobby-infra}"
out="$cache/cron-oracle/$version"
bin="$out/cron-oracle"

if [ -x "$bin" ] && [ "$("$bin" -source 2>/dev/null)" = "$source_sum" ]; then echo "$bin"; exit 0; fi

require_go "the cron oracle test needs Go to build $module $version"

in_private_build_dir "$out"
cp "$src/go.mod" "$src/main.go" "$work/"
export CGO_ENABLED=0 GOFLAGS=-mod=mod
# go.sum is made here, from the checksum database, rather than kept in the repository.
go mod download "$module"
go build -trimpath -ldflags "-s -w -X main.source=$source_sum" -o "$work/cron-oracle" .
mv -f "$work/cron-oracle" "$bin"
echo "$bin"
