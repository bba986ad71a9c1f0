#!/usr/bin/env bash
# Starts a throw-away PostgreSQL cluster on 127.0.0.1 for the tests and prints its Npgsql connection string.
#   tests/postgres/start-postgres.sh DATA_DIR [PORT]      (PORT 0 or absent: a free port)
# Installs Debian's postgresql when initdb is missing. Runs the server as the 'postgres' user when started as root.
# Stop it with tests/postgres/stop-postgres.sh DATA_DIR.
set -euo pipefail
data="${1:?usage: start-postgres.sh DATA_DIR [PORT]}"
port="${2:-0}"

bin=""
for candidate in /usr/lib/postgresql/*/bin; do
  [ -x "$candidate/initdb" ] && bin="$candidate"
done
if [ -z "$bin" ]; then
  echo "installing postgresql (Debian)..." >&2
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
  for candidate in /usr/lib/postgresql/*/bin; do
    [ -x "$candidate/initdb" ] && bin="$candidate"
  done
fi
[ -n "$bin" ] || { echo "no PostgreSQL server binaries found" >&2; exit 1; }

if [ "$port" = "0" ]; then
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()' 2>/dev/null || echo 55432)
fi

as_db_user() {
  if [ "$(id -u)" = "0" ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

mkdir -p "$data"
[ "$(id -u)" = "0" ] && chown postgres "$data"
if [ ! -f "$data/PG_VERSION" ]; then
  as_db_user "$bin/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
fi
echo "$port" > "$data/mndfhir-port"
as_db_user "$bin/pg_ctl" -D "$data" -w -t 60 -l "$data/server.log" \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $data -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null
echo "Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres;Pooling=true;Include Error Detail=true"
