#!/bin/sh
# launcher.sh — the launcher, tools/sockshim: its help, --dry-run, flag
# validation, the policy reaching the command, exit statuses, the warnings
# for programs it cannot interpose, and --json logging. Its checks of the
# program's identity and of the library are in launcher-honest.sh.
# Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
. "$SOCKSHIM_TEST_SRC/t/tap/libtap.sh"

L=$BUILD/tools/sockshim
[ -x "$L" ] || skip_all "$L not built"
[ -x "$EX/sockopts" ] || skip_all "$EX/sockopts not built"
PY=/usr/bin/python3
[ -x "$PY" ] || skip_all "$PY not installed"

plan 45

# Every run of the launcher: bounded, and without an LD_PRELOAD inherited
# from the caller unless a test sets one.
launch() { timeout -k 5 60 env -u LD_PRELOAD "$L" "$@"; }

LIB=$(readlink -f "$BUILD/lib/.libs/libsockshim.so")

# ------------------------------------------------------------ 1. --help

launch --help >"$TMP/help.out" 2>"$TMP/help.err"
is 0 $? "--help exits 0"
missing=
for flag in --reuseaddr --reuseport --linger --keepalive --user-timeout \
    --rcvtimeo --sndtimeo --connect-timeout --nodelay --backlog --mode \
    --log --json --dry-run; do
    grep -Eq -- "(^|[[:space:]])$flag([[:space:]]|$)" "$TMP/help.out" ||
        missing="$missing $flag"
done
[ -z "$missing" ]
ok $? "--help lists every policy, log and launcher flag"
[ -z "$missing" ] || diag "missing:$missing"

# ------------------------------------------------------------ 2. --dry-run

out=$(launch --dry-run --keepalive 60:10:5 --linger 0 -- \
    touch "$TMP/dry-ran" 2>"$TMP/dry.err")
is 0 $? "--dry-run exits 0"
like "$out" '^env (.* )?SOCKSHIM_KEEPALIVE=60:10:5 ' "--dry-run prints SOCKSHIM_KEEPALIVE=60:10:5"
like "$out" ' SOCKSHIM_LINGER=0 ' "--dry-run prints SOCKSHIM_LINGER=0"
# The printed command, run by a shell, shows the LD_PRELOAD it sets.
out=$(launch --dry-run -- printenv LD_PRELOAD 2>/dev/null)
preload=$(sh -c "$out" 2>/dev/null)
first=${preload%% *}
is "$LIB" "$(readlink -f "$first")" \
    "LD_PRELOAD= names the build tree's lib/.libs/libsockshim.so, next to the launcher"
is "$first" "$preload" "LD_PRELOAD= holds the library alone when none was set"
[ ! -e "$TMP/dry-ran" ]
ok $? "--dry-run does not run the command"

# An LD_PRELOAD already set is kept, after the shim: in the dry run and in
# the command's real environment. (The loader complains on stderr that the
# other library does not exist; that is not the launcher's business.)
out=$(LD_PRELOAD=/some/other.so timeout -k 5 60 "$L" --dry-run \
    --keepalive 60 -- printenv LD_PRELOAD 2>/dev/null)
is "$first /some/other.so" "$(sh -c "$out" 2>/dev/null)" \
    "--dry-run with LD_PRELOAD set: the shim first, then the old value"
out=$(LD_PRELOAD=/some/other.so timeout -k 5 60 "$L" --keepalive 60 -- \
    printenv LD_PRELOAD 2>/dev/null)
is "$first /some/other.so" "$out" \
    "the command's LD_PRELOAD: the shim prepended to the old value"

# ------------------------------------------------------------ 3. bad values

# bad_value FLAG VALUE ACCEPTED-ERE: exit 2, one stderr line "sockshim:
# error: " naming the flag, the value and what is accepted, and the command
# not run. 3 tests.
n=0
bad_value() {
    n=$((n + 1))
    launch "$1" "$2" -- touch "$TMP/ran.$n" >"$TMP/bad.out" 2>"$TMP/bad.err"
    is 2 $? "$1 $2: exit status 2"
    err=$(cat "$TMP/bad.err")
    if [ "$(wc -l <"$TMP/bad.err")" -eq 1 ] &&
        printf '%s\n' "$err" | grep -q '^sockshim: error: ' &&
        printf '%s\n' "$err" | grep -Fq -- "$1" &&
        printf '%s\n' "$err" | grep -Fq -- "'$2'" &&
        printf '%s\n' "$err" | grep -Eq -- "accepted: .*$3"; then
        ok 0 "$1 $2: one stderr line naming the flag, the value and what is accepted"
    else
        ok 1 "$1 $2: one stderr line naming the flag, the value and what is accepted"
        diag "stderr:" "$err"
    fi
    [ ! -e "$TMP/ran.$n" ]
    ok $? "$1 $2: the command is not run"
}
bad_value --keepalive 10x 'IDLE\[:INTVL\[:CNT\]\]'
bad_value --linger -1 'SECONDS'
bad_value --backlog 99999999999 '1\.\.2147483647'
bad_value --mode fast 'enforce.*force.*audit.*off'
bad_value --scan 5x 'duration'
bad_value --stack-depth 99 '1 to 64'

# ------------------------------------------------------------ 4. the policy

base=$(timeout -k 5 60 "$EX/sockopts" 2>&1)
like "$base" '^accept .* SO_KEEPALIVE=off TCP_KEEPIDLE=7200s .* TCP_NODELAY=off$' \
    "sockopts without the launcher: keepalive and nodelay off on accept"
out=$(launch --keepalive 45 --nodelay on -- "$EX/sockopts" 2>"$TMP/opts.err")
is 0 $? "sockshim --keepalive 45 --nodelay on -- sockopts: exit 0"
like "$out" '^accept .* SO_KEEPALIVE=on TCP_KEEPIDLE=45s .* TCP_NODELAY=on$' \
    "accept line: SO_KEEPALIVE=on TCP_KEEPIDLE=45s TCP_NODELAY=on"
like "$out" '^connect .* SO_KEEPALIVE=on TCP_KEEPIDLE=45s .* TCP_NODELAY=on$' \
    "connect line: SO_KEEPALIVE=on TCP_KEEPIDLE=45s TCP_NODELAY=on"
is "" "$(cat "$TMP/opts.err")" "sockopts under the launcher: nothing on stderr"

# ------------------------------------------------------------ 5. exit status

launch -- sh -c 'exit 7' >/dev/null 2>"$TMP/exit.err"
is 7 $? "sockshim -- sh -c 'exit 7': exit status 7"
launch -- "$TMP/no-such-command" >/dev/null 2>"$TMP/missing.err"
is 127 $? "a missing command: exit status 127"
like "$(cat "$TMP/missing.err")" "no-such-command" \
    "a missing command: stderr names it"
: >"$TMP/not-executable"
launch -- "$TMP/not-executable" >/dev/null 2>/dev/null
is 126 $? "a command that cannot be executed: exit status 126"

# ------------------------------------------------------------ 6. warnings

printf 'int main(void) { return 3; }\n' >"$TMP/static.c"
if timeout -k 5 120 cc -static -o "$TMP/static" "$TMP/static.c" \
    >"$TMP/cc.log" 2>&1 && [ -x "$TMP/static" ]; then
    launch -- "$TMP/static" >/dev/null 2>"$TMP/static.err"
    rc=$?
    err=$(cat "$TMP/static.err")
    like "$err" '^sockshim: warning: .*statically linked.*not interposed' \
        "a static program: a warning says statically linked, not interposed"
    is 3 "$rc" "a static program still runs, its exit status passed through"
else
    why="cc -static cannot build a program here: $(head -n 1 "$TMP/cc.log")"
    skip "a static program: a warning says statically linked, not interposed" "$why"
    skip "a static program still runs, its exit status passed through" "$why"
fi

launch -- /bin/true >/dev/null 2>"$TMP/true.err"
rc=$?
is "0:" "$rc:$(cat "$TMP/true.err")" "/bin/true: exit 0, no warning"
launch -- true >/dev/null 2>"$TMP/true2.err"
rc=$?
is "0:" "$rc:$(cat "$TMP/true2.err")" "true found through PATH: exit 0, no warning"

# ------------------------------------------------------------ 7. --json

launch --json --log-level info --keepalive 45 -- "$EX/sockopts" \
    >/dev/null 2>"$TMP/json.err"
is 0 $? "--json --log-level info -- sockopts: exit 0"
# Each event but the summary as "KIND ROLE KEEPALIVE IDLE".
events=$("$PY" "$JCHECK" print "$TMP/json.err" 'summary=' \
    '*={kind} {role} {applied.SO_KEEPALIVE} {applied.TCP_KEEPIDLE}' 2>&1 | sort)
unlike "$events" '^NOT |Traceback' "--json: every stderr line is a JSON object"
is "policy accept on 45s
policy connect on 45s
policy listen on 45s" "$events" \
    "--json: \"kind\":\"policy\" events for listen, connect and accept, keepalive on, idle 45s"
like "$(cat "$TMP/json.err")" '"kind":"policy"' \
    "--json: the lines carry \"kind\":\"policy\" verbatim"
