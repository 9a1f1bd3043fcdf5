#!/bin/sh
# hostile-input.sh — input an attacker or an accident can give the
# library, beyond one malformed variable (t/e2e/malformed-env.sh):
#   1. a log path through a directory symlink planted by another user
#      (useradd: a real second user), opened at start-up or lazily, with
#      its twins (a link in a directory of our own, a plain path);
#   2. a NUL byte inside a config file line (and sockshim --check on it);
#   3. a 120 KB SOCKSHIM_RULES: one rule past the length limit, and 200
#      rules past the 64-rule maximum;
#   4. SOCKSHIM_CONFIG and SOCKSHIM_RULES set but empty (an empty file:
#      the twin);
#   5. a program run under valgrind's memcheck with the library preloaded;
#   6. close_wait under libfaketime: a frozen clock (an absolute
#      timestamp; a rate of 0) and an accelerated one, next to a run
#      without it.
# Every run is compared with the same program without sockshim. Each
# config_error must come once, not once per chunk, per extra rule or per
# dropped line.
# Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
. "$SOCKSHIM_TEST_SRC/t/tap/libtap.sh"
. "$SRC/t/tap/runs.sh"

# A run takes milliseconds (valgrind's a second or two): a hang is a
# failure, not a stalled test run.
TEST_TIMEOUT=${TEST_TIMEOUT:-30}
LAUNCHER=$BUILD/tools/sockshim
for f in "$EX/sockopts" "$EX/double-close" "$EX/closewait-server" "$LAUNCHER"; do
    [ -x "$f" ] || skip_all "$f not built"
done
# The clients run without the preload: the interpreter itself, not a
# wrapper script (pyenv), starts fastest. Asking python3 for it runs the
# wrapper once, which takes a second: Debian's interpreter first.
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null)
[ -x "$PY" ] || skip_all "python3 not installed"

plan 54

# ---------------------------------------------------------------- helpers

# shim_prog OUT ERR [VAR=VALUE...] PROGRAM [ARGS...]: PROGRAM under the
# shim with the settings; sets RC. shim_run OUT ERR [VAR=VALUE...]: the
# same for sockopts.
shim_prog() {
    _out=$1 _err=$2
    shift 2
    bounded env LD_PRELOAD="$PRELOAD" "$@" >"$_out" 2>"$_err"
    RC=$?
}
shim_run() { shim_prog "$@" "$EX/sockopts"; }

# config_errors ERR: how many config_error lines ERR holds.
config_errors() { grep -c ': config_error ' "$1"; }

# one_error ERR FIXED DESC: ERR's only line is a config_error containing
# the fixed string FIXED. 1 test.
one_error() {
    if [ "$(grep -c '' "$1")" = 1 ] && [ "$(config_errors "$1")" = 1 ] &&
        grep -qF -- "$2" "$1"; then
        ok 0 "$3"
    else
        ok 1 "$3"
        diag "want one line on stderr, a config_error naming $2; seen" \
            "$(grep -c '' "$1") lines, $(config_errors "$1") config_error:"
        show_file "$1"
    fi
}

bounded "$EX/sockopts" >"$TMP/plain.out" 2>"$TMP/plain.err" ||
    bail "sockopts fails without sockshim"
[ -s "$TMP/plain.err" ] && bail "sockopts writes to stderr without sockshim"
grep -q 'TCP_NODELAY=off' "$TMP/plain.out" ||
    bail "sockopts output has no TCP_NODELAY=off"
# The policy of section 1, SOCKSHIM_NODELAY=on, changes just this.
sed 's/TCP_NODELAY=off/TCP_NODELAY=on/g' "$TMP/plain.out" >"$TMP/nodelay.out"
POLICY=SOCKSHIM_NODELAY=on

# === 1. a log path through a planted directory symlink (22) ===============
# The attacker, a second user, owns a directory on the victim's path (a
# world-writable sticky one, or one of his own) and plants a link in it to
# the victim's ~/.ssh. The victim (root, running this test) logs to
# file:THAT_DIR/logs/authorized_keys: sockshim must not follow a link
# that someone else could have planted, and must say so once, on stderr.
# The twins: a link in a directory only the victim can write to, and a
# plain path, keep working.

# The victim's files: a fresh ~/.ssh with a known authorized_keys.
plant_victim() {
    rm -rf "$TMP/victim"
    mkdir -p "$TMP/victim/.ssh"
    chmod 755 "$TMP/victim"
    chmod 700 "$TMP/victim/.ssh"
    printf 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHostileInputTestKey victim@host\n' \
        >"$TMP/victim/.ssh/authorized_keys"
    chmod 600 "$TMP/victim/.ssh/authorized_keys"
    touch -d '2001-02-03 04:05:06.123456789' "$TMP/victim/.ssh/authorized_keys"
    cp -p "$TMP/victim/.ssh/authorized_keys" "$TMP/authorized_keys.orig"
    VICTIM_BEFORE=$(stat -c '%i %s %y' "$TMP/victim/.ssh/authorized_keys")
    VICTIM_LIST=$(ls -A "$TMP/victim/.ssh")
}

victim_untouched() { # victim_untouched DESC: authorized_keys as planted
    _now=$(stat -c '%i %s %y' "$TMP/victim/.ssh/authorized_keys" 2>&1)
    if cmp -s "$TMP/authorized_keys.orig" "$TMP/victim/.ssh/authorized_keys" &&
        [ "$_now" = "$VICTIM_BEFORE" ]; then
        ok 0 "$1"
    else
        ok 1 "$1"
        diag "before: $VICTIM_BEFORE" "after:  $_now" "content now:"
        show_file "$TMP/victim/.ssh/authorized_keys"
    fi
}

no_new_file() { # no_new_file DESC: ~/.ssh holds what was planted, no more
    is "$VICTIM_LIST" "$(ls -A "$TMP/victim/.ssh")" "$1"
}

# log_refused ERR PATH DESC: exactly one config_error, naming SOCKSHIM_LOG
# and PATH (cut after 80 bytes, as the warning does) and saying that the
# events go to stderr instead. 1 test.
log_refused() {
    _w=$(grep -c 'config_error SOCKSHIM_LOG=' "$1")
    _p=$(grep 'config_error SOCKSHIM_LOG=' "$1" | grep -F "\"$(printf '%.80s' "$2")" |
        grep -c 'stderr')
    if [ "$(config_errors "$1")" = 1 ] && [ "$_w" = 1 ] && [ "$_p" = 1 ]; then
        ok 0 "$3"
    else
        ok 1 "$3"
        diag "want one config_error SOCKSHIM_LOG=\"$2\" ... stderr instead; stderr:"
        show_file "$1"
    fi
}

# Another user, removed at exit; a name unlikely to exist (at most 32
# bytes, useradd's limit).
ATTACKER=
cleanup_user() {
    if [ -n "$ATTACKER" ]; then
        userdel "$ATTACKER" >/dev/null 2>&1 ||
            echo "# could not remove user $ATTACKER" >&2
        ATTACKER=
    fi
}
trap 'cleanup_user; _tap_cleanup' EXIT
why_no_attacker=
if [ "$(id -u)" != 0 ]; then
    why_no_attacker="not root: cannot create a second user"
elif ! command -v useradd >/dev/null 2>&1 || ! command -v userdel >/dev/null 2>&1; then
    why_no_attacker="useradd or userdel not installed"
else
    name=$(printf 'sockshim-t-%s' "$$" | cut -c1-32)
    if id "$name" >/dev/null 2>&1; then
        why_no_attacker="user $name exists already"
    elif useradd -r -M -N -s /usr/sbin/nologin -c 'sockshim test, removed at exit' \
        "$name" >"$TMP/useradd.err" 2>&1; then
        ATTACKER=$name
    else
        why_no_attacker="useradd $name failed: $(head -n 1 "$TMP/useradd.err")"
    fi
fi

# The chain of parents must be traversable by the attacker.
chmod 755 "$TMP"

# attack_case TAG DIRMODE: the attacker's directory $TMP/TAG (mode DIRMODE,
# his) with his link logs -> the victim's ~/.ssh; sockopts logs at level
# info to file:$TMP/TAG/logs/authorized_keys, which exists. 4 tests.
attack_case() {
    _d="planted link in a directory the attacker owns ($2)"
    if [ -z "$ATTACKER" ]; then
        for _t in "authorized_keys untouched" "one config_error, stderr instead" \
            "the events go to stderr" "program runs normally"; do
            skip "$_d: $_t" "$why_no_attacker"
        done
        return
    fi
    plant_victim
    mkdir "$TMP/$1"
    chown "$ATTACKER" "$TMP/$1"
    chmod "$2" "$TMP/$1"
    ln -s "$TMP/victim/.ssh" "$TMP/$1/logs"
    chown -h "$ATTACKER" "$TMP/$1/logs"
    _path=$TMP/$1/logs/authorized_keys
    shim_run "$TMP/1.out" "$TMP/1.err" SOCKSHIM_LOG="file:$_path" \
        SOCKSHIM_LOG_LEVEL=info "$POLICY"
    victim_untouched "$_d: authorized_keys untouched (content, size, mtime)"
    log_refused "$TMP/1.err" "$_path" "$_d: one config_error naming the path, stderr instead"
    is 3 "$(grep -c ': info: policy ' "$TMP/1.err")" \
        "$_d: the 3 policy events go to stderr"
    same_out $RC "$TMP/1.out" "$TMP/nodelay.out" "$_d: program runs normally"
}
attack_case shared 1777 # world-writable, sticky
attack_case own 755     # his alone

# Lazily: the log file does not exist yet, so sockshim may wait for its
# first line to create it; it must not be created through the link then.
# At level info the first event (the listener's policy) comes at once;
# at the default level double-close --bug's first event comes late.
if [ -z "$ATTACKER" ]; then
    for _t in "level info: nothing new in ~/.ssh" "level info: one config_error" \
        "level info: the events go to stderr" "level info: program runs normally" \
        "double-close: nothing new in ~/.ssh" "double-close: one config_error" \
        "double-close: double_close on stderr" "double-close: program runs normally"; do
        skip "planted link, file created lazily, $_t" "$why_no_attacker"
    done
else
    plant_victim
    _path=$TMP/shared/logs/sockshim.log
    shim_run "$TMP/1.out" "$TMP/1.err" SOCKSHIM_LOG="file:$_path" \
        SOCKSHIM_LOG_LEVEL=info "$POLICY"
    no_new_file "planted link, file created lazily, level info: nothing new in ~/.ssh"
    log_refused "$TMP/1.err" "$_path" \
        "planted link, file created lazily, level info: one config_error, stderr instead"
    is 3 "$(grep -c ': info: policy ' "$TMP/1.err")" \
        "planted link, file created lazily, level info: the 3 policy events go to stderr"
    same_out $RC "$TMP/1.out" "$TMP/nodelay.out" \
        "planted link, file created lazily, level info: program runs normally"

    bounded "$EX/double-close" --bug >"$TMP/dc.plain" 2>/dev/null
    sed 's/:[0-9][0-9]*/:PORT/g' "$TMP/dc.plain" >"$TMP/dc.want"
    plant_victim
    _path=$TMP/shared/logs/double-close.log
    shim_prog "$TMP/1.out" "$TMP/1.err" SOCKSHIM_LOG="file:$_path" \
        "$EX/double-close" --bug
    sed 's/:[0-9][0-9]*/:PORT/g' "$TMP/1.out" >"$TMP/dc.seen"
    no_new_file "planted link, file created lazily, double-close (level warn): nothing new in ~/.ssh"
    log_refused "$TMP/1.err" "$_path" \
        "planted link, file created lazily, double-close: one config_error, stderr instead"
    is 1 "$(grep -c '^sockshim\[[0-9]*\]: error: double_close ' "$TMP/1.err")" \
        "planted link, file created lazily, double-close: the double_close goes to stderr"
    same_out $RC "$TMP/dc.seen" "$TMP/dc.want" \
        "planted link, file created lazily, double-close: program runs normally"
fi

# The twins. A link in a directory only we can write to, to a directory
# of ours: followed, the file is created in the real directory.
mkdir "$TMP/mine" "$TMP/realdir"
chmod 755 "$TMP/mine" "$TMP/realdir"
ln -s "$TMP/realdir" "$TMP/mine/link"
shim_run "$TMP/1.out" "$TMP/1.err" SOCKSHIM_LOG="file:$TMP/mine/link/linked.log" \
    SOCKSHIM_LOG_LEVEL=info "$POLICY"
is 3 "$(grep -c ': info: policy ' "$TMP/realdir/linked.log" 2>/dev/null)" \
    "twin: a link in a directory of our own: the file is created in its target with the 3 events"
is "" "$(cat "$TMP/1.err")" "twin: a link in a directory of our own: nothing on stderr"
same_out $RC "$TMP/1.out" "$TMP/nodelay.out" \
    "twin: a link in a directory of our own: program runs normally"
shim_run "$TMP/1.out" "$TMP/1.err" SOCKSHIM_LOG="file:$TMP/realdir/plain.log" \
    SOCKSHIM_LOG_LEVEL=info "$POLICY"
is 3 "$(grep -c ': info: policy ' "$TMP/realdir/plain.log" 2>/dev/null)" \
    "twin: a plain path: the file holds the 3 events"
is "" "$(cat "$TMP/1.err")" "twin: a plain path: nothing on stderr"
same_out $RC "$TMP/1.out" "$TMP/nodelay.out" "twin: a plain path: program runs normally"
cleanup_user

# === 2. a NUL byte in the config file (9) ==================================
# The file is text; a NUL inside a line is that line's error, not the end
# of the file.
NUL1=$TMP/nul-setting.conf
printf 'keep\000alive = 5\nnodelay = on\nlinger = 0\n' >"$NUL1"
sed 's/TCP_NODELAY=off/TCP_NODELAY=on/g; s/SO_LINGER=off/SO_LINGER=on:0s/g' \
    "$TMP/plain.out" >"$TMP/nul1.want"
shim_run "$TMP/2.out" "$TMP/2.err" SOCKSHIM_CONFIG="$NUL1"
one_error "$TMP/2.err" "$NUL1:1" "NUL in a setting on line 1: one config_error naming $NUL1:1"
same_out $RC "$TMP/2.out" "$TMP/nul1.want" \
    "NUL in a setting on line 1: lines 2 and 3 apply (TCP_NODELAY on, SO_LINGER on:0s), exit 0"

# In the middle of a rule line, after a part that would be a valid rule:
# the line is ignored whole; the rule on the next line applies.
NUL2=$TMP/nul-rule.conf
printf 'nodelay = on\nconnect user_timeout=9s\000 linger=3\naccept keepalive=44:11:3\n' >"$NUL2"
sed 's/TCP_NODELAY=off/TCP_NODELAY=on/g
/^accept /s/SO_KEEPALIVE=off TCP_KEEPIDLE=[0-9]*s TCP_KEEPINTVL=[0-9]*s TCP_KEEPCNT=[0-9]*/SO_KEEPALIVE=on TCP_KEEPIDLE=44s TCP_KEEPINTVL=11s TCP_KEEPCNT=3/' \
    "$TMP/plain.out" >"$TMP/nul2.want"
shim_run "$TMP/2.out" "$TMP/2.err" SOCKSHIM_CONFIG="$NUL2"
one_error "$TMP/2.err" "$NUL2:2" "NUL in a rule on line 2: one config_error naming $NUL2:2"
like "$(grep '^accept ' "$TMP/2.out")" \
    'SO_KEEPALIVE=on TCP_KEEPIDLE=44s TCP_KEEPINTVL=11s TCP_KEEPCNT=3' \
    "NUL in a rule on line 2: the rule on line 3 applies (accept keepalive=44:11:3)"
unlike "$(grep '^connect ' "$TMP/2.out")" 'TCP_USER_TIMEOUT=9s|SO_LINGER=on' \
    "NUL in a rule on line 2: no part of line 2 applies"
same_out $RC "$TMP/2.out" "$TMP/nul2.want" \
    "NUL in a rule on line 2: stdout as lines 1 and 3 alone give, exit 0"

# The launcher's --check reads the file the same way.
timeout -k 5 30 env -u LD_PRELOAD SOCKSHIM_LIBRARY="$SHIM_LIB" \
    "$LAUNCHER" --check --config "$NUL1" >"$TMP/check.out" 2>&1
rc=$?
is "1 1" "$rc $(grep -cF "$NUL1:1" "$TMP/check.out")" \
    "sockshim --check: the error names $NUL1:1, exit status 1"
like "$(grep '^global ' "$TMP/check.out")" 'linger=0s.*nodelay=on' \
    "sockshim --check: lines 2 and 3 are read (global options linger=0s nodelay=on)"
like "$(cat "$TMP/check.out")" '^1 error$' "sockshim --check: 1 error in all"

# === 3. a 120 KB SOCKSHIM_RULES (4) =========================================
# One rule longer than a rule may be: one config_error, not one per piece.
# (An environment string is at most 131072 bytes, NAME= and NUL included.)
long="connect $(head -c 120000 /dev/zero | tr '\0' x | sed 's/xxxxxxx/port=1,/g')"
shim_run "$TMP/3.out" "$TMP/3.err" SOCKSHIM_RULES="$long"
one_error "$TMP/3.err" 'config_error SOCKSHIM_RULES' \
    "one $(printf '%s' "$long" | wc -c)-byte rule: exactly one config_error naming SOCKSHIM_RULES"
same_out $RC "$TMP/3.out" "$TMP/plain.out" "one 120 KB rule: program runs normally"

# 200 rules, more than the 64 allowed: one config_error for all the rules
# past the limit; the 64 within it apply: #1 and #64 set options (the
# others match no socket: ports 2-63), #200 (past it) would set one.
rules="connect nodelay=on"
i=2
while [ $i -le 63 ]; do
    rules="$rules; any port=$i linger=1"
    i=$((i + 1))
done
rules="$rules; accept linger=7"
i=65
while [ $i -le 199 ]; do
    rules="$rules; any port=$i linger=1"
    i=$((i + 1))
done
rules="$rules; listen backlog=77"
sed '/^connect /s/TCP_NODELAY=off/TCP_NODELAY=on/; /^accept /s/SO_LINGER=off/SO_LINGER=on:7s/' \
    "$TMP/plain.out" >"$TMP/rules.want"
shim_run "$TMP/3.out" "$TMP/3.err" SOCKSHIM_RULES="$rules"
one_error "$TMP/3.err" 'config_error SOCKSHIM_RULES' \
    "200 rules ($(printf '%s' "$rules" | wc -c) bytes): exactly one config_error naming SOCKSHIM_RULES"
same_out $RC "$TMP/3.out" "$TMP/rules.want" \
    "200 rules: #1 (connect nodelay=on) and #64 (accept linger=7) apply, #200 does not, exit 0"

# === 4. empty settings (6) ==================================================
# Set but empty is a mistake (a variable left blank by a script): one
# config_error naming it. An empty file is a file with nothing in it: fine.
shim_run "$TMP/4.out" "$TMP/4.err" SOCKSHIM_CONFIG=
one_error "$TMP/4.err" 'config_error SOCKSHIM_CONFIG=' \
    "SOCKSHIM_CONFIG= (empty): one config_error naming SOCKSHIM_CONFIG"
same_out $RC "$TMP/4.out" "$TMP/plain.out" "SOCKSHIM_CONFIG= (empty): program runs normally"
shim_run "$TMP/4.out" "$TMP/4.err" SOCKSHIM_RULES=
one_error "$TMP/4.err" 'config_error SOCKSHIM_RULES=' \
    "SOCKSHIM_RULES= (empty): one config_error naming SOCKSHIM_RULES"
same_out $RC "$TMP/4.out" "$TMP/plain.out" "SOCKSHIM_RULES= (empty): program runs normally"
: >"$TMP/empty.conf"
shim_run "$TMP/4.out" "$TMP/4.err" SOCKSHIM_CONFIG="$TMP/empty.conf"
is "" "$(cat "$TMP/4.err")" "twin: SOCKSHIM_CONFIG naming an empty file: no warning"
same_out $RC "$TMP/4.out" "$TMP/plain.out" \
    "twin: SOCKSHIM_CONFIG naming an empty file: program runs normally"

# === 5. valgrind (4) =======================================================
# memcheck runs the program and the library on its synthetic CPU: the
# library's start-up (its first stack capture, through libunwind) must be
# clean. valgrind keeps LD_PRELOAD for the program it runs. What memcheck
# sees depends on where the stack starts, so the program runs with 8
# environments of different sizes (a padding variable of 0 to 3584
# bytes): they shift its initial stack across a page.
VG_DESCS="valgrind without sockshim: exit status 0|valgrind with sockshim: no memcheck error (exit status 0) in 8 stack layouts|valgrind with sockshim: stdout as expected|valgrind with sockshim: the library is loaded (3 policy events)"
if ! command -v valgrind >/dev/null 2>&1; then
    _IFS=$IFS
    IFS='|'
    for d in $VG_DESCS; do skip "$d" "valgrind not installed"; done
    IFS=$_IFS
else
    # The 9 runs at once: each is a second or two of one CPU's work, one
    # after another the other CPU would wait.
    timeout -k 5 240 valgrind -q --error-exitcode=97 "$EX/sockopts" \
        >"$TMP/5.out" 2>"$TMP/5.err" &
    vg_plain=$!
    vg_bad='' vg_pids=''
    for pad in 0 512 1024 1536 2048 2560 3072 3584; do
        timeout -k 5 240 env VG_PAD="$(printf "%${pad}s" '')" \
            LD_PRELOAD="$PRELOAD" SOCKSHIM_LOG_LEVEL=info "$POLICY" \
            valgrind -q --error-exitcode=97 "$EX/sockopts" \
            >"$TMP/5.$pad.out" 2>"$TMP/5.$pad.err" &
        vg_pids="$vg_pids $!"
    done
    PIDS="$PIDS $vg_plain $vg_pids"
    wait "$vg_plain"
    rc=$?
    is 0 "$rc" "valgrind without sockshim: exit status 0"
    [ "$rc" = 0 ] || show_file "$TMP/5.err"
    # shellcheck disable=SC2086 # the pids, one a word
    set -- $vg_pids
    for pad in 0 512 1024 1536 2048 2560 3072 3584; do
        wait "$1"
        rc=$?
        shift
        if [ "$rc" != 0 ]; then
            [ -z "$vg_bad" ] && cp "$TMP/5.$pad.err" "$TMP/5.bad"
            vg_bad="$vg_bad $pad:$rc"
        fi
    done
    is none "${vg_bad:-none}" \
        "valgrind with sockshim: no memcheck error in 8 stack layouts (exit status 0; 97 = an error)"
    if [ -n "$vg_bad" ]; then
        diag "the padding sizes that failed, with valgrind's status:$vg_bad" \
            "memcheck's first report:"
        diag "$(grep '^==[0-9]*==' "$TMP/5.bad" | head -n 16)"
    fi
    if cmp -s "$TMP/5.0.out" "$TMP/nodelay.out"; then
        ok 0 "valgrind with sockshim: stdout as expected"
    else
        ok 1 "valgrind with sockshim: stdout as expected"
        show_file "$TMP/5.0.out"
    fi
    is 3 "$(grep -c '^sockshim\[[0-9]*\]: info: policy ' "$TMP/5.0.err")" \
        "valgrind with sockshim: the library is loaded (3 policy events)"
fi

# === 6. close_wait under libfaketime (9) ====================================
# A program run under faketime sees a frozen or faster clock. sockshim's
# close_wait threshold is real time: the socket has sat in CLOSE_WAIT
# that long whatever the program is told. Each server runs with a 500 ms
# threshold and a scan every 100 ms, under:
#   real       no faketime (the twin);
#   frozen     faketime -f 'YYYY-MM-DD hh:mm:ss', the man page's frozen
#              clock, sockshim first in LD_PRELOAD (as run_with_shim);
#   frozen2    the same with libfaketime first;
#   rate0      faketime -f '+0 x0': a clock running at rate 0 (frozen
#              too; libfaketime's sleeps then fail with EINVAL);
#   fast       faketime -f '+0 x10': ten times faster.
# faketime sets LD_PRELOAD itself: sockshim is added to it inside, by
# inner.sh, which records the server's pid first.
# --connections 2: the server waits in accept() after the first (leaked)
# connection, whatever its clock (its own sleep fails at rate 0); a
# second connection at the end lets it exit, and faketime remove its
# shared memory (a killed faketime leaves it in /dev/shm).
# The servers run side by side; a check fails after 15 s of real time.
FT_DESCS="frozen|frozen2|rate0|fast"
cat >"$TMP/inner.sh" <<'EOF'
# inner.sh PIDFILE first|last LIB PROGRAM ARGS...: LIB first or last in
# LD_PRELOAD, then exec PROGRAM; its pid is recorded in PIDFILE.
pidfile=$1 where=$2 lib=$3
shift 3
echo $$ >"$pidfile"
if [ "$where" = first ]; then
    LD_PRELOAD="$lib${LD_PRELOAD:+:$LD_PRELOAD}"
else
    LD_PRELOAD="${LD_PRELOAD:+$LD_PRELOAD:}$lib"
fi
export LD_PRELOAD
exec "$@"
EOF
cat >"$TMP/client.py" <<'EOF'
# client.py PORT: connect, send a line, read its echo, close.
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
line = b"hello\n"
s.sendall(line)
got = b""
while len(got) < len(line):
    data = s.recv(4096)
    if not data:
        break
    got += data
s.close()
sys.exit(0 if got == line else "client: echo %r" % got)
EOF

# ft_start TAG none|SPEC [first|last]: a server in the background, bare
# or under faketime -f SPEC with sockshim first or last in LD_PRELOAD.
ft_start() {
    _tag=$1 _spec=$2
    : >"$TMP/$_tag.out"
    if [ "$_spec" = none ]; then
        set -- sh "$TMP/inner.sh" "$TMP/$_tag.pid" first
    else
        set -- faketime -f "$_spec" sh "$TMP/inner.sh" "$TMP/$_tag.pid" "$3"
    fi
    timeout -k 5 60 "$@" "$SHIM_LIB" env SOCKSHIM_CLOSE_WAIT=500ms \
        SOCKSHIM_SCAN=100ms "$EX/closewait-server" --connections 2 \
        >"$TMP/$_tag.out" 2>"$TMP/$_tag.err" &
    PIDS="$PIDS $!"
    echo $! >"$TMP/$_tag.job"
}

ft_port() { sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$TMP/$1.out"; }
ft_listening() { [ -n "$(ft_port "$1")" ]; }

now() { date +%s.%N; }
gone() { [ -n "$1" ] && ! kill -0 "$1" 2>/dev/null; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

if ! command -v faketime >/dev/null 2>&1; then
    skip "twin: close_wait without faketime" "faketime not installed"
    _IFS=$IFS
    IFS='|'
    for t in $FT_DESCS; do
        skip "faketime $t: both libraries loaded" "faketime not installed"
        skip "faketime $t: close_wait reported" "faketime not installed"
    done
    IFS=$_IFS
else
    ft_start real none
    ft_start frozen '2020-12-24 20:30:00' first
    ft_start frozen2 '2020-12-24 20:30:00' last
    ft_start rate0 '+0 x0' first
    ft_start fast '+0 x10' first
    TAGS="real frozen frozen2 rate0 fast"
    for t in $TAGS; do
        poll 20 ft_listening "$t"
    done
    # The connections, one after another, each timed from its close.
    for t in $TAGS; do
        p=$(ft_port "$t")
        if [ -z "$p" ]; then
            echo none >"$TMP/$t.t0"
            continue
        fi
        bounded "$PY" "$TMP/client.py" "$p" >"$TMP/$t.client" 2>&1 ||
            diag "$t: client failed: $(head -c 300 "$TMP/$t.client")"
        now >"$TMP/$t.t0"
    done
    # What each server has loaded, while it runs; faketime's shared
    # memory, to remove should faketime not.
    for t in $TAGS; do
        pid=$(cat "$TMP/$t.pid" 2>/dev/null)
        tr '\0' '\n' <"/proc/${pid:-0}/environ" 2>/dev/null |
            sed -n 's/^FAKETIME_SHARED=//p' >"$TMP/$t.shm"
        maps=$(cat "/proc/${pid:-0}/maps" 2>/dev/null)
        for lib in '/libsockshim\.so$' '/libfaketime\.so[.0-9]*$'; do
            if printf '%s\n' "$maps" | grep -q "$lib"; then printf 'yes '; else
                printf 'no '; fi
        done >"$TMP/$t.maps"
    done
    # Wait for every close_wait, or 15 s past the last connection.
    end=$(($(date +%s) + 15))
    left=$TAGS
    while [ -n "$left" ]; do
        still=
        for t in $left; do
            if grep -q '^sockshim\[[0-9]*\]: error: close_wait ' "$TMP/$t.err"; then
                elapsed "$(cat "$TMP/$t.t0")" "$(now)" >"$TMP/$t.took"
            else
                still="$still $t"
            fi
        done
        left=$still
        [ -n "$left" ] && [ "$(date +%s)" -ge "$end" ] && break
        [ -n "$left" ] && sleep 0.1
    done
    # At rate 0 libfaketime's nanosleep fails at once: a scan thread that
    # retries only on EINTR spins. Shown, not judged.
    pid=$(cat "$TMP/rate0.pid" 2>/dev/null)
    diag "rate0: server CPU time so far: $(awk '{ printf "%.1f s", ($14 + $15) / 100 }' \
        "/proc/${pid:-0}/stat" 2>/dev/null || echo unknown)"
    # The second connection: each server exits (killed if it does not).
    for t in $TAGS; do
        p=$(ft_port "$t")
        [ -n "$p" ] && bounded "$PY" "$TMP/client.py" "$p" >/dev/null 2>&1
    done
    for t in $TAGS; do
        job=$(cat "$TMP/$t.job")
        poll 10 gone "$(cat "$TMP/$t.pid" 2>/dev/null)" || kill "$job" 2>/dev/null
        wait "$job" 2>/dev/null
        PIDS=$(echo " $PIDS " | sed "s/ $job / /")
        read -r sem shm <"$TMP/$t.shm" 2>/dev/null
        case ${sem:-}${shm:-} in
        /faketime_sem_[0-9]*/faketime_shm_[0-9]*)
            rm -f "/dev/shm/sem.${sem#/}" "/dev/shm/${shm#/}"
            ;;
        esac
        sem='' shm=''
    done

    ft_result() { # ft_result TAG DESC
        if [ -s "$TMP/$1.took" ]; then
            ok 0 "$2: close_wait reported $(cat "$TMP/$1.took") s after the peer closed"
        else
            ok 1 "$2: close_wait reported within 15 s of the peer's close"
            diag "stdout:"
            show_file "$TMP/$1.out"
            diag "stderr:"
            show_file "$TMP/$1.err"
        fi
    }
    ft_loaded() { # ft_loaded TAG DESC
        is "yes yes " "$(cat "$TMP/$1.maps")" "$2: libsockshim and libfaketime both mapped"
    }
    ft_result real "twin: no faketime"
    ft_loaded frozen "faketime frozen ('2020-12-24 20:30:00'), sockshim first"
    ft_result frozen "faketime frozen ('2020-12-24 20:30:00'), sockshim first"
    ft_loaded frozen2 "faketime frozen, libfaketime first"
    ft_result frozen2 "faketime frozen, libfaketime first"
    ft_loaded rate0 "faketime rate 0 ('+0 x0')"
    ft_result rate0 "faketime rate 0 ('+0 x0')"
    ft_loaded fast "faketime accelerated ('+0 x10')"
    ft_result fast "faketime accelerated ('+0 x10')"
fi
