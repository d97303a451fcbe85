/* A small PKI made at test time with GnuTLS only (see test-pki.h). */
#include "test-pki.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <glib/gstdio.h>
#include <gnutls/abstract.h>

static GHashTable *key_cache;   /* bits << 16 | slot -> privkey */
static char *tmpdir;
static char *key_seed;

#define CHECK(call) G_STMT_START { \
    int _r = (call); \
    if (_r < 0) \
      g_error ("%s: %s", #call, gnutls_strerror (_r)); \
  } G_STMT_END

static void
privkey_free (gpointer key)
{
  gnutls_x509_privkey_deinit (key);
}

gnutls_x509_privkey_t
test_pki_key (guint bits, guint slot)
{
  gnutls_x509_privkey_t key;
  guint id;

  if (bits == 0)
    bits = 2048;
  id = bits << 16 | slot;
  if (!key_cache)
    key_cache = g_hash_table_new_full (NULL, NULL, NULL, privkey_free);
  key = g_hash_table_lookup (key_cache, GUINT_TO_POINTER (id));
  if (!key) {
    CHECK (gnutls_x509_privkey_init (&key));
    if (key_seed) {
      /* 28 bytes: twice the 112-bit strength of RSA-2048 (FIPS 186-4
       * B.3.2.1); GnuTLS takes the same for 3072 */
      g_autofree char *in = g_strdup_printf ("%s/%u/%u", key_seed, bits,
          slot);
      guint8 digest[32];
      gsize dlen = sizeof digest;
      g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
      gnutls_keygen_data_st data = { GNUTLS_KEYGEN_SEED, digest, 28 };

      g_checksum_update (sum, (const guchar *) in, -1);
      g_checksum_get_digest (sum, digest, &dlen);
      CHECK (gnutls_x509_privkey_generate2 (key, GNUTLS_PK_RSA, bits,
              GNUTLS_PRIVKEY_FLAG_PROVABLE, &data, 1));
    } else {
      CHECK (gnutls_x509_privkey_generate (key, GNUTLS_PK_RSA, bits, 0));
    }
    g_hash_table_insert (key_cache, GUINT_TO_POINTER (id), key);
  }
  return key;
}

void
test_pki_set_seed (const char *seed)
{
  g_free (key_seed);
  key_seed = g_strdup (seed);
}

/* Positive big-endian INTEGER content for @serial */
static gsize
serial_bytes (guint64 serial, guint8 buf[9])
{
  guint8 be[8];
  gsize i = 0, n;

  for (int k = 0; k < 8; k++)
    be[k] = serial >> (56 - 8 * k);
  while (i < 7 && be[i] == 0)
    i++;
  n = 0;
  if (be[i] & 0x80)
    buf[n++] = 0;
  memcpy (buf + n, be + i, 8 - i);
  return n + 8 - i;
}

TestPkiCert *
test_pki_issue (const TestPkiSpec *spec, const TestPkiCert *issuer)
{
  TestPkiCert *c = g_new0 (TestPkiCert, 1);
  guint8 serial[9], id[64];
  size_t id_len;
  gsize slen;
  unsigned ku = 0;

  c->key = test_pki_key (spec->bits, spec->key_slot);
  CHECK (gnutls_x509_crt_init (&c->crt));
  CHECK (gnutls_x509_crt_set_version (c->crt, 3));
  slen = serial_bytes (spec->serial ? spec->serial : 1, serial);
  CHECK (gnutls_x509_crt_set_serial (c->crt, serial, slen));
  CHECK (gnutls_x509_crt_set_activation_time (c->crt, spec->not_before));
  CHECK (gnutls_x509_crt_set_expiration_time (c->crt, spec->not_after));
  CHECK (gnutls_x509_crt_set_dn_by_oid (c->crt, GNUTLS_OID_X520_COMMON_NAME,
          0, spec->cn, strlen (spec->cn)));
  CHECK (gnutls_x509_crt_set_key (c->crt, c->key));
  if (spec->ca) {
    CHECK (gnutls_x509_crt_set_basic_constraints (c->crt, 1, -1));
    ku = GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN;
  } else {
    CHECK (gnutls_x509_crt_set_basic_constraints (c->crt, 0, -1));
    if (spec->usage & TEST_PKI_KU_SIGN)
      ku |= GNUTLS_KEY_DIGITAL_SIGNATURE;
    if (spec->usage & TEST_PKI_KU_ENCRYPT)
      ku |= GNUTLS_KEY_KEY_ENCIPHERMENT;
    if (spec->usage & TEST_PKI_KU_NONE)
      ku |= GNUTLS_KEY_KEY_AGREEMENT;
  }
  if (ku)
    CHECK (gnutls_x509_crt_set_key_usage (c->crt, ku));
  if (spec->uri)
    CHECK (gnutls_x509_crt_set_subject_alt_name (c->crt, GNUTLS_SAN_URI,
            spec->uri, strlen (spec->uri), GNUTLS_FSAN_APPEND));
  if (spec->email)
    CHECK (gnutls_x509_crt_set_subject_alt_name (c->crt,
            GNUTLS_SAN_RFC822NAME, spec->email, strlen (spec->email),
            GNUTLS_FSAN_APPEND));
  id_len = sizeof id;
  CHECK (gnutls_x509_crt_get_key_id (c->crt, 0, id, &id_len));
  CHECK (gnutls_x509_crt_set_subject_key_id (c->crt, id, id_len));
  if (issuer) {
    id_len = sizeof id;
    CHECK (gnutls_x509_crt_get_subject_key_id (issuer->crt, id, &id_len,
            NULL));
    CHECK (gnutls_x509_crt_set_authority_key_id (c->crt, id, id_len));
  }
  CHECK (gnutls_x509_crt_sign2 (c->crt, issuer ? issuer->crt : c->crt,
          issuer ? issuer->key : c->key,
          spec->dig ? spec->dig : GNUTLS_DIG_SHA256, 0));
  return c;
}

void
test_pki_cert_free (TestPkiCert *cert)
{
  if (!cert)
    return;
  gnutls_x509_crt_deinit (cert->crt);
  g_free (cert);
}

static GBytes *
datum_to_bytes (gnutls_datum_t *d)
{
  GBytes *b = g_bytes_new (d->data, d->size);
  gnutls_free (d->data);
  return b;
}

GBytes *
test_pki_cert_der (const TestPkiCert *cert)
{
  gnutls_datum_t d;
  CHECK (gnutls_x509_crt_export2 (cert->crt, GNUTLS_X509_FMT_DER, &d));
  return datum_to_bytes (&d);
}

GBytes *
test_pki_cert_pem (const TestPkiCert *cert)
{
  gnutls_datum_t d;
  CHECK (gnutls_x509_crt_export2 (cert->crt, GNUTLS_X509_FMT_PEM, &d));
  return datum_to_bytes (&d);
}

GBytes *
test_pki_key_pem (const TestPkiCert *cert, const char *password)
{
  gnutls_datum_t d;
  CHECK (gnutls_x509_privkey_export2_pkcs8 (cert->key, GNUTLS_X509_FMT_PEM,
          password, password ? GNUTLS_PKCS_PBES2_AES_256 : GNUTLS_PKCS_PLAIN,
          &d));
  return datum_to_bytes (&d);
}

GBytes *
test_pki_key_der (const TestPkiCert *cert)
{
  gnutls_datum_t d;
  CHECK (gnutls_x509_privkey_export2 (cert->key, GNUTLS_X509_FMT_DER, &d));
  return datum_to_bytes (&d);
}

GBytes *
test_pki_crl (const TestPkiCert *ca, const guint64 *serials, guint n_serials,
    gint64 this_update, gint64 next_update, gboolean pem)
{
  gnutls_x509_crl_t crl;
  gnutls_datum_t d;
  guint8 buf[9], id[64];
  size_t id_len = sizeof id;

  CHECK (gnutls_x509_crl_init (&crl));
  CHECK (gnutls_x509_crl_set_version (crl, 2));
  CHECK (gnutls_x509_crl_set_this_update (crl, this_update));
  CHECK (gnutls_x509_crl_set_next_update (crl, next_update));
  for (guint i = 0; i < n_serials; i++) {
    gsize n = serial_bytes (serials[i], buf);
    CHECK (gnutls_x509_crl_set_crt_serial (crl, buf, n, this_update));
  }
  CHECK (gnutls_x509_crt_get_subject_key_id (ca->crt, id, &id_len, NULL));
  CHECK (gnutls_x509_crl_set_authority_key_id (crl, id, id_len));
  buf[0] = 1;
  CHECK (gnutls_x509_crl_set_number (crl, buf, 1));
  CHECK (gnutls_x509_crl_sign2 (crl, ca->crt, ca->key, GNUTLS_DIG_SHA256, 0));
  CHECK (gnutls_x509_crl_export2 (crl, pem ? GNUTLS_X509_FMT_PEM
          : GNUTLS_X509_FMT_DER, &d));
  gnutls_x509_crl_deinit (crl);
  return datum_to_bytes (&d);
}

TestPkiCert *
test_pki_ca (const char *cn, guint key_slot, gint64 not_before,
    gint64 not_after)
{
  TestPkiSpec s = {
    .cn = cn, .key_slot = key_slot, .serial = 1, .ca = TRUE,
    .not_before = not_before, .not_after = not_after,
  };
  return test_pki_issue (&s, NULL);
}

TestPkiCert *
test_pki_leaf (const TestPkiCert *issuer, const char *cn, const char *uri,
    guint key_slot, guint64 serial, gint64 not_before, gint64 not_after,
    TestPkiUsage usage)
{
  TestPkiSpec s = {
    .cn = cn, .uri = uri, .key_slot = key_slot, .serial = serial,
    .not_before = not_before, .not_after = not_after, .usage = usage,
  };
  return test_pki_issue (&s, issuer);
}

MkyCredentials *
test_pki_credentials (const TestPkiCert *cert)
{
  g_autoptr (GBytes) pem = test_pki_cert_pem (cert);
  g_autoptr (GBytes) key = test_pki_key_pem (cert, NULL);
  GError *err = NULL;
  MkyCredentials *creds = mky_credentials_new_from_memory (pem, key, &err);

  g_assert_no_error (err);
  return creds;
}

MkyTrust *
test_pki_trust (const TestPkiCert *ca, GBytes *crl)
{
  MkyTrust *trust = mky_trust_new ();
  g_autoptr (GBytes) pem = test_pki_cert_pem (ca);
  GError *err = NULL;

  g_assert_true (mky_trust_add_ca_memory (trust, pem, &err));
  if (crl)
    g_assert_true (mky_trust_add_crl_memory (trust, crl, &err));
  g_assert_no_error (err);
  return trust;
}

MkyPeer *
test_pki_peer (const TestPkiCert *cert)
{
  g_autoptr (GBytes) der = test_pki_cert_der (cert);
  GError *err = NULL;
  MkyPeer *peer = mky_peer_new_from_der (der, &err);

  g_assert_no_error (err);
  return peer;
}

GBytes *
test_pki_concat (GBytes *first, ...)
{
  GByteArray *a = g_byte_array_new ();
  va_list ap;

  va_start (ap, first);
  for (GBytes *b = first; b; b = va_arg (ap, GBytes *)) {
    gsize n;
    const guint8 *d = g_bytes_get_data (b, &n);
    g_byte_array_append (a, d, n);
  }
  va_end (ap);
  return g_byte_array_free_to_bytes (a);
}

const char *
test_pki_tmpdir (void)
{
  if (!tmpdir) {
    GError *err = NULL;
    tmpdir = g_dir_make_tmp ("mky-pki-XXXXXX", &err);
    g_assert_no_error (err);
  }
  return tmpdir;
}

char *
test_pki_write (const char *name, GBytes *data)
{
  char *path = g_build_filename (test_pki_tmpdir (), name, NULL);
  GError *err = NULL;
  gsize n;
  const char *d = g_bytes_get_data (data, &n);

  g_file_set_contents (path, d, n, &err);
  g_assert_no_error (err);
  return path;
}

void
test_pki_rm_rf (const char *path)
{
  GDir *dir;

  if (g_file_test (path, G_FILE_TEST_IS_DIR)
      && !g_file_test (path, G_FILE_TEST_IS_SYMLINK)
      && (dir = g_dir_open (path, 0, NULL)) != NULL) {
    const char *name;
    while ((name = g_dir_read_name (dir)) != NULL) {
      char *child = g_build_filename (path, name, NULL);
      test_pki_rm_rf (child);
      g_free (child);
    }
    g_dir_close (dir);
    g_rmdir (path);
  } else {
    g_unlink (path);
  }
}

void
test_pki_free_keys (void)
{
  g_clear_pointer (&key_cache, g_hash_table_unref);
}

void
test_pki_cleanup (void)
{
  if (tmpdir) {
    test_pki_rm_rf (tmpdir);
    g_clear_pointer (&tmpdir, g_free);
  }
  test_pki_free_keys ();
  g_clear_pointer (&key_seed, g_free);
}
