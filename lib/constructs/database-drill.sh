#!/bin/sh
# Restore drill of one app database (lib/constructs/drill-database.ts renders the CronJob that runs
# this; docs/backups.md "Restore drills" says how to read its log). With kubectl only, as the
# ServiceAccount restore-drill-runner, which may do nothing outside the restore-drills namespace:
#   1. create the throwaway Cluster $CLUSTER_FILE describes: a replica of the app's database that
#      CloudNativePG bootstraps from the latest base backup in the app's bucket and that then
#      replays every archived WAL file (read-only keys; it never archives or writes anywhere);
#   2. check it: Ready; the app's tables hold rows; the last transaction it replayed is recent;
#   3. delete it, whatever happened (trap), and exit 0 only when every check passed, so that the
#      Job's result is the drill's (kube-state-metrics: kube_cronjob_status_last_successful_time).
# Every line it prints starts with "[drill <cluster>]"; a failure ends with "FAILED: <why>".
set -eu

: "${NAMESPACE:?}" "${DRILL_CLUSTER:?}" "${SOURCE:?}" "${CLUSTER_FILE:?}"
: "${MAX_AGE_SECONDS:?}" "${TURN_SECONDS:?}" "${READY_SECONDS:?}" "${REPLAY_SECONDS:?}" "${STALE_SECONDS:?}"
POLL_SECONDS=${POLL_SECONDS:-20}

log() { echo "[drill $DRILL_CLUSTER] $*"; }
fail() { log "FAILED: $*"; exit 1; }
now() { date -u +%s; }
k() { kubectl -n "$NAMESPACE" "$@"; }

created=no
cleanup() {
  status=$?
  trap - EXIT
  if [ "$created" = yes ]; then
    log "deleting the drill Cluster $DRILL_CLUSTER (its pods and volume go with it)"
    k delete cluster "$DRILL_CLUSTER" --ignore-not-found --wait=true --timeout=300s >/dev/null || { log "FAILED: could not delete the drill Cluster; the next drill deletes it once it is ${STALE_SECONDS}s old"; status=1; }
  fi
  [ "$status" -eq 0 ] && log "PASSED: $SOURCE restores from its backups"
  exit "$status"
}
trap cleanup EXIT
# Killed at the Job's deadline (SIGTERM): still delete the Cluster on the way out.
trap 'log "stopped (the Job reached its deadline or was deleted)"; exit 143' TERM INT

# A drill Cluster older than any drill may last was left by a runner that was killed before its
# trap ran: nobody uses it, and it would hold the namespace's one Cluster slot forever.
reclaim_stale() {
  k get clusters -o jsonpath='{range .items[*]}{.metadata.name}{" "}{.metadata.creationTimestamp}{"\n"}{end}' |
    while read -r name since; do
      [ -n "$name" ] || continue
      # BusyBox's date reads "2026-12-05 10:00:00", not RFC 3339's T and Z.
      age=$(( $(now) - $(date -u -d "$(printf '%s' "$since" | tr 'T' ' ' | tr -d 'Z')" +%s) ))
      if [ "$age" -gt "$STALE_SECONDS" ]; then
        log "deleting the stale drill Cluster $name (${age}s old: its runner is gone)"
        k delete cluster "$name" --ignore-not-found --wait=false >/dev/null
      fi
    done
}

# 1. Our turn: the namespace's ResourceQuota admits one drill Cluster at a time
# (count/clusters.postgresql.cnpg.io: 1), so the API server itself serializes the drills.
log "restoring $SOURCE: waiting for the namespace's one drill Cluster slot (up to ${TURN_SECONDS}s)"
turn_ends=$(( $(now) + TURN_SECONDS ))
while :; do
  reclaim_stale
  if out=$(k create -f "$CLUSTER_FILE" 2>&1); then created=yes; break; fi
  case $out in
    *"exceeded quota"*) waiting="another drill's Cluster holds the slot" ;;
    *"status unknown for quota"*) waiting="the quota controller has not counted the namespace's Clusters yet" ;;
    *AlreadyExists* | *"already exists"*) waiting="a Cluster $DRILL_CLUSTER is still there (being deleted, or stale)" ;;
    *) fail "creating the drill Cluster: $out" ;;
  esac
  [ "$(now)" -lt "$turn_ends" ] || fail "no slot within ${TURN_SECONDS}s: $waiting ($(k get clusters -o name | tr '\n' ' '))"
  sleep "$POLL_SECONDS"
done
log "created the drill Cluster $DRILL_CLUSTER: base backup, then all archived WAL of $SOURCE"

# 2a. Ready: the base backup was restored and PostgreSQL replays WAL as a hot standby.
if ! k wait --for=condition=Ready "cluster/$DRILL_CLUSTER" --timeout="${READY_SECONDS}s" >/dev/null 2>&1; then
  phase=$(k get cluster "$DRILL_CLUSTER" -o jsonpath='{.status.phase}: {.status.phaseReason}' 2>/dev/null || true)
  fail "not Ready within ${READY_SECONDS}s ($phase); kubectl -n $NAMESPACE logs -l cnpg.io/cluster=$DRILL_CLUSTER --all-containers shows why (a missing base backup, wrong keys, a broken WAL chain)"
fi
pod=$(k get cluster "$DRILL_CLUSTER" -o jsonpath='{.status.currentPrimary}')
[ -n "$pod" ] || pod="$DRILL_CLUSTER-1"
log "Ready: instance $pod"

# psql in the drill instance, as its local superuser (peer authentication over the socket).
psql_in() { k exec "$pod" -c postgres -- psql -X -A -t -q -v ON_ERROR_STOP=1 -d app -c "$1"; }

# 2b. The app's tables, each with its exact row count. Some may be empty (a queue); all of them
# empty, or none at all, means the restore brought back no data.
tables=$(psql_in "SELECT format('%I.%I', table_schema, table_name) || ' ' || (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I.%I', table_schema, table_name), false, true, '')))[1]::text FROM information_schema.tables WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1") || fail "could not count the rows of the app's tables (psql in $pod failed)"
count=0
rows=0
while read -r table n; do
  [ -n "$table" ] || continue
  log "table $table: $n rows"
  count=$((count + 1))
  rows=$((rows + n))
done <<EOF
$tables
EOF
[ "$count" -gt 0 ] || fail "the restored database app has no tables"
[ "$rows" -gt 0 ] || fail "all $count tables of the restored database are empty"
log "$count tables, $rows rows"

# 2c. How recent the restored data is: the last transaction replayed, or, when none was committed
# since the base backup, the last checkpoint replayed (at least the base backup's own). It must be
# newer than MAX_AGE_SECONDS (backups.alertAfterHours); replay may still be catching up, so wait.
replay_ends=$(( $(now) + REPLAY_SECONDS ))
while :; do
  at=$(psql_in "SELECT extract(epoch FROM greatest(pg_last_xact_replay_timestamp(), (pg_control_checkpoint()).checkpoint_time))::bigint") || fail "could not read the replayed point in time (psql in $pod failed)"
  age=$(( $(now) - at ))
  [ "$age" -gt "$MAX_AGE_SECONDS" ] || break
  [ "$(now)" -lt "$replay_ends" ] || fail "the restored data ends at $(date -u -d "@$at" +%Y-%m-%dT%H:%M:%SZ), ${age}s ago: older than ${MAX_AGE_SECONDS}s (backups.alertAfterHours); WAL archiving or base backups of $SOURCE have stopped"
  sleep "$POLL_SECONDS"
done
log "restored up to $(date -u -d "@$at" +%Y-%m-%dT%H:%M:%SZ) (${age}s ago)"
