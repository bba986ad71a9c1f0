#!/usr/bin/env bash
# The benchmark: every figure of BENCHMARKS.md in one run on this machine, each beside its baseline measured in the
# same run (or, where the issue set one, its goal).
#   bench/run.sh            samples, 10k and 100k assessments   (about 10 minutes on 2 cores)
#   bench/run.sh --scale    adds the 1M-assessment import and first sync to an NDJSON folder (about 20 minutes more)
# Needs: the .NET 10 SDK, node (the test FHIR server) and python3 (peak memory of a child process).
# Output: the tables on stdout; the exports, databases and logs under artifacts/bench/.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
scale=0; [ "${1:-}" = "--scale" ] && scale=1
out="$root/artifacts/bench"
rm -rf "$out/runs" && mkdir -p "$out/exports" "$out/runs"

echo "== building (Release)" >&2
dotnet publish src/MndFhir.Cli -c Release -o "$out/cli" -v quiet --nologo >&2
dotnet build bench/MndFhir.Benchmarks -c Release -v quiet --nologo >&2
(cd tests/fhir-server && npm ci --no-audit --no-fund --loglevel=error >&2)
cli="$out/cli/mndfhir"
bench="dotnet bench/MndFhir.Benchmarks/bin/Release/net10.0/MndFhir.Benchmarks.dll"

export_of() { # export_of NAME PATIENTS: a generated export (42 patients ~ 10k assessments, 4200 ~ 1M)
  local dir="$out/exports/$1"
  [ -f "$dir/assessments.csv" ] || dotnet run samples/generate-samples.cs -- --out "$dir" --patients "$2" --bad-out "$out/exports/$1-bad" >/dev/null
  echo "$dir"
}

config_for() { # config_for NAME EXPORT: a fresh SQLite database and an NDJSON folder destination
  local dir="$out/runs/$1"; mkdir -p "$dir"
  cat > "$dir/mndfhir.json" <<JSON
{ "Clinic": { "IdentifierSystem": "https://mndfhir.example.org/fhir/sid/demo-clinic", "MappingsPath": "$root/mappings", "ExportPath": "$2" },
  "Database": { "Provider": "Sqlite", "ConnectionString": "Data Source=$dir/mndfhir.db" },
  "Logging": { "Folder": "$dir/logs" },
  "Destinations": [ { "Name": "files", "Kind": "NdjsonFolder", "Folder": "$dir/files", "HospitalMrnSystem": "https://hospital.example.org/fhir/sid/mrn" } ] }
JSON
  echo "$dir/mndfhir.json"
}

# measure ARGS...: runs mndfhir, prints "SECONDS PEAK_MB" (wall time and the child's peak resident memory).
measure() {
  python3 - "$cli" "$@" <<'PY'
import resource, subprocess, sys, time
t = time.monotonic()
rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
if rc != 0:
    sys.exit(f"mndfhir {' '.join(sys.argv[2:])} exited {rc}")
print(f"{time.monotonic() - t:.2f} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024}")
PY
}
median3() { local a b c; a=$("$@"); b=$("$@"); c=$("$@"); printf '%s\n%s\n%s\n' "$a" "$b" "$c" | sort -n | sed -n 2p; }
row() { printf '%-58s %14s %14s %7s  %s\n' "$@"; }
ratio() { python3 -c "print(f'{$1/$2:.2f}' if $2 else '-')"; }

echo "== in-process figures (samples)"
$bench figures "$root/samples/clinic-export"

echo
echo "== end to end (samples)"
$bench e2e "$root/samples/clinic-export" "$cli"

echo
echo "== processes (wall time, peak memory)"
row "figure" "this" "baseline" "ratio" "baseline / goal"
e10k="$(export_of 10k 42)"; c10k="$(config_for 10k "$e10k")"
read -r i10t i10m <<<"$(measure --config "$c10k" import --from "$e10k")"
read -r s10t s10m <<<"$(measure --config "$c10k" sync --all)"
row "import 10k assessments: s / peak MB" "$i10t / $i10m" "" "" ""
row "first sync 10k to NDJSON: s / peak MB" "$s10t / $s10m" "" "" ""

start="$(median3 measure --version | cut -d' ' -f1)"
status="$(median3 measure --config "$c10k" status | cut -d' ' -f1)"
row "status (s, median of 3)" "$status" "$start" "$(ratio "$status" "$start")" "bare process start (--version); goal <= 2 s"

e100k="$(export_of 100k 420)"; c100k="$(config_for 100k "$e100k")"
measure --config "$c100k" import --from "$e100k" >/dev/null
measure --config "$c100k" sync --all >/dev/null
read -r r100t r100m <<<"$(measure --config "$c100k" sync --all)"
row "no-change resync of the 100k export, whole process (s)" "$r100t" "5.0" "$(ratio "$r100t" 5)" "goal <= 5 s; peak $r100m MB"
# The baseline: the same resync with the ledger's input hashes forgotten (decision 0018), as the first sync after an
# upgrade or a mapping change runs it: every resource mapped and judged by content, and the input hashes recorded.
python3 -c "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('UPDATE Ledger SET InputHash = NULL'); c.commit()" "$out/runs/100k/mndfhir.db"
read -r f100t f100m <<<"$(measure --config "$c100k" sync --all)"
read -r a100t a100m <<<"$(measure --config "$c100k" sync --all)"
row "  the same, judged by input hash (s)" "$a100t" "$f100t" "$(ratio "$a100t" "$f100t")" "baseline: input hashes forgotten (mapped, and relearnt); peak $a100m vs $f100m MB"

if [ "$scale" -eq 1 ]; then
  e1m="$(export_of 1m 4200)"; c1m="$(config_for 1m "$e1m")"
  read -r i1t i1m <<<"$(measure --config "$c1m" import --from "$e1m")"
  read -r s1t s1m <<<"$(measure --config "$c1m" sync --all)"
  row "import 1M assessments: peak MB (vs 10k)" "$i1m" "$i10m" "$(ratio "$i1m" "$i10m")" "goal <= 400 MB and <= 1.5x; $i1t s"
  row "first sync 1M to NDJSON: peak MB (vs 10k)" "$s1m" "$s10m" "$(ratio "$s1m" "$s10m")" "goal <= 400 MB; $s1t s"
fi
