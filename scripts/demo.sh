#!/bin/sh
# demo.sh — what `make demo` runs (filled in with the ingest job).
set -e
./build/tripflow version
