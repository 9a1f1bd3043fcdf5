#!/bin/sh
# syslog.sh — sockshim's lines through a real rsyslogd, started here on a
# private socket with a configuration of its own (never the system's):
# the daemon reads the program's name and pid from the header (as from
# syslog(3)), the facility and severity from <PRI>; SOCKSHIM_SYSLOG_IDENT
# and SOCKSHIM_SYSLOG_FACILITY change them; JSON lines come behind the
# @cee: cookie, which rsyslog's mmjsonparse turns into fields.
# Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
. "$SOCKSHIM_TEST_SRC/t/tap/libtap.sh"

RSYSLOGD=$(command -v rsyslogd || echo /usr/sbin/rsyslogd)
[ -x "$RSYSLOGD" ] || skip_all "rsyslogd not installed (tools/setup-debian.sh installs it)"
DC=$EX/double-close
[ -x "$DC" ] || skip_all "$DC not built"

plan 9

RS=$TMP/rsyslog
mkdir -p "$RS/work"
# One line per message: program|pid|facility|severity|message; and for
# the messages mmjsonparse took as JSON: program|kind|level|pid.
cat >"$RS/rsyslog.conf" <<EOF
global(workDirectory="$RS/work")
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket="$RS/log.sock")
module(load="mmjsonparse")
template(name="fields" type="string"
         string="%programname%|%procid%|%syslogfacility-text%|%syslogseverity-text%|%msg%\\n")
template(name="json" type="string" string="%programname%|%\$!kind%|%\$!level%|%\$!pid%\\n")
action(type="mmjsonparse")
if \$parsesuccess == "OK" then {
  action(type="omfile" file="$RS/json.out" template="json")
}
action(type="omfile" file="$RS/all.out" template="fields")
EOF
"$RSYSLOGD" -n -f "$RS/rsyslog.conf" -i "$RS/pid" >"$RS/daemon.log" 2>&1 &
PIDS="$PIDS $!"
poll 20 test -S "$RS/log.sock"
ok $? "rsyslogd listens on its private socket" || diag "$(cat "$RS/daemon.log")"

# run LABEL VAR=VALUE...: double-close --bug under sockshim, logging to
# the daemon; its pid in LABEL.pid.
run() {
    _label=$1
    shift
    sh -c 'echo $$ >"$0"; exec "$@"' "$TMP/$_label.pid" env \
        LD_PRELOAD="$PRELOAD" SOCKSHIM_LOG="syslog:$RS/log.sock" "$@" \
        "$DC" --bug >"$TMP/$_label.out" 2>"$TMP/$_label.err"
}

run text
pid=$(cat "$TMP/text.pid")
poll 20 grep -q "^double-close|$pid|" "$RS/all.out"
ok $? "a text line arrives"
like "$(grep "^double-close|$pid|" "$RS/all.out")" \
    "^double-close\|$pid\|user\|err\| ?sockshim: error: double_close fd=[0-9]+ errno=EBADF" \
    "rsyslog read TAG[PID] (the program), facility user, severity err"
is "" "$(cat "$TMP/text.err")" "nothing on the program's stderr"

run ident SOCKSHIM_SYSLOG_IDENT=myapp SOCKSHIM_SYSLOG_FACILITY=local3
pid=$(cat "$TMP/ident.pid")
poll 20 grep -q "^myapp|$pid|" "$RS/all.out"
ok $? "SOCKSHIM_SYSLOG_IDENT names the TAG"
like "$(grep "^myapp|$pid|" "$RS/all.out")" "^myapp\|$pid\|local3\|err\|" \
    "SOCKSHIM_SYSLOG_FACILITY=local3"

run json SOCKSHIM_LOG_FORMAT=json
pid=$(cat "$TMP/json.pid")
poll 20 grep -q "^double-close|double_close|error|$pid\$" "$RS/json.out"
ok $? "JSON behind @cee: parsed by mmjsonparse: kind, level, pid as fields"
like "$(grep "^double-close|$pid|" "$RS/all.out")" \
    "^double-close\|$pid\|user\|err\| ?@cee:\{\"schema\":1,\"ts\":" "the message is @cee: and the object"

run bad SOCKSHIM_SYSLOG_FACILITY=local9 SOCKSHIM_SYSLOG_IDENT='a b'
pid=$(cat "$TMP/bad.pid")
poll 20 grep -q "^double-close|$pid|.*config_error SOCKSHIM_SYSLOG_IDENT" \
    "$RS/all.out"
ok $? "a bad ident or facility: one config_error line each, the defaults used" ||
    diag "$(grep "|$pid|" "$RS/all.out")"
