#!/usr/bin/env bash
# Starts the servers the tests use, when they are down: PostgreSQL on
# 127.0.0.1:5432 (trust auth, database test), MariaDB on 127.0.0.1:3306 (root,
# empty password, database test) and Redis on 127.0.0.1:6379 (no password, nothing
# kept on disk). Idempotent: a server that answers is left alone.
# The commands are this machine kind's (Debian packages, no systemd).
set -euo pipefail

wait_for() { # name, command
    for _ in $(seq 1 60); do
        if eval "$2" >/dev/null 2>&1; then return 0; fi
        sleep 0.5
    done
    echo "services.sh: $1 did not come up" >&2
    return 1
}

if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    echo "services.sh: starting PostgreSQL" >&2
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
    wait_for PostgreSQL "pg_isready -q -h 127.0.0.1 -p 5432"
fi
if ! mysqladmin -h 127.0.0.1 -P 3306 -u root status >/dev/null 2>&1; then
    echo "services.sh: starting MariaDB" >&2
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
    wait_for MariaDB "mysqladmin -h 127.0.0.1 -P 3306 -u root status"
fi
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    echo "services.sh: starting Redis" >&2
    mkdir -p /var/lib/redis /var/log/redis
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
        --dir /var/lib/redis --logfile /var/log/redis/ci.log
    wait_for Redis "redis-cli -h 127.0.0.1 -p 6379 ping"
fi
# The test database and the `root` role exist on this machine kind; create them if not.
psql -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT 1 FROM pg_roles WHERE rolname = 'root'" | grep -q 1 \
    || psql -h 127.0.0.1 -U postgres -d postgres -qc "CREATE ROLE root SUPERUSER LOGIN"
psql -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'test'" | grep -q 1 \
    || psql -h 127.0.0.1 -U postgres -d postgres -qc "CREATE DATABASE test"
mysql -h 127.0.0.1 -P 3306 -u root -e "CREATE DATABASE IF NOT EXISTS test"
