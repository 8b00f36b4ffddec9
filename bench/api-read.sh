#!/usr/bin/env bash
# The `api-read` benchmark (see bench/README.md): JSON on standard output.
exec "$(dirname "$0")/lib/run" api-read "$@"
