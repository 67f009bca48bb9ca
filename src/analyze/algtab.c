/* algtab: the knowledge tables (STYLE 6: knowledge is data, not if
 * chains). Adding an algorithm, a product or a known problem is adding one
 * line. docs/algorithms.md gives the sources the ratings follow:
 * RFC 9142 (key exchange requirement levels), RFC 8758 (RC4), RFC 8332
 * (rsa-sha2), RFC 8731, RFC 8732, RFC 8268, RFC 5656, RFC 4344, RFC 6668,
 * RFC 6187, RFC 4432, the OpenSSH release notes and its PROTOCOL files.
 * The algorithm table is kept sorted by (name, category) because lookup
 * is a binary search; tests/test_algtab.c checks the order. */
#include <pthread.h>
#include <string.h>

#include "kexray/analyze/algtab.h"

const char *const kx_algcat_names[KX_AC_MAX] = {
	[KX_AC_KEX] = "kex",
	[KX_AC_HOSTKEY] = "host_key",
	[KX_AC_CIPHER] = "cipher",
	[KX_AC_MAC] = "mac",
	[KX_AC_COMP] = "compression",
};

const char *const kx_algcat_words[KX_AC_MAX] = {
	[KX_AC_KEX] = "kex",
	[KX_AC_HOSTKEY] = "host key",
	[KX_AC_CIPHER] = "cipher",
	[KX_AC_MAC] = "mac",
	[KX_AC_COMP] = "compression",
};

const char *const kx_algcat_directives[KX_AC_MAX] = {
	[KX_AC_KEX] = "KexAlgorithms",
	[KX_AC_HOSTKEY] = "HostKeyAlgorithms",
	[KX_AC_CIPHER] = "Ciphers",
	[KX_AC_MAC] = "MACs",
	[KX_AC_COMP] = "Compression",
};

const char *const kx_rating_names[KX_RATE_MAX] = {
	[KX_RATE_OK] = "ok",
	[KX_RATE_INFO] = "info",
	[KX_RATE_WARN] = "warn",
	[KX_RATE_FAIL] = "fail",
	[KX_RATE_UNKNOWN] = "unknown",
};

/* Short names for the row flags, this file only. */
#define PQ KX_ALGF_PQ
#define MARKER KX_ALGF_MARKER
#define CBC KX_ALGF_CBC
#define AEAD KX_ALGF_AEAD
#define CHACHA KX_ALGF_CHACHA
#define ETM KX_ALGF_ETM
#define PREFIX KX_ALGF_PREFIX
#define CERT KX_ALGF_CERT
#define NOOSSH KX_ALGF_NO_OPENSSH

/* ROW(name, category, rating, flags, OpenSSH since, out of the defaults
 * in, removed in, ssh-keygen key type, reason). */
#define ROW(n, c, r, f, since, off, gone, kt, why) \
	{ n, KX_AC_##c, KX_RATE_##r, (uint16_t)(f), since, off, gone, kt, why }

static const struct kx_algtab_row algtab[] = {
	ROW("3des-cbc", CIPHER, FAIL, CBC, NULL, "6.7", NULL, NULL, "Triple DES: 64-bit block (Sweet32, CVE-2016-2183) in CBC mode (RFC 4253)"),
	ROW("3des-ctr", CIPHER, FAIL, NOOSSH, NULL, NULL, NULL, NULL, "Triple DES: 64-bit block (Sweet32) (RFC 4344)"),
	ROW("AEAD_AES_128_GCM", CIPHER, OK, NOOSSH, NULL, NULL, NULL, NULL, "AES-GCM, authenticated encryption; the MAC is negotiated as the same name (RFC 5647)"),
	ROW("AEAD_AES_128_GCM", MAC, OK, NOOSSH, NULL, NULL, NULL, NULL, "the MAC of the AES-GCM cipher of the same name (RFC 5647)"),
	ROW("AEAD_AES_256_GCM", CIPHER, OK, NOOSSH, NULL, NULL, NULL, NULL, "AES-GCM, authenticated encryption; the MAC is negotiated as the same name (RFC 5647)"),
	ROW("AEAD_AES_256_GCM", MAC, OK, NOOSSH, NULL, NULL, NULL, NULL, "the MAC of the AES-GCM cipher of the same name (RFC 5647)"),
	ROW("aes128-cbc", CIPHER, WARN, CBC, NULL, "6.7", NULL, NULL, "AES in CBC mode: plaintext recovery on SSH's CBC (CPNI-957037); Terrapin-prone with an EtM MAC"),
	ROW("aes128-ctr", CIPHER, OK, 0, "3.7", NULL, NULL, NULL, "AES in counter mode (RFC 4344)"),
	ROW("aes128-gcm@openssh.com", CIPHER, OK, AEAD, "6.2", NULL, NULL, NULL, "AES-GCM, authenticated encryption (RFC 5647 as OpenSSH PROTOCOL 1.6 amends it)"),
	ROW("aes192-cbc", CIPHER, WARN, CBC, NULL, "6.7", NULL, NULL, "AES in CBC mode: plaintext recovery on SSH's CBC (CPNI-957037); Terrapin-prone with an EtM MAC"),
	ROW("aes192-ctr", CIPHER, OK, 0, "3.7", NULL, NULL, NULL, "AES in counter mode (RFC 4344)"),
	ROW("aes256-cbc", CIPHER, WARN, CBC, NULL, "6.7", NULL, NULL, "AES in CBC mode: plaintext recovery on SSH's CBC (CPNI-957037); Terrapin-prone with an EtM MAC"),
	ROW("aes256-ctr", CIPHER, OK, 0, "3.7", NULL, NULL, NULL, "AES in counter mode (RFC 4344)"),
	ROW("aes256-gcm@openssh.com", CIPHER, OK, AEAD, "6.2", NULL, NULL, NULL, "AES-GCM, authenticated encryption (RFC 5647 as OpenSSH PROTOCOL 1.6 amends it)"),
	ROW("arcfour", CIPHER, FAIL, 0, NULL, "6.7", "7.6", NULL, "RC4: biased keystream (RFC 8758: MUST NOT)"),
	ROW("arcfour128", CIPHER, FAIL, 0, NULL, "6.7", "7.6", NULL, "RC4: biased keystream (RFC 8758: MUST NOT)"),
	ROW("arcfour256", CIPHER, FAIL, 0, NULL, "6.7", "7.6", NULL, "RC4: biased keystream (RFC 8758: MUST NOT)"),
	ROW("blowfish-cbc", CIPHER, FAIL, CBC, NULL, "6.7", "7.6", NULL, "Blowfish: 64-bit block (Sweet32) in CBC mode"),
	ROW("blowfish-ctr", CIPHER, FAIL, NOOSSH, NULL, NULL, NULL, NULL, "Blowfish: 64-bit block (Sweet32) (RFC 4344)"),
	ROW("cast128-cbc", CIPHER, FAIL, CBC, NULL, "6.7", "7.6", NULL, "CAST-128: 64-bit block (Sweet32) in CBC mode"),
	ROW("cast128-ctr", CIPHER, FAIL, NOOSSH, NULL, NULL, NULL, NULL, "CAST-128: 64-bit block (Sweet32) (RFC 4344)"),
	ROW("chacha20-poly1305@openssh.com", CIPHER, OK, AEAD|CHACHA, "6.5", NULL, NULL, NULL, "ChaCha20-Poly1305, authenticated encryption; Terrapin-prone unless both sides do strict kex (CVE-2023-48795)"),
	ROW("curve25519-sha256", KEX, OK, 0, "7.4", NULL, NULL, NULL, "X25519 ECDH with SHA-256 (RFC 8731; RFC 9142: SHOULD); not post-quantum"),
	ROW("curve25519-sha256@libssh.org", KEX, OK, 0, "6.5", NULL, NULL, NULL, "X25519 ECDH, the pre-RFC name of curve25519-sha256 (RFC 8731); not post-quantum"),
	ROW("curve448-sha512", KEX, OK, NOOSSH, NULL, NULL, NULL, NULL, "X448 ECDH with SHA-512 (RFC 8731; RFC 9142: MAY); not post-quantum"),
	ROW("curve448-sha512@libssh.org", KEX, OK, NOOSSH, NULL, NULL, NULL, NULL, "X448 ECDH, the pre-RFC name of curve448-sha512 (RFC 8731)"),
	ROW("des-cbc", CIPHER, FAIL, CBC|NOOSSH, NULL, NULL, NULL, NULL, "single DES: 56-bit key, searchable by brute force (RFC 4253 6.3)"),
	ROW("des-cbc@ssh.com", CIPHER, FAIL, CBC|NOOSSH, NULL, NULL, NULL, NULL, "single DES: 56-bit key, searchable by brute force"),
	ROW("diffie-hellman-group-exchange-sha1", KEX, FAIL, 0, NULL, NULL, NULL, NULL, "server-chosen MODP group with SHA-1 (RFC 4419; RFC 9142: SHOULD NOT)"),
	ROW("diffie-hellman-group-exchange-sha224@ssh.com", KEX, WARN, NOOSSH, NULL, NULL, NULL, NULL, "SSH Communications' private group exchange (RFC 9142: SHOULD NOT)"),
	ROW("diffie-hellman-group-exchange-sha256", KEX, INFO, 0, "4.4", NULL, NULL, NULL, "server-chosen MODP group with SHA-256, as strong as the server's moduli file (RFC 4419; RFC 9142: MAY)"),
	ROW("diffie-hellman-group-exchange-sha384@ssh.com", KEX, WARN, NOOSSH, NULL, NULL, NULL, NULL, "SSH Communications' private group exchange (RFC 9142: SHOULD NOT)"),
	ROW("diffie-hellman-group-exchange-sha512@ssh.com", KEX, WARN, NOOSSH, NULL, NULL, NULL, NULL, "SSH Communications' private group exchange (RFC 9142: SHOULD NOT)"),
	ROW("diffie-hellman-group1-sha1", KEX, FAIL, 0, NULL, "7.0", NULL, NULL, "1024-bit MODP group with SHA-1, within reach of precomputation (Logjam) (RFC 9142: SHOULD NOT)"),
	ROW("diffie-hellman-group14-sha1", KEX, WARN, 0, NULL, "8.2", NULL, NULL, "2048-bit MODP group with a SHA-1 exchange hash (RFC 9142: MAY, down from REQUIRED)"),
	ROW("diffie-hellman-group14-sha224@ssh.com", KEX, WARN, NOOSSH, NULL, NULL, NULL, NULL, "SSH Communications' private name for a 2048-bit MODP group (RFC 9142: SHOULD NOT)"),
	ROW("diffie-hellman-group14-sha256", KEX, OK, 0, "7.3", NULL, NULL, NULL, "2048-bit MODP group with SHA-256 (RFC 8268; RFC 9142: MUST)"),
	ROW("diffie-hellman-group14-sha256@ssh.com", KEX, WARN, NOOSSH, NULL, NULL, NULL, NULL, "SSH Communications' private name for diffie-hellman-group14-sha256 (RFC 9142: SHOULD NOT)"),
	ROW("diffie-hellman-group15-sha256@ssh.com", KEX, WARN, NOOSSH, NULL, NULL, NULL, NULL, "SSH Communications' private name for a 3072-bit MODP group (RFC 9142: SHOULD NOT)"),
	ROW("diffie-hellman-group15-sha384@ssh.com", KEX, WARN, NOOSSH, NULL, NULL, NULL, NULL, "SSH Communications' private name for a 3072-bit MODP group (RFC 9142: SHOULD NOT)"),
	ROW("diffie-hellman-group15-sha512", KEX, OK, NOOSSH, NULL, NULL, NULL, NULL, "3072-bit MODP group with SHA-512 (RFC 8268; RFC 9142: MAY)"),
	ROW("diffie-hellman-group16-sha384@ssh.com", KEX, WARN, NOOSSH, NULL, NULL, NULL, NULL, "SSH Communications' private name for a 4096-bit MODP group (RFC 9142: SHOULD NOT)"),
	ROW("diffie-hellman-group16-sha512", KEX, OK, 0, "7.3", NULL, NULL, NULL, "4096-bit MODP group with SHA-512 (RFC 8268; RFC 9142: SHOULD)"),
	ROW("diffie-hellman-group16-sha512@ssh.com", KEX, WARN, NOOSSH, NULL, NULL, NULL, NULL, "SSH Communications' private name for a 4096-bit MODP group (RFC 9142: SHOULD NOT)"),
	ROW("diffie-hellman-group17-sha512", KEX, OK, NOOSSH, NULL, NULL, NULL, NULL, "6144-bit MODP group with SHA-512 (RFC 8268; RFC 9142: MAY)"),
	ROW("diffie-hellman-group18-sha512", KEX, OK, 0, "7.3", NULL, NULL, NULL, "8192-bit MODP group with SHA-512 (RFC 8268; RFC 9142: MAY)"),
	ROW("diffie-hellman-group18-sha512@ssh.com", KEX, WARN, NOOSSH, NULL, NULL, NULL, NULL, "SSH Communications' private name for an 8192-bit MODP group (RFC 9142: SHOULD NOT)"),
	ROW("ecdh-sha2-1.3.132.0.10", KEX, INFO, NOOSSH, NULL, NULL, NULL, NULL, "ECDH over secp256k1 named by its OID (RFC 5656 6.1); not in RFC 9142"),
	ROW("ecdh-sha2-nistp256", KEX, OK, 0, "5.7", NULL, NULL, NULL, "ECDH over NIST P-256 with SHA-256 (RFC 5656; RFC 9142: SHOULD); not post-quantum"),
	ROW("ecdh-sha2-nistp384", KEX, OK, 0, "5.7", NULL, NULL, NULL, "ECDH over NIST P-384 with SHA-384 (RFC 5656; RFC 9142: SHOULD); not post-quantum"),
	ROW("ecdh-sha2-nistp521", KEX, OK, 0, "5.7", NULL, NULL, NULL, "ECDH over NIST P-521 with SHA-512 (RFC 5656; RFC 9142: SHOULD); not post-quantum"),
	ROW("ecdsa-sha2-nistp256", HOSTKEY, OK, 0, "5.7", NULL, NULL, "ecdsa", "ECDSA over NIST P-256 (RFC 5656)"),
	ROW("ecdsa-sha2-nistp256-cert-v01@openssh.com", HOSTKEY, OK, CERT, "5.7", NULL, NULL, "ecdsa", "certificate for an ECDSA P-256 key (OpenSSH PROTOCOL.certkeys)"),
	ROW("ecdsa-sha2-nistp384", HOSTKEY, OK, 0, "5.7", NULL, NULL, "ecdsa", "ECDSA over NIST P-384 (RFC 5656)"),
	ROW("ecdsa-sha2-nistp384-cert-v01@openssh.com", HOSTKEY, OK, CERT, "5.7", NULL, NULL, "ecdsa", "certificate for an ECDSA P-384 key (OpenSSH PROTOCOL.certkeys)"),
	ROW("ecdsa-sha2-nistp521", HOSTKEY, OK, 0, "5.7", NULL, NULL, "ecdsa", "ECDSA over NIST P-521 (RFC 5656)"),
	ROW("ecdsa-sha2-nistp521-cert-v01@openssh.com", HOSTKEY, OK, CERT, "5.7", NULL, NULL, "ecdsa", "certificate for an ECDSA P-521 key (OpenSSH PROTOCOL.certkeys)"),
	ROW("ecmqv-sha2", KEX, INFO, NOOSSH, NULL, NULL, NULL, NULL, "ECMQV (RFC 5656; RFC 9142: MAY), rarely implemented"),
	ROW("ext-info-c", KEX, INFO, MARKER, "7.2", NULL, NULL, NULL, "not a method: the client accepts SSH_MSG_EXT_INFO (RFC 8308 2.1)"),
	ROW("ext-info-s", KEX, INFO, MARKER, "9.6", NULL, NULL, NULL, "not a method: the server accepts SSH_MSG_EXT_INFO (RFC 8308 2.1)"),
	ROW("gss-curve25519-sha256-", KEX, OK, PREFIX|NOOSSH, NULL, NULL, NULL, NULL, "GSS-API key exchange, X25519 (RFC 8732; RFC 9142: SHOULD)"),
	ROW("gss-curve448-sha512-", KEX, OK, PREFIX|NOOSSH, NULL, NULL, NULL, NULL, "GSS-API key exchange, X448 (RFC 8732; RFC 9142: MAY)"),
	ROW("gss-gex-sha1-", KEX, FAIL, PREFIX|NOOSSH, NULL, NULL, NULL, NULL, "GSS-API key exchange, server-chosen group with SHA-1 (RFC 4462; RFC 9142: SHOULD NOT)"),
	ROW("gss-group1-sha1-", KEX, FAIL, PREFIX|NOOSSH, NULL, NULL, NULL, NULL, "GSS-API key exchange, 1024-bit MODP group with SHA-1 (RFC 4462; RFC 9142: SHOULD NOT)"),
	ROW("gss-group14-sha1-", KEX, WARN, PREFIX|NOOSSH, NULL, NULL, NULL, NULL, "GSS-API key exchange, 2048-bit MODP group with SHA-1 (RFC 4462; RFC 9142: MAY)"),
	ROW("gss-group14-sha256-", KEX, OK, PREFIX|NOOSSH, NULL, NULL, NULL, NULL, "GSS-API key exchange, 2048-bit MODP group with SHA-256 (RFC 8732; RFC 9142: SHOULD)"),
	ROW("gss-group15-sha512-", KEX, OK, PREFIX|NOOSSH, NULL, NULL, NULL, NULL, "GSS-API key exchange, 3072-bit MODP group (RFC 8732; RFC 9142: MAY)"),
	ROW("gss-group16-sha512-", KEX, OK, PREFIX|NOOSSH, NULL, NULL, NULL, NULL, "GSS-API key exchange, 4096-bit MODP group (RFC 8732; RFC 9142: SHOULD)"),
	ROW("gss-group17-sha512-", KEX, OK, PREFIX|NOOSSH, NULL, NULL, NULL, NULL, "GSS-API key exchange, 6144-bit MODP group (RFC 8732; RFC 9142: MAY)"),
	ROW("gss-group18-sha512-", KEX, OK, PREFIX|NOOSSH, NULL, NULL, NULL, NULL, "GSS-API key exchange, 8192-bit MODP group (RFC 8732; RFC 9142: MAY)"),
	ROW("gss-nistp256-sha256-", KEX, OK, PREFIX|NOOSSH, NULL, NULL, NULL, NULL, "GSS-API key exchange, ECDH P-256 (RFC 8732; RFC 9142: SHOULD)"),
	ROW("gss-nistp384-sha384-", KEX, OK, PREFIX|NOOSSH, NULL, NULL, NULL, NULL, "GSS-API key exchange, ECDH P-384 (RFC 8732; RFC 9142: MAY)"),
	ROW("gss-nistp521-sha512-", KEX, OK, PREFIX|NOOSSH, NULL, NULL, NULL, NULL, "GSS-API key exchange, ECDH P-521 (RFC 8732; RFC 9142: MAY)"),
	ROW("hmac-md5", MAC, FAIL, 0, NULL, "6.7", NULL, NULL, "HMAC-MD5, encrypt-and-MAC; MD5 is broken (RFC 6151); off in the client since OpenSSH 7.1p2"),
	ROW("hmac-md5-96", MAC, FAIL, 0, NULL, "6.7", NULL, NULL, "truncated HMAC-MD5, encrypt-and-MAC; MD5 is broken (RFC 6151)"),
	ROW("hmac-md5-96-etm@openssh.com", MAC, FAIL, ETM, "6.2", "6.7", NULL, NULL, "truncated HMAC-MD5, encrypt-then-MAC; MD5 is broken (RFC 6151)"),
	ROW("hmac-md5-etm@openssh.com", MAC, FAIL, ETM, "6.2", "6.7", NULL, NULL, "HMAC-MD5, encrypt-then-MAC; MD5 is broken (RFC 6151)"),
	ROW("hmac-ripemd160", MAC, WARN, 0, NULL, "6.7", "7.6", NULL, "HMAC-RIPEMD-160, encrypt-and-MAC; little analysed (OpenSSH 7.6 release notes)"),
	ROW("hmac-ripemd160-etm@openssh.com", MAC, WARN, ETM, "6.2", "6.7", "7.6", NULL, "HMAC-RIPEMD-160, encrypt-then-MAC; little analysed (OpenSSH 7.6 release notes)"),
	ROW("hmac-ripemd160@openssh.com", MAC, WARN, 0, NULL, "6.7", "7.6", NULL, "HMAC-RIPEMD-160, encrypt-and-MAC; little analysed (OpenSSH 7.6 release notes)"),
	ROW("hmac-sha1", MAC, WARN, 0, NULL, NULL, NULL, NULL, "HMAC-SHA1, encrypt-and-MAC (RFC 4253); SHA-1 is being phased out"),
	ROW("hmac-sha1-96", MAC, WARN, 0, NULL, "6.7", NULL, NULL, "truncated HMAC-SHA1, encrypt-and-MAC (RFC 4253)"),
	ROW("hmac-sha1-96-etm@openssh.com", MAC, WARN, ETM, "6.2", "6.7", NULL, NULL, "truncated HMAC-SHA1, encrypt-then-MAC"),
	ROW("hmac-sha1-etm@openssh.com", MAC, WARN, ETM, "6.2", NULL, NULL, NULL, "HMAC-SHA1, encrypt-then-MAC; SHA-1 is being phased out"),
	ROW("hmac-sha2-256", MAC, INFO, 0, "5.9", NULL, NULL, NULL, "HMAC-SHA-256, encrypt-and-MAC (RFC 6668); the -etm form is preferred"),
	ROW("hmac-sha2-256-96", MAC, WARN, NOOSSH, NULL, NULL, NULL, NULL, "truncated HMAC-SHA-256, never standardised"),
	ROW("hmac-sha2-256-etm@openssh.com", MAC, OK, ETM, "6.2", NULL, NULL, NULL, "HMAC-SHA-256, encrypt-then-MAC (OpenSSH PROTOCOL 1.7)"),
	ROW("hmac-sha2-512", MAC, INFO, 0, "5.9", NULL, NULL, NULL, "HMAC-SHA-512, encrypt-and-MAC (RFC 6668); the -etm form is preferred"),
	ROW("hmac-sha2-512-96", MAC, WARN, NOOSSH, NULL, NULL, NULL, NULL, "truncated HMAC-SHA-512, never standardised"),
	ROW("hmac-sha2-512-etm@openssh.com", MAC, OK, ETM, "6.2", NULL, NULL, NULL, "HMAC-SHA-512, encrypt-then-MAC (OpenSSH PROTOCOL 1.7)"),
	ROW("hmac-sha224@ssh.com", MAC, INFO, NOOSSH, NULL, NULL, NULL, NULL, "SSH Communications' HMAC-SHA-224, encrypt-and-MAC, a private name"),
	ROW("hmac-sha256-2@ssh.com", MAC, INFO, NOOSSH, NULL, NULL, NULL, NULL, "SSH Communications' name for HMAC-SHA-256, encrypt-and-MAC"),
	ROW("hmac-sha256@ssh.com", MAC, INFO, NOOSSH, NULL, NULL, NULL, NULL, "Tectia's pre-RFC HMAC-SHA-256, encrypt-and-MAC"),
	ROW("hmac-sha384@ssh.com", MAC, INFO, NOOSSH, NULL, NULL, NULL, NULL, "SSH Communications' HMAC-SHA-384, encrypt-and-MAC, a private name"),
	ROW("hmac-sha512@ssh.com", MAC, INFO, NOOSSH, NULL, NULL, NULL, NULL, "Tectia's pre-RFC HMAC-SHA-512, encrypt-and-MAC"),
	ROW("idea-cbc", CIPHER, FAIL, CBC|NOOSSH, NULL, NULL, NULL, NULL, "IDEA: 64-bit block (Sweet32) in CBC mode"),
	ROW("idea-ctr", CIPHER, FAIL, NOOSSH, NULL, NULL, NULL, NULL, "IDEA: 64-bit block (Sweet32) (RFC 4344)"),
	ROW("kex-strict-c-v00@openssh.com", KEX, INFO, MARKER, "9.6", NULL, NULL, NULL, "not a method: the client does strict key exchange, the Terrapin countermeasure (OpenSSH PROTOCOL 1.10)"),
	ROW("kex-strict-s-v00@openssh.com", KEX, INFO, MARKER, "9.6", NULL, NULL, NULL, "not a method: the server does strict key exchange, the Terrapin countermeasure (OpenSSH PROTOCOL 1.10)"),
	ROW("kexguess2@matt.ucc.asn.au", KEX, INFO, MARKER|NOOSSH, NULL, NULL, NULL, NULL, "not a method: Dropbear's marker for its guessed first key exchange packet"),
	ROW("mlkem1024nistp384-sha384", KEX, OK, PQ|NOOSSH, NULL, NULL, NULL, NULL, "hybrid post-quantum ML-KEM-1024 (FIPS 203) + ECDH P-384 (draft-ietf-sshm-mlkem-hybrid-kex)"),
	ROW("mlkem768nistp256-sha256", KEX, OK, PQ|NOOSSH, NULL, NULL, NULL, NULL, "hybrid post-quantum ML-KEM-768 (FIPS 203) + ECDH P-256 (draft-ietf-sshm-mlkem-hybrid-kex)"),
	ROW("mlkem768x25519-sha256", KEX, OK, PQ, "9.9", NULL, NULL, NULL, "hybrid post-quantum ML-KEM-768 (FIPS 203) + X25519 (draft-ietf-sshm-mlkem-hybrid-kex; OpenSSH default from 10.0)"),
	ROW("none", CIPHER, FAIL, 0, NULL, NULL, NULL, NULL, "no encryption (RFC 4253 6.3: NOT RECOMMENDED)"),
	ROW("none", MAC, FAIL, 0, NULL, NULL, NULL, NULL, "no integrity protection (RFC 4253 6.4: NOT RECOMMENDED)"),
	ROW("none", COMP, OK, 0, NULL, NULL, NULL, NULL, "no compression"),
	ROW("null", HOSTKEY, INFO, NOOSSH, NULL, NULL, NULL, NULL, "no host key: the server is authenticated by GSS-API key exchange (RFC 4462 5)"),
	ROW("pgp-sign-dss", HOSTKEY, FAIL, NOOSSH, NULL, NULL, NULL, "dsa", "OpenPGP certificate with DSA (RFC 4253 6.6)"),
	ROW("pgp-sign-rsa", HOSTKEY, FAIL, NOOSSH, NULL, NULL, NULL, "rsa", "OpenPGP certificate (RFC 4253 6.6), never widely implemented"),
	ROW("rijndael-cbc@lysator.liu.se", CIPHER, WARN, CBC, NULL, "6.7", NULL, NULL, "alias of aes256-cbc: CBC mode (CPNI-957037); taken out of the client's defaults in OpenSSH 7.1p2"),
	ROW("rsa-sha2-256", HOSTKEY, OK, 0, "7.2", NULL, NULL, "rsa", "RSA with SHA-256 signatures (RFC 8332)"),
	ROW("rsa-sha2-256-cert-v01@openssh.com", HOSTKEY, OK, CERT, "7.8", NULL, NULL, "rsa", "certificate for an RSA key, SHA-256 signatures (OpenSSH PROTOCOL.certkeys)"),
	ROW("rsa-sha2-512", HOSTKEY, OK, 0, "7.2", NULL, NULL, "rsa", "RSA with SHA-512 signatures (RFC 8332)"),
	ROW("rsa-sha2-512-cert-v01@openssh.com", HOSTKEY, OK, CERT, "7.8", NULL, NULL, "rsa", "certificate for an RSA key, SHA-512 signatures (OpenSSH PROTOCOL.certkeys)"),
	ROW("rsa1024-sha1", KEX, FAIL, NOOSSH, NULL, NULL, NULL, NULL, "RSA key exchange with a 1024-bit transient key and SHA-1 (RFC 4432; RFC 9142: MUST NOT)"),
	ROW("rsa2048-sha256", KEX, INFO, NOOSSH, NULL, NULL, NULL, NULL, "RSA key exchange with a 2048-bit transient key (RFC 4432; RFC 9142: MAY)"),
	ROW("serpent128-cbc", CIPHER, WARN, CBC|NOOSSH, NULL, NULL, NULL, NULL, "Serpent in CBC mode (RFC 4253; CPNI-957037)"),
	ROW("serpent128-ctr", CIPHER, OK, NOOSSH, NULL, NULL, NULL, NULL, "Serpent in counter mode (RFC 4344)"),
	ROW("serpent256-cbc", CIPHER, WARN, CBC|NOOSSH, NULL, NULL, NULL, NULL, "Serpent in CBC mode (RFC 4253; CPNI-957037)"),
	ROW("serpent256-ctr", CIPHER, OK, NOOSSH, NULL, NULL, NULL, NULL, "Serpent in counter mode (RFC 4344)"),
	ROW("sk-ecdsa-sha2-nistp256-cert-v01@openssh.com", HOSTKEY, OK, CERT, "8.2", NULL, NULL, "ecdsa-sk", "certificate for a FIDO ECDSA key (OpenSSH PROTOCOL.certkeys)"),
	ROW("sk-ecdsa-sha2-nistp256@openssh.com", HOSTKEY, OK, 0, "8.2", NULL, NULL, "ecdsa-sk", "ECDSA P-256 key held in a FIDO security key (OpenSSH PROTOCOL.u2f)"),
	ROW("sk-ssh-ed25519-cert-v01@openssh.com", HOSTKEY, OK, CERT, "8.2", NULL, NULL, "ed25519-sk", "certificate for a FIDO Ed25519 key (OpenSSH PROTOCOL.certkeys)"),
	ROW("sk-ssh-ed25519@openssh.com", HOSTKEY, OK, 0, "8.2", NULL, NULL, "ed25519-sk", "Ed25519 key held in a FIDO security key (OpenSSH PROTOCOL.u2f)"),
	ROW("sntrup4591761x25519-sha512@tinyssh.org", KEX, WARN, PQ, "8.0", NULL, "8.5", NULL, "experimental hybrid NTRU Prime 4591761 + X25519, superseded by sntrup761x25519 (OpenSSH 8.5 release notes)"),
	ROW("sntrup761x25519-sha512", KEX, OK, PQ, "9.9", NULL, NULL, NULL, "hybrid post-quantum Streamlined NTRU Prime 761 + X25519, the standard name (draft-ietf-sshm-ntruprime-ssh)"),
	ROW("sntrup761x25519-sha512@openssh.com", KEX, OK, PQ, "8.5", NULL, NULL, NULL, "hybrid post-quantum Streamlined NTRU Prime 761 + X25519 (draft-ietf-sshm-ntruprime-ssh; OpenSSH default from 9.0)"),
	ROW("ssh-dss", HOSTKEY, FAIL, 0, NULL, "7.0", "10.0", "dsa", "DSA: 1024-bit keys and SHA-1 signatures, about 80-bit security (OpenSSH 7.0 and 9.8 release notes)"),
	ROW("ssh-dss-cert-v00@openssh.com", HOSTKEY, FAIL, CERT, "5.4", NULL, "7.0", "dsa", "legacy v00 certificate format, removed in OpenSSH 7.0"),
	ROW("ssh-dss-cert-v01@openssh.com", HOSTKEY, FAIL, CERT, "5.6", "7.0", "10.0", "dsa", "certificate for a DSA key: 1024-bit, SHA-1 (OpenSSH 7.0 release notes)"),
	ROW("ssh-ed25519", HOSTKEY, OK, 0, "6.5", NULL, NULL, "ed25519", "Ed25519 (RFC 8709)"),
	ROW("ssh-ed25519-cert-v01@openssh.com", HOSTKEY, OK, CERT, "6.5", NULL, NULL, "ed25519", "certificate for an Ed25519 key (OpenSSH PROTOCOL.certkeys)"),
	ROW("ssh-ed448", HOSTKEY, OK, NOOSSH, NULL, NULL, NULL, "ed448", "Ed448 (RFC 8709)"),
	ROW("ssh-rsa", HOSTKEY, WARN, 0, NULL, "8.8", NULL, "rsa", "RSA with SHA-1 signatures; SHA-1 chosen-prefix collisions are practical (RFC 8332; OpenSSH 8.8 release notes)"),
	ROW("ssh-rsa-cert-v00@openssh.com", HOSTKEY, FAIL, CERT, "5.4", NULL, "7.0", "rsa", "legacy v00 certificate format, removed in OpenSSH 7.0"),
	ROW("ssh-rsa-cert-v01@openssh.com", HOSTKEY, WARN, CERT, "5.6", "8.8", NULL, "rsa", "certificate for an RSA key, signed with SHA-1 (OpenSSH 8.8 release notes)"),
	ROW("twofish-cbc", CIPHER, WARN, CBC|NOOSSH, NULL, NULL, NULL, NULL, "Twofish in CBC mode (RFC 4253; CPNI-957037)"),
	ROW("twofish128-cbc", CIPHER, WARN, CBC|NOOSSH, NULL, NULL, NULL, NULL, "Twofish in CBC mode (RFC 4253; CPNI-957037)"),
	ROW("twofish128-ctr", CIPHER, OK, NOOSSH, NULL, NULL, NULL, NULL, "Twofish in counter mode (RFC 4344)"),
	ROW("twofish192-cbc", CIPHER, WARN, CBC|NOOSSH, NULL, NULL, NULL, NULL, "Twofish in CBC mode (RFC 4253; CPNI-957037)"),
	ROW("twofish192-ctr", CIPHER, OK, NOOSSH, NULL, NULL, NULL, NULL, "Twofish in counter mode (RFC 4344)"),
	ROW("twofish256-cbc", CIPHER, WARN, CBC|NOOSSH, NULL, NULL, NULL, NULL, "Twofish in CBC mode (RFC 4253; CPNI-957037)"),
	ROW("twofish256-ctr", CIPHER, OK, NOOSSH, NULL, NULL, NULL, NULL, "Twofish in counter mode (RFC 4344)"),
	ROW("umac-128-etm@openssh.com", MAC, OK, ETM, "6.2", NULL, NULL, NULL, "UMAC with a 128-bit tag, encrypt-then-MAC (RFC 4418)"),
	ROW("umac-128@openssh.com", MAC, INFO, 0, "6.2", NULL, NULL, NULL, "UMAC with a 128-bit tag, encrypt-and-MAC (RFC 4418); the -etm form is preferred"),
	ROW("umac-64-etm@openssh.com", MAC, INFO, ETM, "6.2", NULL, NULL, NULL, "UMAC with a 64-bit tag, encrypt-then-MAC (RFC 4418)"),
	ROW("umac-64@openssh.com", MAC, INFO, 0, "4.7", NULL, NULL, NULL, "UMAC with a 64-bit tag, encrypt-and-MAC (RFC 4418)"),
	ROW("x509v3-ecdsa-sha2-nistp256", HOSTKEY, OK, NOOSSH, NULL, NULL, NULL, "ecdsa", "X.509 certificate, ECDSA P-256 (RFC 6187)"),
	ROW("x509v3-ecdsa-sha2-nistp384", HOSTKEY, OK, NOOSSH, NULL, NULL, NULL, "ecdsa", "X.509 certificate, ECDSA P-384 (RFC 6187)"),
	ROW("x509v3-ecdsa-sha2-nistp521", HOSTKEY, OK, NOOSSH, NULL, NULL, NULL, "ecdsa", "X.509 certificate, ECDSA P-521 (RFC 6187)"),
	ROW("x509v3-rsa2048-sha256", HOSTKEY, OK, NOOSSH, NULL, NULL, NULL, "rsa", "X.509 certificate, RSA 2048+ with SHA-256 (RFC 6187)"),
	ROW("x509v3-ssh-dss", HOSTKEY, FAIL, NOOSSH, NULL, NULL, NULL, "dsa", "X.509 certificate, DSA with SHA-1 (RFC 6187)"),
	ROW("x509v3-ssh-rsa", HOSTKEY, WARN, NOOSSH, NULL, NULL, NULL, "rsa", "X.509 certificate, RSA with SHA-1 signatures (RFC 6187)"),
	ROW("zlib", COMP, INFO, 0, NULL, NULL, NULL, NULL, "zlib from the first encrypted packet, before authentication (RFC 4253 6.2); sshd stopped offering it in OpenSSH 7.4"),
	ROW("zlib@openssh.com", COMP, OK, 0, "4.2", NULL, NULL, NULL, "zlib delayed until after user authentication (OpenSSH PROTOCOL 1.3)"),
};

#undef ROW
#undef PQ
#undef MARKER
#undef CBC
#undef AEAD
#undef CHACHA
#undef ETM
#undef PREFIX
#undef CERT
#undef NOOSSH

#define NROWS (sizeof(algtab) / sizeof(algtab[0]))

const struct kx_algtab_row *
kx_algtab_rows(size_t *n)
{
	*n = NROWS;
	return algtab;
}

/* Name index, built on first use: every connection looks up a few
 * hundred names, so each lookup is one hash and, almost always, one
 * comparison (the sorted table stays the reference a test checks). */
#define INDEX_SLOTS 1024u
_Static_assert(NROWS < INDEX_SLOTS / 2, "the index stays at most half full");

struct index_slot {
	uint32_t hash;
	uint16_t len;
	uint16_t row;   /* row + 1; 0 empty */
};

static struct index_slot name_index[INDEX_SLOTS];
static uint16_t prefix_rows[NROWS];
static uint16_t prefix_len[NROWS];
static size_t nprefix;
/* Built once, before the first look-up of any thread. */
static pthread_once_t index_once = PTHREAD_ONCE_INIT;

/* Length, category and the first and last eight bytes: enough to tell
 * the table's names apart (a collision only costs a comparison), and a
 * dozen instructions whatever the name's length. */
static uint32_t
name_hash(const uint8_t *p, size_t len, enum kx_algcat cat)
{
	uint64_t a = 0, b = 0, h;
	size_t k = len < 8 ? len : 8;

	memcpy(&a, p, k);
	memcpy(&b, p + (len - k), k);
	h = a * 0x9e3779b97f4a7c15ull ^ (b + len) * 0xbf58476d1ce4e5b9ull ^
	    (uint64_t)cat;
	h ^= h >> 31;
	return (uint32_t)(h ^ h >> 29);
}

static void
build_index(void)
{
	for (size_t i = 0; i < NROWS; i++) {
		size_t len = strlen(algtab[i].name);
		uint32_t h;
		size_t j;

		if (algtab[i].flags & KX_ALGF_PREFIX) {
			prefix_rows[nprefix] = (uint16_t)i;
			prefix_len[nprefix++] = (uint16_t)len;
			continue;
		}
		h = name_hash((const uint8_t *)algtab[i].name, len,
		    (enum kx_algcat)algtab[i].cat);
		for (j = h & (INDEX_SLOTS - 1); name_index[j].row != 0;
		    j = (j + 1) & (INDEX_SLOTS - 1))
			;
		name_index[j].hash = h;
		name_index[j].len = (uint16_t)len;
		name_index[j].row = (uint16_t)(i + 1);
	}
}

const struct kx_algtab_row *
kx_algtab_find(enum kx_algcat cat, const uint8_t *name, size_t len)
{
	uint32_t h;

	if (name == NULL || len == 0)
		return NULL;
	(void)pthread_once(&index_once, build_index);
	h = name_hash(name, len, cat);
	for (size_t j = h & (INDEX_SLOTS - 1); name_index[j].row != 0;
	    j = (j + 1) & (INDEX_SLOTS - 1)) {
		const struct kx_algtab_row *r = &algtab[name_index[j].row - 1];

		if (name_index[j].hash == h && name_index[j].len == len &&
		    r->cat == cat && memcmp(r->name, name, len) == 0)
			return r;
	}
	/* RFC 4462 2: GSS-API kex names are a prefix and the base64 MD5 of
	 * the mechanism OID; the OID part must be there. */
	for (size_t i = 0; i < nprefix; i++) {
		const struct kx_algtab_row *r = &algtab[prefix_rows[i]];

		if (r->cat == cat && len > prefix_len[i] &&
		    memcmp(name, r->name, prefix_len[i]) == 0)
			return r;
	}
	return NULL;
}

/* One numeric component at *i: digits up to the next non-digit. Returns
 * false when there is no digit there. */
static bool
next_num(const char *s, size_t len, size_t *i, unsigned long *v)
{
	bool any = false;

	*v = 0;
	while (*i < len && s[*i] >= '0' && s[*i] <= '9') {
		if (*v < 100000000ul)
			*v = *v * 10 + (unsigned long)(s[*i] - '0');
		(*i)++;
		any = true;
	}
	return any;
}

int
kx_version_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t i = 0, j = 0;

	/* Four components cover every scheme in the tables (Erlang's ssh
	 * application uses four). */
	for (int k = 0; k < 4; k++) {
		unsigned long va = 0, vb = 0;
		bool ha = next_num(a, alen, &i, &va);
		bool hb = next_num(b, blen, &j, &vb);

		if (va != vb)
			return va < vb ? -1 : 1;
		if (!ha && !hb)
			break;
		/* Only a '.' continues a version; "9.2p1" stops after 2. */
		if (ha) {
			if (i < alen && a[i] == '.')
				i++;
			else
				alen = i;
		}
		if (hb) {
			if (j < blen && b[j] == '.')
				j++;
			else
				blen = j;
		}
	}
	return 0;
}

/* Products, by how their softwareversion begins (RFC 4253 4.2 leaves the
 * format to each implementation; these are the forms they send). A
 * longer prefix wins over a shorter one; exact rows must match whole. */
static const struct kx_product_row products[] = {
	{ "OpenSSH_for_Windows_", KX_PROD_OPENSSH_WIN, "OpenSSH for Windows", NULL, false },
	{ "OpenSSH_", KX_PROD_OPENSSH, "OpenSSH", NULL, false },
	{ "dropbear_", KX_PROD_DROPBEAR, "Dropbear", "Dropbear chooses its algorithms when it is built (localoptions.h); dbclient takes -c CIPHERS and -m MACS", false },
	{ "PuTTY_Release_", KX_PROD_PUTTY, "PuTTY", "PuTTY configuration, Connection > SSH > Kex, Host keys and Cipher: move the algorithm above the 'warn below here' line", false },
	{ "PuTTY_", KX_PROD_PUTTY, "PuTTY", "PuTTY configuration, Connection > SSH > Kex, Host keys and Cipher: move the algorithm above the 'warn below here' line", false },
	{ "libssh_", KX_PROD_LIBSSH, "libssh", "ssh_options_set() with SSH_OPTIONS_KEY_EXCHANGE, SSH_OPTIONS_HOSTKEYS, SSH_OPTIONS_CIPHERS_C_S/_S_C, SSH_OPTIONS_HMAC_C_S/_S_C", false },
	{ "libssh-", KX_PROD_LIBSSH, "libssh", "ssh_options_set() with SSH_OPTIONS_KEY_EXCHANGE, SSH_OPTIONS_HOSTKEYS, SSH_OPTIONS_CIPHERS_C_S/_S_C, SSH_OPTIONS_HMAC_C_S/_S_C", false },
	{ "libssh2_", KX_PROD_LIBSSH2, "libssh2", "libssh2_session_method_pref() with LIBSSH2_METHOD_KEX, _HOSTKEY, _CRYPT_CS/_SC, _MAC_CS/_SC", false },
	{ "paramiko_", KX_PROD_PARAMIKO, "paramiko", "Transport.get_security_options() (kex, key_types, ciphers, digests) or the disabled_algorithms argument", false },
	{ "Go", KX_PROD_GO, "Go x/crypto/ssh", "golang.org/x/crypto/ssh Config.KeyExchanges, Config.Ciphers, Config.MACs, ClientConfig.HostKeyAlgorithms", true },
	{ "Cisco-", KX_PROD_CISCO, "Cisco", "IOS: ip ssh server algorithm kex / encryption / mac / hostkey (client: ip ssh client algorithm ...)", false },
	{ "WinSCP_release_", KX_PROD_WINSCP, "WinSCP", "WinSCP Advanced Site Settings > SSH > Key exchange and Encryption: move the algorithm above the 'warn below here' line", false },
	{ "AsyncSSH_", KX_PROD_ASYNCSSH, "AsyncSSH", "the kex_algs, server_host_key_algs, encryption_algs and mac_algs arguments of connect() / create_server()", false },
	{ "JSCH-", KX_PROD_JSCH, "JSch", "JSch.setConfig(\"kex\" / \"server_host_key\" / \"cipher.c2s\" / \"mac.c2s\", ...)", false },
	{ "JSCH_", KX_PROD_JSCH, "JSch", "JSch.setConfig(\"kex\" / \"server_host_key\" / \"cipher.c2s\" / \"mac.c2s\", ...)", false },
	{ "SSHJ_", KX_PROD_SSHJ, "sshj", "DefaultConfig.setKeyExchangeFactories(), setCipherFactories(), setMACFactories()", false },
	{ "APACHE-SSHD-", KX_PROD_APACHE_SSHD, "Apache MINA SSHD", "setKeyExchangeFactories(), setCipherFactories(), setMacFactories() on the SshClient / SshServer", false },
	{ "Twisted_", KX_PROD_TWISTED, "Twisted Conch", "SSHTransportBase.supportedKeyExchanges, supportedCiphers, supportedMACs", false },
	{ "Erlang/", KX_PROD_ERLANG, "Erlang/OTP ssh", "the preferred_algorithms or modify_algorithms option of ssh:connect / ssh:daemon", false },
	{ "ROSSSH", KX_PROD_MIKROTIK, "MikroTik RouterOS", "RouterOS: /ip ssh set strong-crypto=yes|no host-key-type=...", true },
	{ "mod_sftp/", KX_PROD_PROFTPD, "ProFTPD mod_sftp", "proftpd.conf SFTPKeyExchanges, SFTPCiphers, SFTPDigests", false },
	{ "Sun_SSH_", KX_PROD_SUN, "Sun SSH", "sshd_config / ssh_config Ciphers and MACs (Solaris)", false },
	{ "HUAWEI-", KX_PROD_HUAWEI, "Huawei VRP", "VRP: ssh server key-exchange / cipher / hmac (ssh client ... for the client)", false },
	{ "Comware-", KX_PROD_COMWARE, "HPE Comware", "Comware: ssh2 algorithm key-exchange / cipher / mac / public-key", false },
	{ "RomSShell_", KX_PROD_ROMSSHELL, "Allegro RomSShell", "embedded firmware: only a vendor update changes its algorithms", false },
	{ "RebexSSH_", KX_PROD_REBEX, "Rebex SSH", "SshParameters.KeyExchangeAlgorithms, EncryptionAlgorithms, MacAlgorithms", false },
	{ "Renci.SshNet.SshClient.", KX_PROD_SSHNET, "SSH.NET", "ConnectionInfo.KeyExchangeAlgorithms, Encryptions, HmacAlgorithms, HostKeyAlgorithms", false },
	{ "FileZilla_", KX_PROD_FILEZILLA, "FileZilla", "FileZilla builds on PuTTY's code and has no per-site setting for algorithms: upgrade it", false },
};

#define NPRODUCTS (sizeof(products) / sizeof(products[0]))

const struct kx_product_row *
kx_product_rows(size_t *n)
{
	*n = NPRODUCTS;
	return products;
}

void
kx_software_parse(const uint8_t *soft, size_t len, const uint8_t *comments,
    size_t clen, struct kx_software *out)
{
	size_t best = 0;

	memset(out, 0, sizeof(*out));
	if (soft == NULL)
		return;
	if (comments != NULL) {
		out->comments = (const char *)comments;
		out->comments_len = clen;
	}
	for (size_t i = 0; i < NPRODUCTS; i++) {
		size_t pl = strlen(products[i].prefix);

		if (len < pl || memcmp(soft, products[i].prefix, pl) != 0)
			continue;
		if (products[i].exact && len != pl)
			continue;
		if (pl <= best)
			continue;
		best = pl;
		out->row = &products[i];
		out->version = (const char *)soft + pl;
		out->version_len = len - pl;
	}
}

/* Known problems that a connection's handshake shows or can trigger,
 * each from the project's own advisory or release notes. Version ranges
 * are inclusive; distributions often backport fixes without changing the
 * upstream version in the banner, which the notes say. */
static const struct kx_software_issue issues[] = {
	{ KX_PROD_OPENSSH, true, "0", "4.3", "CVE-2006-5051",
	  "sshd signal handler race reachable before authentication (OpenSSH 4.4 release notes)" },
	{ KX_PROD_OPENSSH, true, "8.5", "9.7", "CVE-2024-6387",
	  "regreSSHion: sshd LoginGraceTime signal handler race, pre-authentication code execution on glibc (OpenSSH 9.8 release notes); unless the vendor backported the fix" },
	{ KX_PROD_OPENSSH, true, "9.1", "9.1", "CVE-2023-25136",
	  "sshd pre-authentication double free, reachable from the client's identification string (OpenSSH 9.2 release notes)" },
	{ KX_PROD_LIBSSH, true, "0.6.0", "0.7.5", "CVE-2018-10933",
	  "libssh server accepts USERAUTH_SUCCESS from the client: authentication bypass (libssh 0.7.6 / 0.8.4 security release)" },
	{ KX_PROD_LIBSSH, true, "0.8.0", "0.8.3", "CVE-2018-10933",
	  "libssh server accepts USERAUTH_SUCCESS from the client: authentication bypass (libssh 0.7.6 / 0.8.4 security release)" },
	{ KX_PROD_ERLANG, true, "0", "4.15.3.11", "CVE-2025-32433",
	  "Erlang/OTP ssh server handles connection-protocol messages before authentication: remote code execution (GHSA-37cp-fgq5-7wc2)" },
	{ KX_PROD_ERLANG, true, "5.0", "5.1.4.7", "CVE-2025-32433",
	  "Erlang/OTP ssh server handles connection-protocol messages before authentication: remote code execution (GHSA-37cp-fgq5-7wc2)" },
	{ KX_PROD_ERLANG, true, "5.2", "5.2.9", "CVE-2025-32433",
	  "Erlang/OTP ssh server handles connection-protocol messages before authentication: remote code execution (GHSA-37cp-fgq5-7wc2)" },
};

#define NISSUES (sizeof(issues) / sizeof(issues[0]))

/* Distribution packages that fixed an issue without a new upstream
 * version, as their banners' comments show them. */
static const struct kx_backport backports[] = {
	{ "CVE-2024-6387", "Debian-2+deb12u", 3, "DSA-5724-1 (openssh 1:9.2p1-2+deb12u3)" },
	{ "CVE-2024-6387", "Ubuntu-3ubuntu13.", 3, "USN-6859-1 (openssh 1:9.6p1-3ubuntu13.3)" },
	{ "CVE-2024-6387", "Ubuntu-3ubuntu0.", 10, "USN-6859-1 (openssh 1:8.9p1-3ubuntu0.10)" },
};

#define NBACKPORTS (sizeof(backports) / sizeof(backports[0]))

/* The comments name a package with the fix for id. */
static bool
backported(const struct kx_software *sw, const char *id)
{
	for (size_t i = 0; i < NBACKPORTS; i++) {
		size_t pl = strlen(backports[i].prefix), j;
		unsigned long rev = 0;

		if (strcmp(backports[i].id, id) != 0 || sw->comments_len <= pl ||
		    memcmp(sw->comments, backports[i].prefix, pl) != 0)
			continue;
		for (j = pl; j < sw->comments_len && sw->comments[j] >= '0' &&
		    sw->comments[j] <= '9'; j++)
			if (rev < 1000000ul)
				rev = rev * 10 + (unsigned long)(sw->comments[j] - '0');
		if (j > pl && rev >= backports[i].min_rev)
			return true;
	}
	return false;
}

void
kx_software_issues(const struct kx_software *sw, bool is_server,
    void (*fn)(const struct kx_software_issue *, void *), void *arg)
{
	if (sw->row == NULL || sw->version_len == 0 ||
	    sw->version[0] < '0' || sw->version[0] > '9')
		return;
	for (size_t i = 0; i < NISSUES; i++) {
		const struct kx_software_issue *is = &issues[i];

		if (is->product != sw->row->product || (is->server_only && !is_server))
			continue;
		if (kx_version_cmp(sw->version, sw->version_len, is->first,
		    strlen(is->first)) < 0 ||
		    kx_version_cmp(sw->version, sw->version_len, is->last,
		    strlen(is->last)) > 0 || backported(sw, is->id))
			continue;
		fn(is, arg);
	}
}
