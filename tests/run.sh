#!/usr/bin/env bash
# Runs every test of MndFhir on a fresh machine: installs the test FHIR server's npm packages, starts a throw-away
# PostgreSQL on loopback (installing Debian's postgresql when it is missing), installs Debian's chromium for the page
# tests when it is missing, runs the whole solution's tests, and
# ends with one line "N passed, N failed, N skipped". Exit code: 0 only when nothing failed.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
results="$root/artifacts/test-results"
rm -rf "$results" && mkdir -p "$results"

echo "== npm packages of the test FHIR server"
if ! (cd tests/fhir-server && npm ci --no-audit --no-fund --loglevel=error); then
  echo "npm ci failed: the integration tests will fail" >&2
fi

if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
  # The patient pages are opened in Debian's headless Chromium; without it those tests are skipped and say so.
  echo "== chromium (Debian) for the page tests"
  if ! (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null 2>&1; then
    echo "chromium could not be installed: the page tests will be skipped" >&2
  fi
fi

pg_pid_file=""
if [ -z "${MNDFHIR_TEST_POSTGRES:-}" ] && [ -x tests/postgres/start-postgres.sh ]; then
  echo "== PostgreSQL on loopback"
  pg_dir="$(mktemp -d /tmp/mndfhir-pg.XXXXXX)"
  if conn="$(tests/postgres/start-postgres.sh "$pg_dir" 0)"; then
    export MNDFHIR_TEST_POSTGRES="$conn"
    pg_pid_file="$pg_dir"
  else
    echo "PostgreSQL could not be started: its tests will be skipped" >&2
  fi
fi
cleanup() {
  if [ -n "$pg_pid_file" ]; then tests/postgres/stop-postgres.sh "$pg_pid_file" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

echo "== dotnet build"
status=0
dotnet build MndFhir.sln --nologo -v quiet || status=$?

if [ "$status" -eq 0 ]; then
  # One project at a time, each with its own results folder: the figures below are read from those files.
  for project in tests/*/*.csproj; do
    name="$(basename "$project" .csproj)"
    echo "== dotnet test $name"
    dotnet test "$project" --no-build --nologo --logger "trx;LogFileName=$name.trx" --results-directory "$results/$name" || status=$?
  done
fi

passed=0; failed=0; skipped=0
for trx in "$results"/*/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters"); passed=$((passed + ${p:-0}))
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters"); failed=$((failed + ${f:-0}))
  t=$(sed -n 's/.* total="\([0-9]*\)".*/\1/p' <<<"$counters")
  e=$(sed -n 's/.* executed="\([0-9]*\)".*/\1/p' <<<"$counters"); skipped=$((skipped + ${t:-0} - ${e:-0}))
done
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1   # the build or the test host failed before any result was written
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
