/* Dropping root: supplementary groups first, then the gid, then the uid
 * (the other order leaves the process unable to change its groups, or
 * holding root's); then every capability, so that a process started with
 * only CAP_NET_RAW (setcap, AmbientCapabilities=) keeps none either.
 * Everything is checked, and so is the result. */
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kexray/input/privilege.h"

const char *
kx_priv_default_user(void)
{
	if (geteuid() != 0)
		return NULL;
	if (getpwnam(KX_PRIV_USER) != NULL)
		return KX_PRIV_USER;
	fprintf(stderr, "kexray: warning: no user '%s' (see README, "
	    "\"Privilege\"); running as nobody, which other services share\n",
	    KX_PRIV_USER);
	return "nobody";
}

static int
switch_user(const char *user)
{
	struct passwd *pw;
	gid_t gid;

	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		fprintf(stderr, "kexray: -Z %.64s: no such user%s%s\n", user,
		    errno != 0 ? ": " : "", errno != 0 ? strerror(errno) : "");
		return -1;
	}
	if (pw->pw_uid == 0) {
		fprintf(stderr, "kexray: -Z %.64s: user has uid 0; give -Z root "
		    "to keep root explicitly\n", user);
		return -1;
	}
	gid = pw->pw_gid;
	/* Started as the user already (systemd's User=, with ambient
	 * capabilities): nothing to switch. */
	if (getuid() == pw->pw_uid && geteuid() == pw->pw_uid &&
	    getgid() == gid && getegid() == gid)
		return 0;
	if (setgroups(1, &gid) != 0 || setgid(gid) != 0 ||
	    setuid(pw->pw_uid) != 0) {
		fprintf(stderr, "kexray: -Z %.64s: cannot switch user: %s\n",
		    user, strerror(errno));
		return -1;
	}
	/* A dropped process must not get root back. */
	if (setuid(0) == 0 || seteuid(0) == 0 || getuid() == 0 ||
	    geteuid() == 0 || getgid() == 0 || getegid() == 0) {
		fprintf(stderr, "kexray: -Z %.64s: root could be regained; "
		    "refusing to run\n", user);
		return -1;
	}
	return 0;
}

/* Empties the effective, permitted and inheritable sets (always allowed:
 * it only lowers) and the ambient set, and checks that none is left. */
static int
drop_caps(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

	memset(d, 0, sizeof(d));
	(void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (syscall(SYS_capset, &h, d) != 0) {
		fprintf(stderr, "kexray: cannot drop capabilities: %s\n",
		    strerror(errno));
		return -1;
	}
	memset(d, 0xff, sizeof(d));
	if (syscall(SYS_capget, &h, d) != 0) {
		fprintf(stderr, "kexray: cannot read capabilities: %s\n",
		    strerror(errno));
		return -1;
	}
	for (int i = 0; i < _LINUX_CAPABILITY_U32S_3; i++)
		if (d[i].effective != 0 || d[i].permitted != 0 ||
		    d[i].inheritable != 0) {
			fputs("kexray: a capability is left after dropping them "
			    "all; refusing to run\n", stderr);
			return -1;
		}
	return 0;
}

int
kx_priv_drop(const char *user)
{
	if (user != NULL && strcmp(user, "root") == 0)
		return 0;
	/* The bounding set too, while CAP_SETPCAP is still held: nothing
	 * exec'd later could be given a capability back. */
	for (int cap = 0; cap <= 63; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL &&
		    errno != EPERM)
			break;
	if (user != NULL && switch_user(user) != 0)
		return -1;
	if (drop_caps() != 0)
		return -1;
	/* No set-user-ID program can give privileges back either. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		fprintf(stderr, "kexray: cannot set no_new_privs: %s\n",
		    strerror(errno));
		return -1;
	}
	return 0;
}
