// Command netpol-oracle decides traffic by NetworkPolicies, with the policy engine of cyclonus
// (github.com/mattfenwick/cyclonus/pkg/matcher), which needs no cluster: it reads one JSON object
// on stdin, {"policies": [NetworkPolicy, ...], "flows": [flow, ...]}, where a flow is
// {"from": peer, "to": peer, "port": 443, "protocol": "TCP"} and a peer is {"ip": "..."} outside
// the cluster or {"ip", "namespace", "namespaceLabels", "podLabels"} for a pod; and prints one JSON
// object: {"engine": "...", "verdicts": [{"egress": side, "ingress": side}, ...]}, one per flow, where
// a side says whether the policies of the sending pod (egress) or of the receiving pod (ingress)
// allow the flow, and which policies (namespace/name) select that pod and which of them allow it.
// A peer outside the cluster has no policies: its side is allowed, selected by none.
// Built by scripts/build-netpol-oracle.sh.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"

	"github.com/mattfenwick/cyclonus/pkg/matcher"
	v1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
)

// source identifies the main.go and go.mod the binary was built from (set by the build script).
var source = "unknown"

const engine = "github.com/mattfenwick/cyclonus v0.5.6 pkg/matcher"

type peer struct {
	IP              string            `json:"ip"`
	Namespace       string            `json:"namespace,omitempty"`
	NamespaceLabels map[string]string `json:"namespaceLabels,omitempty"`
	PodLabels       map[string]string `json:"podLabels,omitempty"`
}

type flow struct {
	From     peer   `json:"from"`
	To       peer   `json:"to"`
	Port     int    `json:"port"`
	Protocol string `json:"protocol"`
}

type input struct {
	Policies []*networkingv1.NetworkPolicy `json:"policies"`
	Flows    []flow                        `json:"flows"`
}

type side struct {
	Allowed    bool     `json:"allowed"`
	SelectedBy []string `json:"selectedBy"`
	AllowedBy  []string `json:"allowedBy"`
}

type verdict struct {
	Egress  side `json:"egress"`
	Ingress side `json:"ingress"`
}

func trafficPeer(p peer) *matcher.TrafficPeer {
	if p.Namespace == "" {
		return &matcher.TrafficPeer{IP: p.IP}
	}
	labels := p.NamespaceLabels
	if labels == nil {
		labels = map[string]string{}
	}
	return &matcher.TrafficPeer{IP: p.IP, Internal: &matcher.InternalPeer{Namespace: p.Namespace, NamespaceLabels: labels, PodLabels: p.PodLabels}}
}

func names(targets []*matcher.Target) []string {
	seen := map[string]bool{}
	out := []string{}
	for _, t := range targets {
		for _, rule := range t.SourceRules {
			name := rule.Namespace + "/" + rule.Name
			if !seen[name] {
				seen[name] = true
				out = append(out, name)
			}
		}
	}
	sort.Strings(out)
	return out
}

func sideOf(d *matcher.DirectionResult) side {
	all := append(append([]*matcher.Target{}, d.AllowingTargets...), d.DenyingTargets...)
	return side{Allowed: d.IsAllowed(), SelectedBy: names(all), AllowedBy: names(d.AllowingTargets)}
}

func main() {
	if len(os.Args) == 2 && os.Args[1] == "-source" {
		fmt.Println(source)
		return
	}
	const usage = "usage: netpol-oracle < {\"policies\": [NetworkPolicy, ...], \"flows\": [{\"from\": peer, \"to\": peer, \"port\": 443, \"protocol\": \"TCP\"}, ...]}"
	if len(os.Args) == 2 && (os.Args[1] == "-h" || os.Args[1] == "--help") {
		fmt.Println(usage)
		return
	}
	if len(os.Args) != 1 {
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(2)
	}
	var in input
	decoder := json.NewDecoder(os.Stdin)
	decoder.DisallowUnknownFields()
	if err := decoder.Decode(&in); err != nil {
		fmt.Fprintln(os.Stderr, "netpol-oracle: input:", err)
		os.Exit(2)
	}
	policy := matcher.BuildNetworkPolicies(false, in.Policies)
	out := struct {
		Engine   string    `json:"engine"`
		Verdicts []verdict `json:"verdicts"`
	}{Engine: engine, Verdicts: make([]verdict, 0, len(in.Flows))}
	for _, f := range in.Flows {
		result := policy.IsTrafficAllowed(&matcher.Traffic{
			Source:       trafficPeer(f.From),
			Destination:  trafficPeer(f.To),
			ResolvedPort: f.Port,
			Protocol:     v1.Protocol(f.Protocol),
		})
		out.Verdicts = append(out.Verdicts, verdict{Egress: sideOf(result.Egress), Ingress: sideOf(result.Ingress)})
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, "netpol-oracle:", err)
		os.Exit(2)
	}
}
