#!/bin/sh
# Restore drill of one backed-up volume (lib/constructs/drill-volume.ts renders the CronJob that
# runs this in the restic image; docs/backups.md "Restore drills"). With the read-only keys of
# /backups/restore-drills, so every restic command runs with --no-lock (a lock is a file written
# to the repository):
#   1. restic check: the repository's structure (indexes, snapshots, trees) is whole;
#   2. the latest snapshot is newer than MAX_AGE_SECONDS (backups.alertAfterHours);
#   3. restic restore latest into the scratch volume /restore (a generic ephemeral volume the size
#      of the live one, deleted with the pod) and at least one file came back.
# The live volume is never touched: this pod mounts only its own scratch volume.
# Every line it prints starts with "[drill <volume>]"; a failure ends with "FAILED: <why>".
set -eu

: "${DRILL_NAME:?}" "${MAX_AGE_SECONDS:?}" "${RESTIC_REPOSITORY:?}"
TARGET=${TARGET:-/restore}

log() { echo "[drill $DRILL_NAME] $*"; }
fail() { log "FAILED: $*"; exit 1; }

log "checking the repository $RESTIC_REPOSITORY"
restic --no-lock check || fail "restic check found the repository damaged or unreadable (above: wrong keys, wrong RESTIC_PASSWORD_<OWNER>, or missing data)"

# The latest snapshot's time, e.g. "2026-08-01T04:15:02.123456789Z" (VolSync's movers run in UTC).
latest=$(restic --no-lock snapshots --latest 1 --json) || fail "could not list the snapshots"
taken=$(printf '%s' "$latest" | sed -n 's/.*"time":"\([0-9-]*\)T\([0-9:]*\)[^"]*".*/\1 \2/p' | tail -n 1)
[ -n "$taken" ] || fail "the repository holds no snapshot"
age=$(( $(date -u +%s) - $(date -u -d "$taken" +%s) ))
[ "$age" -le "$MAX_AGE_SECONDS" ] || fail "the latest snapshot is from $taken UTC, ${age}s ago: older than ${MAX_AGE_SECONDS}s (backups.alertAfterHours); the volume's backups have stopped"
log "latest snapshot: $taken UTC (${age}s ago)"

log "restoring it into the scratch volume $TARGET"
restic --no-lock restore latest --target "$TARGET" || fail "restic restore failed (above)"
files=$(find "$TARGET" -type f | wc -l)
[ "$files" -gt 0 ] || fail "the latest snapshot restored no file"
log "PASSED: $files files restored ($(du -sh "$TARGET" | cut -f1))"
