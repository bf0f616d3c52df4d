#!/usr/bin/env bash
# Checks the module graph: every #include "..." goes down the module order, no
# module reaches into another's internal headers, and each module's CMake
# links exactly the modules its files include. Exits 1 naming file:line and
# the include for each violation; 0 when the graph is clean.
#
#   scripts/check_layering.sh [SOURCE_ROOT]
#
# Where the rules come from (all in the CMake files, so the build and this
# check cannot drift apart):
#   order     set(SYNAPSED_MODULES ...) in the top-level CMakeLists.txt, bottom
#             first. A folder is a module; a file may include its own module
#             and the ones listed before it.
#   public    synapsed_public_headers(MODULE h...) says which module owns each
#             header of include/synapsed/storage/; including one counts as
#             including that module. (The owner is where the code is: the
#             builder's header belongs to storage/, which sits above the
#             backends, so the engine cannot include it.)
#   internal  synapsed_internal_headers(MODULE h...) lists headers of MODULE's
#             folder that only MODULE's own files may include.
#   declared  each module's CMake files (CMakeLists.txt and *.cmake under its
#             folder) must name a library of every other module its files
#             include, and no library of a module they do not include.
#             Linking synapsed_test() counts as declaring util (the test
#             helpers), and a module's own libraries are ignored.
#   examples  files under examples/ are outside projects: they may include
#             only the public headers.
# Includes that name no module (absl/, fmt/, gtest/, system headers) are not
# checked.
set -euo pipefail
root="${1:-$(cd "$(dirname "$0")/.." && pwd)}"
cd "$root"

# The module order, from the top-level CMakeLists.txt.
modules=$(awk '/^set\(SYNAPSED_MODULES/ {on=1; sub(/^set\(SYNAPSED_MODULES/, "")}
               on { line=$0; if (sub(/\).*/, "", line)) { print line; exit } print line }' \
             CMakeLists.txt | tr -s ' \n' '  ' | sed 's/^ *//; s/ *$//')
if [[ -z "${modules// /}" ]]; then
  echo "check_layering: no set(SYNAPSED_MODULES ...) in CMakeLists.txt" >&2
  exit 2
fi

# Every CMake file of the project, minus build trees and the examples (which
# are separate projects).
cmake_files=$(find . \( -path ./build -o -path './build*' -o -path ./.git -o -path ./examples \) -prune \
                -o \( -name CMakeLists.txt -o -name '*.cmake' \) -type f -print | sort)

# A table of facts, one per line, for the awk pass below:
#   rank MODULE N | public HEADER MODULE | internal PATH MODULE
#   lib TARGET MODULE | links MODULE TARGET | tests MODULE
facts=$(
  n=0
  for m in $modules; do echo "rank $m $n"; n=$((n + 1)); done
  for f in $cmake_files; do
    mod=${f#./}; mod=${mod%%/*}
    [[ "$mod" == "$f" || "$mod" == CMakeLists.txt || "$mod" == cmake ]] && mod=""
    # Drop comments, join lines so that a call spanning lines reads as one.
    body=$(sed 's/#.*//' "$f" | tr '\n' ' ')
    grep -oE 'synapsed_public_headers\([^)]*\)' <<<"$body" | sed 's/.*(//; s/)//' |
      while read -r owner hs; do for h in $hs; do echo "public synapsed/storage/$h $owner"; done; done
    grep -oE 'synapsed_internal_headers\([^)]*\)' <<<"$body" | sed 's/.*(//; s/)//' |
      while read -r owner hs; do for h in $hs; do echo "internal $owner/$h $owner"; done; done
    [[ -z "$mod" ]] && continue
    grep -oE 'add_library\( *[A-Za-z0-9_]+' <<<"$body" | sed 's/.*( *//' |
      while read -r t; do echo "lib $t $mod"; done
    grep -oE '\bsynapsed_[a-z0-9_]+\b' <<<"$body" | sort -u | while read -r t; do echo "links $mod $t"; done
    if grep -qE '\bsynapsed_test\(' <<<"$body"; then echo "tests $mod"; fi
  done
)

# Every #include "..." of the project's sources, as FILE:LINE:TEXT.
includes=$(find . \( -path ./build -o -path './build*' -o -path ./.git \) -prune \
             -o -type f \( -name '*.h' -o -name '*.cc' -o -name '*.hpp' -o -name '*.cpp' \) -print |
           sort | xargs grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' || true)

set +e
report=$(awk -v facts="$facts" '
BEGIN {
  nf = split(facts, lines, "\n")
  for (i = 1; i <= nf; i++) {
    split(lines[i], w, " ")
    if (w[1] == "rank") rank[w[2]] = w[3] + 0
    else if (w[1] == "public") public_owner[w[2]] = w[3]
    else if (w[1] == "internal") internal[w[2]] = w[3]
    else if (w[1] == "lib") lib_module[w[2]] = w[3]
    else if (w[1] == "links") links[w[2], ++nlinks[w[2]]] = w[3]
    else if (w[1] == "tests") has_tests[w[2]] = 1
  }
  bad = 0
}
function fail(msg) { print msg; bad = 1 }
{
  # FILE:LINE:#include "X"
  file = $0; sub(/:.*/, "", file)
  rest = substr($0, length(file) + 2)
  line = rest; sub(/:.*/, "", line)
  inc = rest; sub(/^[^"]*"/, "", inc); sub(/".*/, "", inc)
  path = substr(file, 3)                       # without ./
  top = path; sub(/\/.*/, "", top)
  where = path ":" line ": #include \"" inc "\""

  # The module this file belongs to.
  if (top == "include") {
    mod = public_owner[substr(path, length("include/") + 1)]
    if (mod == "") { fail(where ": public header " path " is owned by no module (synapsed_public_headers)"); next }
  } else if (top == "examples") {
    mod = "examples"
  } else if (top in rank) {
    mod = top
  } else next                                  # scripts, docs: not a module

  # The module the included header belongs to.
  if (inc ~ /^synapsed\/storage\//) {
    target = public_owner[inc]
    if (target == "") {
      fail(where ": not a declared public header (synapsed_public_headers)"); next
    }
  } else {
    target = inc; sub(/\/.*/, "", target)
    if (!(target in rank) || target == inc) next   # absl/, fmt/, "foo.h", ...
  }

  if (mod == "examples") {
    if (inc !~ /^synapsed\/storage\//)
      fail(where ": an example may include only installed headers (synapsed/storage/...)")
    next
  }
  if (rank[target] > rank[mod])
    fail(where ": module " mod " includes module " target ", which is above it")
  if ((inc in internal) && internal[inc] != mod)
    fail(where ": " inc " is internal to module " target)
  if (target != mod) uses[mod, target] = 1
  if (!((mod, target) in first_use)) first_use[mod, target] = where
}
END {
  # declared: the modules a module includes are the ones its CMake links.
  for (m in rank) {
    for (i = 1; i <= nlinks[m]; i++) {
      t = links[m, i]
      if (!(t in lib_module) || lib_module[t] == m) continue
      linked[m, lib_module[t]] = 1
    }
    if (has_tests[m]) linked[m, "util"] = 1
  }
  for (key in uses) {
    split(key, p, SUBSEP)
    if (!((p[1], p[2]) in linked))
      fail(first_use[p[1], p[2]] ": module " p[1] " includes module " p[2] \
           " but its CMake links no synapsed_" p[2] " library")
  }
  for (key in linked) {
    split(key, p, SUBSEP)
    if (p[2] == "util" && has_tests[p[1]]) continue
    if (!((p[1], p[2]) in uses))
      fail(p[1] "/CMakeLists.txt: module " p[1] " links module " p[2] \
           " but none of its files includes it")
  }
  exit bad
}' <<<"$includes")
status=$?
set -e
[[ -n "$report" ]] && sort <<<"$report"
if [[ $status -eq 0 ]]; then
  echo "check_layering: OK ($(wc -w <<<"$modules") modules: $modules)"
else
  echo "check_layering: FAILED (rules at the top of scripts/check_layering.sh)" >&2
fi
exit "$status"
