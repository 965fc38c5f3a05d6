# Starting Debian's docker-registry on 127.0.0.1 for a test: a random free
# port, storage in the scratch directory, a bounded lifetime, stopped by
# PID when the test ends. Source after lib.sh.

free_port() {
	$PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_registry NAME [HTPASSWD_FILE] [PORT]: sets REG (host:port), REG_PID.
# A "free" port can be taken by someone else before the registry binds it
# (tests run in parallel): the answer must come from a registry (its API
# version header), and another port is tried when this one was taken.
start_registry() {
	name=$1
	mkdir -p "$SCRATCH/$name"
	for _attempt in 1 2 3 4 5; do
		port=${3:-$(free_port)}
		{
			echo "version: 0.1"
			echo "log: {level: error}"
			echo "storage: {filesystem: {rootdirectory: $SCRATCH/$name/data}, delete: {enabled: true}}"
			echo "http: {addr: 127.0.0.1:$port}"
			if [ -n "${2:-}" ]; then
				echo "auth: {htpasswd: {realm: mlops-test, path: $2}}"
			fi
		} > "$SCRATCH/$name/config.yml"
		# A lifetime bound: the registry dies after 10 minutes whatever happens.
		timeout 600 docker-registry serve "$SCRATCH/$name/config.yml" \
			> "$SCRATCH/$name/log" 2>&1 &
		REG_PID=$!
		REG=127.0.0.1:$port
		at_exit "kill $REG_PID 2>/dev/null"
		for _ in $(seq 50); do
			kill -0 "$REG_PID" 2>/dev/null || break
			curl -s -o /dev/null -D - "http://$REG/v2/" 2>/dev/null |
				grep -qi '^docker-distribution-api-version' && return 0
			sleep 0.1
		done
		kill "$REG_PID" 2>/dev/null
		[ -n "${3:-}" ] && break
	done
	echo "# the registry did not start" >&2
	cat "$SCRATCH/$name/log" >&2
	return 1
}
