#!/usr/bin/env bash
# End-to-end benchmark: a burst of N `Fast` jobs on the demo model against a fresh
# `verity-node --dev --worker --sealing instant`, sent as fast as the load generator's
# backpressure lets them go (scripts/loadgen.sh --burst N). Reports submit-to-`JobSettled`
# latency (p50/p99, blocks and seconds), jobs per second, and the node's CPU; fails if any job
# is not settled.
#
#   scripts/bench-e2e.sh [--jobs 200] [other loadgen options, e.g. --sealing aura --batch 1]
set -euo pipefail
args=()
load=0
node=0
fund=0
while (($#)); do
	case "$1" in
	--jobs) args+=(--burst "${2:?--jobs needs a number}"); load=1; shift 2 ;;
	--jobs=*) args+=(--burst "${1#--jobs=}"); load=1; shift ;;
	--burst | --burst=* | --rate | --rate=* | --concurrency | --concurrency=*) args+=("$1"); load=1; shift ;;
	--url | --url=* | --sealing | --sealing=*) args+=("$1"); node=1; shift ;;
	--fund-from | --fund-from=*) args+=("$1"); fund=1; shift ;;
	*) args+=("$1"); shift ;;
	esac
done
((load)) || args=(--burst 200 "${args[@]}")
((node)) || args=(--sealing instant "${args[@]}")
# The dev accounts //0, //1, ... are endowed in genesis from runtime spec 103 on; before, Alice
# funds them.
((fund)) || args=(--fund-from //Alice "${args[@]}")
exec bash "$(dirname "$0")/loadgen.sh" "${args[@]}"
