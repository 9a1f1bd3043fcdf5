#!/bin/sh
# color.sh — the level word of text lines in colour on a terminal:
# SOCKSHIM_COLOR=auto (the default) colours when stderr is a terminal
# (script(1) gives the program one) unless NO_COLOR is set; always and
# never force it; a file or a pipe never gets escape codes by default,
# nor a log file or syslog ever.
# Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
. "$SOCKSHIM_TEST_SRC/t/tap/libtap.sh"

command -v script >/dev/null 2>&1 || skip_all "script(1) not installed"
DC=$EX/double-close
[ -x "$DC" ] || skip_all "$DC not built"

plan 6

ESC=$(printf '\033')
RED="${ESC}\\[1;31merror${ESC}\\[0m: double_close"

# on_tty OUT VAR=VALUE...: double-close --bug under sockshim with a
# terminal for stdout and stderr; what the terminal showed in OUT.
on_tty() {
    _out=$1
    shift
    bounded script -qec "env LD_PRELOAD='$PRELOAD' $* '$DC' --bug" /dev/null \
        >"$_out" 2>&1
}

on_tty "$TMP/auto.tty"
grep -q "$RED" "$TMP/auto.tty"
ok $? "auto on a terminal: the level word in colour (bold red error)" ||
    diag "$(grep double_close "$TMP/auto.tty" | od -c | head -n 5)"
on_tty "$TMP/nocolor.tty" NO_COLOR=1
grep -q "$ESC" "$TMP/nocolor.tty"
ok $((!$?)) "NO_COLOR=1 on a terminal: no escape code"
on_tty "$TMP/never.tty" SOCKSHIM_COLOR=never
grep -q "$ESC" "$TMP/never.tty"
ok $((!$?)) "SOCKSHIM_COLOR=never on a terminal: no escape code"

env LD_PRELOAD="$PRELOAD" "$DC" --bug >/dev/null 2>"$TMP/file.err"
grep -q 'error: double_close' "$TMP/file.err" && ! grep -q "$ESC" "$TMP/file.err"
ok $? "auto, stderr a file: the plain line"
env LD_PRELOAD="$PRELOAD" SOCKSHIM_COLOR=always "$DC" --bug >/dev/null \
    2>"$TMP/always.err"
grep -q "$RED" "$TMP/always.err"
ok $? "always, stderr a file: in colour all the same"
env LD_PRELOAD="$PRELOAD" SOCKSHIM_COLOR=always \
    SOCKSHIM_LOG="file:$TMP/log.txt" "$DC" --bug >/dev/null 2>&1
grep -q 'error: double_close' "$TMP/log.txt" && ! grep -q "$ESC" "$TMP/log.txt"
ok $? "always, a log file: never colour in a file"
