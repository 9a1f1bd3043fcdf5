#!/bin/sh
# debian-package.sh — the Debian package (debian/), built as a packager
# builds it: the source tree copied out of the way, dpkg-buildpackage -b
# there, lintian over the result (no error), the files the .deb holds
# (library in the multiarch pkglibdir, launcher, sockshim-report, man
# pages, examples, no .la or .a) and its resolved Depends. Then the package
# at work: unpacked into a scratch root (the launcher pointed at the
# unpacked library with SOCKSHIM_LIBRARY), and as root also installed with
# apt-get and purged again: each time sockshim --check passes and a Python
# program under the launcher gets TCP_NODELAY from the packaged library,
# which it maps, logs a policy and a summary event that sockshim-report
# reads. The package's own build runs with nocheck: the suite runs here.
# Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
. "$SOCKSHIM_TEST_SRC/t/tap/libtap.sh"

# configure, make and debhelper's steps take minutes on two cores.
TEST_TIMEOUT=${TEST_TIMEOUT:-900}

for tool in dpkg-buildpackage dpkg-architecture dh git python3; do
    command -v "$tool" >/dev/null 2>&1 ||
        skip_all "$tool not installed (tools/setup-debian.sh installs it)"
done
# Run as root in a checkout owned by someone else, git refuses the tree
# unless told it is safe; only for this command.
srcgit() { git -c safe.directory='*' -C "$SRC" "$@"; }
# Only at a checkout's top: make distcheck unpacks the tarball inside the
# checkout, where git knows none of its files.
[ "$(srcgit rev-parse --show-toplevel 2>/dev/null)" = "$(cd "$SRC" && pwd -P)" ] ||
    skip_all "$SRC is not the top of a git checkout: the package is built from git's files"
missing=$(cd "$SRC" && dpkg-checkbuilddeps 2>&1) ||
    skip_all "build dependencies missing: $missing"

plan 24

# run [VAR=VALUE...] COMMAND...: bounded, without the test harness's make
# jobserver and flags (the package's make is not its child) nor a preload.
run() { bounded env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u LD_PRELOAD "$@"; }

# ------------------------------------------------------------ 1. the build

# The files git tracks plus the new ones it does not ignore: the tree under
# test as it stands, uncommitted edits included, and no build output (in
# the source tree or a VPATH build directory: BUILD is not read at all).
S=$TMP/src/sockshim
mkdir -p "$S"
srcgit ls-files -z --cached --others --exclude-standard |
    tar -C "$SRC" --null --ignore-failed-read -T - -cf - 2>/dev/null |
    tar -C "$S" -xf -
t0=$(date +%s)
(cd "$S" && run DEB_BUILD_OPTIONS='parallel=2 nocheck' \
    dpkg-buildpackage -us -uc -b) >"$TMP/build.log" 2>&1
ok $? "dpkg-buildpackage -us -uc -b succeeds in a copy of the tree" ||
    diag "$(tail -n 30 "$TMP/build.log")"
diag "package build: $(($(date +%s) - t0)) s"

ARCH=$(dpkg-architecture -qDEB_HOST_ARCH)
MA=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
VERSION=$(cd "$S" && dpkg-parsechangelog -S Version)
DEB=$TMP/src/sockshim_${VERSION}_$ARCH.deb
CHANGES=$TMP/src/sockshim_${VERSION}_$ARCH.changes
test -f "$DEB" && test -f "$CHANGES"
ok $? "it makes sockshim_${VERSION}_$ARCH.deb and its .changes"
ac_version=$(sed -n 's/^AC_INIT(\[sockshim\], \[\([^]]*\)\].*/\1/p' \
    "$SRC/configure.ac")
is "$ac_version" "$VERSION" "the package's version is AC_INIT's, $ac_version"

if command -v lintian >/dev/null 2>&1; then
    bounded lintian --pedantic "$CHANGES" >"$TMP/lintian.out" 2>&1
    lint=$(grep -E '^[EW]: ' "$TMP/lintian.out")
    unlike "$lint" '^E: ' "lintian finds no error in the package"
    diag "lintian:" "${lint:-(nothing)}"
else
    skip "lintian finds no error in the package" "lintian not installed"
fi

# ------------------------------------------------------- 2. what it holds

files=$(dpkg-deb -c "$DEB" 2>/dev/null | awk '{ print $6 }' | sed 's|^\.||')
LIBPATH=/usr/lib/$MA/sockshim/libsockshim.so
has() { printf '%s\n' "$files" | grep -qxF "$1"; }
has "$LIBPATH"
ok $? "the library is in the multiarch pkglibdir, $LIBPATH"
has /usr/bin/sockshim && has /usr/bin/sockshim-report
ok $? "the launcher and sockshim-report are in /usr/bin"
n=0
for page in man1/sockshim.1.gz man1/sockshim-report.1.gz man7/sockshim.7.gz; do
    has "/usr/share/man/$page" || { diag "missing: $page"; n=$((n + 1)); }
done
is 0 "$n" "sockshim(1), sockshim-report(1) and sockshim(7) are installed"
is "" "$(printf '%s\n' "$files" | grep -E '\.l?a$')" "no .la and no .a file"
E=/usr/share/doc/sockshim/examples
has $E/sockshim.supp && has $E/systemd/sockshim.conf &&
    has $E/web-server.conf && has $E/closewait-server.c &&
    has /usr/share/doc/sockshim/copyright
ok $? "configs, suppressions, drop-in and example programs in $E"
depends=$(dpkg-deb -f "$DEB" Depends)
like "$depends" 'libc6 .*libunwind' "Depends names the libraries it links (libc6, libunwind...)"

# -------------------------------------------------- 3. the package at work

# installed_checks ROOT WHERE: the launcher ROOT/usr/bin/sockshim, with the
# library unpacked under ROOT (SOCKSHIM_LIBRARY) or installed (ROOT empty,
# no variable). 5 tests.
installed_checks() {
    root=$1 where=$2
    lib=$root$LIBPATH
    set --
    [ -z "$root" ] || set -- SOCKSHIM_LIBRARY="$lib"
    # Without SOCKSHIM_LIBRARY the launcher names the configured library:
    # on its command line if it exists, in its error if it does not.
    out=$(run "$root/usr/bin/sockshim" --dry-run true 2>&1)
    like "$out" "$(printf '%s' "$LIBPATH" | sed 's/[.]/\\./g')" \
        "$where: the launcher's own library is the package's, $LIBPATH"
    out=$(run "$@" "$root/usr/bin/sockshim" --check 2>&1)
    ok $? "$where: sockshim --check exits 0" || diag "$out"
    log=$TMP/$where.jsonl
    rm -f "$log"
    out=$(run "$@" "$root/usr/bin/sockshim" --log "file:$log" --json \
        --log-level info --nodelay on -- python3 -c '
import socket
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen()
c = socket.create_connection(srv.getsockname())
a, _ = srv.accept()
print("nodelay=%d" % c.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
with open("/proc/self/maps") as maps:
    libs = {l.split()[-1] for l in maps if "libsockshim" in l}
for lib in sorted(libs):
    print("mapped=" + lib)
c.close(); a.close(); srv.close()' 2>&1)
    want=$(readlink -f "$lib")
    is "nodelay=1 mapped=$want" "$(printf '%s\n' "$out" | tr '\n' ' ' |
        sed 's/ $//')" \
        "$where: a Python client gets TCP_NODELAY, from that library alone"
    python3 "$JCHECK" event "$log" policy @role=connect \
        applied.TCP_NODELAY=on >"$TMP/jcheck.out" 2>&1 &&
        python3 "$JCHECK" event "$log" summary sockets=3 \
            >>"$TMP/jcheck.out" 2>&1
    ok $? "$where: its log has the connection's policy event and a summary" ||
        diag "$(cat "$TMP/jcheck.out")" "$(cat "$log" 2>/dev/null)"
    out=$(run "$root/usr/bin/sockshim-report" "$log" 2>&1)
    like "$out" '^info policy ×3 in 1 process' \
        "$where: sockshim-report reads it: the three policy events"
}

R=$TMP/root
dpkg-deb -x "$DEB" "$R" && test -f "$R$LIBPATH"
ok $? "dpkg-deb -x unpacks it into a scratch root"
installed_checks "$R" unpacked

# On a machine of one's own (CI's, as root) the package is installed as
# users install it, apt resolving its Depends (the build dependencies
# installed those libraries already), then purged: the machine is left as
# it was, and one with sockshim installed before is left alone.
status=$(dpkg-query -W -f='${Status}' sockshim 2>/dev/null)
if [ "$(id -u)" -ne 0 ]; then
    why="not root"
elif ! command -v apt-get >/dev/null 2>&1; then
    why="apt-get not installed"
elif [ -n "$status" ] && [ "$status" != "unknown ok not-installed" ]; then
    why="sockshim is installed already ($status): left alone"
else
    why=
fi
APT="apt-get -y -q -o DPkg::Lock::Timeout=120"
PURGE=
purge() {
    [ -n "$PURGE" ] || return 0
    PURGE=
    # shellcheck disable=SC2086 # APT is a command and its options
    run DEBIAN_FRONTEND=noninteractive $APT purge sockshim \
        >>"$TMP/apt.log" 2>&1
}
trap 'purge; _tap_cleanup' EXIT
if [ -z "$why" ]; then
    PURGE=1
    # shellcheck disable=SC2086 # APT is a command and its options
    run DEBIAN_FRONTEND=noninteractive $APT install "$DEB" \
        >"$TMP/apt.log" 2>&1
    ok $? "apt-get install ./sockshim_${VERSION}_$ARCH.deb succeeds" ||
        diag "$(tail -n 20 "$TMP/apt.log")"
    installed_checks "" installed
    purge
    ok $? "apt-get purge sockshim succeeds" ||
        diag "$(tail -n 20 "$TMP/apt.log")"
    left=
    for f in /usr/bin/sockshim /usr/bin/sockshim-report "$LIBPATH"; do
        [ -e "$f" ] && left="$left $f"
    done
    is "" "$left" "... and leaves none of its files behind"
else
    skip "apt-get install the package" "$why"
    for n in 1 2 3 4 5; do skip "installed checks ($n of 5)" "$why"; done
    skip "apt-get purge sockshim" "$why"
    skip "no file left behind" "$why"
fi
