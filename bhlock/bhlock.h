/* SPDX-License-Identifier: GPL-2.0-only */
/* bhlock.h - everything of bhlock in one include. */
#ifndef BHLOCK_BHLOCK_H
#define BHLOCK_BHLOCK_H

#include "compiler.h"
#include "percpu.h"
#include "task.h"
#include "preempt.h"
#include "profile.h"
#include "cleanup.h"
#include "lockdep.h"
#include "rt_mutex.h"
#include "bottom_half.h"
#include "softirq.h"
#include "irq.h"
#include "nmi.h"
#include "local_lock.h"
#include "rqspinlock.h"
#include "pcpu_freelist.h"
#include "nolock_pool.h"

#endif
