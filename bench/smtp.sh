#!/bin/bash
# SMTP benchmark: inbound delivery to local users, Tern against Postfix
# handing mail to Dovecot over LMTP, on loopback, in the same run.
# smtp-source (Debian's postfix package) sends COUNT messages of SIZE
# bytes over SESSIONS parallel connections, spread over USERS local
# users; the time runs until every message is durably in the users'
# mailboxes, counted through each store: for Tern the 250 is the
# durable delivery (then checked with IMAP STATUS), for Postfix the time
# until Dovecot's maildirs hold every message (Postfix answers 250 once
# the message is in its own queue, then delivers over LMTP).
#
#   bench/smtp.sh [COUNT] [SESSIONS] [USERS] [SIZE]
#
# Defaults: 5000 messages, 20 sessions, 10 users, 4096 bytes. Aim
# (issue 5): Tern's messages/s >= 2x the Postfix+Dovecot chain's.
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
. bench/lib.sh

COUNT=${1:-5000}
SESSIONS=${2:-20}
USERS=${3:-10}
SIZE=${4:-4096}
PASSWORD=bench-password-1
PER_USER=$((COUNT / USERS))
COUNT=$((PER_USER * USERS))

bench_build postfix dovecot-imapd dovecot-lmtpd
id tern-bench >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin tern-bench

now() { date +%s.%N; }

# send PORT: every user gets PER_USER messages, the users' senders run
# side by side with SESSIONS connections between them.
send() {
	local port=$1 per=$(((SESSIONS + USERS - 1) / USERS)) pids=() i
	for i in $(seq "$USERS"); do
		smtp-source -s "$per" -m "$PER_USER" -l "$SIZE" -M client.test \
			-f sender@remote.test -t "user$i@bench.test" "127.0.0.1:$port" &
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i"; done
}

# ---- Postfix + Dovecot (LMTP), private instances in the work directory ----

PEER_PIDS=
POSTFIX_DIR=
peer_cleanup() {
	if [ -n "$POSTFIX_DIR" ]; then
		postfix -c "$POSTFIX_DIR" stop >/dev/null 2>&1 || true
	fi
	if [ -n "$PEER_PIDS" ] && kill -0 "$PEER_PIDS" 2>/dev/null; then
		kill -TERM "$PEER_PIDS"
		for _ in $(seq 100); do kill -0 "$PEER_PIDS" 2>/dev/null || break; sleep 0.05; done
	fi
	bench_cleanup
}

wait_port() {
	for _ in $(seq 200); do
		python3 -c "import socket; socket.create_connection(('127.0.0.1', $1), 1)" \
			2>/dev/null && return 0
		sleep 0.05
	done
	echo "bench: nothing listens on port $1" >&2
	exit 1
}

dovecot_start() {
	local dir=$BENCH_WORK/dovecot i
	LMTP_PORT=$(bench_free_port)
	mkdir -p "$dir/run" "$dir/state" "$dir/mail"
	chmod 755 "$BENCH_WORK" "$dir"
	chown tern-bench:tern-bench "$dir/mail"
	: >"$dir/users"
	for i in $(seq "$USERS"); do
		printf 'user%s@bench.test:{PLAIN}%s\n' "$i" "$PASSWORD" >>"$dir/users"
	done
	cat >"$dir/dovecot.conf" <<CONF
base_dir = $dir/run
state_dir = $dir/state
log_path = $dir/dovecot.log
protocols = lmtp
listen = 127.0.0.1
ssl = no
mail_location = maildir:$dir/mail/%u
mail_uid = tern-bench
mail_gid = tern-bench
first_valid_uid = 1
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $dir/users
}
userdb {
  driver = static
  args = uid=tern-bench gid=tern-bench home=$dir/mail/%u
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = $LMTP_PORT
  }
}
CONF
	dovecot -F -c "$dir/dovecot.conf" 2>"$dir/stderr" &
	PEER_PIDS=$!
	wait_port "$LMTP_PORT"
	DOVECOT_MAIL=$dir/mail
}

postfix_start() {
	local dir=$BENCH_WORK/postfix
	POSTFIX_PORT=$(bench_free_port)
	mkdir -p "$dir/etc" "$dir/queue" "$dir/data"
	chown postfix "$dir/data"
	cat >"$dir/etc/main.cf" <<CONF
compatibility_level = 3.6
queue_directory = $dir/queue
data_directory = $dir/data
mail_owner = postfix
setgid_group = postdrop
myhostname = postfix.bench.test
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
alias_maps =
alias_database =
smtputf8_enable = no
biff = no
maillog_file = $dir/maillog
maillog_file_prefixes = $dir
virtual_mailbox_domains = bench.test
virtual_mailbox_maps = static:OK
virtual_transport = lmtp:inet:127.0.0.1:$LMTP_PORT
CONF
	cat >"$dir/etc/master.cf" <<CONF
127.0.0.1:$POSTFIX_PORT inet n - n - - smtpd
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n - - trivial-rewrite
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
verify    unix  - - n - 1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n - - proxymap
showq     unix  n - n - - showq
error     unix  - - n - - error
retry     unix  - - n - - error
discard   unix  - - n - - discard
lmtp      unix  - - n - - lmtp
anvil     unix  - - n - 1 anvil
scache    unix  - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
CONF
	POSTFIX_DIR=$dir/etc
	postfix -c "$POSTFIX_DIR" start >/dev/null 2>&1 ||
		{ tail -5 "$dir/maillog" >&2; exit 1; }
	wait_port "$POSTFIX_PORT"
}

# Messages in the Dovecot users' maildirs.
dovecot_count() {
	find "$DOVECOT_MAIL" -path '*/new/*' -type f -o -path '*/cur/*' -type f 2>/dev/null | wc -l
}

# Messages in the INBOX of every Tern user, through IMAP STATUS.
tern_count() {
	python3 - "$IMAP_PORT" "$USERS" "$PASSWORD" <<'PY'
import imaplib, sys
port, users, password = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
total = 0
for i in range(1, users + 1):
    c = imaplib.IMAP4("127.0.0.1", port)
    c.login(f"user{i}@bench.test", password)
    typ, data = c.status("INBOX", "(MESSAGES)")
    total += int(data[0].split()[-1].strip(b")"))
    c.logout()
print(total)
PY
}

rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.1f", n / (b - a) }'; }

# ---- Tern ----

SMTP_PORT=$(bench_free_port)
IMAP_PORT=$(bench_free_port)
BENCH_LISTENERS="smtp = { bind = [ \"127.0.0.1:$SMTP_PORT\" ]; protocol = \"smtp\"; };
    imap = { bind = [ \"127.0.0.1:$IMAP_PORT\" ]; protocol = \"imap\"; };"
BENCH_SERVER_EXTRA='gateway = { max-connections-per-ip = 100000; };'
mkdir -p /tmp/tern-bench-zone
ZONE=/tmp/tern-bench-zone/zone.txt
# remote.test publishes SPF for 127.0.0.1, so the inbound checks run
# and pass, as for real mail.
printf '$ORIGIN remote.test.\n@ 300 IN TXT "v=spf1 ip4:127.0.0.1 -all"\n' >"$ZONE"
bench_start "resolver = { zone-file = \"$ZONE\"; };"
trap peer_cleanup EXIT
for i in $(seq "$USERS"); do bench_user "user$i" "$PASSWORD" >/dev/null; done

echo "sending $COUNT messages of $SIZE bytes to ternd" >&2
T0=$(now)
send "$SMTP_PORT"
T1=$(now)
TERN_COUNT=$(tern_count)
TERN_CPU=$(bench_cpu_s)
TERN_RSS=$(bench_rss_mb VmHWM)
bench_stop

# ---- Postfix + Dovecot ----

dovecot_start
postfix_start
echo "sending $COUNT messages of $SIZE bytes to Postfix -> Dovecot LMTP" >&2
P0=$(now)
send "$POSTFIX_PORT"
P1=$(now)
for _ in $(seq 6000); do
	[ "$(dovecot_count)" -ge "$COUNT" ] && break
	sleep 0.05
done
P2=$(now)
PEER_COUNT=$(dovecot_count)

echo
echo "SMTP benchmark: $COUNT messages of $SIZE bytes, $SESSIONS sessions, $USERS users"
printf '%-28s %10s %12s %10s\n' server delivered "messages/s" "accept/s"
printf '%-28s %10s %12s %10s\n' ternd "$TERN_COUNT" "$(rate "$COUNT" "$T0" "$T1")" \
	"$(rate "$COUNT" "$T0" "$T1")"
printf '%-28s %10s %12s %10s\n' "postfix -> dovecot lmtp" "$PEER_COUNT" \
	"$(rate "$COUNT" "$P0" "$P2")" "$(rate "$COUNT" "$P0" "$P1")"
echo "ratio (delivered messages/s, ternd / postfix+dovecot):" \
	"$(awk -v a="$(rate "$COUNT" "$T0" "$T1")" -v b="$(rate "$COUNT" "$P0" "$P2")" \
		'BEGIN { printf "%.2f", a / b }')"
echo "ternd CPU ${TERN_CPU}s, peak RSS ${TERN_RSS} MB"
[ "$TERN_COUNT" -eq "$COUNT" ] && [ "$PEER_COUNT" -eq "$COUNT" ] ||
	{ echo "bench: not every message was delivered" >&2; exit 1; }
