#!/usr/bin/env bash
# The `api-write` benchmark (see bench/README.md): JSON on standard output.
exec "$(dirname "$0")/lib/run" api-write "$@"
