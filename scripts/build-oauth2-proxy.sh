#!/usr/bin/env bash
# Builds a real oauth2-proxy (the sign-in at the edge, charts/sign-in.ts) from its official Go
# module, github.com/oauth2-proxy/oauth2-proxy/v7, with `go build` the way its Makefile does (same
# version ldflag), for test/cluster/sign-in.test.ts. The version is the one the chart runs (IMAGES.oauth2Proxy
# in config/versions.ts, passed by the test), so a Renovate bump of the image tests the new binary.
# The binary is cached outside the repository, keyed by version, so only the first run on a machine
# pays for the build (a few minutes on 2 cores from cold Go caches; the modules come from the Go
# module proxy). Several processes may run it at once: each builds in its own folder, and the binary
# is moved into place with one rename.
#
# usage: build-oauth2-proxy.sh <version, e.g. v7.15.6>   prints the path of the oauth2-proxy binary
set -euo pipefail
case "${1:-}" in
  -h | --help) sed -n '2,/^# usage/p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  -* | '')
    echo "build-oauth2-proxy: got ${1:-no version}, expected an oauth2-proxy version such as v7.15.6 (see --help)" >&2
    exit 2 ;;
esac
# shellcheck source=scripts/go-build.sh
source "$(dirname "$0")/go-build.sh"

version="v${1#v}"
module="github.com/oauth2-proxy/oauth2-proxy/v7"
start_binary_build oauth2-proxy "$version" "the sign-in test needs oauth2-proxy $version, which scripts/build-oauth2-proxy.sh builds with Go"
# A throwaway main module that requires only oauth2-proxy: minimal version selection then picks
# exactly the dependency versions of its own go.mod, as a build in its repository would.
printf 'module hobby-infra.local/oauth2-proxy\n\ngo 1.23.0\n\nrequire %s %s\n' "$module" "$version" > go.mod
export CGO_ENABLED=0 GOFLAGS=-mod=mod
go mod download "$module@$version"
go build -trimpath -ldflags "-w -s -X $module/pkg/version.VERSION=$version" -o "$work/oauth2-proxy" "$module" >&2
install_binary oauth2-proxy
