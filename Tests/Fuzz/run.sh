#!/usr/bin/env bash
# `make fuzz`: builds the libFuzzer harness (Tests/Fuzz, with AddressSanitizer) and runs each
# target for FUZZ_SECONDS (default 600) from seeds made of real files. A crash, a sanitizer
# report or a leak is a finding: its input is kept under .cache/fuzz/findings/TARGET and the
# script exits 1.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
seconds="${FUZZ_SECONDS:-600}"
targets="${FUZZ_TARGETS:-segment wire plan manifest options}"
work="$root/.cache/fuzz"
REDACTFARM_FUZZ=1 swift build --build-path .build/fuzz --product redactfarm-fuzz -Xswiftc -sanitize=fuzzer,address 2>&1 \
  | grep -v "Cannot export local symbol" | tail -1
fuzzer="$root/.build/fuzz/debug/redactfarm-fuzz"
swift build --product redactfarm >/dev/null
bin="$(swift build --show-bin-path)/redactfarm"

# Seeds: the real thing, each kind of input as RedactFarm writes it.
seeds="$work/seeds"
if [ ! -d "$seeds/manifest" ]; then
  rm -rf "$seeds" && mkdir -p "$seeds"/{segment,wire,plan,manifest,options}
  tmp="$(mktemp -d)"
  "$bin" split "$root/.cache/assets/carphone_pristine.mp4" --segment-seconds 1 -o "$tmp/seg" >/dev/null
  cp "$tmp"/seg/seg-0000[0-2].rfseg "$seeds/segment/"
  cp "$tmp/seg/plan.json" "$seeds/plan/"
  "$bin" run "$root/.cache/assets/carphone_pristine.mp4" -o "$tmp/out.mp4" --targets none --zone 0,0,16,16 >/dev/null
  cp "$tmp/out.mp4.manifest.json" "$seeds/manifest/"
  printf '10,20,30,40@1.5-3' > "$seeds/options/zone"
  printf 'poly:0,0,100,0,50,80@-12' > "$seeds/options/polygon"
  printf '{"op":"submit","submit":{"inputs":["/a.mp4"],"output":"/o","outputIsFile":false,"overwrite":false,"options":{"segmentSeconds":10,"job":{}}}}' > "$seeds/options/submit.json"
  for kind in 1 2 3 5 6 7 8 9 10; do printf "\\x$(printf %02x $kind)" > "$seeds/wire/kind-$kind"; done
  rm -rf "$tmp"
fi

status=0
for target in $targets; do
  corpus="$work/corpus/$target" findings="$work/findings/$target"
  mkdir -p "$corpus" "$findings"
  log="$work/$target.log"
  set +e
  FUZZ_TARGET="$target" ASAN_OPTIONS=detect_leaks=1 "$fuzzer" "$corpus" "$seeds/$target" -max_total_time="$seconds" \
    -max_len=262144 -rss_limit_mb=4096 -timeout=20 -artifact_prefix="$findings/" -print_final_stats=1 >"$log" 2>&1
  rc=$?
  set -e
  runs="$(grep -ao 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')"
  if [ $rc -eq 0 ]; then
    echo "fuzz $target: $runs runs in ${seconds} s, no finding (corpus $(ls "$corpus" | wc -l) inputs)"
  else
    echo "fuzz $target: FINDING after $runs runs (exit $rc): $(ls "$findings" | head -3 | tr '\n' ' '); see $log"
    status=1
  fi
done
exit $status
