// The Go time oracle of test/cluster/gotime-oracle.test.ts: the standard library's time.Parse
// (layout time.RFC3339) and time.ParseDuration, as the Go toolchain that builds it has them.
// CloudNativePG (recovery targetTime), VolSync (restic restoreAsOf) and External Secrets Operator
// (refreshInterval, a metav1.Duration) read those fields with these two functions. No module is
// required: scripts/build-gotime-oracle.sh builds it outside the repository, keyed by the toolchain.
module hobby-infra.local/gotime-oracle

go 1.23.0
