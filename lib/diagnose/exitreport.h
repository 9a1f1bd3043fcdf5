/*
 * exitreport.h — the sockets still open when the process exits,
 * reported grouped by creation stack (leak_at_exit): a warning for those
 * the peer had closed (leaked), information for those merely open.
 * Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
 */
#ifndef SOCKSHIM_EXITREPORT_H
#define SOCKSHIM_EXITREPORT_H

/* At exit: the leak_at_exit events. */
void exitreport_leaks(void);

#endif
