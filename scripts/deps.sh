# Sourced by scripts/setup and scripts/test: installs the Debian 12 packages
# kexray needs to build and test, when any is missing (apt-get update first,
# as a fresh machine has no package lists).

KX_PACKAGES="gcc clang pkg-config meson ninja-build libpcap-dev libcmocka-dev
python3 tshark tcpdump openssh-server openssh-client dropbear-bin putty-tools
python3-paramiko iproute2 libseccomp-dev tcpreplay libssl-dev
libclang-rt-14-dev llvm-14 iptables strace rsyslog zlib1g-dev openssl ssh-audit
logrotate"
# rsyslog: tests/rsyslog_test.py runs docs/scale-out.md's imfile
# configuration (rsyslogd in the foreground, its own pid file; policy-rc.d
# below keeps the package from starting the system's rsyslog);
# zlib1g-dev: reading gzip-compressed captures (src/input/input.c);
# openssl: pcaps/record_sessions.sh (openssl passwd -6: the password hash of
# the shadow file it bind-mounts inside its namespaces); ssh-audit: its scan
# scenario;
# logrotate: tests/hardening_test.py rotates a dropped kexray's --output
# (create, postrotate kill -HUP);
# strace: tests/cli_test.py checks the read and write sizes kexray uses;
# iptables: pcaps/record_close.sh (REJECT --reject-with tcp-reset, DROP on
# the router namespace);
# libclang-rt-14-dev: clang's libFuzzer and sanitizer runtimes (only
# recommended by clang, so --no-install-recommends leaves it out);
# llvm-14: llvm-symbolizer, for readable sanitizer stack traces (scripts/fuzz).

# The system user kexray drops to when started as root (README
# "Privilege"): what the .deb's postinst and dist/kexray.sysusers create,
# made here for a source checkout whose tests run as root.
kx_ensure_user() {
	getent passwd kexray >/dev/null && return 0
	[ "$(id -u)" -ne 0 ] && return 0
	echo "kexray: creating the system user kexray"
	useradd --system --user-group --no-create-home --home-dir /nonexistent \
		--shell /usr/sbin/nologin kexray
}

kx_ensure_deps() {
	kx_ensure_user || return 1
	local missing=""
	for p in $KX_PACKAGES; do
		if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
			missing="$missing $p"
		fi
	done
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "kexray: missing Debian packages:$missing (run as root to install them)" >&2
		return 1
	fi
	echo "kexray: installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	# The tests start their own sshd and dropbear in network namespaces;
	# keep the packages from starting system-wide services (policy-rc.d).
	local policy=""
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		policy=/usr/sbin/policy-rc.d
		printf '#!/bin/sh\nexit 101\n' > "$policy"
		chmod 755 "$policy"
	fi
	local rc=0
	apt-get update -qq || rc=$?
	# shellcheck disable=SC2086
	[ "$rc" -eq 0 ] && { apt-get install -y -qq --no-install-recommends $missing >/dev/null || rc=$?; }
	[ -n "$policy" ] && rm -f "$policy"
	return "$rc"
}
