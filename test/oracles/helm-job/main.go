// Command helm-job-oracle reads one HelmChart (JSON) on stdin and prints (JSON) the Job that
// github.com/k3s-io/helm-controller's pkg/controllers/chart builds for it: job(), then what
// getJobAndRelatedResources() does to it for a chart without a HelmChartConfig or valuesSecrets
// (setFailurePolicy with the chart's failurePolicy or `reinstall`, setBackOffLimit with the chart's
// backOffLimit or 1000, hashObjects over the content ConfigMap and values Secret). Those functions
// are unexported: they are linked by name (go:linkname), so the oracle runs the controller's code,
// not a copy. `helm-job-oracle -source` prints the checksum of the sources it was built from.
// Built by scripts/build-helm-job-oracle.sh.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	_ "unsafe" // go:linkname

	v1 "github.com/k3s-io/helm-controller/pkg/apis/helm.cattle.io/v1"
	_ "github.com/k3s-io/helm-controller/pkg/controllers/chart"
	batch "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

//go:linkname job github.com/k3s-io/helm-controller/pkg/controllers/chart.job
func job(chart *v1.HelmChart, apiServerPort string) (*batch.Job, *corev1.Secret, *corev1.ConfigMap)

//go:linkname setFailurePolicy github.com/k3s-io/helm-controller/pkg/controllers/chart.setFailurePolicy
func setFailurePolicy(job *batch.Job, failurePolicy string)

//go:linkname setBackOffLimit github.com/k3s-io/helm-controller/pkg/controllers/chart.setBackOffLimit
func setBackOffLimit(job *batch.Job, backOffLimit *int32)

//go:linkname hashObjects github.com/k3s-io/helm-controller/pkg/controllers/chart.hashObjects
func hashObjects(job *batch.Job, objs ...metav1.Object)

// source identifies the main.go and go.mod the binary was built from (set by the build script).
var source = "unknown"

func main() {
	if len(os.Args) == 2 && os.Args[1] == "-source" {
		fmt.Println(source)
		return
	}
	var chart v1.HelmChart
	if err := json.NewDecoder(os.Stdin).Decode(&chart); err != nil {
		fmt.Fprintln(os.Stderr, "helm-job-oracle: stdin: got no HelmChart JSON:", err)
		os.Exit(2)
	}
	j, valuesSecret, contentConfigMap := job(&chart, "6443")
	failurePolicy := "reinstall"
	if chart.Spec.FailurePolicy != "" {
		failurePolicy = chart.Spec.FailurePolicy
	}
	backOffLimit := ptr.To(int32(1000))
	if chart.Spec.BackOffLimit != nil {
		backOffLimit = chart.Spec.BackOffLimit
	}
	setFailurePolicy(j, failurePolicy)
	setBackOffLimit(j, backOffLimit)
	hashObjects(j, contentConfigMap, valuesSecret)
	out, err := json.Marshal(j)
	if err != nil {
		fmt.Fprintln(os.Stderr, "helm-job-oracle:", err)
		os.Exit(1)
	}
	fmt.Println(string(out))
}
