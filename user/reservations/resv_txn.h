/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * resv_txn.h - one change to the reservations in force
 * (user/reservations/resv_txn.c), as reserve, grant, release and a policy load
 * make it: the store opened and locked, its configuration and reservations read
 * once, the puts and deletes put in force by one commit, and one way back.
 * Whatever was put and not committed is undone at resv_txn_end; a commit that
 * fails leaves the state in force as it was.
 */
#ifndef PCRW_RESV_TXN_H
#define PCRW_RESV_TXN_H

#include <stdbool.h>
#include <stddef.h>

#include "resv_store.h"

struct resv_txn {
	struct pcrw_veto_cfg cfg;
	/* In force at begin, ascending id, with room for one more: room for
	 * PCRW_STORE_ENTRIES. */
	struct pcrw_resv *all;
	size_t n;
	bool locked;
};

/* Open the store (creating it when @create), lock it, read its
 * configuration and reservations. 0 or a negative errno (-ENOENT: no
 * store yet); resv_txn_end either way. */
int resv_txn_begin(struct resv_txn *t, bool create);
/* Put in force what was put and deleted since begin (resv_store_put and
 * _del), in one switch of the vetoes' index; on failure nothing changes. 0
 * or a negative errno. */
int resv_txn_commit(struct resv_txn *t);
/* Put @r (new, or changed in place) and commit: PCRW_EXIT_OK, or the exit
 * status for @cmd, said, with nothing changed. */
int resv_txn_save(struct resv_txn *t, const struct pcrw_resv *r,
		  const char *cmd);
/* Take back reservation @id, which the last commit put in force, because a
 * check that could only be made once it was in force failed. 0 or a
 * negative errno (it stays in force). */
int resv_txn_revert(struct resv_txn *t, __u64 id);
/* Undo what was not committed, unlock, free. */
void resv_txn_end(struct resv_txn *t);

#endif
