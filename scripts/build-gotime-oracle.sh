#!/usr/bin/env bash
# Builds test/oracles/gotime (gotime-oracle: what Go's time.Parse(time.RFC3339, ...) and
# time.ParseDuration make of each line) for test/cluster/gotime-oracle.test.ts. CloudNativePG,
# VolSync and External Secrets Operator read restore times and durations with these functions.
# It needs no module, only the standard library: the binary is cached outside the repository,
# keyed by the Go toolchain's version, so only the first run with a Go version pays for the build
# (seconds). It is rebuilt when main.go or go.mod change (the binary knows the checksum of the
# sources it was built from: `gotime-oracle -source`).
# Safe to run from several processes at once: each builds in its own folder, and the binary is
# moved into place with one rename.
#
# usage: build-gotime-oracle.sh   prints the path of the gotime-oracle binary
set -euo pipefail
case "${1:-}" in -h | --help) sed -n '2,/^# usage/p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
# shellcheck source=scripts/go-build.sh
source "$(dirname "$0")/go-build.sh"

build_oracle gotime std "the Go time oracle test needs Go to build"
