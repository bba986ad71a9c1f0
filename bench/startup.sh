#!/usr/bin/env bash
# Start-up benchmark: the wall time of the commands an operator waits for, for a baseline revision and for this
# checkout, measured in one run on the same machine and the same data (the samples, imported and synced first).
#   bench/startup.sh [BASE_REV]      (default BASE_REV: 642db99, the last revision before the start-up work)
# Prints, per command, the median of 3 runs for the baseline and for this checkout, and their ratio.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
base_rev="${1:-642db99}"
work="$(mktemp -d /tmp/mndfhir-startup.XXXXXX)"
trap 'git -C "$root" worktree remove --force "$work/base" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

git -C "$root" worktree add --detach "$work/base" "$base_rev" >/dev/null 2>&1
echo "building $base_rev and this checkout (Release)..." >&2
dotnet build "$work/base/src/MndFhir.Cli" -c Release -v quiet -o "$work/base-bin" >/dev/null
dotnet build "$root/src/MndFhir.Cli" -c Release -v quiet -o "$work/head-bin" >/dev/null

# The samples' pseudonymised registry reads its key from here (a throw-away value, as in the README).
export MNDFHIR_SAMPLE_REGISTRY_KEY="${MNDFHIR_SAMPLE_REGISTRY_KEY:-samples-only-not-a-secret-do-not-use-for-real-data}"

# One configuration per side: the samples' export and mappings, its own database and output folders.
config() {
  local side="$1" repo="$2"
  mkdir -p "$work/$side"
  sed -e "s|\"../mappings\"|\"$repo/mappings\"|" -e "s|\"clinic-export\"|\"$repo/samples/clinic-export\"|" -e "s|\\.\\./out|$work/$side/out|g" \
    "$repo/samples/mndfhir.sample.json" > "$work/$side/mndfhir.json"
  echo "$work/$side/mndfhir.json"
}
base_cfg="$(config base "$work/base")"
head_cfg="$(config head "$root")"
echo "importing and syncing the samples on each side..." >&2
dotnet "$work/base-bin/mndfhir.dll" run --config "$base_cfg" >/dev/null 2>&1 || true
dotnet "$work/head-bin/mndfhir.dll" run --config "$head_cfg" >/dev/null 2>&1 || true
dotnet "$work/head-bin/mndfhir.dll" status --config "$head_cfg" >/dev/null 2>&1 || true

ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
median() { printf '%s\n' "$@" | sort -n | sed -n 2p; }

time_command() {
  local bin="$1" cfg="$2"; shift 2
  local runs=()
  for _ in 1 2 3; do
    local t0; t0=$(date +%s%N)
    dotnet "$bin/mndfhir.dll" "$@" --config "$cfg" >/dev/null 2>&1 || true
    runs+=("$(ms "$t0")")
  done
  median "${runs[@]}"
}

# serve: until /health answers, then the first /api/status.
time_serve() {
  local bin="$1" cfg="$2" port="$3"
  local ready=() status=()
  for _ in 1 2 3; do
    local t0; t0=$(date +%s%N)
    dotnet "$bin/mndfhir.dll" serve --config "$cfg" --urls "http://127.0.0.1:$port" >/dev/null 2>&1 &
    local pid=$!
    until curl -sf "http://127.0.0.1:$port/health" >/dev/null 2>&1; do sleep 0.05; done
    ready+=("$(ms "$t0")")
    t0=$(date +%s%N)
    curl -sf "http://127.0.0.1:$port/api/status" >/dev/null
    status+=("$(ms "$t0")")
    kill "$pid"; wait "$pid" 2>/dev/null || true
  done
  echo "$(median "${ready[@]}") $(median "${status[@]}")"
}

record="$(grep -m1 -o '^A-[0-9]*' "$root/samples/clinic-export/assessments.csv")"
printf '%-28s %12s %12s %8s\n' "command (median of 3)" "$base_rev" "this" "ratio"
row() { printf '%-28s %10s ms %10s ms %8s\n' "$1" "$2" "$3" "$(awk -v a="$2" -v b="$3" 'BEGIN { printf "%.2f", b / a }')"; }
row "status" "$(time_command "$work/base-bin" "$base_cfg" status)" "$(time_command "$work/head-bin" "$head_cfg" status)"
row "quarantine list" "$(time_command "$work/base-bin" "$base_cfg" quarantine list)" "$(time_command "$work/head-bin" "$head_cfg" quarantine list)"
row "map --record $record" "$(time_command "$work/base-bin" "$base_cfg" map --record "$record")" "$(time_command "$work/head-bin" "$head_cfg" map --record "$record")"
read -r base_ready base_status <<<"$(time_serve "$work/base-bin" "$base_cfg" 5181)"
read -r head_ready head_status <<<"$(time_serve "$work/head-bin" "$head_cfg" 5182)"
row "serve until /health" "$base_ready" "$head_ready"
row "first /api/status" "$base_status" "$head_status"
