/*
 * export.h — marks the functions the preload library exports: the libc
 * names it wraps, and nothing else (everything is built hidden, and
 * libsockshim.map lists the same names).
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#ifndef SOCKSHIM_EXPORT_H
#define SOCKSHIM_EXPORT_H

#define EXPORT __attribute__((visibility("default")))

#endif
