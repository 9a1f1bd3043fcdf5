#!/bin/sh
# launcher-honest.sh — the launcher says what will really happen: a
# setuid/setgid or capability warning exactly when the kernel
# runs the program in secure mode (checked against the program's own
# AT_SECURE), a missing or unloadable library refused with exit 2 and
# reported by --check, -q, the one-line usage, --help within 80 columns,
# a --dry-run a shell can run, and sockopts --set taking on/off words.
# Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
. "$SOCKSHIM_TEST_SRC/t/tap/libtap.sh"

L=$BUILD/tools/sockshim
[ -x "$L" ] || skip_all "$L not built"
[ -x "$EX/sockopts" ] || skip_all "$EX/sockopts not built"
command -v cc >/dev/null 2>&1 || skip_all "no cc to build the AT_SECURE probe"

plan 36

launch() { timeout -k 5 60 env -u LD_PRELOAD "$L" "$@"; }

# The probe prints the kernel's verdict, AT_SECURE, for its own run: the
# launcher's warning must agree with it. Its copies live where the user
# nobody can reach them (for the capability case).
chmod 755 "$TMP"
printf '%s\n' '#include <stdio.h>' '#include <sys/auxv.h>' \
    'int main(void) {' \
    '    printf("secure=%lu\n", getauxval(AT_SECURE));' \
    '    return 0;' '}' >"$TMP/probe.c"
cc -o "$TMP/probe" "$TMP/probe.c" >"$TMP/cc.log" 2>&1 ||
    skip_all "cc cannot build the probe: $(head -n 1 "$TMP/cc.log")"
nosuid=$(python3 -c 'import os, sys
print(1 if os.statvfs(sys.argv[1]).f_flag & os.ST_NOSUID else 0)' "$TMP" 2>/dev/null)
root=0
[ "$(id -u)" -eq 0 ] && root=1

# secure_case NAME DESC [LAUNCH-PREFIX...]: run $TMP/NAME under the launcher
# (through LAUNCH-PREFIX, e.g. setpriv to another user) and check that its
# stderr has the warning WANT ("warning" or "none"), the probe's output
# agrees (secure=1 with a warning, secure=0 without), exit 0. 2 tests.
secure_case() {
    name=$1 want=$2 desc=$3
    shift 3
    timeout -k 5 60 env -u LD_PRELOAD "$@" "$L" -- "$TMP/$name" \
        >"$TMP/$name.out" 2>"$TMP/$name.err"
    rc=$?
    err=$(cat "$TMP/$name.err")
    if [ "$want" = warning ]; then
        like "$err" "^sockshim: warning: $TMP/$name .*\\(AT_SECURE\\).*ignores LD_PRELOAD: not interposed$" \
            "$desc: a warning naming the file and AT_SECURE"
        is "0 secure=1" "$rc $(cat "$TMP/$name.out")" \
            "$desc: it runs, and the kernel did mark it secure"
    else
        is "" "$err" "$desc: no warning"
        is "0 secure=0" "$rc $(cat "$TMP/$name.out")" \
            "$desc: it runs, and the kernel did not mark it secure"
    fi
}

# ------------------------------------------------ 1. setuid, setgid

# A setuid file of the caller's own changes no identity (root running a
# root-owned setuid program is the common case).
cp "$TMP/probe" "$TMP/suid-own"
chmod u+s "$TMP/suid-own"
secure_case suid-own none "a setuid file owned by the caller ($(id -un))"

why=
[ $root = 1 ] || why="not root: cannot chown a file to nobody"
[ "$nosuid" = 0 ] || why="$TMP is on a nosuid mount: set-id bits do nothing"
if [ -z "$why" ]; then
    cp "$TMP/probe" "$TMP/suid-nobody"
    chown nobody "$TMP/suid-nobody"
    chmod 4755 "$TMP/suid-nobody"
    secure_case suid-nobody warning "a setuid file owned by nobody, run by root"
    cp "$TMP/probe" "$TMP/sgid-other"
    chgrp "$(id -gn nobody)" "$TMP/sgid-other"
    chmod 2755 "$TMP/sgid-other"
    secure_case sgid-other warning "a setgid file of nobody's group, run by root"
    cp "$TMP/probe" "$TMP/sgid-own"
    chmod 2755 "$TMP/sgid-own"
    secure_case sgid-own none "a setgid file of root's own group, run by root"
else
    for d in "setuid nobody: warning" "setuid nobody: secure" \
        "setgid other: warning" "setgid other: secure" \
        "setgid own: no warning" "setgid own: not secure"; do
        skip "$d" "$why"
    done
fi

# ------------------------------------------------ 2. file capabilities

# Root gains nothing from file capabilities, and the kernel does not mark
# its run secure; a user without them does get AT_SECURE.
why=
command -v setcap >/dev/null 2>&1 || why="setcap not installed (libcap2-bin)"
[ -n "$why" ] || [ $root = 1 ] || why="not root: cannot setcap"
[ -n "$why" ] || [ "$nosuid" = 0 ] || why="$TMP is nosuid: capabilities do nothing"
if [ -z "$why" ]; then
    cp "$TMP/probe" "$TMP/caps"
    setcap cap_net_bind_service+ep "$TMP/caps" 2>"$TMP/setcap.err" ||
        why="setcap fails here: $(head -n 1 "$TMP/setcap.err")"
fi
[ -n "$why" ] || command -v setpriv >/dev/null 2>&1 ||
    why="setpriv not installed (util-linux)"
as_nobody="setpriv --reuid=nobody --regid=$(id -g nobody 2>/dev/null) --clear-groups"
# shellcheck disable=SC2086 # one option a word
[ -n "$why" ] || $as_nobody test -x "$L" ||
    why="the user nobody cannot run $L (the build tree is not readable)"
if [ -z "$why" ]; then
    secure_case caps none "file capabilities, run by root"
    # shellcheck disable=SC2086 # one option a word
    secure_case caps warning "file capabilities, run by nobody" $as_nobody
else
    for d in "caps by root: no warning" "caps by root: not secure" \
        "caps by nobody: warning" "caps by nobody: secure"; do
        skip "$d" "$why"
    done
fi

# ------------------------------------------------ 3. the library

# bad_library PATH EXPLAIN-ERE DESC: exit 2, one line naming PATH, what is
# wrong and what to do, and the command not run. 2 tests.
bad_library() {
    SOCKSHIM_LIBRARY=$1 timeout -k 5 60 env -u LD_PRELOAD "$L" -- \
        touch "$TMP/ran" >/dev/null 2>"$TMP/lib.err"
    rc=$?
    [ -e "$TMP/ran" ] && rc="$rc (the command ran)"
    is 2 "$rc" "$3: exit 2, the command not run"
    like "$(cat "$TMP/lib.err")" \
        "^sockshim: error: library $1 $2[^;]*; SOCKSHIM_LIBRARY must name libsockshim.so" \
        "$3: one line naming the path, the problem and SOCKSHIM_LIBRARY"
}
bad_library "$TMP/missing.so" 'does not exist' "SOCKSHIM_LIBRARY missing"
printf 'not a library\n' >"$TMP/text.so"
bad_library "$TMP/text.so" 'is not an ELF file' "SOCKSHIM_LIBRARY a text file"
bad_library /bin/sh 'is not a shared library' "SOCKSHIM_LIBRARY an executable"
# The real library with another e_machine (offset 18): not loadable here.
cp "$SHIM_LIB" "$TMP/other-arch.so"
printf '\377\377' | dd of="$TMP/other-arch.so" bs=1 seek=18 conv=notrunc \
    2>/dev/null
bad_library "$TMP/other-arch.so" 'is a library for another architecture' \
    "SOCKSHIM_LIBRARY of another machine"

out=$(SOCKSHIM_LIBRARY=$TMP/missing.so timeout -k 5 60 env -u LD_PRELOAD \
    "$L" --check 2>&1)
is 1 $? "--check with a missing library: exit 1"
like "$out" "^error: library $TMP/missing.so does not exist;" \
    "--check with a missing library: an error line"
like "$out" '^1 error$' "--check with a missing library: counted, 1 error"

# ------------------------------------------------ 4. -q, usage, --help

printf 'int main(void) { return 0; }\n' >"$TMP/static.c"
if cc -static -o "$TMP/static" "$TMP/static.c" >"$TMP/cc.log" 2>&1; then
    quiet_case=$TMP/static
elif [ -x "$TMP/suid-nobody" ]; then
    quiet_case=$TMP/suid-nobody
else
    quiet_case=
fi
if [ -n "$quiet_case" ]; then
    launch -- "$quiet_case" >/dev/null 2>"$TMP/loud.err"
    like "$(cat "$TMP/loud.err")" '^sockshim: warning: ' \
        "without -q: $quiet_case gets a warning"
    launch -q -- "$quiet_case" >/dev/null 2>"$TMP/quiet.err"
    is "0:" "$?:$(cat "$TMP/quiet.err")" "-q: exit 0, no warning"
    launch --quiet -- "$quiet_case" >/dev/null 2>"$TMP/quiet.err"
    is "0:" "$?:$(cat "$TMP/quiet.err")" "--quiet: exit 0, no warning"
else
    why="no static program (no libc.a) and no setuid case (not root)"
    skip "without -q: a warning" "$why"
    skip "-q: no warning" "$why"
    skip "--quiet: no warning" "$why"
fi
SOCKSHIM_LIBRARY=$TMP/missing.so timeout -k 5 60 env -u LD_PRELOAD "$L" -q \
    -- true 2>"$TMP/quiet.err"
like "$?:$(cat "$TMP/quiet.err")" '^2:sockshim: error: library ' \
    "-q: errors are still printed"

launch >"$TMP/usage.out" 2>"$TMP/usage.err"
is "2:0" "$?:$(wc -c <"$TMP/usage.out")" "no COMMAND: exit 2, nothing on stdout"
is "usage: sockshim [options] [--] COMMAND [ARGS]
Try 'sockshim --help'." "$(cat "$TMP/usage.err")" \
    "no COMMAND: the usage line and where to look, not the whole help"
launch --no-such-flag -- true >/dev/null 2>"$TMP/bogus.err"
is "2:sockshim: error: unknown option '--no-such-flag'" \
    "$?:$(head -n 1 "$TMP/bogus.err")" \
    "an unknown option: exit 2, 'sockshim: error:', not getopt's argv[0]"

launch --help >"$TMP/help.out"
is "" "$(awk 'length > 80' "$TMP/help.out")" "--help: no line over 80 columns"

# ------------------------------------------------ 5. --dry-run for sh

value="$TMP/it's a \"quoted\" \$HOME \\file"
: >"$value"
arg="an arg with 'quotes', spaces and a *"
# shellcheck disable=SC2016 # expanded by the sh the dry run starts
out=$(launch --dry-run --config "$value" --nodelay on -- sh -c \
    'printf "%s\n" "$SOCKSHIM_CONFIG" "$SOCKSHIM_NODELAY" "$1"' sh "$arg" \
    2>"$TMP/dry.err")
ran=$(sh -c "$out" 2>"$TMP/dry-sh.err")
is "$value
on
$arg" "$ran" "--dry-run's line, run by sh: the variables and arguments verbatim"
is 1 "$(printf '%s\n' "$out" | wc -l)" "--dry-run: one line"

# ------------------------------------------------ 6. sockopts --set words

nodelay() { "$EX/sockopts" --set "TCP_NODELAY=$1" 2>&1 | sed -n \
    's/^connect .*TCP_NODELAY=\([a-z]*\).*/\1/p'; }
is "on on on on" "$(nodelay on) $(nodelay 1) $(nodelay yes) $(nodelay true)" \
    "sockopts --set TCP_NODELAY=on, =1, =yes, =true: on"
is "off off off" "$(nodelay off) $(nodelay 0) $(nodelay false)" \
    "sockopts --set TCP_NODELAY=off, =0, =false: off"
"$EX/sockopts" --set TCP_NODELAY=maybe >/dev/null 2>&1
is 2 $? "sockopts --set TCP_NODELAY=maybe: exit 2"
