# What the benchmark scripts share; sourced, never run. `use_perfproof` picks the
# binary to time (PERFPROOF, else a fresh release build); `start_nginx DIR PORT
# LOCATIONS` starts nginx (one worker, keep-alive, no access log: the fastest server
# at hand, so a load generator's own cost shows) on 127.0.0.1:PORT with the given
# `location` lines, its files in DIR, and sets `server` to its pid.
# perfproof runs as one stretch (`--trials 1`), as the peer tools measure: trials
# would restart its connections a few times in a run.

use_perfproof() {
    if [ -z "${PERFPROOF:-}" ]; then
        cargo build --release --locked -p perfproof >&2
        PERFPROOF=target/release/perfproof
    fi
}

start_nginx() {
    local dir=$1 port=$2 locations=$3
    cat >"$dir/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 10000000;
    keepalive_timeout 300s;
    client_body_buffer_size 64k;
    default_type application/json;
    server {
        listen 127.0.0.1:$port;
$locations
    }
}
CONF
    nginx -p "$dir" -c "$dir/nginx.conf" &
    server=$!
}
