#!/usr/bin/env bash
# The `provision` benchmark (see bench/README.md): JSON on standard output.
exec "$(dirname "$0")/lib/run" provision "$@"
