#!/usr/bin/env bash
# The `portal` benchmark (see bench/README.md): JSON on standard output.
exec "$(dirname "$0")/lib/run" portal "$@"
