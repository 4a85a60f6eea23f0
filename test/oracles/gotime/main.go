// Command gotime-oracle reads one value a line on stdin, each prefixed by what it is, and prints
// for each one line: what Go's standard library makes of it.
//
//	time <text>       time.Parse(time.RFC3339, text)
//	                  ok <UTC time with nine fraction digits> <zone offset in seconds>
//	                  error: <msg>
//	duration <text>   time.ParseDuration(text)
//	                  ok <nanoseconds>
//	                  error: <msg>
//
// A text that starts with a double quote is a JSON string, so values with newlines or surrounding
// spaces can be given exactly. `gotime-oracle -version` prints the Go version it was built with.
// Built by scripts/build-gotime-oracle.sh.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"
)

// source identifies the main.go and go.mod the binary was built from (set by the build script).
var source = "unknown"

func main() {
	if len(os.Args) == 2 && os.Args[1] == "-source" {
		fmt.Println(source)
		return
	}
	if len(os.Args) == 2 && os.Args[1] == "-version" {
		fmt.Println(runtime.Version())
		return
	}
	if len(os.Args) != 1 {
		fmt.Fprintln(os.Stderr, "usage: gotime-oracle < lines ('time <text>' or 'duration <text>'; a text starting with \" is a JSON string)")
		os.Exit(2)
	}
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 64*1024), 16*1024*1024)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for in.Scan() {
		kind, text, found := strings.Cut(in.Text(), " ")
		if !found || (kind != "time" && kind != "duration") {
			fmt.Fprintf(os.Stderr, "gotime-oracle: line %q is neither 'time <text>' nor 'duration <text>'\n", in.Text())
			os.Exit(2)
		}
		if strings.HasPrefix(text, `"`) {
			if err := json.Unmarshal([]byte(text), &text); err != nil {
				fmt.Fprintf(os.Stderr, "gotime-oracle: %q is not a JSON string: %v\n", in.Text(), err)
				os.Exit(2)
			}
		}
		if kind == "time" {
			fmt.Fprintln(out, parseTime(text))
		} else {
			fmt.Fprintln(out, parseDuration(text))
		}
	}
	if err := in.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "gotime-oracle:", err)
		os.Exit(2)
	}
}

func parseTime(text string) string {
	t, err := time.Parse(time.RFC3339, text)
	if err != nil {
		return "error: " + oneLine(err.Error())
	}
	_, offset := t.Zone()
	return fmt.Sprintf("ok %s %d", t.UTC().Format("2006-01-02T15:04:05.000000000Z"), offset)
}

func parseDuration(text string) string {
	d, err := time.ParseDuration(text)
	if err != nil {
		return "error: " + oneLine(err.Error())
	}
	return fmt.Sprintf("ok %d", int64(d))
}

func oneLine(s string) string {
	return strings.NewReplacer(`\`, `\\`, "\n", `\n`, "\r", `\r`).Replace(s)
}
