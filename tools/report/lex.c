/*
 * lex.c — JSON read in place (see lex.h): a recursive descent over the
 * grammar that builds nothing. Where jansson would reject a text (a bad
 * escape, an integer too big, a lone surrogate) these functions refuse
 * it too, so that the scanner never takes a line jansson would not.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#include "lex.h"

#include <string.h>

#include "stacktext.h"

const unsigned char lex_plain[256] = {
    [0x20 ... 0x21] = 1, [0x23 ... 0x5b] = 1, [0x5d ... 0x7e] = 1};

static int hex4(const char *p, const char *end, unsigned *out) {
    if (end - p < 4)
        return -1;
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
            v |= (unsigned)((c | 0x20) - 'a' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

/* Put code point CP into OUT as UTF-8; returns the bytes written. */
static size_t put_utf8(char *out, unsigned cp) {
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xe0 | cp >> 12);
        out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | cp >> 18);
    out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
    out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

const char *lex_string(const char *p, const char *end, char *out) {
    p++;
    for (;;) {
        const char *q = p;
        while (q < end && lex_plain[(unsigned char)*q])
            q++;
        if (out != NULL) {
            memcpy(out, p, (size_t)(q - p));
            out += q - p;
        }
        if (q >= end)
            return NULL;
        if (*q == '"') {
            if (out != NULL)
                *out = '\0';
            return q + 1;
        }
        if (*q != '\\' || q + 1 >= end)
            return NULL;
        char c = q[1], dec;
        p = q + 2;
        switch (c) {
        case '"':
            dec = '"';
            break;
        case '\\':
            dec = '\\';
            break;
        case '/':
            dec = '/';
            break;
        case 'b':
            dec = '\b';
            break;
        case 'f':
            dec = '\f';
            break;
        case 'n':
            dec = '\n';
            break;
        case 'r':
            dec = '\r';
            break;
        case 't':
            dec = '\t';
            break;
        case 'u': {
            unsigned cp, lo;
            if (hex4(p, end, &cp) != 0 || cp == 0 ||
                (cp >= 0xdc00 && cp <= 0xdfff))
                return NULL;
            p += 4;
            if (cp >= 0xd800 && cp <= 0xdbff) {
                if (end - p < 6 || p[0] != '\\' || p[1] != 'u' ||
                    hex4(p + 2, end, &lo) != 0 || lo < 0xdc00 || lo > 0xdfff)
                    return NULL;
                p += 6;
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            }
            if (out != NULL)
                out += put_utf8(out, cp);
            continue;
        }
        default:
            return NULL;
        }
        if (out != NULL)
            *out++ = dec;
    }
}

const char *lex_number(const char *p, const char *end, int *is_int,
                       long long *value) {
    const char *start = p;
    if (p < end && *p == '-')
        p++;
    const char *digits = p;
    if (p < end && *p == '0')
        p++;
    else if (p < end && *p >= '1' && *p <= '9')
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    else
        return NULL;
    size_t ndigits = (size_t)(p - digits);
    int integer = 1;
    if (p < end && *p == '.') {
        integer = 0;
        if (++p >= end || *p < '0' || *p > '9')
            return NULL;
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        integer = 0;
        if (++p < end && (*p == '+' || *p == '-'))
            p++;
        if (p >= end || *p < '0' || *p > '9')
            return NULL;
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    }
    *is_int = integer;
    if (integer) {
        /* 18 digits always fit; longer ones are left to jansson. */
        if (ndigits > 18)
            return NULL;
        long long v = 0;
        for (const char *d = digits; d < p; d++)
            v = v * 10 + (*d - '0');
        *value = *start == '-' ? -v : v;
    }
    return p;
}

/* Whether the raw key K (N bytes) names a stack. */
static int is_stack_key(const char *k, size_t n) {
    return (n == 5 && memcmp(k, "stack", 5) == 0) ||
           (n == 10 && memcmp(k, "created_at", 10) == 0) ||
           (n == 9 && memcmp(k, "closed_at", 9) == 0);
}

/* The array or object at P (its bracket), checked. */
static const char *lex_container(const char *p, const char *end, int depth) {
    if (depth > LEX_MAX_NEST)
        return NULL;
    char close = *p == '[' ? ']' : '}';
    int object = *p == '{';
    p = lex_ws(p + 1, end);
    if (p < end && *p == close)
        return p + 1;
    for (;;) {
        int stack = 0;
        if (object) {
            const char *key = p + 1;
            if (p >= end || *p != '"' || (p = lex_string(p, end, NULL)) == NULL)
                return NULL;
            stack = is_stack_key(key, (size_t)(p - 1 - key));
            p = lex_ws(p, end);
            if (p >= end || *p != ':')
                return NULL;
            p = lex_ws(p + 1, end);
        }
        const struct stack_text *text;
        p = stack && p < end && *p == '['
                ? stack_text_skip(p, end, depth + 1, &text)
                : lex_value(p, end, depth + 1);
        if (p == NULL)
            return NULL;
        p = lex_ws(p, end);
        if (p < end && *p == close)
            return p + 1;
        if (p >= end || *p != ',')
            return NULL;
        p = lex_ws(p + 1, end);
    }
}

const char *lex_value(const char *p, const char *end, int depth) {
    if (p >= end)
        return NULL;
    int is_int;
    long long v;
    switch (*p) {
    case '"':
        return lex_string(p, end, NULL);
    case '{':
    case '[':
        return lex_container(p, end, depth);
    case 't':
        return end - p >= 4 && memcmp(p, "true", 4) == 0 ? p + 4 : NULL;
    case 'f':
        return end - p >= 5 && memcmp(p, "false", 5) == 0 ? p + 5 : NULL;
    case 'n':
        return end - p >= 4 && memcmp(p, "null", 4) == 0 ? p + 4 : NULL;
    default:
        return lex_number(p, end, &is_int, &v);
    }
}

const char *lex_shape_end(const char *p, const char *end, int *nest) {
    int depth = 0, deepest = 0;
    for (; p < end; p++) {
        switch (*p) {
        case '"':
            for (p++; p < end && *p != '"'; p++)
                if (*p == '\\')
                    p++;
            if (p >= end)
                return NULL;
            break;
        case '[':
        case '{':
            if (++depth > deepest)
                deepest = depth;
            break;
        case ']':
        case '}':
            if (--depth == 0) {
                *nest = deepest;
                return p + 1;
            }
            break;
        default:
            break;
        }
    }
    return NULL;
}

const char *lex_skip_checked(const char *p, const char *end) {
    int nest;
    if (*p == '[' || *p == '{')
        return lex_shape_end(p, end, &nest);
    if (*p == '"')
        return lex_string(p, end, NULL);
    while (p < end && *p != ',' && *p != ']' && *p != '}' && *p != ' ' &&
           *p != '\t' && *p != '\n' && *p != '\r')
        p++;
    return p;
}
