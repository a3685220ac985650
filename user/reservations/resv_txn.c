// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* One change to the reservations in force (resv_txn.h). */
#include <stdlib.h>
#include <string.h>

#include "messages.h"
#include "resv_cmd.h"
#include "resv_txn.h"

int resv_txn_begin(struct resv_txn *t, bool create)
{
	int err;

	memset(t, 0, sizeof(*t));
	err = resv_store_open(create);
	if (err)
		return err;
	err = resv_store_lock();
	if (err)
		return err;
	t->locked = true;
	err = resv_store_get_cfg(&t->cfg);
	return err ?: resv_load_all(&t->all, &t->n);
}

int resv_txn_commit(struct resv_txn *t)
{
	int err = resv_store_commit();

	if (err)
		resv_store_abort();
	return err;
}

int resv_txn_save(struct resv_txn *t, const struct pcrw_resv *r,
		  const char *cmd)
{
	int err = resv_store_put(r);

	if (!err)
		err = resv_txn_commit(t);
	return err ? resv_store_error(cmd, err) : PCRW_EXIT_OK;
}

int resv_txn_revert(struct resv_txn *t, __u64 id)
{
	return resv_store_del(id) ?: resv_txn_commit(t);
}

void resv_txn_end(struct resv_txn *t)
{
	resv_store_abort();
	if (t->locked)
		resv_store_unlock();
	free(t->all);
	memset(t, 0, sizeof(*t));
}
