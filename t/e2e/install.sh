#!/bin/sh
# install.sh — make install, as a packager runs it: into a DESTDIR, from
# this build tree. What must land where (the library in pkglibdir without
# its .la, the launcher and sockshim-report in bindir, man pages with this
# installation's paths, the examples in docdir), that the installed
# launcher preloads the configured library and no other, that it and the
# installed library work (--check, an event from a program under it),
# that install-strip strips and uninstall leaves nothing behind.
# The installed tree is used where it lies, with no chroot: the launcher
# is pointed at the staged library with SOCKSHIM_LIBRARY.
# Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
. "$SOCKSHIM_TEST_SRC/t/tap/libtap.sh"

[ -f "$BUILD/Makefile" ] || skip_all "$BUILD/Makefile missing (not a configured build tree)"
command -v make >/dev/null 2>&1 || skip_all "make not installed"
DC=$EX/double-close
[ -x "$DC" ] || skip_all "$DC not built"

plan 20

# make in the build tree, not as part of the make running the tests: none
# of its flags or jobserver (the nested make would wait for its tokens).
inbuild() {
    bounded env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
        make -C "$BUILD" "$@" >>"$TMP/make.log" 2>&1
}

# The configured directories, as this build tree's Makefile expands them.
var() {
    env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$BUILD" -f - print VAR="$1" 2>/dev/null <<'EOF'
include Makefile
print:
	@echo $($(VAR))
EOF
}
BINDIR=$(var bindir)
PKGLIBDIR=$(var pkglibdir)
MAN1DIR=$(var man1dir)
DOCDIR=$(var docdir)
LIBDIR=$(var libdir)

D=$TMP/root
inbuild install DESTDIR="$D"
ok $? "make install DESTDIR=... succeeds" || diag "$(tail -20 "$TMP/make.log")"

# ---------------------------------------------------------- 1. the files

LIB=$D$PKGLIBDIR/libsockshim.so
test -f "$LIB"
ok $? "the library is in pkglibdir ($PKGLIBDIR)"
is "" "$(find "$D" -name '*.la')" "no libtool .la file is installed"
L=$D$BINDIR/sockshim
test -x "$L"
ok $? "the launcher is in bindir ($BINDIR)"
if [ -x "$BUILD/tools/report/sockshim-report" ]; then
    test -x "$D$BINDIR/sockshim-report"
    ok $? "sockshim-report is in bindir"
else
    skip "sockshim-report is in bindir" "not part of this build"
fi
pages=$(find "$D" -path '*/man/man*' -type f | sort)
like "$pages" "/man1/sockshim\.1$" "sockshim(1) is installed in man1dir"
# $(pkglibdir) as the sources write it, or an @var@ of configure's.
left=$(find "$D" -path '*/man/man*' -type f \
    -exec grep -nE '\$\([a-z_]+\)|@[a-z_]+@' {} +)
is "" "$left" "no man page holds an unsubstituted directory"
grep -qF "$PKGLIBDIR/libsockshim.so" "$D$MAN1DIR/sockshim.1"
ok $? "sockshim(1) names the installed library, $PKGLIBDIR/libsockshim.so"
E=$D$DOCDIR/examples
n=0
for f in web-server.conf redis-client.conf reverse-proxy.conf sockshim.supp \
    systemd/sockshim.conf; do
    [ -f "$E/$f" ] || { diag "missing: $E/$f"; n=$((n + 1)); }
done
is 0 "$n" "the sample configs, suppressions and systemd drop-in are in $DOCDIR/examples"
grep -qx "Environment=LD_PRELOAD=$PKGLIBDIR/libsockshim.so" \
    "$E/systemd/sockshim.conf"
ok $? "the installed drop-in preloads the installed library"
pc=$(PKG_CONFIG_PATH=$D$LIBDIR/pkgconfig pkg-config --variable=preload sockshim 2>/dev/null)
is "$PKGLIBDIR/libsockshim.so" "$pc" "pkg-config --variable=preload names it too"

# ------------------------------------------- 2. the installed launcher

# A library left where a build tree would keep one, beside the installed
# launcher: it must preload the configured path all the same.
mkdir -p "$D$BINDIR/../lib/.libs"
cp "$LIB" "$D$BINDIR/../lib/.libs/libsockshim.so"
# (In the DESTDIR the configured path holds nothing: the launcher says
# so, naming it, and runs nothing.)
out=$(bounded env -u LD_PRELOAD "$L" --dry-run true 2>&1)
like "$out" "^sockshim: error: library $PKGLIBDIR/libsockshim\.so does not exist" \
    "the installed launcher preloads the configured path, not a library beside it"
rm -r "$D$BINDIR/../lib/.libs"
out=$(bounded env -u LD_PRELOAD SOCKSHIM_LIBRARY="$LIB" "$L" --dry-run true \
    2>/dev/null)
like "$out" "LD_PRELOAD='?$LIB'? true\$" "... and SOCKSHIM_LIBRARY when it is set"
out=$(bounded env -u LD_PRELOAD SOCKSHIM_LIBRARY="$LIB" "$L" --check 2>&1)
ok $? "the installed sockshim --check exits 0" || diag "$out"
like "$out" "^0 errors" "... and finds no error"

bounded env -u LD_PRELOAD SOCKSHIM_LIBRARY="$LIB" "$L" -- "$DC" --bug \
    >"$TMP/dc.out" 2>"$TMP/dc.err"
ok $? "double-close --bug runs under the installed launcher and library" ||
    diag "$(cat "$TMP/dc.err")"
like "$(cat "$TMP/dc.err")" "sockshim\[[0-9]+\]: error: double_close fd=[0-9]+" \
    "... which report its double_close"

# ------------------------------------------ 3. install-strip, uninstall

inbuild uninstall DESTDIR="$D"
left=$(find "$D" -type f)
is "" "$left" "make uninstall removes every file it installed"

S=$TMP/stripped
inbuild install-strip DESTDIR="$S"
if command -v readelf >/dev/null 2>&1; then
    syms=
    for f in "$S$PKGLIBDIR/libsockshim.so" "$S$BINDIR/sockshim"; do
        [ -f "$f" ] || syms="$syms $f(missing)"
        readelf -S "$f" 2>/dev/null | grep -q '\.symtab' && syms="$syms $f"
    done
    is "" "$syms" "make install-strip strips the library and the launcher"
else
    skip "make install-strip strips the library and the launcher" "readelf not installed"
fi
out=$(bounded env -u LD_PRELOAD SOCKSHIM_LIBRARY="$S$PKGLIBDIR/libsockshim.so" \
    "$S$BINDIR/sockshim" -- "$DC" --bug 2>&1 >/dev/null)
like "$out" "sockshim\[[0-9]+\]: error: double_close fd=[0-9]+" \
    "the stripped library still reports the double close"
