#!/usr/bin/env bash
# fuzz.sh: builds Kiln's libFuzzer targets (clang-14, ASan + UBSan; see fuzz/ and
# docs/RELIABILITY.md) in their own build folder and runs them.
#
# Usage: scripts/fuzz.sh [TARGET] [SECONDS]
#   TARGET   onnx, keras-json, keras-h5, keras-archive, ir-text, npy, external-data, or `all`
#            (the default)
#   SECONDS  how long each target runs (default 30)
# Environment: KILN_FUZZ_BUILD (build folder, default build-fuzz).
#
# Prints each target's execution count. A crash, sanitizer report, leak, timeout (10 s) or an
# input using over 2 GiB stops that target; its reproducer is left in BUILD/crashes/TARGET/ and
# the script exits 1 after running the rest. Crashes inside libhdf5 (a third-party library Kiln
# cannot fix; docs/RELIABILITY.md) are kept aside and counted, and fuzzing goes on. Reproduce with BUILD/bin/kiln_fuzz_TARGET FILE.
set -euo pipefail
cd "$(dirname "$0")/.."

TARGETS=(onnx keras-json keras-h5 keras-archive ir-text npy external-data)
target="${1:-all}"
seconds="${2:-30}"
build="${KILN_FUZZ_BUILD:-build-fuzz}"

if [[ "$target" == "all" ]]; then
  selected=("${TARGETS[@]}")
elif [[ " ${TARGETS[*]} " == *" $target "* ]]; then
  selected=("$target")
else
  echo "fuzz.sh: unknown target '$target' (known: ${TARGETS[*]}, all)" >&2
  exit 2
fi
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
  echo "fuzz.sh: SECONDS must be a positive whole number, not '$seconds'" >&2
  exit 2
fi

dictionary_of() {
  case "$1" in
    onnx | external-data) echo fuzz/onnx.dict ;;
    keras-*) echo fuzz/keras.dict ;;
    *) echo "fuzz/$1.dict" ;;
  esac
}

# Build (only the fuzz targets; no Halide code generation).
if [[ ! -f "$build/build.ninja" ]]; then
  launcher=()
  if command -v ccache >/dev/null; then
    launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  fi
  cmake -S . -B "$build" -G Ninja -DKILN_FUZZ=ON -DBUILD_TESTING=OFF \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_FLAGS_RELWITHDEBINFO=-DNDEBUG \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-DNDEBUG -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
    "${launcher[@]}" >/dev/null
fi
binaries=()
for name in "${selected[@]}"; do binaries+=("kiln_fuzz_$name"); done
cmake --build "$build" --target "${binaries[@]}"

# Seeds, made again when their generator changes.
seeds="$build/seeds"
if [[ ! -f "$seeds/.stamp" || fuzz/make_seeds.py -nt "$seeds/.stamp" ]]; then
  rm -rf "$seeds"
  /usr/bin/python3 fuzz/make_seeds.py --out "$seeds"
  touch "$seeds/.stamp"
fi

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:suppressions=$PWD/fuzz/asan.supp}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
# The first frame of a sanitizer report that names code: a Kiln source line or libhdf5.
crash_is_in_libhdf5() {
  grep -m1 -E '^ *#[0-9]+ .*(libhdf5|\.(cpp|h|c):[0-9]+)' "$1" | grep -q libhdf5
}

failed=()
total=0
printf '%-14s %12s %8s  %s\n' target executions corpus result
for name in "${selected[@]}"; do
  corpus="$build/corpus/$name"
  crashes="$build/crashes/$name"
  log="$build/logs/$name.log"
  mkdir -p "$corpus" "$crashes" "$(dirname "$log")"
  : >"$log"
  flags=(-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -dict="$(dictionary_of "$name")"
         -artifact_prefix="$crashes/")
  # A crash inside libhdf5 (the Keras HDF5 targets) is set aside in crashes/TARGET/libhdf5/ and
  # fuzzing goes on for the time left; any other finding ends the target.
  deadline=$((SECONDS + seconds))
  executions=0 third_party=0 status=0 reproducer=""
  while ((SECONDS < deadline)); do
    run_status=0
    "$build/bin/kiln_fuzz_$name" "${flags[@]}" -max_total_time=$((deadline - SECONDS)) \
      "$corpus" "$seeds/$name" >"$log.run" 2>&1 || run_status=$?
    cat "$log.run" >>"$log"
    runs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log.run" | awk '{s += $2} END {print s + 0}')
    executions=$((executions + runs))
    ((run_status == 0)) && break
    reproducer=$(grep -o "Test unit written to [^ ]*" "$log.run" | tail -1 | sed 's/Test unit written to //')
    if [[ "$name" == keras-h5 || "$name" == keras-archive ]] && [[ -f "$reproducer" ]] &&
       crash_is_in_libhdf5 "$log.run"; then
      mkdir -p "$crashes/libhdf5"
      mv "$reproducer" "$crashes/libhdf5/"
      third_party=$((third_party + 1))
      continue
    fi
    status=$run_status
    break
  done
  rm -f "$log.run"
  total=$((total + executions))
  if ((status == 0)); then
    result=ok
    if ((third_party > 0)); then result+=" ($third_party crashes inside libhdf5 in $crashes/libhdf5)"; fi
  else
    failed+=("$name")
    result="FAILED (exit $status): reproducer ${reproducer:-none}, log $log"
  fi
  printf '%-14s %12d %8d  %s\n' "$name" "$executions" "$(find "$corpus" -type f | wc -l)" "$result"
done
printf '%-14s %12d\n' total "$total"
if ((${#failed[@]} > 0)); then
  echo "fuzz.sh: ${failed[*]} failed; rerun a reproducer with $build/bin/kiln_fuzz_TARGET FILE" >&2
  exit 1
fi
