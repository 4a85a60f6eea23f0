// Command cron-oracle reads CronJob schedules, one a line on stdin, and prints for each one line:
// what github.com/robfig/cron/v3 ParseStandard (the parser kube-apiserver validates
// CronJob.spec.schedule with) makes of it, and whether the schedule ever fires.
//
//	ok <time>       parsed; <time> is Next(2024-01-01T00:00:00Z) in RFC 3339
//	ok never        parsed, but Next(2024-01-01T00:00:00Z) is the zero time (nothing in 5 years)
//	error: <msg>    ParseStandard's error (or its panic), newlines written as \n
//
// A line that starts with a double quote is a JSON string, so schedules with newlines or
// surrounding spaces can be given exactly. Built by scripts/build-cron-oracle.sh.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// source identifies the main.go and go.mod the binary was built from (set by the build script).
var source = "unknown"

var start = time.Date(2024, time.January, 1, 0, 0, 0, 0, time.UTC)

func main() {
	if len(os.Args) == 2 && os.Args[1] == "-source" {
		fmt.Println(source)
		return
	}
	if len(os.Args) != 1 {
		fmt.Fprintln(os.Stderr, "usage: cron-oracle < schedules (one a line; a line starting with \" is a JSON string)")
		os.Exit(2)
	}
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 64*1024), 16*1024*1024)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for in.Scan() {
		spec := in.Text()
		if strings.HasPrefix(spec, `"`) {
			if err := json.Unmarshal([]byte(spec), &spec); err != nil {
				fmt.Fprintf(os.Stderr, "cron-oracle: line %q is not a JSON string: %v\n", in.Text(), err)
				os.Exit(2)
			}
		}
		fmt.Fprintln(out, check(spec))
	}
	if err := in.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "cron-oracle:", err)
		os.Exit(2)
	}
}

func check(spec string) (result string) {
	// ParseStandard panics on some inputs (e.g. "TZ=UTC" with no space after it).
	defer func() {
		if r := recover(); r != nil {
			result = "error: panic: " + oneLine(fmt.Sprint(r))
		}
	}()
	schedule, err := cron.ParseStandard(spec)
	if err != nil {
		return "error: " + oneLine(err.Error())
	}
	next := schedule.Next(start)
	if next.IsZero() {
		return "ok never"
	}
	return "ok " + next.Format(time.RFC3339)
}

func oneLine(s string) string {
	return strings.NewReplacer(`\`, `\\`, "\n", `\n`, "\r", `\r`).Replace(s)
}
