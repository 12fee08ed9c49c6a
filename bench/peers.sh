#!/usr/bin/env bash
# bench-peers.sh - start / stop / benchmark peer SMTP sinks on 127.0.0.1 ONLY.
# (Copied from ../shared/bench/peers.sh; added: install-peer, used by bench.mjs --extra.)
#
#   bench-peers.sh install                      apt + npm install of all peers (Debian bookworm, root)
#   bench-peers.sh install-peer <peer>          install only what one peer needs, if it is missing
#   bench-peers.sh setup                        (re)write node-sink.js into $PEERS_DIR
#   bench-peers.sh start <peer> <port>          start peer on 127.0.0.1:<port>, wait for "220", print PID
#   bench-peers.sh stats <peer> <port>          print peak RSS (VmHWM) and CPU seconds of the running peer
#   bench-peers.sh stop  <peer> <port>          print stats, then SIGTERM (SIGKILL after 15 s) by PID
#   bench-peers.sh bench <peer> <port> [sessions=20] [msgs=20000] [len=10240] [reps=3]
#                                               per rep: fresh start, smtp-source run, stop; prints summary
#   bench-peers.sh list                         peer names
#
# Peers: smtp-sink | node-sink | node-sink-nodelay | maildev | haraka | aiosmtpd
# Env:   PEERS_DIR (default /tmp/peers; npm packages + node-sink.js live here)
#        RUN_DIR   (default $PEERS_DIR/run; pid files, logs, per-port haraka config, maildev mail dir)
#        RUN_TIMEOUT (default 300 s per smtp-source run)   SOURCE_OPTS (extra smtp-source flags, e.g. -d)
# Processes are only ever stopped by the PID recorded in $RUN_DIR/<peer>-<port>.pid.
set -euo pipefail

PEERS_DIR=${PEERS_DIR:-/tmp/peers}
RUN_DIR=${RUN_DIR:-$PEERS_DIR/run}
RUN_TIMEOUT=${RUN_TIMEOUT:-300}
SOURCE_OPTS=${SOURCE_OPTS:-}
HOST=127.0.0.1            # never change: loopback only
PEERS="smtp-sink node-sink node-sink-nodelay maildev haraka aiosmtpd"
SYS_PY=/usr/bin/python3   # Debian's python3-aiosmtpd is only importable by the system interpreter

die() { echo "bench-peers: $*" >&2; exit 1; }

check_peer() { case " $PEERS " in *" $1 "*) ;; *) die "unknown peer '$1' (one of: $PEERS)";; esac; }
check_port() { [[ "$1" =~ ^[0-9]+$ ]] && (( $1 >= 1024 && $1 <= 65535 )) || die "port must be 1024..65535"; }
port_busy()  { [ -n "$(ss -Htln "sport = :$1" 2>/dev/null)" ]; }
procstat()   { sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null; }   # fields after "pid (comm) ": 1=state 12=utime 13=stime
alive()      { local st; st=$(procstat "$1"); [ -n "$st" ] && [ "${st%% *}" != Z ]; }  # one read: no race with reaping
pidfile()    { echo "$RUN_DIR/$1-$2.pid"; }

do_install() {
  apt-get update
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  # libnet-ssleay-perl: swaks --tls; libauthen-sasl-perl: swaks DIGEST-MD5; docker-compose: offline "config" validation only
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postfix swaks python3-aiosmtpd time \
      libnet-ssleay-perl libauthen-sasl-perl docker-compose
  mkdir -p "$PEERS_DIR" && cd "$PEERS_DIR"
  # overrides: this npm mirror lacks a few exact versions pinned by libmime/mailparser (ETARGET otherwise)
  cat > package.json <<'EOF'
{
  "name": "peers",
  "version": "1.0.0",
  "private": true,
  "overrides": {
    "encoding-japanese@2.5.0": "2.4.0",
    "libqp@3.0.1": "2.1.2",
    "@zone-eu/mailsplit@5.4.30": "5.4.19"
  }
}
EOF
  npm install --no-audit --no-fund maildev@3.0.0 Haraka@3.3.4 smtp-server@3.21.6
  do_setup
}

npm_peers() { # $@ = npm packages, installed into $PEERS_DIR with the overrides this mirror needs
  mkdir -p "$PEERS_DIR" && cd "$PEERS_DIR" || die "cannot enter $PEERS_DIR"
  [ -f package.json ] || printf '%s\n' '{ "name": "peers", "version": "1.0.0", "private": true,' \
    '  "overrides": { "encoding-japanese@2.5.0": "2.4.0", "libqp@3.0.1": "2.1.2", "@zone-eu/mailsplit@5.4.30": "5.4.19" } }' > package.json
  npm install --no-audit --no-fund "$@"
}

install_peer() { # $1=peer ; installs only when missing
  case $1 in
    smtp-sink) [ -x /usr/sbin/smtp-sink ] || { apt-get update -qq
        echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postfix; } ;;
    aiosmtpd) "$SYS_PY" -c 'import aiosmtpd' 2>/dev/null || { apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-aiosmtpd; } ;;
    haraka) [ -f "$PEERS_DIR/node_modules/Haraka/bin/haraka" ] || npm_peers Haraka@3.3.4 ;;
    maildev) [ -f "$PEERS_DIR/node_modules/maildev/dist/bin/maildev.js" ] || npm_peers maildev@3.0.0 ;;
    node-sink|node-sink-nodelay) [ -d "$PEERS_DIR/node_modules/smtp-server" ] || npm_peers smtp-server@3.21.6; do_setup ;;
    *) die "unknown peer '$1' (one of: $PEERS)" ;;
  esac
}

do_setup() {
  mkdir -p "$PEERS_DIR" "$RUN_DIR"
  cat > "$PEERS_DIR/node-sink.js" <<'EOF'
// Minimal smtp-server sink: accepts any sender/recipient/AUTH, discards DATA.
// Usage: node node-sink.js PORT [--no-greeting-delay]  (flag removes smtp-server's fixed 100 ms pre-banner wait)
const { SMTPServer } = require('smtp-server');
if (process.argv[3] === '--no-greeting-delay') require('smtp-server/lib/smtp-connection').SMTPConnection.prototype.init = function () { this._setListeners(() => this.connectionReady()); };
const server = new SMTPServer({
  logger: false, disableReverseLookup: true, // no rDNS lookup per connection
  authOptional: true, allowInsecureAuth: true, // AUTH offered, not required, allowed before STARTTLS
  size: 50 * 1024 * 1024, // STARTTLS works with smtp-server's built-in self-signed cert
  onAuth(auth, session, cb) { cb(null, { user: auth.username }); },
  onData(stream, session, cb) { stream.on('end', () => cb(null, 'OK discarded')); stream.resume(); },
});
server.on('error', (err) => console.error('smtp error:', err.message));
server.listen(Number(process.argv[2] || 2525), '127.0.0.1', () => console.log('node-sink listening on', server.server.address()));
const stop = () => { server.close(() => process.exit(0)); setTimeout(() => process.exit(0), 1000).unref(); };
process.on('SIGTERM', stop); process.on('SIGINT', stop);
EOF
}

haraka_config() { # $1=port -> writes $RUN_DIR/haraka-$port (fresh)
  local dir="$RUN_DIR/haraka-$1"
  rm -rf "$dir"
  node "$PEERS_DIR/node_modules/Haraka/bin/haraka" -i "$dir" >/dev/null   # default config set (connection.ini is required)
  printf 'listen=%s:%s\nnodes=0\n' "$HOST" "$1" > "$dir/config/smtp.ini"  # nodes=0: single process, no cluster master
  printf 'accept_all\n' > "$dir/config/plugins"
  printf '[main]\nlevel=warn\ntimestamps=false\n' > "$dir/config/log.ini"  # info level logs ~10 lines/msg
  cat > "$dir/plugins/accept_all.js" <<'EOF'
// accept_all: accept every RCPT and discard every message (pretend it was queued)
exports.register = function () {
  this.register_hook('rcpt', 'accept_rcpt');
  this.register_hook('queue', 'discard');
};
exports.accept_rcpt = (next) => next(OK);
exports.discard = (next) => next(OK);
EOF
}

wait_ready() { # $1=pid $2=port : wait up to 30 s for a "220" banner
  local i banner
  for i in $(seq 1 150); do
    alive "$1" || return 1
    banner=$(timeout 2 bash -c "exec 3<>/dev/tcp/$HOST/$2 || exit 1; IFS= read -r -t 2 l <&3; printf 'QUIT\r\n' >&3; IFS= read -r -t 2 q <&3; echo \"\${l:0:3}\"" 2>/dev/null || true)
    [ "$banner" = 220 ] && return 0
    sleep 0.2
  done
  return 1
}

start_peer() { # $1=peer $2=port
  local peer=$1 port=$2 pf log pid
  check_peer "$peer"; check_port "$port"
  mkdir -p "$RUN_DIR"
  pf=$(pidfile "$peer" "$port"); log="$RUN_DIR/$peer-$port.log"
  if [ -f "$pf" ] && alive "$(cat "$pf")"; then die "$peer already running on $port (pid $(cat "$pf"))"; fi
  port_busy "$port" && die "port $port already in use"
  case $peer in
    smtp-sink)
      local u=(); [ "$(id -u)" = 0 ] && u=(-u nobody)    # smtp-sink refuses to run as root without -u
      ( exec /usr/sbin/smtp-sink "${u[@]}" -m 1024 "$HOST:$port" 1024 ) </dev/null >"$log" 2>&1 & ;;
    node-sink)
      [ -f "$PEERS_DIR/node-sink.js" ] || do_setup
      ( cd "$PEERS_DIR" && exec node node-sink.js "$port" ) </dev/null >"$log" 2>&1 & ;;
    node-sink-nodelay)   # same sink, smtp-server's 100 ms early-talker wait before the 220 banner removed
      [ -f "$PEERS_DIR/node-sink.js" ] || do_setup
      ( cd "$PEERS_DIR" && exec node node-sink.js "$port" --no-greeting-delay ) </dev/null >"$log" 2>&1 & ;;
    maildev)
      rm -rf "$RUN_DIR/maildev-$port"; mkdir -p "$RUN_DIR/maildev-$port"
      ( exec node "$PEERS_DIR/node_modules/maildev/dist/bin/maildev.js" -s "$port" --ip "$HOST" \
          --disable-web --silent --mail-directory "$RUN_DIR/maildev-$port" ) </dev/null >"$log" 2>&1 & ;;
    haraka)
      haraka_config "$port"
      ( cd "$PEERS_DIR" && exec node node_modules/Haraka/bin/haraka -c "$RUN_DIR/haraka-$port" ) </dev/null >"$log" 2>&1 & ;;
    aiosmtpd)
      ( exec "$SYS_PY" -m aiosmtpd -n -l "$HOST:$port" -c aiosmtpd.handlers.Sink ) </dev/null >"$log" 2>&1 & ;;
  esac
  pid=$!
  echo "$pid" > "$pf"
  if ! wait_ready "$pid" "$port"; then
    echo "--- $log" >&2; tail -20 "$log" >&2
    stop_peer "$peer" "$port" >/dev/null 2>&1 || true
    die "$peer did not become ready on $HOST:$port"
  fi
  echo "$pid"
}

stats_pid() { # peak RSS in kB (VmHWM, summed over direct children too) and CPU seconds
  local pid=$1 rss cpu c
  rss=$(awk '/^VmHWM:/{print $2}' "/proc/$pid/status")
  cpu=$(procstat "$pid" | awk -v t="$(getconf CLK_TCK)" '{printf "%.2f", ($12+$13)/t}')
  for c in $(ps -o pid= --ppid "$pid" 2>/dev/null); do
    rss=$(( rss + $(awk '/^VmHWM:/{print $2}' "/proc/$c/status" 2>/dev/null || echo 0) ))
  done
  echo "peak_rss_kb=$rss cpu_s=$cpu"
}

stats_peer() { local pf; pf=$(pidfile "$1" "$2"); [ -f "$pf" ] || die "no pid file $pf"; stats_pid "$(cat "$pf")"; }

stop_peer() { # $1=peer $2=port ; kill by recorded PID only
  local peer=$1 port=$2 pf pid i
  check_peer "$peer"; check_port "$port"
  pf=$(pidfile "$peer" "$port"); [ -f "$pf" ] || die "no pid file $pf"
  pid=$(cat "$pf")
  if alive "$pid"; then
    stats_pid "$pid" || true
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 75); do alive "$pid" || break; sleep 0.2; done
    if alive "$pid"; then echo "$peer pid $pid still alive 15 s after SIGTERM, sending SIGKILL" >&2; kill -KILL "$pid" 2>/dev/null || true; fi
  fi
  wait "$pid" 2>/dev/null || true   # reap if it is our child (bench mode)
  rm -f "$pf"
  [ "$peer" = maildev ] && rm -rf "$RUN_DIR/maildev-$port"
  return 0
}

bench() { # $1=peer $2=port [sessions] [msgs] [len] [reps]
  local peer=$1 port=$2 s=${3:-20} m=${4:-20000} l=${5:-10240} reps=${6:-3}
  local r t0 t1 rc out st gen rates=() rsss=() secs rate done_n
  check_peer "$peer"; check_port "$port"
  for r in $(seq 1 "$reps"); do
    start_peer "$peer" "$port" >/dev/null
    out="$RUN_DIR/smtp-source-$peer-$port-$r.out"
    t0=$(date +%s.%N)
    # shellcheck disable=SC2086
    /usr/bin/time -f '%U %S' -o "$out.time" timeout "$RUN_TIMEOUT" /usr/sbin/smtp-source -c -s "$s" -m "$m" -l "$l" \
        -M localhost -f sender@localhost -t rcpt@localhost $SOURCE_OPTS "$HOST:$port" >"$out" 2>&1 && rc=0 || rc=$?
    t1=$(date +%s.%N)
    st=$(stop_peer "$peer" "$port" | grep peak_rss | sed "s/peak_rss_kb=/sink_peak_rss_kb=/; s/ cpu_s=/ sink_cpu_s=/" || true)
    done_n=$(tr '\r' '\n' < "$out" | grep -E '^[0-9]+$' | tail -1 || true)
    secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b-a}')
    rate=$(awk -v n="${done_n:-0}" -v t="$secs" 'BEGIN{printf "%.1f", n/t}')
    gen=$(awk '/^[0-9.]+ [0-9.]+$/{printf "%.2f", $1+$2}' "$out.time" 2>/dev/null || true)
    echo "RUN peer=$peer rep=$r sessions=$s msgs=$m len=$l opts='$SOURCE_OPTS' rc=$rc delivered=${done_n:-0} secs=$secs msgs_per_s=$rate us_per_msg=$(awk -v r="$rate" 'BEGIN{printf "%.0f", (r > 0 ? 1e6/r : 0)}') $st gen_cpu_s=${gen:-?}"
    if [ "$rc" != 0 ]; then echo "   smtp-source output (tail):"; tr '\r' '\n' < "$out" | grep -v -E '^[0-9]+$' | tail -5 | sed 's/^/   /'; fi
    rates+=("$rate"); rsss+=("$(sed -n 's/.*peak_rss_kb=\([0-9]*\).*/\1/p' <<<"$st")")
  done
  printf '%s\n' "${rates[@]}" | sort -n | awk -v p="$peer" -v s="$s" -v rss="$(printf '%s\n' "${rsss[@]}" | sort -n | tail -1)" \
    -v o="$SOURCE_OPTS" '{a[NR]=$1} END{printf "SUMMARY peer=%s sessions=%s opts=%s runs=%d median=%.1f min=%.1f max=%.1f msgs/s peak_rss_mb=%.1f\n", p, s, (o==""?"-":o), NR, a[int((NR+1)/2)], a[1], a[NR], rss/1024}'
}

cmd=${1:-}; shift || true
case $cmd in
  install) do_install ;;
  install-peer) [ $# -eq 1 ] || die "usage: install-peer <peer>"; install_peer "$1" ;;
  setup)   do_setup ;;
  start)   [ $# -eq 2 ] || die "usage: start <peer> <port>"; start_peer "$1" "$2" ;;
  stats)   [ $# -eq 2 ] || die "usage: stats <peer> <port>"; stats_peer "$1" "$2" ;;
  stop)    [ $# -eq 2 ] || die "usage: stop <peer> <port>"; stop_peer "$1" "$2" ;;
  bench)   [ $# -ge 2 ] || die "usage: bench <peer> <port> [sessions] [msgs] [len] [reps]"; bench "$@" ;;
  list)    echo "$PEERS" ;;
  *)       sed -n '2,20p' "$0"; exit 2 ;;
esac
