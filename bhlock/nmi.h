/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * nmi.h - the NMI-like context: a signal handler that bhlock runs with in_nmi() true.
 *
 * bh_nmi_register(sig, fn) installs a handler for sig; when the signal hits a thread, fn runs on
 * that thread between nmi_enter() and nmi_exit() (NMI and hardirq counts raised), exactly where
 * the thread was interrupted — inside a BH section, holding a lock, or anywhere. Tests use this
 * to prove that rqspinlock, the maps and the nolock pool never deadlock when re-entered.
 * bh_nmi_raise(thread, sig) sends it to one thread.
 *
 * Context: fn runs in a signal handler: only async-signal-safe code and the nolock APIs.
 */
#ifndef BHLOCK_NMI_H
#define BHLOCK_NMI_H

#include <pthread.h>
#include "compiler.h"

typedef void (*bh_nmi_fn)(int sig, void *arg);

/* Return: 0 or -errno. */
int bh_nmi_register(int sig, bh_nmi_fn fn, void *arg);
int bh_nmi_unregister(int sig);
int bh_nmi_raise(pthread_t thread, int sig);
void nmi_enter(void);
void nmi_exit(void);

#endif /* BHLOCK_NMI_H */
