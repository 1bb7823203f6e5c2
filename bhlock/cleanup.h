/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * cleanup.h - scope-based cleanup: classes, guards and scoped guards over
 * __attribute__((cleanup)), with the same notation as the kernel's include/linux/cleanup.h.
 *
 *   DEFINE_CLASS(name, type, exit, init, args...)  a type with a constructor and a destructor
 *   CLASS(name, var)(args)                         a variable destroyed at the end of its scope
 *   DEFINE_GUARD(name, type, lock, unlock)         a class that locks on entry, unlocks on exit
 *   DEFINE_GUARD_COND(name, ext, condlock)         its trylock form: name##ext; NULL when it fails
 *   DEFINE_LOCK_GUARD_1(name, type, lock, unlock, extra fields...) for locks with extra state
 *   guard(name)(args);                             lock to the end of the enclosing block
 *   scoped_guard(name, args) stmt                  lock for stmt only; a conditional guard skips
 *                                                  stmt when the lock was not taken
 *   scoped_cond_guard(name, fail, args) stmt       ... and runs fail instead
 *
 * Rules (as in the kernel): destructors run in reverse order of declaration; a goto may not jump
 * into the scope of a guard (clang refuses it, gcc does not: do not rely on gcc); do not mix a goto
 * cleanup ladder and guards in one function; `break` inside scoped_guard leaves the guard only.
 *
 * Lock sites: in debug builds guard() records where it stands so that the lock validator reports
 * the guard's file:line, not this header's.
 */
#ifndef BHLOCK_CLEANUP_H
#define BHLOCK_CLEANUP_H

#include "compiler.h"
#include "task.h"

#define __cleanup(fn) __attribute__((cleanup(fn)))

#ifdef BHLOCK_DEBUG
#define __guard_site_set() (current->lockdep.next_site = BH_THIS_SITE)
#define __guard_site() (current->lockdep.next_site)
#else
#define __guard_site_set() ((void)0)
#define __guard_site() ((const char *)0)
#endif

#define DEFINE_CLASS(_name, _type, _exit, _init, _init_args...)                                    \
	typedef _type class_##_name##_t;                                                           \
	static __always_inline void class_##_name##_destructor(_type *__p)                         \
	{                                                                                          \
		_type _T = *__p;                                                                   \
		(void)_T;                                                                          \
		_exit;                                                                             \
	}                                                                                          \
	static __always_inline _type class_##_name##_constructor(_init_args)                       \
	{                                                                                          \
		_type __t = _init;                                                                 \
		return __t;                                                                        \
	}

#define EXTEND_CLASS(_name, _ext, _init, _init_args...)                                            \
	typedef class_##_name##_t class_##_name##_ext##_t;                                         \
	static __always_inline void class_##_name##_ext##_destructor(class_##_name##_t *__p)       \
	{                                                                                          \
		class_##_name##_destructor(__p);                                                   \
	}                                                                                          \
	static __always_inline class_##_name##_t class_##_name##_ext##_constructor(_init_args)     \
	{                                                                                          \
		class_##_name##_t __t = _init;                                                     \
		return __t;                                                                        \
	}

/* The constructor is reached through a comma expression so that guard() can record its site. */
#define CLASS(_name, _var)                                                                         \
	class_##_name##_t _var __cleanup(class_##_name##_destructor) =                             \
		(__guard_site_set(), class_##_name##_constructor)

#define DEFINE_GUARD(_name, _type, _lock, _unlock)                                                 \
	DEFINE_CLASS(_name, _type, if (_T) { _unlock; }, ({ _lock; _T; }), _type _T)               \
	static __always_inline void *class_##_name##_lock_ptr(class_##_name##_t *__p)              \
	{                                                                                          \
		return (void *)*__p;                                                               \
	}                                                                                          \
	enum { class_##_name##_is_conditional = 0 }

#define DEFINE_GUARD_COND(_name, _ext, _condlock)                                                  \
	EXTEND_CLASS(_name, _ext, ({                                                               \
			     void *__l = (void *)_T;                                               \
			     if (_T && !(_condlock))                                               \
				     __l = NULL;                                                   \
			     __l;                                                                  \
		     }),                                                                           \
		     class_##_name##_t _T)                                                         \
	static __always_inline void *class_##_name##_ext##_lock_ptr(class_##_name##_t *__p)        \
	{                                                                                          \
		return class_##_name##_lock_ptr(__p);                                              \
	}                                                                                          \
	enum { class_##_name##_ext##_is_conditional = 1 }

/* Lock guards whose class is a struct: the lock pointer plus extra state (e.g. irq flags). */
#define __DEFINE_LOCK_GUARD_STRUCT(_name, _type, _extra...)                                        \
	typedef struct {                                                                           \
		_type *lock;                                                                       \
		_extra;                                                                            \
	} class_##_name##_t;                                                                       \
	static __always_inline void class_##_name##_destructor(class_##_name##_t *_T)              \
	{                                                                                          \
		if (_T->lock) {                                                                    \
			__guard_unlock_##_name(_T);                                                \
		}                                                                                  \
	}                                                                                          \
	static __always_inline void *class_##_name##_lock_ptr(class_##_name##_t *_T)               \
	{                                                                                          \
		return (void *)_T->lock;                                                           \
	}

#define DEFINE_LOCK_GUARD_1(_name, _type, _lock, _unlock, _extra...)                               \
	struct __guard_dummy_##_name;                                                              \
	static __always_inline void __guard_unlock_##_name(void *__t);                             \
	__DEFINE_LOCK_GUARD_STRUCT(_name, _type, _extra)                                           \
	static __always_inline void __guard_unlock_##_name(void *__t)                              \
	{                                                                                          \
		class_##_name##_t *_T = __t;                                                       \
		_unlock;                                                                           \
	}                                                                                          \
	static __always_inline class_##_name##_t class_##_name##_constructor(_type *l)             \
	{                                                                                          \
		class_##_name##_t __t = { .lock = l }, *_T = &__t;                                 \
		_lock;                                                                             \
		return __t;                                                                        \
	}                                                                                          \
	enum { class_##_name##_is_conditional = 0 }

/* A guard with no lock object of its own (local_bh_disable, migrate_disable): guard(name)(). */
#define DEFINE_LOCK_GUARD_0(_name, _lock, _unlock)                                                 \
	typedef struct {                                                                           \
		void *lock;                                                                        \
	} class_##_name##_t;                                                                       \
	static __always_inline void class_##_name##_destructor(class_##_name##_t *_T)              \
	{                                                                                          \
		if (_T->lock) {                                                                    \
			_unlock;                                                                   \
		}                                                                                  \
	}                                                                                          \
	static __always_inline void *class_##_name##_lock_ptr(class_##_name##_t *_T)               \
	{                                                                                          \
		return _T->lock;                                                                   \
	}                                                                                          \
	static __always_inline class_##_name##_t class_##_name##_constructor(void)                 \
	{                                                                                          \
		class_##_name##_t __t = { .lock = (void *)1 };                                     \
		_lock;                                                                             \
		return __t;                                                                        \
	}                                                                                          \
	enum { class_##_name##_is_conditional = 0 }

#define guard(_name) CLASS(_name, __UNIQUE_ID(guard))

#define __guard_ptr(_name) class_##_name##_lock_ptr
#define __is_cond_ptr(_name) class_##_name##_is_conditional

/*
 * One pass of a for loop owns the guard: the body runs once if the lock is held (always, for an
 * unconditional guard), and the guard is destroyed when the loop ends, however it ends.
 */
#define __scoped_guard(_name, _done, args...)                                                      \
	for (CLASS(_name, __scope)(args), *_done = NULL;                                           \
	     !_done && (__guard_ptr(_name)(&__scope) || !__is_cond_ptr(_name));                    \
	     _done = (void *)1)
#define scoped_guard(_name, args...) __scoped_guard(_name, __UNIQUE_ID(done), args)

#define __scoped_cond_guard(_name, _done, _fail, args...)                                          \
	for (CLASS(_name, __scope)(args), *_done = NULL; !_done; _done = (void *)1)                \
		if (!__guard_ptr(_name)(&__scope)) {                                               \
			_fail;                                                                     \
		} else
#define scoped_cond_guard(_name, _fail, args...)                                                   \
	__scoped_cond_guard(_name, __UNIQUE_ID(done), _fail, args)

#endif /* BHLOCK_CLEANUP_H */
