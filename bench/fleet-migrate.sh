#!/usr/bin/env bash
# The `fleet-migrate` benchmark (see bench/README.md): JSON on standard output.
exec "$(dirname "$0")/lib/run" fleet-migrate "$@"
