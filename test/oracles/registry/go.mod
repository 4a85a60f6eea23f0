// The OCI registry of test/cluster/check-images.test.ts: go-containerregistry's in-memory registry
// (pkg/registry, an implementation of the OCI distribution API that crane and ko test against).
// scripts/build-registry-oracle.sh builds it outside the repository (go.sum is made there).
module hobby-infra.local/registry-oracle

go 1.23.0

require github.com/google/go-containerregistry v0.22.1
