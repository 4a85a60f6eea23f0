#!/usr/bin/env bash
# Builds test/oracles/registry (registry-oracle: github.com/google/go-containerregistry's in-memory
# OCI registry on a loopback port) for the image check's test, against the go-containerregistry
# version its go.mod pins. Cached outside the repository, keyed by that version, like the other
# oracles (scripts/go-build.sh); rebuilt when main.go or go.mod change.
#
# usage: build-registry-oracle.sh   prints the path of the registry-oracle binary
set -euo pipefail
case "${1:-}" in -h | --help) sed -n '2,/^# usage/p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
# shellcheck source=scripts/go-build.sh
source "$(dirname "$0")/go-build.sh"

build_oracle registry github.com/google/go-containerregistry "the image check's test needs Go to build the registry"
