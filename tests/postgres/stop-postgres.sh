#!/usr/bin/env bash
# Stops the cluster started by start-postgres.sh and removes its data folder.
set -uo pipefail
data="${1:?usage: stop-postgres.sh DATA_DIR}"
for candidate in /usr/lib/postgresql/*/bin; do
  [ -x "$candidate/pg_ctl" ] && bin="$candidate"
done
if [ -f "$data/PG_VERSION" ]; then
  if [ "$(id -u)" = "0" ]; then
    runuser -u postgres -- "$bin/pg_ctl" -D "$data" -m fast stop >/dev/null 2>&1
  else
    "$bin/pg_ctl" -D "$data" -m fast stop >/dev/null 2>&1
  fi
fi
rm -rf "$data"
