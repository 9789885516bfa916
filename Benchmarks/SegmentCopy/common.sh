# What bench.sh and long.sh share: where they run, the release binary, the models, pairs.py.
# Sourced, with $0 the script's path.
root="$(cd "$(dirname "$0")/../.." && pwd)"
dir="${BENCH_DIR:-/tmp/segment-copy-bench}"
mkdir -p "$dir" && cd "$dir"
export REDACTFARM_MODELS="$root/.cache/assets"
RF="$root/.build/release/redactfarm"
pairs() { python3 "$root/Benchmarks/SegmentCopy/pairs.py" "$@"; }
