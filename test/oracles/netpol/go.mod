// The NetworkPolicy oracle of test/cluster/platform-network.test.ts: the policy engine of cyclonus
// (github.com/mattfenwick/cyclonus/pkg/matcher), the NetworkPolicy evaluator behind the upstream
// cyclonus conformance suite, which decides traffic from the policies alone (no node, no CNI).
// scripts/build-netpol-oracle.sh builds it outside the repository (go.sum is made there).
module hobby-infra.local/netpol-oracle

go 1.23.0

require (
	github.com/mattfenwick/cyclonus v0.5.6
	k8s.io/api v0.30.2
)
