#!/usr/bin/env bash
# The `webhooks` benchmark (see bench/README.md): JSON on standard output.
exec "$(dirname "$0")/lib/run" webhooks "$@"
