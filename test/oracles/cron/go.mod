// The cron oracle of test/cron.test.ts: robfig/cron at the version k8s.io/kubernetes v1.32.5
// requires (its go.mod), the one kube-apiserver validates CronJob.spec.schedule with.
// scripts/build-cron-oracle.sh builds it outside the repository (go.sum is made there).
module hobby-infra.local/cron-oracle

go 1.23.0

require github.com/robfig/cron/v3 v3.0.1
