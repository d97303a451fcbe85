/* A small PKI made at test time with GnuTLS only: RSA keys, CA,
 * intermediate CA and leaf certificates with chosen names, validity and
 * key usage, and CRLs; as PEM/DER in memory or in temporary files; and
 * the mky objects the tests make of them (credentials, trust, peers).
 *
 * Compile test-pki.c with the test (tests/core/pki.c includes it). */
#pragma once

#include <glib.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <mky/mky.h>

G_BEGIN_DECLS

typedef enum {
  TEST_PKI_KU_ABSENT = 0,       /* no keyUsage extension */
  TEST_PKI_KU_SIGN = 1 << 0,    /* digitalSignature */
  TEST_PKI_KU_ENCRYPT = 1 << 1, /* keyEncipherment */
  TEST_PKI_KU_BOTH = TEST_PKI_KU_SIGN | TEST_PKI_KU_ENCRYPT,
  TEST_PKI_KU_NONE = 1 << 2,    /* keyUsage with neither (keyAgreement) */
} TestPkiUsage;

typedef struct {
  const char *cn;               /* subject CN */
  const char *uri;              /* subjectAltName URI, or NULL */
  const char *email;            /* subjectAltName RFC 822 name, or NULL */
  guint bits;                   /* RSA modulus, 2048 if 0 */
  guint key_slot;               /* same bits and slot: same key */
  gint64 not_before;            /* Unix seconds */
  gint64 not_after;
  TestPkiUsage usage;           /* leaves only; a CA gets keyCertSign|cRLSign */
  guint64 serial;
  gboolean ca;
  gnutls_digest_algorithm_t dig; /* the issuer's signature hash; 0: SHA-256 */
} TestPkiSpec;

typedef struct {
  gnutls_x509_crt_t crt;
  gnutls_x509_privkey_t key;    /* shared from the key cache: do not free */
} TestPkiCert;

/* A cached RSA key (generated on first use) */
gnutls_x509_privkey_t test_pki_key (guint bits, guint slot);
/* Keys generated from now on (@seed not NULL) are the same on every run:
 * FIPS 186-4 provable primes from SHA-256 (@seed || bits || slot), for
 * programs whose output must match across runs (tests/fuzz). 2048 or
 * 3072 bits only. NULL: random keys again. */
void test_pki_set_seed (const char *seed);

/* Issue a certificate; @issuer NULL: self-signed */
TestPkiCert *test_pki_issue (const TestPkiSpec *spec, const TestPkiCert *issuer);
void test_pki_cert_free (TestPkiCert *cert);

GBytes *test_pki_cert_der (const TestPkiCert *cert);
GBytes *test_pki_cert_pem (const TestPkiCert *cert);
/* PKCS#8 PEM (plain, or encrypted with @password if not NULL) */
GBytes *test_pki_key_pem (const TestPkiCert *cert, const char *password);
/* PKCS#1 DER */
GBytes *test_pki_key_der (const TestPkiCert *cert);

/* A CRL by @ca revoking @serials */
GBytes *test_pki_crl (const TestPkiCert *ca, const guint64 *serials,
    guint n_serials, gint64 this_update, gint64 next_update, gboolean pem);

/* A self-signed CA (serial 1) of @cn with the key of @key_slot */
TestPkiCert *test_pki_ca (const char *cn, guint key_slot, gint64 not_before,
    gint64 not_after);
/* A leaf certificate by @issuer (RSA-2048) */
TestPkiCert *test_pki_leaf (const TestPkiCert *issuer, const char *cn,
    const char *uri, guint key_slot, guint64 serial, gint64 not_before,
    gint64 not_after, TestPkiUsage usage);

/* mky objects: credentials of @cert (its certificate and key), a trust of
 * @ca's (and @crl's, when not NULL), @cert as a peer (unverified) */
MkyCredentials *test_pki_credentials (const TestPkiCert *cert);
MkyTrust *test_pki_trust (const TestPkiCert *ca, GBytes *crl);
MkyPeer *test_pki_peer (const TestPkiCert *cert);

/* Concatenate (a NULL-terminated list), for PEM chains */
GBytes *test_pki_concat (GBytes *first, ...) G_GNUC_NULL_TERMINATED;

/* The process's temporary directory (made on first use), a file written
 * in it, and its removal with all it holds */
const char *test_pki_tmpdir (void);
char *test_pki_write (const char *name, GBytes *data);
void test_pki_rm_rf (const char *path);
/* Remove the temporary directory and free the key cache */
/* The cached keys only (a subprocess must leave the files to its parent) */
void test_pki_free_keys (void);
void test_pki_cleanup (void);

G_END_DECLS
