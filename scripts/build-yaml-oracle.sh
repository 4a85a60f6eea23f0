#!/usr/bin/env bash
# Builds test/oracles/yaml (yaml-oracle: how kubectl reads a manifest file, i.e. apimachinery's YAML
# document reader and sigs.k8s.io/yaml's YAMLToJSON on go-yaml v2) for test/cluster/yaml-oracle.test.ts,
# against the versions its go.mod pins (those of k8s.io/kubernetes v1.32.5). The binary is cached
# outside the repository, keyed by the sigs.k8s.io/yaml version, so only the first run on a machine
# pays for the build (seconds; the modules come from the Go module proxy unless Go's module cache
# has them). It is rebuilt when main.go or go.mod change (the binary knows the checksum of the
# sources it was built from: `yaml-oracle -source`). Safe to run from several processes at once:
# each builds in its own folder, and the binary is moved into place with one rename.
#
# usage: build-yaml-oracle.sh   prints the path of the yaml-oracle binary
set -euo pipefail
case "${1:-}" in -h | --help) sed -n '2,/^# usage/p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
# shellcheck source=scripts/go-build.sh
source "$(dirname "$0")/go-build.sh"

build_oracle yaml sigs.k8s.io/yaml "the YAML oracle test needs Go to build"
