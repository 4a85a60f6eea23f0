// registry-oracle serves go-containerregistry's in-memory OCI registry on a free loopback port and
// prints `http://127.0.0.1:<port>` on its first line; it runs until stdin closes or it is killed.
// Nothing is stored on disk; the test pushes what it needs through the registry's own API.
package main

import (
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"

	"github.com/google/go-containerregistry/pkg/registry"
)

// source identifies the main.go and go.mod the binary was built from (set by the build script).
var source = "unknown"

func main() {
	if len(os.Args) == 2 && os.Args[1] == "-source" {
		fmt.Println(source)
		return
	}
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("http://%s\n", listener.Addr())
	// The test owns the process: when it closes stdin (or dies), the registry goes too.
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}()
	handler := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	log.Fatal(http.Serve(listener, handler))
}
