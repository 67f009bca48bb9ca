/* Dropping root: supplementary groups first, then the gid, then the uid
 * (the other order leaves the process unable to change its groups, or
 * holding root's). Everything is checked, and so is the result. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "kexray/privilege.h"

int
kx_priv_drop(const char *user)
{
	struct passwd *pw;
	gid_t gid;

	if (strcmp(user, "root") == 0)
		return 0;
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
	/* No set-user-ID program can give privileges back either. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		fprintf(stderr, "kexray: cannot set no_new_privs: %s\n",
		    strerror(errno));
		return -1;
	}
	return 0;
}
