#!/usr/bin/env bash
# bench/run.sh — scriptsrv measured side by side with what a user would pick instead.
#
# Installs what it needs (Debian packages), builds scriptsrv, then for every system: starts it
# by hand with the configs in conf/ (never as a system service), checks its answers, loads it
# with wrk on 127.0.0.1 only (every load bounded by -d; the direct-* systems use fcgiload, our
# FastCGI client, instead), records req/s, latency, server CPU per request and memory, and
# stops exactly the processes it started (by PID). Rounds are interleaved (A B C .. then
# C B A ..) and the summary reports medians over rounds, with ratios to nginx → php-fpm.
# It also measures scriptsrv's start-to-first-request time and the RSS growth while a 1 GiB
# upload streams through a script.
#
#   bash bench/run.sh                        # the comparison set, 3 rounds (~25 min on 2 cores)
#   ROUNDS=2 DUR=5s bash bench/run.sh        # quicker
#   SYSTEMS="nginx-php4 nginx-ss-js" SKIP_INSTALL=1 bash bench/run.sh
#   SYSTEMS="$ALL" ... every anchor too (static ceilings, Go net/http/fcgi, nginx+Lua)
#
# Knobs: ROUNDS (3) DUR (10s) WARM (2s) CONNS ("64 8") THREADS (2) SYSTEMS (all, see ALL_SYSTEMS)
#        WORKLOADS ("hello work fetch db db-pg")  EXTRAS=0 (skip start-up and upload)
#        SKIP_INSTALL=1  OUT=dir (default results/<UTC stamp>)
# Output: $OUT/runs.tsv (one line per wrk run), $OUT/mem.tsv, $OUT/raw/*, $OUT/verify/*,
#         $OUT/versions.txt, $OUT/summary.md (made by summarize.py)
set -euo pipefail

ANCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$ANCH/.." && pwd)
export PATH="$PATH:/usr/local/go/bin"
CONF=$ANCH/conf
RUN=$ANCH/run                       # rendered configs, sockets, pid/log files (scratch)
OUT=${OUT:-$ANCH/results/$(date -u +%Y%m%dT%H%M%SZ)}
ROUNDS=${ROUNDS:-3}
DUR=${DUR:-10s}
WARM=${WARM:-2s}
CONNS=${CONNS:-"64 8"}
THREADS=${THREADS:-2}
WORKLOADS=${WORKLOADS:-"hello work fetch db db-pg"}
NGINX_PORT=18080 CADDY_PORT=18090 NODE_PORT=18085 GOHTTP_PORT=18086 SS_PORT=18087 UP_PORT=18088 PG_PORT=18091
SS_SYSTEMS="nginx-gohello nginx-ss-js nginx-ss-lua caddy-gohello caddy-ss-js caddy-ss-lua caddy-ss-http-js caddy-ss-http-lua ss-http-js ss-http-lua direct-gohello direct-ss-js direct-ss-lua"
ALL_SYSTEMS="nginx-static caddy-static nginx-php2 nginx-php4 caddy-php4 nginx-gofcgi nginx-gofcgi-ka caddy-gofcgi nginx-lua node-1 node-cluster2 go-http $SS_SYSTEMS"
ALL=$ALL_SYSTEMS
SYSTEMS=${SYSTEMS:-"nginx-php4 caddy-php4 node-1 node-cluster2 go-http $SS_SYSTEMS"}
PHPFPM=$(command -v php-fpm8.2 || ls /usr/sbin/php-fpm* 2>/dev/null | head -1 || true)

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# ---------------------------------------------------------------- install
install_pkgs() {
	[ "${SKIP_INSTALL:-0}" = 1 ] && return 0
	local made_policy=0
	if [ ! -e /usr/sbin/policy-rc.d ]; then # keep apt from starting nginx/php-fpm/caddy as services
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && made_policy=1
	fi
	apt-get update -qq || log "WARN: apt-get update failed"
	local p
	for p in nginx php-fpm php-cli php-opcache php-curl php-sqlite3 php-pgsql postgresql caddy wrk libfcgi-bin libnginx-mod-http-lua lua-resty-core lua-cjson apache2-utils hey curl time; do
		dpkg -s "$p" >/dev/null 2>&1 && continue
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$p" >/dev/null 2>&1 ||
			log "WARN: could not install $p (skipped)"
	done
	command -v node >/dev/null || apt-get install -y -qq nodejs >/dev/null 2>&1 || log "WARN: no node"
	[ "$made_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
	PHPFPM=$(command -v php-fpm8.2 || ls /usr/sbin/php-fpm* 2>/dev/null | head -1 || true)
	# A package's postinst may have started a service despite policy-rc.d on some setups:
	# we only warn, we never stop processes we did not start.
	local l
	l=$(ss -Hltn 2>/dev/null | awk '$4 ~ /:(80|443|2019)$/') || true
	[ -z "$l" ] || log "WARN: something listens on :80/:443/:2019 (not ours)"
	return 0
}

# ---------------------------------------------------------------- render configs
render() { # template out [CHILDREN]
	local in=$1 out=$2 children=${3:-2}
	sed -e "/^@HEAD@\$/{r $CONF/nginx-head.inc" -e 'd}' "$in" |
		sed -e "/^@HTTP@\$/{r $CONF/nginx-http.inc" -e 'd}' |
		sed -e "s#@RUN@#$RUN#g; s#@ANCH@#$ANCH#g; s#@BENCH@#$ANCH#g; s#@PORT@#$NGINX_PORT#g; s#@CPORT@#$CADDY_PORT#g; s#@SPORT@#$SS_PORT#g; s#@UPORT@#$UP_PORT#g; s#@CHILDREN@#$children#g" >"$out"
}

prepare() {
	mkdir -p "$RUN" "$RUN/nginx-tmp" "$RUN/xdg" "$OUT/raw" "$OUT/verify"
	chmod 755 "$RUN"
	local f
	for f in static php gofcgi gofcgi-ka lua scriptsrv gohello; do render "$CONF/nginx-$f.conf.in" "$RUN/nginx-$f.conf"; done
	render "$CONF/scriptsrv.toml.in" "$RUN/scriptsrv.toml"
	render "$CONF/php-fpm.conf.in" "$RUN/php-fpm2.conf" 2
	render "$CONF/php-fpm.conf.in" "$RUN/php-fpm4.conf" 4
	for f in static php gofcgi scriptsrv scriptsrv-http gohello; do render "$CONF/Caddyfile-$f.in" "$RUN/Caddyfile-$f"; done
	log "building Go anchor backend, scriptsrv, gohello and fcgiload"
	(cd "$ANCH/gofcgi" && go build -trimpath -o "$RUN/gofcgi" .)
	(cd "$REPO" && go build -trimpath -o "$RUN/scriptsrv" ./cmd/scriptsrv && go build -trimpath -o "$RUN/gohello" ./bench/gohello &&
		go build -trimpath -o "$RUN/fcgiload" ./bench/fcgiload)
	chmod -R a+rX "$ANCH/scriptsrv"
	# nginx/php-fpm workers run as www-data: they must read the scripts
	chmod -R a+rX "$ANCH/php" "$ANCH/lua"
	prepare_databases
	versions >"$OUT/versions.txt" 2>&1 || true
}

# prepare_databases makes the db workloads' data: a Postgres on $PG_PORT (as the postgres
# user: it refuses root) when Postgres is installed, then scriptsrv's migrations (10,000 rows
# in items) on its SQLite file and on Postgres, and a copy of the SQLite file for php-fpm
# (its workers run as www-data, and SQLite needs to write beside a file it reads).
PG_PID= PG=0
prepare_databases() {
	local bin
	bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | tail -1) || true
	rm -rf "$RUN/pg" "$RUN/ss.db"* "$RUN/phpdb"
	if [ -n "$bin" ] && id postgres >/dev/null 2>&1; then
		mkdir -p "$RUN/pg" && chown postgres "$RUN/pg"
		su postgres -s /bin/sh -c "$bin/initdb -D $RUN/pg/data -U postgres --auth=trust -E UTF8 --no-sync" >"$RUN/pg-init.log" 2>&1
		spawn postgres su postgres -s /bin/sh -c "exec $bin/postgres -D $RUN/pg/data -h 127.0.0.1 -p $PG_PORT -k $RUN/pg -c fsync=off -c max_connections=100"
		PG_PID=$LASTPID
		local i
		for i in $(seq 100); do "$bin/pg_isready" -q -h 127.0.0.1 -p $PG_PORT && break; sleep 0.1; done
		"$bin/psql" -q -h 127.0.0.1 -p $PG_PORT -U postgres -c "CREATE DATABASE bench" && PG=1
	fi
	[ "$PG" = 1 ] || log "WARN: no Postgres: the db-pg workload is left out"
	render "$CONF/scriptsrv.toml.in" "$RUN/scriptsrv.toml"
	if [ "$PG" = 1 ]; then
		printf '\n[db.pg]\nurl = "postgres://postgres@127.0.0.1:%s/bench"\nmigrations = "%s/scriptsrv/migrations"\nmax_open = 4\n' "$PG_PORT" "$ANCH" >>"$RUN/scriptsrv.toml"
	fi
	# scriptsrv applies the migrations at start; stop it again once it serves.
	start_scriptsrv
	wait_ready "http://127.0.0.1:$SS_PORT/hello"
	stop_tree "$BACK"
	mkdir -p "$RUN/phpdb" && cp "$RUN/ss.db" "$RUN/phpdb/php.db" && chown -R www-data "$RUN/phpdb" 2>/dev/null || true
}

versions() {
	echo "date: $(date -u +%FT%TZ)"
	echo "kernel: $(uname -sr)"
	echo "cpu: $(nproc) x $(lscpu | sed -n 's/^Model name: *//p')"
	echo "mem: $(free -m | awk '/Mem:/{print $2" MiB"}')"
	grep PRETTY_NAME /etc/os-release
	echo "wrk: $(wrk -v 2>&1 | head -1)"
	echo "nginx: $(nginx -v 2>&1)"
	echo "php-fpm: $($PHPFPM -v | head -1)"
	echo "caddy: $(caddy version)"
	echo "node: $(node --version)"
	echo "go: $(go version)"
	echo "scriptsrv: $(cd "$REPO" && git rev-parse --short HEAD 2>/dev/null)"
	dpkg-query -W -f='pkg: ${Package} ${Version}\n' nginx nginx-common libnginx-mod-http-lua libnginx-mod-http-ndk \
		libluajit2-5.1-2 lua-resty-core lua-cjson php8.2-fpm php8.2-opcache caddy wrk hey 2>/dev/null
}

# ---------------------------------------------------------------- process helpers
STARTED=()
LASTPID=
spawn() { # name cmd...  (background, output to RUN/name.log; sets LASTPID)
	local name=$1
	shift
	"$@" >"$RUN/$name.log" 2>&1 &
	LASTPID=$!
	STARTED+=("$LASTPID")
}
descendants() {
	local c
	for c in $(ps -o pid= --ppid "$1" 2>/dev/null); do
		echo "$c"
		descendants "$c"
	done
}
tree() { local p; for p in "$@"; do [ -n "$p" ] && { echo "$p"; descendants "$p"; }; done; }
stop_tree() { # pid: TERM the root, wait, then KILL any of its recorded tree still alive
	local pid=$1 kids i k
	[ -z "$pid" ] && return 0
	kids=$(descendants "$pid")
	kill -TERM "$pid" 2>/dev/null || true
	for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	for k in $kids; do kill -0 "$k" 2>/dev/null && kill -KILL "$k" 2>/dev/null; done
	wait "$pid" 2>/dev/null || true
	return 0
}
cleanup() {
	local p
	for p in "${STARTED[@]:-}"; do [ -n "$p" ] && kill -0 "$p" 2>/dev/null && stop_tree "$p"; done
	return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cpu_ticks() { # total utime+stime (clock ticks) of the given process trees
	local t=0 p v
	for p in $(tree "$@"); do
		v=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | awk '{print $12+$13}') || continue
		[ -n "$v" ] && t=$((t + v))
	done
	echo "$t"
}
mem_kb() { # "rss_kb pss_kb nproc" of the given process trees
	local rss=0 pss=0 n=0 p r s
	for p in $(tree "$@"); do
		r=$(awk '/^VmRSS:/{print $2}' "/proc/$p/status" 2>/dev/null) || continue
		s=$(awk '/^Pss:/{print $2}' "/proc/$p/smaps_rollup" 2>/dev/null) || s=0
		rss=$((rss + ${r:-0})) pss=$((pss + ${s:-0})) n=$((n + 1))
	done
	echo "$rss $pss $n"
}
machine_ticks() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat; }

wait_ready() { # url: up to 10 s for a 200
	local i
	for i in $(seq 100); do
		[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$1" 2>/dev/null)" = 200 ] && return 0
		sleep 0.1
	done
	return 1
}
wait_gone() { # port: until nothing listens (previous system fully stopped)
	local i
	for i in $(seq 50); do [ -z "$(ss -Hltn "sport = :$1")" ] && return 0; sleep 0.1; done
	log "WARN: port $1 still busy"
}

# ---------------------------------------------------------------- systems
# start_system NAME sets FRONT (front-end root pid, may be empty), BACK (backend root pid, may
# be empty), URL_HELLO, URL_WORK and URL_FETCH (empty: no such workload). The fetch workload's
# upstream (the Go anchor's /item on $UP_PORT, keep-alive) runs for the whole benchmark.
FRONT= BACK= URL_HELLO= URL_WORK= URL_FETCH= URL_DB= URL_DBPG=
start_php() { # children
	rm -f "$RUN/php.sock"
	spawn php-fpm "$PHPFPM" -F -y "$RUN/php-fpm$1.conf"
	BACK=$LASTPID
	local i
	for i in $(seq 50); do [ -S "$RUN/php.sock" ] && return 0; sleep 0.1; done
}
start_gofcgi() {
	spawn gofcgi "$RUN/gofcgi" -fcgi "unix:$RUN/gofcgi.sock"
	BACK=$LASTPID
	local i
	for i in $(seq 50); do [ -S "$RUN/gofcgi.sock" ] && return 0; sleep 0.1; done
}
start_on_socket() { # name socket cmd...: start a backend, wait for its unix socket (5 s at most)
	local name=$1 sock=$2 i
	shift 2
	rm -f "$sock"
	spawn "$name" "$@"
	BACK=$LASTPID
	for i in $(seq 100); do [ -S "$sock" ] && return 0; sleep 0.05; done
}
start_scriptsrv() { start_on_socket scriptsrv "$RUN/scriptsrv.sock" "$RUN/scriptsrv" -config "$RUN/scriptsrv.toml"; }
start_gohello() { start_on_socket gohello "$RUN/gohello.sock" "$RUN/gohello" -fcgi "unix:$RUN/gohello.sock"; }
start_nginx() { # conf-suffix
	spawn nginx nginx -e "$RUN/nginx-error.log" -c "$RUN/nginx-$1.conf" -g 'daemon off;'
	FRONT=$LASTPID
}
start_caddy() { # caddyfile-suffix
	spawn caddy env HOME="$RUN/xdg" XDG_DATA_HOME="$RUN/xdg" XDG_CONFIG_HOME="$RUN/xdg" \
		caddy run --config "$RUN/Caddyfile-$1" --adapter caddyfile
	FRONT=$LASTPID
}
start_system() {
	FRONT= BACK= URL_HELLO= URL_WORK= URL_FETCH= URL_DB= URL_DBPG= DIRECT=
	local n="http://127.0.0.1:$NGINX_PORT" c="http://127.0.0.1:$CADDY_PORT" s="http://127.0.0.1:$SS_PORT"
	case $1 in
	nginx-static) start_nginx static; URL_HELLO=$n/hello ;;
	caddy-static) start_caddy static; URL_HELLO=$c/hello ;;
	nginx-php2) start_php 2; start_nginx php; URL_HELLO=$n/hello.php URL_WORK="$n/work.php?name=world" ;;
	nginx-php4) start_php 4; start_nginx php; URL_HELLO=$n/hello.php URL_WORK="$n/work.php?name=world" URL_FETCH=$n/fetch.php URL_DB=$n/db.php URL_DBPG=$n/dbpg.php ;;
	caddy-php4) start_php 4; start_caddy php; URL_HELLO=$c/hello.php URL_WORK="$c/work.php?name=world" ;;
	nginx-gofcgi) start_gofcgi; start_nginx gofcgi; URL_HELLO=$n/hello URL_WORK="$n/work?name=world" ;;
	nginx-gofcgi-ka) start_gofcgi; start_nginx gofcgi-ka; URL_HELLO=$n/hello URL_WORK="$n/work?name=world" ;;
	caddy-gofcgi) start_gofcgi; start_caddy gofcgi; URL_HELLO=$c/hello URL_WORK="$c/work?name=world" ;;
	nginx-lua) start_nginx lua; BACK=$FRONT FRONT=; URL_HELLO=$n/hello URL_WORK="$n/work?name=world" ;;
	node-1)
		spawn node env PORT=$NODE_PORT WORKERS=1 UPSTREAM_URL="http://127.0.0.1:$UP_PORT/item" node "$ANCH/node/server.js"; BACK=$LASTPID
		URL_HELLO=http://127.0.0.1:$NODE_PORT/hello URL_WORK="http://127.0.0.1:$NODE_PORT/work?name=world" URL_FETCH=http://127.0.0.1:$NODE_PORT/fetch ;;
	node-cluster2)
		spawn node env PORT=$NODE_PORT WORKERS=2 node "$ANCH/node/server.js"; BACK=$LASTPID
		URL_HELLO=http://127.0.0.1:$NODE_PORT/hello URL_WORK="http://127.0.0.1:$NODE_PORT/work?name=world" ;;
	go-http)
		spawn gohttp "$RUN/gofcgi" -http 127.0.0.1:$GOHTTP_PORT; BACK=$LASTPID
		URL_HELLO=http://127.0.0.1:$GOHTTP_PORT/hello URL_WORK="http://127.0.0.1:$GOHTTP_PORT/work?name=world" ;;
	nginx-ss-js) start_scriptsrv; start_nginx scriptsrv; URL_HELLO=$n/hello URL_WORK="$n/work?name=world" URL_FETCH=$n/fetch URL_DB=$n/db URL_DBPG=$n/dbpg ;;
	nginx-ss-lua) start_scriptsrv; start_nginx scriptsrv; URL_HELLO=$n/lua/hello URL_WORK="$n/lua/work?name=world" URL_FETCH=$n/lua/fetch URL_DB=$n/lua/db URL_DBPG=$n/lua/dbpg ;;
	caddy-ss-js) start_scriptsrv; start_caddy scriptsrv; URL_HELLO=$c/hello URL_WORK="$c/work?name=world" ;;
	caddy-ss-lua) start_scriptsrv; start_caddy scriptsrv; URL_HELLO=$c/lua/hello URL_WORK="$c/lua/work?name=world" ;;
	caddy-ss-http-js) start_scriptsrv; start_caddy scriptsrv-http; URL_HELLO=$c/hello URL_WORK="$c/work?name=world" ;;
	caddy-ss-http-lua) start_scriptsrv; start_caddy scriptsrv-http; URL_HELLO=$c/lua/hello URL_WORK="$c/lua/work?name=world" ;;
	ss-http-js) start_scriptsrv; URL_HELLO=$s/hello URL_WORK="$s/work?name=world" URL_FETCH=$s/fetch URL_DB=$s/db URL_DBPG=$s/dbpg ;;
	ss-http-lua) start_scriptsrv; URL_HELLO=$s/lua/hello URL_WORK="$s/lua/work?name=world" URL_FETCH=$s/lua/fetch URL_DB=$s/lua/db URL_DBPG=$s/lua/dbpg ;;
	direct-ss-js) start_scriptsrv; DIRECT=unix:$RUN/scriptsrv.sock URL_HELLO=/hello URL_WORK="/work?name=world" ;;
	direct-ss-lua) start_scriptsrv; DIRECT=unix:$RUN/scriptsrv.sock URL_HELLO=/lua/hello URL_WORK="/lua/work?name=world" ;;
	nginx-gohello) start_gohello; start_nginx gohello; URL_HELLO=$n/hello URL_WORK="$n/work?name=world" ;;
	caddy-gohello) start_gohello; start_caddy gohello; URL_HELLO=$c/hello URL_WORK="$c/work?name=world" ;;
	direct-gohello) start_gohello; DIRECT=unix:$RUN/gohello.sock URL_HELLO=/hello URL_WORK="/work?name=world" ;;
	*) log "unknown system $1"; return 1 ;;
	esac
	[ "$PG" = 1 ] || URL_DBPG=
	[ -n "$DIRECT" ] && return 0
	wait_ready "$URL_HELLO"
}
stop_system() {
	stop_tree "$FRONT"
	stop_tree "$BACK"
	rm -f "$RUN/php.sock" "$RUN/gofcgi.sock" "$RUN/gohello.sock"
	wait_gone $NGINX_PORT; wait_gone $CADDY_PORT; wait_gone $NODE_PORT; wait_gone $GOHTTP_PORT; wait_gone $SS_PORT
}

verify() { # sys: save full answers, check bodies (hello must be exactly 20 bytes)
	local sys=$1 f=$OUT/verify/$1
	[ -n "$DIRECT" ] && return 0
	curl -s -i --max-time 2 "$URL_HELLO" >"$f.hello.txt" || true
	local hb
	hb=$(curl -s --max-time 2 "$URL_HELLO" | od -An -c | tr -s ' ')
	[ "$(curl -s --max-time 2 "$URL_HELLO")" = "Hello, anchor world" ] || log "WARN: $sys hello body differs: $hb"
	if [ -n "$URL_WORK" ]; then
		curl -s -i --max-time 2 "$URL_WORK" >"$f.work.txt" || true
		local wb
		wb=$(curl -s --max-time 2 "$URL_WORK")
		case $wb in *'"name":"world"'*'item-79-world'*|*'item-79-world'*'"name":"world"'*) ;; *) log "WARN: $sys work body unexpected: ${wb:0:120}" ;; esac
		echo "work_body_bytes=${#wb}" >>"$f.work.txt"
	fi
	if [ -n "$URL_FETCH" ]; then
		curl -s -i --max-time 2 "$URL_FETCH" >"$f.fetch.txt" || true
		[ "$(curl -s --max-time 2 "$URL_FETCH")" = "widget" ] || log "WARN: $sys fetch body is not widget: $(head -c 120 "$f.fetch.txt")"
	fi
	local u
	for u in "$URL_DB" "$URL_DBPG"; do
		[ -z "$u" ] && continue
		curl -s -i --max-time 2 "$u?id=42" >"$f.${u##*/}.txt" || true
		case $(curl -s --max-time 2 "$u?id=42") in *'"id":42'*'"name":"item 42"'*) ;; *) log "WARN: $sys ${u##*/} body: $(tail -c 120 "$f.${u##*/}.txt")" ;; esac
	done
	case $sys in *php*) curl -s --max-time 2 "${URL_HELLO%/hello.php}/opcache.php" >"$f.opcache.txt" || true ;; esac
}

# ---------------------------------------------------------------- measuring
run_wrk() { # round sys workload conns url
	local r=$1 sys=$2 wl=$3 c=$4 url=$5
	local raw=$OUT/raw/$sys.$wl.c$c.r$r.txt
	local f0 b0 f1 b1 m0 m1
	f0=$(cpu_ticks "$FRONT") b0=$(cpu_ticks "$BACK") m0=$(machine_ticks)
	if [ -n "$DIRECT" ]; then
		/usr/bin/time -f 'WRKCPU user=%U sys=%S' timeout 60 \
			"$RUN/fcgiload" -addr "$DIRECT" -c "$c" -d "$DUR" -uri "$url" >"$raw" 2>&1 || echo "WRK_EXIT=$?" >>"$raw"
	else
		/usr/bin/time -f 'WRKCPU user=%U sys=%S' timeout 60 \
			wrk -t"$THREADS" -c"$c" -d"$DUR" --latency -s "$ANCH/wrk/report.lua" "$url" >"$raw" 2>&1 ||
			echo "WRK_EXIT=$?" >>"$raw"
	fi
	f1=$(cpu_ticks "$FRONT") b1=$(cpu_ticks "$BACK") m1=$(machine_ticks)
	local line
	line=$(grep '^ANCHOR ' "$raw" | tail -1 | sed 's/^ANCHOR //') || line=
	if [ -z "$line" ]; then
		log "ERROR: no wrk result for $sys $wl c$c (see $raw)"
		return 0
	fi
	local wrkcpu
	wrkcpu=$(sed -n 's/^WRKCPU user=\([0-9.]*\) sys=\([0-9.]*\)/\1 \2/p' "$raw" | awk '{print $1+$2}')
	set -- $m0 $m1
	printf '%s\t%s\t%s\t%s\t%s\tfront_ticks=%d back_ticks=%d machine_busy_ticks=%d machine_total_ticks=%d wrk_cpu_s=%s\n' \
		"$r" "$sys" "$wl" "$c" "$line" $((f1 - f0)) $((b1 - b0)) $(($3 - $1)) $(($4 - $2)) "${wrkcpu:-NA}" >>"$OUT/runs.tsv"
	local req dur
	req=$(sed 's/.*requests=\([0-9]*\).*/\1/' <<<"$line") dur=$(sed 's/.*duration_us=\([0-9]*\).*/\1/' <<<"$line")
	log "  r$r $sys $wl c$c: $(awk -v q="$req" -v d="$dur" 'BEGIN{printf "%.0f req/s", q/(d/1e6)}')"
}

measure_system() { # round sys
	local r=$1 sys=$2 wl url c
	wait_gone $NGINX_PORT
	if ! start_system "$sys"; then
		log "ERROR: $sys did not become ready; logs in $RUN"
		stop_system
		return 0
	fi
	[ "$r" = 1 ] && verify "$sys"
	printf '%s\t%s\tidle\tfront=%s\tback=%s\n' "$r" "$sys" "$(mem_kb "$FRONT" | tr ' ' ,)" "$(mem_kb "$BACK" | tr ' ' ,)" >>"$OUT/mem.tsv"
	for wl in $WORKLOADS; do
		url=$URL_HELLO
		[ "$wl" = work ] && url=$URL_WORK
		[ "$wl" = fetch ] && url=$URL_FETCH
		[ "$wl" = db ] && url=$URL_DB
		[ "$wl" = db-pg ] && url=$URL_DBPG
		[ -z "$url" ] && continue
		if [ -n "$DIRECT" ]; then # warm-up, discarded
			timeout 30 "$RUN/fcgiload" -addr "$DIRECT" -c 64 -d "$WARM" -uri "$url" >/dev/null 2>&1 || true
		else
			timeout 30 wrk -t"$THREADS" -c64 -d"$WARM" "$url" >/dev/null 2>&1 || true
		fi
		for c in $CONNS; do run_wrk "$r" "$sys" "$wl" "$c" "$url"; done
	done
	printf '%s\t%s\tafter_load\tfront=%s\tback=%s\n' "$r" "$sys" "$(mem_kb "$FRONT" | tr ' ' ,)" "$(mem_kb "$BACK" | tr ' ' ,)" >>"$OUT/mem.tsv"
	cp -f "$RUN"/nginx-error.log "$OUT/raw/nginx-error.$sys.r$r.log" 2>/dev/null || true
	stop_system
}

# extras: start-to-first-request time (5 starts) and RSS growth while a 1 GiB upload streams
# through a script reading 64 KiB pieces (HTTP front, bounded by its size and a 120 s timeout).
extras() {
	local i t0 peak rss0 r pid
	for i in 1 2 3 4 5; do
		rm -f "$RUN/scriptsrv.sock"
		t0=$(date +%s%N)
		spawn scriptsrv "$RUN/scriptsrv" -config "$RUN/scriptsrv.toml"
		pid=$LASTPID
		"$RUN/fcgiload" -first-ok -addr "unix:$RUN/scriptsrv.sock" -since "$t0" -uri /hello |
			sed "s/^/startup\t$i\t/" >>"$OUT/extras.tsv"
		stop_tree "$pid"
	done
	spawn scriptsrv "$RUN/scriptsrv" -config "$RUN/scriptsrv.toml"
	pid=$LASTPID
	wait_ready "http://127.0.0.1:$SS_PORT/hello"
	curl -s -o /dev/null "http://127.0.0.1:$SS_PORT/hello"
	rss0=$(awk '/^VmRSS:/{print $2}' "/proc/$pid/status")
	peak=$rss0
	head -c 1073741824 /dev/zero | curl -s --max-time 120 -o "$RUN/upload.out" -H 'Content-Type: application/octet-stream' -X POST \
		-T - "http://127.0.0.1:$SS_PORT/upload" &
	local cpid=$!
	while kill -0 "$cpid" 2>/dev/null; do
		r=$(awk '/^VmRSS:/{print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
		[ "${r:-0}" -gt "$peak" ] && peak=$r
		sleep 0.05
	done
	wait "$cpid" || true
	printf 'upload\tbytes_read=%s\trss_before_kb=%s\trss_peak_kb=%s\tgrowth_kb=%s\n' "$(cat "$RUN/upload.out")" "$rss0" "$peak" $((peak - rss0)) >>"$OUT/extras.tsv"
	stop_tree "$pid"
	log "extras: $(tr '\n' ' ' <"$OUT/extras.tsv")"
}

main() {
	install_pkgs
	prepare
	log "results -> $OUT ; systems: $SYSTEMS ; rounds=$ROUNDS dur=$DUR conns=$CONNS"
	spawn upstream "$RUN/gofcgi" -http 127.0.0.1:$UP_PORT
	local upstream=$LASTPID
	wait_ready "http://127.0.0.1:$UP_PORT/item"
	: >"$OUT/runs.tsv"
	: >"$OUT/mem.tsv"
	: >"$OUT/extras.tsv"
	local r order s
	for r in $(seq "$ROUNDS"); do
		order=$SYSTEMS
		[ $((r % 2)) = 0 ] && order=$(tr ' ' '\n' <<<"$SYSTEMS" | grep -v '^$' | tac | tr '\n' ' ')
		log "round $r: $order"
		for s in $order; do
			rm -f "$RUN/nginx-error.log"
			measure_system "$r" "$s"
		done
	done
	stop_tree "$upstream"
	[ "${EXTRAS:-1}" = 0 ] || extras
	stop_tree "$PG_PID"
	python3 "$ANCH/summarize.py" "$OUT" >"$OUT/summary.md"
	log "summary: $OUT/summary.md"
	cat "$OUT/summary.md"
}

main "$@"
