# Starting Debian's PostgreSQL 15 for a test: initdb into the scratch
# directory, the server on 127.0.0.1 and a free port (its unix socket in
# the scratch directory too), a bounded lifetime, stopped by PID when the
# test ends. PostgreSQL refuses to run as root, and tests run as root in
# CI: then the server runs as nobody (setpriv), in a directory nobody
# owns. Source after lib.sh and registry.sh (free_port).

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

# What runs a command as the user the server runs as.
if [ "$(id -u)" = 0 ]; then
	PG_AS="setpriv --reuid=nobody --regid=nogroup --clear-groups --reset-env --"
else
	PG_AS=
fi

# start_postgres NAME: sets PG_URL (postgresql://mlops@127.0.0.1:PORT/mlops),
# PG_PORT, PG_PID. The database mlops exists, empty; the user mlops is
# its superuser (trust authentication, only on 127.0.0.1 and the socket).
start_postgres() {
	PG_DIR=$SCRATCH/$1
	# nobody must reach its directory through the scratch one.
	chmod 711 "$SCRATCH"
	mkdir -p "$PG_DIR"
	[ "$(id -u)" = 0 ] && chown nobody:nogroup "$PG_DIR"
	if ! $PG_AS "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U mlops \
		--no-sync -E UTF8 > "$PG_DIR/initdb.log" 2>&1; then
		echo "# initdb failed" >&2
		cat "$PG_DIR/initdb.log" >&2
		return 1
	fi
	PG_PID=
	at_exit "stop_postgres"
	for _attempt in 1 2 3 4 5; do
		PG_PORT=$(free_port)
		# A lifetime bound: 10 minutes whatever happens.
		timeout 600 $PG_AS "$PG_BIN/postgres" -D "$PG_DIR/data" -k "$PG_DIR" \
			-h 127.0.0.1 -p "$PG_PORT" -c fsync=off \
			-c synchronous_commit=off -c full_page_writes=off \
			> "$PG_DIR/log" 2>&1 &
		PG_PID=$!
		for _ in $(seq 100); do
			kill -0 "$PG_PID" 2>/dev/null || break
			if pg_isready -q -h 127.0.0.1 -p "$PG_PORT" -U mlops \
				-d postgres; then
				psql -q -h 127.0.0.1 -p "$PG_PORT" -U mlops \
					-d postgres -c 'CREATE DATABASE mlops' \
					>/dev/null || return 1
				PG_URL=postgresql://mlops@127.0.0.1:$PG_PORT/mlops
				return 0
			fi
			sleep 0.1
		done
		kill "$PG_PID" 2>/dev/null
		wait "$PG_PID" 2>/dev/null
	done
	echo "# postgres did not start" >&2
	cat "$PG_DIR/log" >&2
	return 1
}

stop_postgres() {
	[ -n "$PG_PID" ] || return 0
	# SIGINT: PostgreSQL's fast shutdown (clients cut off); timeout
	# passes the signal on.
	kill -INT "$PG_PID" 2>/dev/null
	for _ in $(seq 100); do
		kill -0 "$PG_PID" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$PG_PID" 2>/dev/null
}

# psql_q SQL: one query's rows, unaligned, |-separated.
psql_q() {
	psql -X -q -t -A -h 127.0.0.1 -p "$PG_PORT" -U mlops -d mlops -c "$1"
}
