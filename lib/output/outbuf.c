/*
 * outbuf.c — bounded text building (see outbuf.h).
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#include "config.h"

#include "output/outbuf.h"

#include <string.h>

void ob_init(struct outbuf *ob, char *buf, size_t cap) {
    ob->buf = buf;
    ob->cap = cap;
    ob->len = 0;
    ob->truncated = 0;
    buf[0] = '\0';
}

/* Append LEN bytes of S. */
static void ob_bytes(struct outbuf *ob, const char *s, size_t len) {
    size_t room = ob->cap - 1 - ob->len;
    if (len > room) {
        len = room;
        ob->truncated = 1;
    }
    memcpy(ob->buf + ob->len, s, len);
    ob->len += len;
    ob->buf[ob->len] = '\0';
}

void ob_strn(struct outbuf *ob, const char *s, size_t n) {
    ob_bytes(ob, s, strnlen(s, n));
}

void ob_str(struct outbuf *ob, const char *s) { ob_bytes(ob, s, strlen(s)); }

void ob_char(struct outbuf *ob, char c) { ob_bytes(ob, &c, 1); }

void ob_uint_pad(struct outbuf *ob, unsigned long long v, int width) {
    char digits[24];
    int n = 0;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    while (n < width && n < (int)sizeof digits)
        digits[n++] = '0';
    while (n > 0)
        ob_char(ob, digits[--n]);
}

void ob_uint(struct outbuf *ob, unsigned long long v) { ob_uint_pad(ob, v, 1); }

void ob_int(struct outbuf *ob, long long v) {
    if (v < 0) {
        ob_char(ob, '-');
        ob_uint(ob, 0ULL - (unsigned long long)v);
    } else {
        ob_uint(ob, (unsigned long long)v);
    }
}

void ob_hex(struct outbuf *ob, unsigned long long v) {
    char digits[16];
    int n = 0;
    do {
        digits[n++] = "0123456789abcdef"[v & 15];
        v >>= 4;
    } while (v != 0);
    ob_str(ob, "0x");
    while (n > 0)
        ob_char(ob, digits[--n]);
}

static void ob_escape_byte(struct outbuf *ob, unsigned char c, int json) {
    ob_str(ob, json ? "\\u00" : "\\x");
    ob_char(ob, "0123456789abcdef"[c >> 4]);
    ob_char(ob, "0123456789abcdef"[c & 15]);
}

/* The length of the well-formed UTF-8 character at S (RFC 3629: no
 * overlong form, no surrogate, nothing above U+10FFFF), or 0. Reads no
 * further than the first byte that breaks it, so never past S's NUL. */
static size_t utf8_length(const unsigned char *s) {
    size_t n = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : 2;
    /* The second byte's range is narrower after E0 and F0 (overlong
     * forms), ED (surrogates) and F4 (above U+10FFFF). */
    unsigned lo = s[0] == 0xe0 ? 0xa0 : s[0] == 0xf0 ? 0x90 : 0x80;
    unsigned hi = s[0] == 0xed ? 0x9f : s[0] == 0xf4 ? 0x8f : 0xbf;
    if (s[0] < 0xc2 || s[0] > 0xf4 || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    return n;
}

void ob_json_strn(struct outbuf *ob, const char *s, size_t max) {
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    ob_char(ob, '"');
    while (p[i] != '\0' && i < max) {
        unsigned char c = p[i];
        size_t n = c >= 0x80 ? utf8_length(p + i) : 1;
        if (n > max - i)
            break;
        if (c == '"' || c == '\\') {
            ob_char(ob, '\\');
            ob_char(ob, (char)c);
        } else if (c < 0x20 || c == 0x7f || n == 0) {
            ob_escape_byte(ob, c, 1);
        } else {
            ob_strn(ob, s + i, n);
        }
        i += n != 0 ? n : 1;
    }
    if (p[i] != '\0')
        ob_str(ob, "...");
    ob_char(ob, '"');
}

void ob_json_str(struct outbuf *ob, const char *s) {
    ob_json_strn(ob, s, (size_t)-1);
}

/* S escaped as in ob_escaped, up to MAX bytes; returns 1 when cut. */
static int ob_escaped_part(struct outbuf *ob, const char *s, size_t max) {
    size_t i;
    for (i = 0; s[i] != '\0' && i < max; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
            ob_escape_byte(ob, c, 0);
        else
            ob_char(ob, (char)c);
    }
    return s[i] != '\0';
}

void ob_escaped(struct outbuf *ob, const char *s, size_t max) {
    if (ob_escaped_part(ob, s, max))
        ob_str(ob, "...");
}

void ob_quoted(struct outbuf *ob, const char *s, size_t max) {
    ob_char(ob, '"');
    int cut = ob_escaped_part(ob, s, max);
    ob_char(ob, '"');
    if (cut)
        ob_str(ob, "...");
}

void ob_duration_ms(struct outbuf *ob, unsigned long long ms) {
    if (ms != 0 && ms % 60000 == 0) {
        ob_uint(ob, ms / 60000);
        ob_char(ob, 'm');
    } else if (ms % 1000 == 0) {
        ob_uint(ob, ms / 1000);
        ob_char(ob, 's');
    } else {
        ob_uint(ob, ms);
        ob_str(ob, "ms");
    }
}
