// Command yaml-oracle reads a stream of YAML documents on stdin as kubectl reads a manifest file
// (kubectl's resource builder: k8s.io/apimachinery/pkg/util/yaml's NewYAMLOrJSONDecoder, which
// splits the stream at `---` lines and hands each document to sigs.k8s.io/yaml, i.e. YAMLToJSON on
// go-yaml v2) and prints one line for each document:
//
//	ok <json>       the document as the JSON kubectl would send (YAMLToJSON's output)
//	error: <msg>    the decoder's error, newlines written as \n
//
// A document that is empty or only comments prints `ok null`, as kubectl skips it. Built by
// scripts/build-yaml-oracle.sh.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// source identifies the main.go and go.mod the binary was built from (set by the build script).
var source = "unknown"

func main() {
	if len(os.Args) == 2 && os.Args[1] == "-source" {
		fmt.Println(source)
		return
	}
	if len(os.Args) != 1 {
		fmt.Fprintln(os.Stderr, "usage: yaml-oracle < documents (a YAML stream, documents separated by --- lines)")
		os.Exit(2)
	}
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	// The buffer size kubectl's resource builder gives the decoder (k8s.io/cli-runtime visitor.go).
	decoder := utilyaml.NewYAMLOrJSONDecoder(bufio.NewReader(os.Stdin), 4096)
	for {
		var doc json.RawMessage
		err := decoder.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			var syntax utilyaml.YAMLSyntaxError
			if !errors.As(err, &syntax) {
				// A read error or a bad document separator: the stream cannot go on.
				fmt.Fprintln(out, "error: "+oneLine(err.Error()))
				return
			}
			fmt.Fprintln(out, "error: "+oneLine(err.Error()))
			continue
		}
		if len(doc) == 0 {
			doc = json.RawMessage("null")
		}
		fmt.Fprintf(out, "ok %s\n", doc)
	}
}

func oneLine(s string) string {
	return strings.NewReplacer(`\`, `\\`, "\n", `\n`, "\r", `\r`).Replace(s)
}
