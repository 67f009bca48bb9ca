/* sshlog: which connection a line belongs to. A hash of PIDs (the
 * sshd process that wrote it, and the children sshd names) to the open
 * connection; the open connections in a list, least recently active first
 * (the caps report from its head); the name-list bytes each one holds. */
#include <stdlib.h>

#include "internal.h"
#include "words.h"

static struct pident **
pid_slot(struct kx_sshlog *l, uint32_t pid)
{
	/* Knuth's multiplicative hash spreads sequential PIDs. */
	struct pident **pp =
	    &l->bucket[(pid * 2654435761u) & (PID_BUCKETS - 1)];

	while (*pp != NULL && (*pp)->pid != pid)
		pp = &(*pp)->next;
	return pp;
}

struct lconn *
kx_sshlog_pid_conn(struct kx_sshlog *l, uint32_t pid)
{
	struct pident *e = *pid_slot(l, pid);

	return e != NULL ? e->lc : NULL;
}

void
kx_sshlog_pid_unbind(struct kx_sshlog *l, uint32_t pid, const struct lconn *lc)
{
	struct pident **pp = pid_slot(l, pid), *e = *pp;

	if (e != NULL && e->lc == lc) {
		*pp = e->next;
		free(e);
	}
}

/* Makes pid lead to lc (taking it from a connection it led to before:
 * PIDs are reused). */
void
kx_sshlog_pid_bind(struct kx_sshlog *l, struct lconn *lc, uint32_t pid)
{
	struct pident **pp = pid_slot(l, pid), *e = *pp;

	if (e != NULL) {
		struct lconn *old = e->lc;

		for (uint8_t i = 0; i < old->npids; i++)
			if (old->pids[i] == pid)
				old->pids[i] = old->pids[--old->npids];
		e->lc = lc;
	} else {
		if ((e = calloc(1, sizeof(*e))) == NULL)
			return;
		e->pid = pid;
		e->lc = lc;
		*pp = e;
	}
	if (lc->npids < KX_SSHLOG_PIDS_PER_CONN)
		lc->pids[lc->npids++] = pid;
	else
		kx_sshlog_pid_unbind(l, pid, lc);   /* cannot remember it: let it go */
}

void
kx_sshlog_open_unlink(struct kx_sshlog *l, struct lconn *lc)
{
	if (lc->prev != NULL)
		lc->prev->next = lc->next;
	else
		l->head = lc->next;
	if (lc->next != NULL)
		lc->next->prev = lc->prev;
	else
		l->tail = lc->prev;
	lc->prev = lc->next = NULL;
}

void
kx_sshlog_open_append(struct kx_sshlog *l, struct lconn *lc)
{
	lc->prev = l->tail;
	lc->next = NULL;
	if (l->tail != NULL)
		l->tail->next = lc;
	else
		l->head = lc;
	l->tail = lc;
}

void
kx_sshlog_touch(struct kx_sshlog *l, struct lconn *lc)
{
	if (l->tail != lc) {
		kx_sshlog_open_unlink(l, lc);
		kx_sshlog_open_append(l, lc);
	}
}

void
kx_sshlog_held_add(struct kx_sshlog *l, struct lconn *lc, size_t n)
{
	lc->held += n;
	l->held += n;
	if (l->held > l->st.held_peak)
		l->st.held_peak = l->held;
}

void
kx_sshlog_held_sub(struct kx_sshlog *l, struct lconn *lc, size_t n)
{
	if (n > lc->held)
		n = lc->held;
	lc->held -= n;
	l->held -= n;
}

