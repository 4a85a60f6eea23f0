#!/usr/bin/env bash
# Builds a real Trivy from its official Go module, github.com/aquasecurity/trivy, at the release the
# PR workflow runs (pr.yml's trivy-action `version`, passed by test/cluster/trivy.test.ts), so a
# Renovate bump of it tests the new scanner. Its misconfiguration checks are the ones compiled into
# the binary (trivy-checks, embedded), which is what it falls back to without a network.
# The binary is cached outside the repository, keyed by version, so only the first run on a machine
# pays for the build (several minutes on 2 cores from cold Go caches; the modules come from the Go
# module proxy). Several processes may run it at once: each builds in its own folder, and the binary
# is moved into place with one rename.
#
# usage: build-trivy.sh <version, e.g. v0.70.0>   prints the path of the trivy binary
set -euo pipefail
case "${1:-}" in
  -h | --help) sed -n '2,/^# usage/p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  -* | '')
    echo "build-trivy: got ${1:-no version}, expected a Trivy version such as v0.70.0 (see --help)" >&2
    exit 2 ;;
esac
# shellcheck source=scripts/go-build.sh
source "$(dirname "$0")/go-build.sh"

version="v${1#v}"
module="github.com/aquasecurity/trivy"
start_binary_build trivy "$version" "the Trivy test needs trivy $version, which scripts/build-trivy.sh builds with Go"
# `go install module/cmd@version` builds with Trivy's own go.mod, as a build in its repository
# would. Trivy uses encoding/json/v2, behind GOEXPERIMENT=jsonv2 on the Go releases that have it.
export CGO_ENABLED=0 GOEXPERIMENT=jsonv2 GOBIN="$work"
go install -trimpath -ldflags "-w -s -X $module/pkg/version/app.ver=${version#v}" "$module/cmd/trivy@$version" >&2
install_binary trivy
