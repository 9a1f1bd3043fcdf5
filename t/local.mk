# t/local.mk — the tests, included by the top Makefile.am (one
# non-recursive make: %reldir% is t/, %canon_reldir% its canonical form t).
#
#   t/unit/MODULE-t.c   C unit tests, one per library module they name,
#                       built with the sanitizers against the sanitized objects
#   t/e2e/FEATURE.sh    shell tests that run real programs under LD_PRELOAD
#                       (san-FEATURE.sh: FEATURE.sh over the sanitized library)
#   t/source/*.sh       checks of the source tree: layers, style
#   t/tap/              the TAP helpers (basic.c, logtail.c for C; libtap.sh, events.sh,
#                       runs.sh, logfiles.sh, quiet.sh, sanitized.sh for sh)
#   t/helpers/          programs and preload libraries the tests run,
#                       jcheck.py (JSON logs), layers.py
# The test helpers' preload libraries (t/helpers/libcount*.la) and the
# examples without frame pointers (t/nofp/) are built in Makefile.am, next
# to what they are built from.

check_LIBRARIES = %reldir%/tap/libtap.a
%canon_reldir%_tap_libtap_a_SOURCES = %reldir%/tap/basic.c %reldir%/tap/basic.h \
	%reldir%/tap/logtail.c %reldir%/tap/logtail.h

# Unit tests are built with the sanitizers, against the sanitized objects
# (without them, configure --disable-sanitizers or no libasan: plainly,
# against the library's own objects).
SANITIZED_CFLAGS = $(AM_CFLAGS) $(SANITIZE_CFLAGS)
if SANITIZERS
SANITIZED_LIBS = lib/libsockshim-core-san.la %reldir%/tap/libtap.a
SANITIZED_LINK = -fsanitize=address,undefined
TEST_SAN_LIB = $(ASAN_RUNTIME) $(abs_top_builddir)/lib/.libs/libsockshim-san.so
else
SANITIZED_LIBS = lib/libsockshim-core.la %reldir%/tap/libtap.a
SANITIZED_LINK =
TEST_SAN_LIB =
endif
C_TESTS = %reldir%/unit/options-t %reldir%/unit/fdtab-t \
	%reldir%/unit/outbuf-t %reldir%/unit/rules-t %reldir%/unit/stack-t \
	%reldir%/unit/scan-t %reldir%/unit/configuration-t \
	%reldir%/unit/sockaddr-t %reldir%/unit/policy-t %reldir%/unit/event-t \
	%reldir%/unit/report-t %reldir%/unit/census-t
# Ordinary programs the shell tests run under LD_PRELOAD (not linked
# against the library).
TEST_HELPERS = %reldir%/helpers/connect-probe %reldir%/helpers/fdops \
	%reldir%/helpers/hostile %reldir%/helpers/stack-stress \
	%reldir%/helpers/leaky %reldir%/helpers/cancel %reldir%/helpers/unseen \
	%reldir%/helpers/inetd-vfork %reldir%/helpers/closefrom-enosys \
	%reldir%/helpers/fortified %reldir%/helpers/sigsafe
check_PROGRAMS = $(C_TESTS) $(TEST_HELPERS) $(NOFP_EXAMPLES)
%canon_reldir%_helpers_connect_probe_CFLAGS = $(AM_CFLAGS) -g
%canon_reldir%_helpers_fdops_CFLAGS = $(AM_CFLAGS) -g
%canon_reldir%_helpers_hostile_CFLAGS = $(AM_CFLAGS) -g -pthread
%canon_reldir%_helpers_hostile_LDADD = -lpthread
%canon_reldir%_helpers_leaky_CFLAGS = $(AM_CFLAGS) -g
%canon_reldir%_helpers_cancel_CFLAGS = $(AM_CFLAGS) -g -pthread
%canon_reldir%_helpers_cancel_LDADD = -lpthread
%canon_reldir%_helpers_stack_stress_CFLAGS = $(AM_CFLAGS) -g -pthread
%canon_reldir%_helpers_stack_stress_LDADD = -lpthread
%canon_reldir%_helpers_unseen_CFLAGS = $(AM_CFLAGS) -g
%canon_reldir%_helpers_inetd_vfork_CFLAGS = $(AM_CFLAGS) -g
%canon_reldir%_helpers_closefrom_enosys_CFLAGS = $(AM_CFLAGS) -g
# Bound at load time: lazy binding's first call through the PLT saves the
# whole register state (2.7 KiB with AVX-512) on the signal stack the
# handlers measure, a cost of the program's linking, not sockshim's.
%canon_reldir%_helpers_sigsafe_CFLAGS = $(AM_CFLAGS) -g -pthread
%canon_reldir%_helpers_sigsafe_LDFLAGS = -Wl,-z,now
%canon_reldir%_helpers_sigsafe_LDADD = -lpthread
# Built the way hardened distribution packages are: its reads into
# fixed-size arrays become __read_chk, __recv_chk and __recvfrom_chk
# (-U first: CPPFLAGS may already define another level).
FORTIFY_CFLAGS = $(AM_CFLAGS) -g -O2 -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=2
%canon_reldir%_helpers_fortified_CFLAGS = $(FORTIFY_CFLAGS)
%canon_reldir%_unit_options_t_CFLAGS = $(SANITIZED_CFLAGS)
%canon_reldir%_unit_options_t_LDADD = $(SANITIZED_LIBS)
%canon_reldir%_unit_options_t_LDFLAGS = $(SANITIZED_LINK)
%canon_reldir%_unit_fdtab_t_CFLAGS = $(SANITIZED_CFLAGS)
%canon_reldir%_unit_fdtab_t_LDADD = $(SANITIZED_LIBS)
%canon_reldir%_unit_fdtab_t_LDFLAGS = $(SANITIZED_LINK)
%canon_reldir%_unit_outbuf_t_CFLAGS = $(SANITIZED_CFLAGS)
%canon_reldir%_unit_outbuf_t_LDADD = $(SANITIZED_LIBS)
%canon_reldir%_unit_outbuf_t_LDFLAGS = $(SANITIZED_LINK)
%canon_reldir%_unit_rules_t_CFLAGS = $(SANITIZED_CFLAGS)
%canon_reldir%_unit_rules_t_LDADD = $(SANITIZED_LIBS)
%canon_reldir%_unit_rules_t_LDFLAGS = $(SANITIZED_LINK)
%canon_reldir%_unit_stack_t_CFLAGS = $(SANITIZED_CFLAGS)
%canon_reldir%_unit_stack_t_LDADD = $(SANITIZED_LIBS)
%canon_reldir%_unit_stack_t_LDFLAGS = $(SANITIZED_LINK)
%canon_reldir%_unit_scan_t_CFLAGS = $(SANITIZED_CFLAGS)
%canon_reldir%_unit_scan_t_LDADD = $(SANITIZED_LIBS)
%canon_reldir%_unit_scan_t_LDFLAGS = $(SANITIZED_LINK)
%canon_reldir%_unit_configuration_t_CFLAGS = $(SANITIZED_CFLAGS)
%canon_reldir%_unit_configuration_t_LDADD = $(SANITIZED_LIBS)
%canon_reldir%_unit_configuration_t_LDFLAGS = $(SANITIZED_LINK)
%canon_reldir%_unit_sockaddr_t_CFLAGS = $(SANITIZED_CFLAGS)
%canon_reldir%_unit_sockaddr_t_LDADD = $(SANITIZED_LIBS)
%canon_reldir%_unit_sockaddr_t_LDFLAGS = $(SANITIZED_LINK)
%canon_reldir%_unit_policy_t_CFLAGS = $(SANITIZED_CFLAGS)
%canon_reldir%_unit_policy_t_LDADD = $(SANITIZED_LIBS)
%canon_reldir%_unit_policy_t_LDFLAGS = $(SANITIZED_LINK)
%canon_reldir%_unit_event_t_CFLAGS = $(SANITIZED_CFLAGS)
%canon_reldir%_unit_event_t_LDADD = $(SANITIZED_LIBS)
%canon_reldir%_unit_event_t_LDFLAGS = $(SANITIZED_LINK)
%canon_reldir%_unit_report_t_CFLAGS = $(SANITIZED_CFLAGS)
%canon_reldir%_unit_report_t_LDADD = $(SANITIZED_LIBS)
%canon_reldir%_unit_report_t_LDFLAGS = $(SANITIZED_LINK)
%canon_reldir%_unit_census_t_CFLAGS = $(SANITIZED_CFLAGS)
%canon_reldir%_unit_census_t_LDADD = $(SANITIZED_LIBS)
%canon_reldir%_unit_census_t_LDFLAGS = $(SANITIZED_LINK)

# Longest first (their serial times, 2026-12-04): make -j starts them in
# this order, so that no long test starts last and runs alone.
SH_TESTS = \
	%reldir%/e2e/debian-package.sh \
	%reldir%/e2e/demo.sh \
	%reldir%/e2e/signal-safety-cpython.sh \
	%reldir%/e2e/closewait.sh \
	%reldir%/e2e/diagnostics.sh \
	%reldir%/e2e/live-report.sh \
	%reldir%/e2e/no-false-positives.sh \
	%reldir%/e2e/san-diagnostics.sh \
	%reldir%/e2e/runtimes.sh \
	%reldir%/e2e/rules.sh \
	%reldir%/e2e/hostile-input.sh \
	%reldir%/e2e/signal-safety.sh \
	%reldir%/e2e/unseen-closes.sh \
	%reldir%/source/style.sh \
	%reldir%/e2e/no-false-positives-socat.sh \
	%reldir%/e2e/log.sh \
	%reldir%/e2e/modes.sh \
	%reldir%/e2e/no-false-positives-http11.sh \
	%reldir%/e2e/direct.sh \
	%reldir%/e2e/san-modes.sh \
	%reldir%/e2e/robustness.sh \
	%reldir%/e2e/policy-matrix.sh \
	%reldir%/e2e/connect-timeout.sh \
	%reldir%/e2e/unmodified.sh \
	%reldir%/e2e/no-false-positives-controls.sh \
	%reldir%/e2e/san-policy-matrix.sh \
	%reldir%/e2e/fd-tracking.sh \
	%reldir%/e2e/san-connect-timeout.sh \
	%reldir%/e2e/stacks.sh \
	%reldir%/e2e/san-fd-tracking.sh \
	%reldir%/source/layers.sh \
	%reldir%/e2e/malformed-env.sh \
	%reldir%/e2e/launcher.sh \
	%reldir%/e2e/launcher-honest.sh \
	%reldir%/e2e/install.sh \
	%reldir%/e2e/systemd.sh \
	%reldir%/e2e/fd-limit.sh \
	%reldir%/e2e/syslog.sh \
	%reldir%/e2e/color.sh \
	%reldir%/e2e/json-schema.sh \
	%reldir%/e2e/report-tool.sh \
	%reldir%/e2e/report-html.sh \
	%reldir%/e2e/report-symbols.sh \
	%reldir%/e2e/san-malformed-env.sh \
	%reldir%/e2e/exports.sh \
	%reldir%/e2e/timewait.sh \
	%reldir%/e2e/san-timewait.sh

TESTS = $(SH_TESTS) $(C_TESTS)
TEST_EXTENSIONS = .sh
LOG_DRIVER = env AM_TAP_AWK='$(AWK)' $(SHELL) $(top_srcdir)/build-aux/tap-driver.sh
SH_LOG_DRIVER = $(LOG_DRIVER)
SH_LOG_COMPILER = $(SHELL)
# The tests find everything they run through these variables.
AM_TESTS_ENVIRONMENT = \
	SOCKSHIM_TEST_LIB='$(abs_top_builddir)/lib/.libs/libsockshim.so'; \
	SOCKSHIM_TEST_BUILD='$(abs_top_builddir)'; \
	SOCKSHIM_TEST_SRC='$(abs_top_srcdir)'; \
	SOCKSHIM_TEST_SAN_LIB='$(TEST_SAN_LIB)'; \
	export SOCKSHIM_TEST_LIB SOCKSHIM_TEST_BUILD SOCKSHIM_TEST_SRC \
	SOCKSHIM_TEST_SAN_LIB;

# Sourced or run by the tests, not built.
EXTRA_DIST = $(SH_TESTS) %reldir%/tap/libtap.sh %reldir%/tap/events.sh \
	%reldir%/tap/runs.sh %reldir%/tap/logfiles.sh %reldir%/tap/quiet.sh \
	%reldir%/tap/sanitized.sh %reldir%/helpers/jcheck.py \
	%reldir%/helpers/layers.py %reldir%/helpers/pagecheck.py \
	%reldir%/helpers/echo-client.py
