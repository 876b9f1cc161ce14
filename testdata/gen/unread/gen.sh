#!/bin/bash
# gen.sh writes testdata/unread: real files in formats dumpdiff recognises
# but does not read, so that detection names them instead of calling them
# corrupt (see testdata/README.md, "unread"). Each file is small.
#
# Usage (from anywhere): testdata/gen/unread/gen.sh
# Needs xz and bzip2. (JFR recordings, once here, are read now: see
# testdata/gen/asprof/gen.sh.)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
out=$root/testdata/unread
mkdir -p "$out"

# A real NMT report compressed with the tools people use on logs.
src=$root/testdata/nmt/jdk17-summary/lc-01.txt
xz -9 -c "$src" >"$out/nmt-summary.txt.xz"
bzip2 -9 -c "$src" >"$out/nmt-summary.txt.bz2"
ls -l "$out"
