// The helm-controller Job oracle of test/cluster/stand-ins.test.ts: the Job k3s' helm-controller
// builds for a HelmChart, by its own code. scripts/build-helm-job-oracle.sh builds it outside the
// repository, keyed by the helm-controller version below (the one k3s v1.32 ships).
module hobby-infra.local/helm-job-oracle

go 1.23.4

require github.com/k3s-io/helm-controller v0.16.10
