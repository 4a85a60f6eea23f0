#!/usr/bin/env bash
# Builds test/oracles/helm-job (helm-job-oracle: the Job k3s' helm-controller builds for a
# HelmChart, by helm-controller's own pkg/controllers/chart code) for test/cluster/stand-ins.test.ts,
# which checks the harness' helm-controller stand-in against it. The binary is cached outside the
# repository, keyed by the helm-controller version test/oracles/helm-job/go.mod pins, so only the
# first run on a machine pays for the build (a minute or two: the Kubernetes client modules). It is
# rebuilt when main.go or go.mod change (`helm-job-oracle -source`).
# Safe to run from several processes at once: each builds in its own folder, and the binary is
# moved into place with one rename.
#
# usage: build-helm-job-oracle.sh   prints the path of the helm-job-oracle binary
set -euo pipefail
case "${1:-}" in -h | --help) sed -n '2,/^# usage/p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
# shellcheck source=scripts/go-build.sh
source "$(dirname "$0")/go-build.sh"

build_oracle helm-job github.com/k3s-io/helm-controller "the helm-controller Job oracle test needs Go to build"
