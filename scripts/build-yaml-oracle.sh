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
case "${1:-}" in -h | --help) sed -n '2,/^# usage/p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
# shellcheck source=scripts/go-build.sh
source "$(dirname "$0")/go-build.sh"

build_oracle yaml sigs.k8s.io/yaml "the YAML oracle test needs Go to build"
