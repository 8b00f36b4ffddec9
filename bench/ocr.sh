#!/usr/bin/env bash
# The `ocr` benchmark (see bench/README.md): JSON on standard output.
exec "$(dirname "$0")/lib/run" ocr "$@"
