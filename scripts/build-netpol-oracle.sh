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

build_oracle netpol github.com/mattfenwick/cyclonus "the NetworkPolicy oracle needs Go to build"
