# Sourced by the scripts that build real components from their Go modules (control plane, helm,
# the cron oracle): the check for Go, and a build folder of this process's own.

# require_go "<why, ending in what it builds>": one line and exit 3 when Go is missing.
require_go() {
  command -v go >/dev/null 2>&1 || {
    echo "$1: install Go (https://go.dev/dl/); 'go' is not on PATH" >&2
    exit 3
  }
}

# in_private_build_dir <out>: cd into a new folder inside <out>, removed on exit. Several processes
# may build at once: each in its own folder, then each renames its binaries into <out> (a rename
# is atomic; the last one wins). Go's own caches are safe to share.
in_private_build_dir() {
  mkdir -p "$1"
  work="$(mktemp -d "$1/build.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  cd "$work"
}
