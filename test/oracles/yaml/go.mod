// The YAML oracle of test/cluster/yaml-oracle.test.ts: how kubectl reads a manifest file, with the
// modules at the versions k8s.io/kubernetes v1.32.5 requires (its go.mod): apimachinery's YAML
// document reader (its staging copy, published as v0.32.5) and the sigs.k8s.io YAML module, whose
// YAMLToJSON reads each document with the go-yaml v2 fork it carries (goyaml.v2).
// scripts/build-yaml-oracle.sh builds it outside the repository (go.sum is made there).
module hobby-infra.local/yaml-oracle

go 1.23.0

require (
	k8s.io/apimachinery v0.32.5
	sigs.k8s.io/yaml v1.4.0
)
