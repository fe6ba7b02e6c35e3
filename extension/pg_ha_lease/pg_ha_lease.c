/*
 * pg_ha_lease: no commit is acknowledged after the leader lease's deadline, even when the
 * whole node was frozen (a paused VM: agent, fence guard, postmaster and backends stopped
 * alike, so that nothing outside the backend can stop it in time on resume).
 *
 * The pg-ha agent writes the deadline of its write fence into the file named by
 * `pg_ha_lease.file` (8 bytes: CLOCK_MONOTONIC nanoseconds, native byte order; 0 = no
 * deadline), in place, after every lease renewal. Every backend maps that file once and, for
 * every transaction that wrote:
 *
 * - before the commit record (XACT_EVENT_PRE_COMMIT): refuses to commit once the deadline
 *   passed (ERROR: the transaction aborts);
 * - after the commit record was flushed and any synchronous replication wait ended
 *   (XACT_EVENT_COMMIT): if the deadline passed meanwhile (the node was frozen in between),
 *   shuts the client connection down, so the commit is never acknowledged.
 *
 * The cost per commit is one clock_gettime (vDSO) and one memory load. Load it with
 * `shared_preload_libraries = 'pg_ha_lease'`.
 */
#include "postgres.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "access/transam.h"
#include "access/xact.h"
#include "fmgr.h"
#include "libpq/libpq-be.h"
#include "miscadmin.h"
#include "utils/guc.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/* The lease file (GUC pg_ha_lease.file); empty: nothing is enforced. */
static char *lease_file = NULL;

/* The mapped deadline, once the file exists and has its 8 bytes. */
static volatile const uint64 *deadline = NULL;

/* The current transaction wrote (its xid, cleared before XACT_EVENT_COMMIT, was valid). */
static bool wrote = false;

static void
map_deadline(void)
{
	int			fd;
	struct stat st;
	void	   *p;

	if (lease_file == NULL || lease_file[0] == '\0')
		return;
	fd = open(lease_file, O_RDONLY);
	if (fd < 0)
		return;
	if (fstat(fd, &st) == 0 && st.st_size >= (off_t) sizeof(uint64))
	{
		p = mmap(NULL, sizeof(uint64), PROT_READ, MAP_SHARED, fd, 0);
		if (p != MAP_FAILED)
			deadline = (volatile const uint64 *) p;
	}
	close(fd);
}

static bool
lease_expired(void)
{
	struct timespec ts;
	uint64		until;

	if (deadline == NULL)
		map_deadline();
	if (deadline == NULL)
		return false;
	until = *deadline;
	if (until == 0)
		return false;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64) ts.tv_sec * UINT64CONST(1000000000) + (uint64) ts.tv_nsec >= until;
}

static void
lease_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
			wrote = TransactionIdIsValid(GetTopTransactionIdIfAny());
			if (wrote && lease_expired())
				ereport(ERROR,
						(errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
						 errmsg("pg_ha_lease: the leader lease has expired; not committing")));
			break;
		case XACT_EVENT_COMMIT:
			if (wrote && lease_expired() && MyProcPort != NULL)
			{
				shutdown(MyProcPort->sock, SHUT_RDWR);
				ereport(LOG,
						(errmsg("pg_ha_lease: the leader lease expired during a commit; "
								"closed the connection without acknowledging it")));
			}
			wrote = false;
			break;
		case XACT_EVENT_ABORT:
			wrote = false;
			break;
		default:
			break;
	}
}

void
_PG_init(void)
{
	DefineCustomStringVariable("pg_ha_lease.file",
							   "File holding the leader lease deadline written by pg-ha.",
							   NULL,
							   &lease_file,
							   "",
							   PGC_POSTMASTER,
							   0,
							   NULL, NULL, NULL);
	MarkGUCPrefixReserved("pg_ha_lease");
	RegisterXactCallback(lease_xact_callback, NULL);
}
