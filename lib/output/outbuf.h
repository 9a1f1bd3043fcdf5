/*
 * outbuf.h — bounded text building without stdio or malloc.
 *
 * Events are formatted on the wrapped paths, which may run in a signal
 * handler; snprintf is not async-signal-safe, so this is the formatter.
 * Appends past the capacity are dropped and `truncated` is set; the buffer
 * always stays NUL-terminated.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#ifndef SOCKSHIM_OUTBUF_H
#define SOCKSHIM_OUTBUF_H

#include <stddef.h>
#include <stdint.h>

struct outbuf {
    char *buf;
    size_t cap; /* bytes in buf, including room for the final NUL */
    size_t len;
    int truncated;
};

/* Start an empty buffer over BUF[CAP] (CAP >= 1). */
void ob_init(struct outbuf *ob, char *buf, size_t cap);
void ob_char(struct outbuf *ob, char c);
void ob_str(struct outbuf *ob, const char *s);
/* At most N bytes of S. */
void ob_strn(struct outbuf *ob, const char *s, size_t n);
void ob_uint(struct outbuf *ob, unsigned long long v);
void ob_int(struct outbuf *ob, long long v);
void ob_hex(struct outbuf *ob, unsigned long long v);
/* Zero-padded to WIDTH digits. */
void ob_uint_pad(struct outbuf *ob, unsigned long long v, int width);
/* S as a JSON string literal, quotes included: quotes and backslashes
 * escaped, control bytes and every byte that is not part of well-formed
 * UTF-8 as \u00XX (a path or a program name may hold any byte; a raw one
 * would make the line invalid JSON). At most MAX bytes of S, never half a
 * character, then "..." inside the quotes when S was longer, so that a
 * string never runs past the buffer and leaves the JSON unterminated. */
void ob_json_strn(struct outbuf *ob, const char *s, size_t max);
void ob_json_str(struct outbuf *ob, const char *s);
/* S for a human: non-printable bytes as \xNN, at most MAX bytes of S
 * (then "..."), in double quotes. For echoing bad input back safely. */
void ob_quoted(struct outbuf *ob, const char *s, size_t max);
/* S with control bytes, quotes and backslashes as \xNN, at most MAX bytes
 * of S (then "..."): text that can never forge a second log line. */
void ob_escaped(struct outbuf *ob, const char *s, size_t max);
/* A duration in ms in its shortest exact unit: "2s", "1500ms", "3m". */
void ob_duration_ms(struct outbuf *ob, unsigned long long ms);

#endif
