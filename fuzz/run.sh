#!/bin/sh
# Run the fuzz targets: fuzz/run.sh [TARGET|all] [SECONDS]  (default: all targets, 60 s each).
# Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`); not part of CI.
# New inputs go to fuzz/target/corpus/TARGET (not committed); the seeds in fuzz/corpus/TARGET
# are only read. A crash, hang (10 s) or allocation over 512 MiB is saved under
# fuzz/artifacts/TARGET and the run stops with its status.
set -eu
cd "$(dirname "$0")"
target=${1:-all}
seconds=${2:-60}
if ! rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    echo "run.sh: the nightly toolchain is not installed (rustup toolchain install nightly)" >&2
    exit 2
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    echo "run.sh: cargo-fuzz is not installed (cargo install cargo-fuzz)" >&2
    exit 2
fi
if [ "$target" = all ]; then
    targets=$(cargo +nightly fuzz list)
else
    targets=$target
fi
status=0
for t in $targets; do
    mkdir -p "target/corpus/$t" "artifacts/$t"
    echo "== $t: $seconds s" >&2
    cargo +nightly fuzz run -O "$t" "target/corpus/$t" "corpus/$t" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=512 \
        -max_len=65536 -print_final_stats=1 || status=$?
done
exit $status
