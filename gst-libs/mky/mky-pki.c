/* mky: MIKEY protocol core
 * Certificates and keys for the public-key modes, through GnuTLS.
 *
 * Time: gnutls_x509_trust_list_verify_crt2() has no verification-time
 * parameter in GnuTLS 3.7 (the only way to move its clock is the
 * process-wide gnutls_global_set_time_function(), unfit for a library), so
 * the chain is verified with GNUTLS_VERIFY_DISABLE_TIME_CHECKS and
 * GNUTLS_VERIFY_DISABLE_TRUSTED_TIME_CHECKS and every certificate of the
 * path, anchor included, is checked here against the caller's @now_us.
 * Revocation is checked here too (GNUTLS_VERIFY_DISABLE_CRL_CHECKS): a
 * trust list only takes CRLs its anchors signed, at the time they are
 * added, while a CRL may come from an intermediate CA of the peer's chain.
 * gnutls_x509_crl_verify() in turn checks thisUpdate/nextUpdate against the
 * system clock even with GNUTLS_VERIFY_DISABLE_TIME_CHECKS; those status
 * bits are ignored (a CRL's entries count whatever its dates).
 *
 * A chain that passes is remembered (mky-pki-cache.c) with the window its
 * path is valid in, so that a key server seeing the same members again
 * pays for a hash instead of parsing and verifying; the peer is made once,
 * from the certificate already parsed, and keeps no parsed certificate.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "mky-pki.h"
#include "mky-pki-cache.h"
#include "mky-error.h"

#include <string.h>
#include <nettle/sha2.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>

#define MAX_CHAIN 16

#define VERIFY_FLAGS (GNUTLS_VERIFY_DISABLE_TIME_CHECKS | \
    GNUTLS_VERIFY_DISABLE_TRUSTED_TIME_CHECKS | \
    GNUTLS_VERIFY_DISABLE_CRL_CHECKS)

/* ---------------------------------------------------------------------
 * helpers */

static gboolean
is_pem (const guint8 *data, gsize len)
{
  return len >= 10 && memmem (data, len, "-----BEGIN", 10) != NULL;
}

static void
wipe_free (gpointer data, gsize len)
{
  if (data) {
    explicit_bzero (data, len);
    g_free (data);
  }
}

/* Parse PEM certificates (any number) or one DER certificate */
static int
parse_certs (const guint8 *data, gsize len, gnutls_x509_crt_t **out,
    guint *n_out)
{
  gnutls_datum_t d = { (unsigned char *) data, len };
  int ret;

  *out = NULL;
  *n_out = 0;
  if (len == 0 || len > G_MAXUINT)
    return GNUTLS_E_INVALID_REQUEST;
  if (is_pem (data, len)) {
    unsigned size = 0;
    ret = gnutls_x509_crt_list_import2 (out, &size, &d, GNUTLS_X509_FMT_PEM,
        0);
    if (ret < 0)
      return ret;
    *n_out = size;
    return size > 0 ? 0 : GNUTLS_E_NO_CERTIFICATE_FOUND;
  } else {
    gnutls_x509_crt_t crt;
    ret = gnutls_x509_crt_init (&crt);
    if (ret < 0)
      return ret;
    ret = gnutls_x509_crt_import (crt, &d, GNUTLS_X509_FMT_DER);
    if (ret < 0) {
      gnutls_x509_crt_deinit (crt);
      return ret;
    }
    *out = gnutls_malloc (sizeof (gnutls_x509_crt_t));
    (*out)[0] = crt;
    *n_out = 1;
    return 0;
  }
}

static void
free_certs (gnutls_x509_crt_t *crts, guint n)
{
  for (guint i = 0; i < n; i++)
    gnutls_x509_crt_deinit (crts[i]);
  gnutls_free (crts);
}

/* One certificate, DER or PEM (the first of a PEM list) */
static gnutls_x509_crt_t
parse_one_cert (const guint8 *data, gsize len)
{
  gnutls_x509_crt_t *crts, crt;
  guint n;

  if (parse_certs (data, len, &crts, &n) < 0)
    return NULL;
  crt = crts[0];
  for (guint i = 1; i < n; i++)
    gnutls_x509_crt_deinit (crts[i]);
  gnutls_free (crts);
  return crt;
}

static GBytes *
crt_der (gnutls_x509_crt_t crt)
{
  gnutls_datum_t d = { NULL, 0 };
  GBytes *b;

  if (gnutls_x509_crt_export2 (crt, GNUTLS_X509_FMT_DER, &d) < 0)
    return NULL;
  b = g_bytes_new (d.data, d.size);
  gnutls_free (d.data);
  return b;
}

/* The subjectAltNames of @type (GNUTLS_SAN_URI, GNUTLS_SAN_RFC822NAME), as
 * strings; names with an embedded NUL are left out. */
static GPtrArray *
get_sans (gnutls_x509_crt_t crt, unsigned want)
{
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);

  for (unsigned seq = 0; seq < 1024; seq++) {
    size_t size = 0;
    unsigned type = 0;
    char *buf;
    int ret;

    ret = gnutls_x509_crt_get_subject_alt_name2 (crt, seq, NULL, &size,
        &type, NULL);
    if (ret == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
      break;
    if (ret != GNUTLS_E_SHORT_MEMORY_BUFFER && ret < 0)
      break;
    if (type != want)
      continue;
    buf = g_malloc0 (size + 1);
    ret = gnutls_x509_crt_get_subject_alt_name2 (crt, seq, buf, &size,
        &type, NULL);
    if (ret < 0 || strlen (buf) != size || size == 0) {
      g_free (buf);
      continue;
    }
    g_ptr_array_add (names, buf);
  }
  return names;
}

/* A leaf's identity: its first SAN URI, else its first RFC 822 name */
static const char *
identity_of (GPtrArray *uris, GPtrArray *mails, MkyIdType *type)
{
  *type = MKY_ID_URI;
  if (uris->len > 0)
    return uris->pdata[0];
  if (mails->len > 0) {
    *type = MKY_ID_NAI;
    return mails->pdata[0];
  }
  return NULL;
}

static char *
cert_identity (gnutls_x509_crt_t crt, MkyIdType *type)
{
  g_autoptr (GPtrArray) uris = get_sans (crt, GNUTLS_SAN_URI);
  g_autoptr (GPtrArray) mails = get_sans (crt, GNUTLS_SAN_RFC822NAME);

  return g_strdup (identity_of (uris, mails, type));
}

/* RFC 3830 §6.5 "implicit from the certificate/public key used": the hash
 * the certificate itself was signed with when it is a SHA-2 of 256 bits or
 * more, else SHA-256 (see mky-pki.h). */
static gnutls_digest_algorithm_t
cert_sign_hash (gnutls_x509_crt_t crt)
{
  int sa = gnutls_x509_crt_get_signature_algorithm (crt);
  gnutls_digest_algorithm_t h;

  if (sa < 0)
    return GNUTLS_DIG_SHA256;
  h = gnutls_sign_get_hash_algorithm (sa);
  switch (h) {
    case GNUTLS_DIG_SHA256:
    case GNUTLS_DIG_SHA384:
    case GNUTLS_DIG_SHA512:
      return h;
    default:
      return GNUTLS_DIG_SHA256;
  }
}

/* The GnuTLS signature algorithm for a SIGN payload type, or UNKNOWN */
static gnutls_sign_algorithm_t
sign_algorithm (MkySignType type, gnutls_pk_algorithm_t pk,
    gnutls_digest_algorithm_t hash)
{
  switch (type) {
    case MKY_SIGN_RSA_PKCS1:
      if (pk != GNUTLS_PK_RSA)
        return GNUTLS_SIGN_UNKNOWN;
      return gnutls_pk_to_sign (GNUTLS_PK_RSA, hash);
    case MKY_SIGN_RSA_PSS:
      if (pk == GNUTLS_PK_RSA_PSS)
        return gnutls_pk_to_sign (GNUTLS_PK_RSA_PSS, hash);
      if (pk != GNUTLS_PK_RSA)
        return GNUTLS_SIGN_UNKNOWN;
      /* an rsaEncryption key used for PSS */
      switch (hash) {
        case GNUTLS_DIG_SHA384:
          return GNUTLS_SIGN_RSA_PSS_RSAE_SHA384;
        case GNUTLS_DIG_SHA512:
          return GNUTLS_SIGN_RSA_PSS_RSAE_SHA512;
        default:
          return GNUTLS_SIGN_RSA_PSS_RSAE_SHA256;
      }
    default:
      return GNUTLS_SIGN_UNKNOWN;
  }
}

static const char *
sign_type_name (MkySignType type)
{
  switch (type) {
    case MKY_SIGN_RSA_PKCS1:
      return "RSA/PKCS#1 v1.5";
    case MKY_SIGN_RSA_PSS:
      return "RSA/PSS";
    case MKY_SIGN_ECCSI:
      return "ECCSI";
    default:
      return "unknown";
  }
}

static gboolean
refuse_oaep (MkyPkeEncr alg, GError **error)
{
  if (alg == MKY_PKE_ENCR_RSA_PKCS1)
    return FALSE;
  if (alg == MKY_PKE_ENCR_RSA_OAEP)
    g_set_error (error, MKY_ERROR, MKY_ERROR_CRYPTO,
        "RSA-OAEP envelope keys are not supported (GnuTLS 3.7 and nettle "
        "3.8 have no OAEP); use RSA PKCS#1 v1.5");
  else
    g_set_error (error, MKY_ERROR, MKY_ERROR_INVALID_ARGUMENT,
        "unknown PKE encryption %d", alg);
  return TRUE;
}

/* ---------------------------------------------------------------------
 * certificate entries, CHASH */

MkyCertEntry *
mky_cert_entry_new (MkyCertType type, GBytes *data)
{
  MkyCertEntry *e = g_new0 (MkyCertEntry, 1);

  g_return_val_if_fail (data != NULL, NULL);
  e->type = type;
  e->data = g_bytes_ref (data);
  return e;
}

void
mky_cert_entry_free (MkyCertEntry *entry)
{
  if (!entry)
    return;
  g_bytes_unref (entry->data);
  g_free (entry);
}

GPtrArray *
mky_cert_chain_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) mky_cert_entry_free);
}

void
mky_cert_chain_add (GPtrArray *chain, MkyCertType type, const guint8 *data,
    gsize len)
{
  g_autoptr (GBytes) b = g_bytes_new (data, len);

  g_ptr_array_add (chain, mky_cert_entry_new (type, b));
}

gboolean
mky_cert_hash (MkyHashFunc func, GBytes *der, MkyBytes *out, GError **error)
{
  gnutls_digest_algorithm_t dig;
  gsize size;
  const guint8 *data;
  guint8 *hash;
  int ret;

  switch (func) {
    case MKY_HASH_SHA_1:
      dig = GNUTLS_DIG_SHA1;
      break;
    case MKY_HASH_MD5:
      dig = GNUTLS_DIG_MD5;
      break;
    case MKY_HASH_SHA_256:
      dig = GNUTLS_DIG_SHA256;
      break;
    default:
      g_set_error (error, MKY_ERROR, MKY_ERROR_UNSUPPORTED_VALUE,
          "unknown CHASH hash function %d", func);
      return FALSE;
  }
  g_return_val_if_fail (der != NULL, FALSE);
  data = g_bytes_get_data (der, &size);
  hash = mky_bytes_alloc (out, gnutls_hash_get_len (dig));
  ret = gnutls_hash_fast (dig, data, size, hash);
  if (ret < 0) {
    mky_bytes_clear (out, FALSE);
    g_set_error (error, MKY_ERROR, MKY_ERROR_CRYPTO, "CHASH %s: %s",
        gnutls_digest_get_name (dig), gnutls_strerror (ret));
    return FALSE;
  }
  return TRUE;
}

/* ---------------------------------------------------------------------
 * credentials */

struct _MkyCredentials {
  gint ref_count;
  gnutls_privkey_t key;
  gnutls_x509_crt_t leaf;
  GPtrArray *der;               /* GBytes, leaf first */
  char *identity;
  MkyIdType id_type;
  gnutls_digest_algorithm_t hash;
  char *pin;                    /* wiped on free */
};

static int
pin_cb (void *userdata, int attempt, const char *token_url,
    const char *token_label, unsigned int flags, char *pin, size_t pin_max)
{
  MkyCredentials *creds = userdata;
  size_t len;

  /* never retry a PIN that was refused: the token would lock */
  if (!creds->pin || attempt > 0 || (flags & GNUTLS_PIN_WRONG))
    return -1;
  len = strlen (creds->pin);
  if (len + 1 > pin_max)
    return -1;
  memcpy (pin, creds->pin, len + 1);
  return 0;
}

static MkyCredentials *
credentials_alloc (void)
{
  MkyCredentials *creds = g_new0 (MkyCredentials, 1);

  creds->ref_count = 1;
  creds->der = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  return creds;
}

MkyCredentials *
mky_credentials_ref (MkyCredentials *creds)
{
  g_return_val_if_fail (creds != NULL, NULL);
  g_atomic_int_inc (&creds->ref_count);
  return creds;
}

void
mky_credentials_unref (MkyCredentials *creds)
{
  if (!creds || !g_atomic_int_dec_and_test (&creds->ref_count))
    return;
  if (creds->key)
    gnutls_privkey_deinit (creds->key);
  if (creds->leaf)
    gnutls_x509_crt_deinit (creds->leaf);
  g_ptr_array_unref (creds->der);
  g_free (creds->identity);
  if (creds->pin)
    wipe_free (creds->pin, strlen (creds->pin));
  g_free (creds);
}

/* Take the certificates; check that the key is the leaf's */
static gboolean
credentials_finish (MkyCredentials *creds, gnutls_x509_crt_t *crts, guint n,
    GError **error)
{
  gnutls_pubkey_t pub = NULL;
  int ret;

  for (guint i = 0; i < n; i++) {
    GBytes *der = crt_der (crts[i]);
    if (!der) {
      free_certs (crts, n);
      g_set_error (error, MKY_ERROR, MKY_ERROR_INVALID_ARGUMENT,
          "certificate %u cannot be exported", i);
      return FALSE;
    }
    g_ptr_array_add (creds->der, der);
  }
  creds->leaf = crts[0];
  for (guint i = 1; i < n; i++)
    gnutls_x509_crt_deinit (crts[i]);
  gnutls_free (crts);
  creds->identity = cert_identity (creds->leaf, &creds->id_type);
  creds->hash = cert_sign_hash (creds->leaf);

  /* the key must be the leaf's; a token that cannot give the public key
   * (without a login, say) is taken at its word */
  if (gnutls_pubkey_init (&pub) < 0)
    return TRUE;
  ret = gnutls_pubkey_import_privkey (pub, creds->key, 0, 0);
  if (ret >= 0) {
    guint8 a[64], b[64];
    size_t alen = sizeof a, blen = sizeof b;
    if (gnutls_pubkey_get_key_id (pub, GNUTLS_KEYID_USE_SHA256, a,
            &alen) >= 0
        && gnutls_x509_crt_get_key_id (creds->leaf, GNUTLS_KEYID_USE_SHA256,
            b, &blen) >= 0
        && (alen != blen || memcmp (a, b, alen) != 0)) {
      gnutls_pubkey_deinit (pub);
      g_set_error (error, MKY_ERROR, MKY_ERROR_INVALID_ARGUMENT,
          "the private key does not belong to the first certificate");
      return FALSE;
    }
  } else {
    g_debug ("mky-pki: public key of the private key not available (%s), "
        "key/certificate match not checked", gnutls_strerror (ret));
  }
  gnutls_pubkey_deinit (pub);
  return TRUE;
}

static gboolean
load_certs (const guint8 *data, gsize len, gnutls_x509_crt_t **crts,
    guint *n, GError **error)
{
  int ret = parse_certs (data, len, crts, n);

  if (ret < 0) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_INVALID_ARGUMENT,
        "no certificate: %s", gnutls_strerror (ret));
    return FALSE;
  }
  return TRUE;
}

static gboolean
import_key (MkyCredentials *creds, const guint8 *data, gsize len,
    const char *password, GError **error)
{
  gnutls_datum_t d = { (unsigned char *) data, len };
  int ret;

  ret = gnutls_privkey_init (&creds->key);
  if (ret >= 0)
    ret = gnutls_privkey_import_x509_raw (creds->key, &d,
        is_pem (data, len) ? GNUTLS_X509_FMT_PEM : GNUTLS_X509_FMT_DER,
        password, 0);
  if (ret < 0) {
    /* the key's bytes never go into a message */
    g_set_error (error, MKY_ERROR, MKY_ERROR_INVALID_ARGUMENT,
        "private key not usable: %s", gnutls_strerror (ret));
    return FALSE;
  }
  return TRUE;
}

MkyCredentials *
mky_credentials_new_from_memory (GBytes *certs, GBytes *key, GError **error)
{
  g_autoptr (MkyCredentials) creds = NULL;
  gnutls_x509_crt_t *crts;
  const guint8 *data;
  gsize len;
  guint n;

  g_return_val_if_fail (certs != NULL && key != NULL, NULL);
  creds = credentials_alloc ();
  data = g_bytes_get_data (key, &len);
  if (!import_key (creds, data, len, NULL, error))
    return NULL;
  data = g_bytes_get_data (certs, &len);
  if (!load_certs (data, len, &crts, &n, error))
    return NULL;
  if (!credentials_finish (creds, crts, n, error))
    return NULL;
  return g_steal_pointer (&creds);
}

MkyCredentials *
mky_credentials_new_from_files (const char *cert_file, const char *key,
    const char *pin, GError **error)
{
  g_autoptr (MkyCredentials) creds = NULL;
  g_autofree char *cdata = NULL;
  gnutls_x509_crt_t *crts;
  gsize len;
  guint n;
  int ret;

  g_return_val_if_fail (cert_file != NULL && key != NULL, NULL);
  creds = credentials_alloc ();
  if (pin)
    creds->pin = g_strdup (pin);

  if (gnutls_url_is_supported (key)) {
    ret = gnutls_privkey_init (&creds->key);
    if (ret >= 0) {
      gnutls_privkey_set_pin_function (creds->key, pin_cb, creds);
      ret = gnutls_privkey_import_url (creds->key, key, 0);
    }
    if (ret < 0) {
      g_set_error (error, MKY_ERROR, MKY_ERROR_INVALID_ARGUMENT,
          "private key %s: %s", key, gnutls_strerror (ret));
      return NULL;
    }
  } else {
    char *kdata = NULL;
    gboolean ok;
    if (!g_file_get_contents (key, &kdata, &len, error))
      return NULL;
    ok = import_key (creds, (guint8 *) kdata, len, pin, error);
    wipe_free (kdata, len);
    if (!ok) {
      g_prefix_error (error, "%s: ", key);
      return NULL;
    }
  }

  if (gnutls_url_is_supported (cert_file)) {
    /* a token holds the leaf alone */
    n = 1;
    crts = gnutls_malloc (sizeof *crts);
    crts[0] = NULL;
    ret = gnutls_x509_crt_init (&crts[0]);
    if (ret >= 0)
      ret = gnutls_x509_crt_import_url (crts[0], cert_file, 0);
    if (ret < 0) {
      free_certs (crts, crts[0] ? 1 : 0);
      g_set_error (error, MKY_ERROR, MKY_ERROR_INVALID_ARGUMENT,
          "certificate %s: %s", cert_file, gnutls_strerror (ret));
      return NULL;
    }
  } else {
    if (!g_file_get_contents (cert_file, &cdata, &len, error))
      return NULL;
    if (!load_certs ((guint8 *) cdata, len, &crts, &n, error)) {
      g_prefix_error (error, "%s: ", cert_file);
      return NULL;
    }
  }
  if (!credentials_finish (creds, crts, n, error))
    return NULL;
  return g_steal_pointer (&creds);
}

const char *
mky_credentials_get_identity (MkyCredentials *creds)
{
  g_return_val_if_fail (creds != NULL, NULL);
  return creds->identity;
}

MkyIdType
mky_credentials_get_identity_type (MkyCredentials *creds)
{
  g_return_val_if_fail (creds != NULL, MKY_ID_URI);
  return creds->id_type;
}

guint
mky_credentials_get_n_certs (MkyCredentials *creds)
{
  g_return_val_if_fail (creds != NULL, 0);
  return creds->der->len;
}

guint
mky_credentials_get_rsa_bits (MkyCredentials *creds)
{
  unsigned int bits = 0;

  g_return_val_if_fail (creds != NULL, 0);
  if (creds->leaf == NULL
      || gnutls_x509_crt_get_pk_algorithm (creds->leaf, &bits) != GNUTLS_PK_RSA)
    return 0;
  return bits;
}

GBytes *
mky_credentials_get_cert_der (MkyCredentials *creds, guint i)
{
  g_return_val_if_fail (creds != NULL, NULL);
  g_return_val_if_fail (i < creds->der->len, NULL);
  return creds->der->pdata[i];
}

gboolean
mky_credentials_sign (MkyCredentials *creds, MkySignType type,
    const guint8 *data, gsize len, MkyBytes *out, GError **error)
{
  gnutls_datum_t d = { (unsigned char *) data, len }, sig = { NULL, 0 };
  gnutls_sign_algorithm_t algo;
  int pk, ret;

  g_return_val_if_fail (creds != NULL && out != NULL, FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  pk = gnutls_privkey_get_pk_algorithm (creds->key, NULL);
  algo = sign_algorithm (type, pk, creds->hash);
  if (algo == GNUTLS_SIGN_UNKNOWN) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_CRYPTO,
        "cannot sign %s with a %s key", sign_type_name (type),
        gnutls_pk_get_name (pk));
    return FALSE;
  }
  ret = gnutls_privkey_sign_data2 (creds->key, algo, 0, &d, &sig);
  if (ret < 0) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_CRYPTO, "signing (%s): %s",
        gnutls_sign_get_name (algo), gnutls_strerror (ret));
    return FALSE;
  }
  mky_bytes_set (out, sig.data, sig.size);
  gnutls_free (sig.data);
  return TRUE;
}

gboolean
mky_credentials_decrypt (MkyCredentials *creds, MkyPkeEncr alg,
    const guint8 *in, gsize len, MkyBytes *out, GError **error)
{
  gnutls_datum_t c = { (unsigned char *) in, len }, p = { NULL, 0 };
  int ret;

  g_return_val_if_fail (creds != NULL && out != NULL, FALSE);
  if (refuse_oaep (alg, error))
    return FALSE;
  if (gnutls_privkey_get_pk_algorithm (creds->key, NULL) != GNUTLS_PK_RSA) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_CRYPTO,
        "the private key is not an RSA encryption key");
    return FALSE;
  }
  ret = len ? gnutls_privkey_decrypt_data (creds->key, 0, &c, &p)
      : GNUTLS_E_DECRYPTION_FAILED;
  if (ret < 0) {
    /* one text for every cause */
    g_set_error (error, MKY_ERROR, MKY_ERROR_CRYPTO,
        "envelope key decryption failed");
    return FALSE;
  }
  memcpy (mky_bytes_alloc (out, p.size), p.data, p.size);
  gnutls_memset (p.data, 0, p.size);
  gnutls_free (p.data);
  return TRUE;
}

/* ---------------------------------------------------------------------
 * peer */

/* Everything a peer needs is taken from the certificate when it is made:
 * the parsed certificate itself is not kept (a cached peer would hold its
 * ASN.1 tree for nothing) */
struct _MkyPeer {
  gint ref_count;
  MkyPeer *base;                /* the same certificate, another identity:
                                 * the fields below but identity are its */
  gnutls_pubkey_t pub;
  GBytes *der;
  char *identity;
  GPtrArray *uris, *mails;      /* subjectAltNames */
  guint key_usage;              /* GNUTLS_KEY_*; all bits: no keyUsage */
  gnutls_digest_algorithm_t hash;
};

static guint
crt_key_usage (gnutls_x509_crt_t crt)
{
  unsigned ku = 0;
  int ret = gnutls_x509_crt_get_key_usage (crt, &ku, NULL);

  if (ret == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
    return G_MAXUINT;           /* no keyUsage: any use (RFC 5280 §4.2.1.3) */
  return ret < 0 ? 0 : ku;
}

/* Frees @crt; @der is its DER (referenced), NULL to export it */
static MkyPeer *
peer_new (gnutls_x509_crt_t crt, GBytes *der, GError **error)
{
  MkyPeer *peer = g_new0 (MkyPeer, 1);
  MkyIdType type;
  int ret;

  peer->ref_count = 1;
  peer->der = der ? g_bytes_ref (der) : crt_der (crt);
  peer->hash = cert_sign_hash (crt);
  peer->uris = get_sans (crt, GNUTLS_SAN_URI);
  peer->mails = get_sans (crt, GNUTLS_SAN_RFC822NAME);
  peer->identity = g_strdup (identity_of (peer->uris, peer->mails, &type));
  peer->key_usage = crt_key_usage (crt);
  ret = gnutls_pubkey_init (&peer->pub);
  if (ret >= 0)
    ret = gnutls_pubkey_import_x509 (peer->pub, crt, 0);
  gnutls_x509_crt_deinit (crt);
  if (ret < 0 || !peer->der) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_CERT_UNTRUSTED,
        "certificate public key not usable: %s",
        gnutls_strerror (ret < 0 ? ret : GNUTLS_E_INTERNAL_ERROR));
    mky_peer_unref (peer);
    return NULL;
  }
  return peer;
}

/* @base's certificate accepted for @identity */
static MkyPeer *
peer_with_identity (MkyPeer *base, const char *identity)
{
  MkyPeer *peer = g_new (MkyPeer, 1);

  *peer = *base;
  peer->ref_count = 1;
  peer->base = mky_peer_ref (base->base ? base->base : base);
  peer->identity = g_strdup (identity);
  return peer;
}

MkyPeer *
mky_peer_new_from_der (GBytes *der, GError **error)
{
  gnutls_x509_crt_t crt;
  gnutls_datum_t d;
  gsize size;
  int ret;

  g_return_val_if_fail (der != NULL, NULL);
  d.data = (unsigned char *) g_bytes_get_data (der, &size);
  d.size = size;
  ret = gnutls_x509_crt_init (&crt);
  if (ret >= 0) {
    ret = gnutls_x509_crt_import (crt, &d, GNUTLS_X509_FMT_DER);
    if (ret < 0)
      gnutls_x509_crt_deinit (crt);
  }
  if (ret < 0) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_CERT_UNTRUSTED,
        "not a DER certificate: %s", gnutls_strerror (ret));
    return NULL;
  }
  return peer_new (crt, der, error);
}

MkyPeer *
mky_peer_ref (MkyPeer *peer)
{
  g_return_val_if_fail (peer != NULL, NULL);
  g_atomic_int_inc (&peer->ref_count);
  return peer;
}

void
mky_peer_unref (MkyPeer *peer)
{
  if (!peer || !g_atomic_int_dec_and_test (&peer->ref_count))
    return;
  g_free (peer->identity);
  if (peer->base) {
    mky_peer_unref (peer->base);
    g_free (peer);
    return;
  }
  if (peer->pub)
    gnutls_pubkey_deinit (peer->pub);
  if (peer->der)
    g_bytes_unref (peer->der);
  g_ptr_array_unref (peer->uris);
  g_ptr_array_unref (peer->mails);
  g_free (peer);
}

const char *
mky_peer_get_identity (MkyPeer *peer)
{
  g_return_val_if_fail (peer != NULL, NULL);
  return peer->identity;
}

GBytes *
mky_peer_get_leaf_der (MkyPeer *peer)
{
  g_return_val_if_fail (peer != NULL, NULL);
  return peer->der;
}

/* user@realm: the user part exactly, the realm without regard to case */
static gboolean
nai_equal (const char *a, const char *b)
{
  const char *at_a = strrchr (a, '@'), *at_b = strrchr (b, '@');

  if (!at_a || !at_b)
    return strcmp (a, b) == 0;
  return at_a - a == at_b - b && strncmp (a, b, at_a - a) == 0
      && g_ascii_strcasecmp (at_a, at_b) == 0;
}

gboolean
mky_peer_check_id (MkyPeer *peer, MkyIdType id_type, const char *claimed_id,
    GError **error)
{
  g_return_val_if_fail (peer != NULL && claimed_id != NULL, FALSE);

  if (id_type == MKY_ID_URI || id_type == MKY_ID_BYTE_STRING)
    for (guint i = 0; i < peer->uris->len; i++)
      if (strcmp (peer->uris->pdata[i], claimed_id) == 0)
        return TRUE;
  if (id_type == MKY_ID_NAI || id_type == MKY_ID_BYTE_STRING)
    for (guint i = 0; i < peer->mails->len; i++)
      if (nai_equal (peer->mails->pdata[i], claimed_id))
        return TRUE;
  g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_ID,
      "ID \"%s\" is not a subjectAltName %s of the certificate", claimed_id,
      id_type == MKY_ID_NAI ? "RFC 822 name" : "URI");
  return FALSE;
}

gboolean
mky_peer_verify_signature (MkyPeer *peer, MkySignType type,
    const guint8 *data, gsize len, const guint8 *sig, gsize sig_len,
    GError **error)
{
  gnutls_datum_t d = { (unsigned char *) data, len };
  gnutls_datum_t s = { (unsigned char *) sig, sig_len };
  gnutls_sign_algorithm_t algo;
  int pk, ret;

  g_return_val_if_fail (peer != NULL, FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  pk = gnutls_pubkey_get_pk_algorithm (peer->pub, NULL);
  algo = sign_algorithm (type, pk, peer->hash);
  if (algo == GNUTLS_SIGN_UNKNOWN) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_SIGNATURE,
        "a %s signature cannot come from a %s key", sign_type_name (type),
        gnutls_pk_get_name (pk));
    return FALSE;
  }
  if (sig == NULL || sig_len == 0) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_SIGNATURE,
        "empty signature");
    return FALSE;
  }
  ret = gnutls_pubkey_verify_data2 (peer->pub, algo, 0, &d, &s);
  if (ret < 0) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_SIGNATURE,
        "%s signature does not verify: %s", gnutls_sign_get_name (algo),
        gnutls_strerror (ret));
    return FALSE;
  }
  return TRUE;
}

gboolean
mky_peer_encrypt (MkyPeer *peer, MkyPkeEncr alg, const guint8 *in, gsize len,
    MkyBytes *out, GError **error)
{
  gnutls_datum_t p = { (unsigned char *) in, len }, c = { NULL, 0 };
  int ret;

  g_return_val_if_fail (peer != NULL && out != NULL, FALSE);
  if (refuse_oaep (alg, error))
    return FALSE;
  if (gnutls_pubkey_get_pk_algorithm (peer->pub, NULL) != GNUTLS_PK_RSA) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_CRYPTO,
        "the peer's key is not an RSA encryption key");
    return FALSE;
  }
  ret = gnutls_pubkey_encrypt_data (peer->pub, 0, &p, &c);
  if (ret < 0) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_CRYPTO,
        "envelope key encryption: %s", gnutls_strerror (ret));
    return FALSE;
  }
  mky_bytes_set (out, c.data, c.size);
  gnutls_free (c.data);
  return TRUE;
}

/* ---------------------------------------------------------------------
 * trust */

struct _MkyTrust {
  gint ref_count;
  gnutls_x509_trust_list_t list;
  guint n_cas;
  unsigned get_issuer_flags;    /* GNUTLS_TL_GET_COPY once the system
                                 * store (maybe PKCS#11) is in */
  MkyPkiCache *cache;           /* dropped by every change below */
  GPtrArray *crls;              /* gnutls_x509_crl_t */
  GPtrArray *allow, *deny;      /* patterns */
  MkyTrustCheckFunc check;
  gpointer check_data;
  GDestroyNotify check_destroy;
  MkyCertFetchFunc fetch;
  gpointer fetch_data;
  GDestroyNotify fetch_destroy;
  MkyRevocationFunc revocation;
  gpointer revocation_data;
  GDestroyNotify revocation_destroy;
};

static void
crl_free (gpointer crl)
{
  gnutls_x509_crl_deinit (crl);
}

MkyTrust *
mky_trust_new (void)
{
  MkyTrust *trust = g_new0 (MkyTrust, 1);

  trust->ref_count = 1;
  if (gnutls_x509_trust_list_init (&trust->list, 0) < 0)
    g_error ("mky-pki: out of memory");
  trust->crls = g_ptr_array_new_with_free_func (crl_free);
  trust->allow = g_ptr_array_new_with_free_func (g_free);
  trust->deny = g_ptr_array_new_with_free_func (g_free);
  trust->cache = mky_pki_cache_new (MKY_PKI_CACHE_DEFAULT_SIZE);
  return trust;
}

MkyTrust *
mky_trust_ref (MkyTrust *trust)
{
  g_return_val_if_fail (trust != NULL, NULL);
  g_atomic_int_inc (&trust->ref_count);
  return trust;
}

void
mky_trust_unref (MkyTrust *trust)
{
  if (!trust || !g_atomic_int_dec_and_test (&trust->ref_count))
    return;
  gnutls_x509_trust_list_deinit (trust->list, 1);
  g_ptr_array_unref (trust->crls);
  g_ptr_array_unref (trust->allow);
  g_ptr_array_unref (trust->deny);
  mky_pki_cache_free (trust->cache);
  if (trust->check_destroy)
    trust->check_destroy (trust->check_data);
  if (trust->fetch_destroy)
    trust->fetch_destroy (trust->fetch_data);
  if (trust->revocation_destroy)
    trust->revocation_destroy (trust->revocation_data);
  g_free (trust);
}

gboolean
mky_trust_add_ca_memory (MkyTrust *trust, GBytes *data, GError **error)
{
  gnutls_x509_crt_t *crts;
  const guint8 *d;
  gsize len;
  guint n;
  int added;

  g_return_val_if_fail (trust != NULL && data != NULL, FALSE);
  d = g_bytes_get_data (data, &len);
  if (!load_certs (d, len, &crts, &n, error))
    return FALSE;
  /* the list owns the certificates from now on */
  added = gnutls_x509_trust_list_add_cas (trust->list, crts, n, 0);
  for (guint i = MAX (added, 0); i < n; i++)
    gnutls_x509_crt_deinit (crts[i]);
  gnutls_free (crts);
  if (added <= 0) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_INVALID_ARGUMENT,
        "no trust anchor added");
    return FALSE;
  }
  trust->n_cas += added;
  mky_pki_cache_clear (trust->cache);
  return TRUE;
}

/* Feed the contents of @file to @add, naming the file in errors */
static gboolean
add_file (MkyTrust *trust, const char *file,
    gboolean (*add) (MkyTrust *, GBytes *, GError **), GError **error)
{
  g_autoptr (GBytes) data = NULL;
  char *contents;
  gsize len;

  g_return_val_if_fail (trust != NULL && file != NULL, FALSE);
  if (!g_file_get_contents (file, &contents, &len, error))
    return FALSE;
  data = g_bytes_new_take (contents, len);
  if (!add (trust, data, error)) {
    g_prefix_error (error, "%s: ", file);
    return FALSE;
  }
  return TRUE;
}

gboolean
mky_trust_add_ca_file (MkyTrust *trust, const char *file, GError **error)
{
  return add_file (trust, file, mky_trust_add_ca_memory, error);
}

gboolean
mky_trust_add_system_cas (MkyTrust *trust, GError **error)
{
  int ret;

  g_return_val_if_fail (trust != NULL, FALSE);
  ret = gnutls_x509_trust_list_add_system_trust (trust->list, 0, 0);
  if (ret < 0) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_INVALID_ARGUMENT,
        "system trust store: %s", gnutls_strerror (ret));
    return FALSE;
  }
  trust->n_cas += ret;
  trust->get_issuer_flags = GNUTLS_TL_GET_COPY;
  mky_pki_cache_clear (trust->cache);
  return TRUE;
}

gboolean
mky_trust_add_crl_memory (MkyTrust *trust, GBytes *data, GError **error)
{
  gnutls_datum_t d;
  gsize len;
  int ret;

  g_return_val_if_fail (trust != NULL && data != NULL, FALSE);
  d.data = (unsigned char *) g_bytes_get_data (data, &len);
  d.size = len;
  if (len == 0 || len > G_MAXUINT) {
    ret = GNUTLS_E_INVALID_REQUEST;
  } else if (is_pem (d.data, len)) {
    gnutls_x509_crl_t *crls = NULL;
    unsigned n = 0;
    ret = gnutls_x509_crl_list_import2 (&crls, &n, &d, GNUTLS_X509_FMT_PEM,
        0);
    if (ret >= 0) {
      for (unsigned i = 0; i < n; i++)
        g_ptr_array_add (trust->crls, crls[i]);
      gnutls_free (crls);
      if (n == 0)
        ret = GNUTLS_E_BASE64_DECODING_ERROR;
    }
  } else {
    gnutls_x509_crl_t crl;
    ret = gnutls_x509_crl_init (&crl);
    if (ret >= 0) {
      ret = gnutls_x509_crl_import (crl, &d, GNUTLS_X509_FMT_DER);
      if (ret < 0)
        gnutls_x509_crl_deinit (crl);
      else
        g_ptr_array_add (trust->crls, crl);
    }
  }
  if (ret < 0) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_INVALID_ARGUMENT,
        "no CRL: %s", gnutls_strerror (ret));
    return FALSE;
  }
  mky_pki_cache_clear (trust->cache);
  return TRUE;
}

gboolean
mky_trust_add_crl_file (MkyTrust *trust, const char *file, GError **error)
{
  return add_file (trust, file, mky_trust_add_crl_memory, error);
}

void
mky_trust_allow (MkyTrust *trust, const char *pattern)
{
  g_return_if_fail (trust != NULL && pattern != NULL);
  g_ptr_array_add (trust->allow, g_strdup (pattern));
}

void
mky_trust_deny (MkyTrust *trust, const char *pattern)
{
  g_return_if_fail (trust != NULL && pattern != NULL);
  g_ptr_array_add (trust->deny, g_strdup (pattern));
}

void
mky_trust_set_check_func (MkyTrust *trust, MkyTrustCheckFunc func,
    gpointer user_data, GDestroyNotify destroy)
{
  g_return_if_fail (trust != NULL);
  if (trust->check_destroy)
    trust->check_destroy (trust->check_data);
  trust->check = func;
  trust->check_data = user_data;
  trust->check_destroy = destroy;
}

void
mky_trust_set_fetch_func (MkyTrust *trust, MkyCertFetchFunc func,
    gpointer user_data, GDestroyNotify destroy)
{
  g_return_if_fail (trust != NULL);
  if (trust->fetch_destroy)
    trust->fetch_destroy (trust->fetch_data);
  trust->fetch = func;
  trust->fetch_data = user_data;
  trust->fetch_destroy = destroy;
  mky_pki_cache_clear (trust->cache);
}

void
mky_trust_set_revocation_func (MkyTrust *trust, MkyRevocationFunc func,
    gpointer user_data, GDestroyNotify destroy)
{
  g_return_if_fail (trust != NULL);
  if (trust->revocation_destroy)
    trust->revocation_destroy (trust->revocation_data);
  trust->revocation = func;
  trust->revocation_data = user_data;
  trust->revocation_destroy = destroy;
  mky_pki_cache_clear (trust->cache);
}

void
mky_trust_set_cache_size (MkyTrust *trust, guint max_chains)
{
  g_return_if_fail (trust != NULL);
  mky_pki_cache_set_capacity (trust->cache, max_chains);
}

guint
mky_trust_get_n_cached (MkyTrust *trust)
{
  g_return_val_if_fail (trust != NULL, 0);
  return mky_pki_cache_length (trust->cache);
}

/* The application's revocation check (OCSP...) of @crt issued by @issuer */
static gboolean
check_revocation_hook (MkyTrust *trust, gnutls_x509_crt_t crt,
    gnutls_x509_crt_t issuer, gint64 now_us, GError **error)
{
  g_autoptr (GBytes) leaf = crt_der (crt);
  g_autoptr (GBytes) by = issuer ? crt_der (issuer) : NULL;
  GError *local = NULL;

  if (trust->revocation (leaf, by, now_us, trust->revocation_data, &local))
    return TRUE;
  if (local && local->domain == MKY_ERROR) {
    g_propagate_error (error, local);
  } else {
    g_set_error (error, MKY_ERROR, MKY_ERROR_CERT_REVOKED,
        "revocation check refused the certificate%s%s", local ? ": " : "",
        local ? local->message : "");
    g_clear_error (&local);
  }
  return FALSE;
}

/* A CERT entry's certificate as the message gives it, or for a URL as the
 * hook fetched it (DER or PEM) */
static GBytes *
entry_data (MkyTrust *trust, const MkyCertEntry *e, guint i, GError **error)
{
  g_autofree char *url = NULL;
  g_autoptr (GError) err = NULL;
  const guint8 *data;
  GBytes *got;
  gsize len;

  if (e->type != MKY_CERT_X509V3_URL)
    return g_bytes_ref (e->data);
  data = g_bytes_get_data (e->data, &len);
  if (len == 0 || memchr (data, 0, len) != NULL) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_CERT_FETCH,
        "CERT %u: not a URL", i);
    return NULL;
  }
  url = g_strndup ((const char *) data, len);
  if (!trust->fetch) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_CERT_FETCH,
        "CERT %u: no fetch hook for URL %s", i, url);
    return NULL;
  }
  got = trust->fetch (url, trust->fetch_data, &err);
  if (!got)
    g_set_error (error, MKY_ERROR, MKY_ERROR_CERT_FETCH,
        "CERT %u: fetching %s: %s", i, url, err ? err->message : "failed");
  return got;
}

/* The certificate in @data, what entry_data() gave for @e */
static gnutls_x509_crt_t
entry_cert (const MkyCertEntry *e, GBytes *data, guint i, GError **error)
{
  gnutls_datum_t d;
  gnutls_x509_crt_t crt;
  gsize len;

  d.data = (unsigned char *) g_bytes_get_data (data, &len);
  d.size = len;
  if (e->type == MKY_CERT_X509V3_URL) {
    crt = parse_one_cert (d.data, len);
    if (!crt)
      g_set_error (error, MKY_ERROR, MKY_ERROR_CERT_FETCH,
          "CERT %u: %.*s did not give a certificate", i,
          (int) g_bytes_get_size (e->data),
          (const char *) g_bytes_get_data (e->data, NULL));
    return crt;
  }
  if (gnutls_x509_crt_init (&crt) < 0) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_CRYPTO, "out of memory");
    return NULL;
  }
  if (len == 0 || len > G_MAXUINT
      || gnutls_x509_crt_import (crt, &d, GNUTLS_X509_FMT_DER) < 0) {
    gnutls_x509_crt_deinit (crt);
    g_set_error (error, MKY_ERROR, MKY_ERROR_CERT_UNTRUSTED,
        "CERT %u: not a DER certificate", i);
    return NULL;
  }
  return crt;
}

/* @crt's validity at @now_us; narrows [*from, *until] (Unix seconds) to
 * its own */
static gboolean
check_time (gnutls_x509_crt_t crt, const char *what, gint64 now_us,
    gint64 *from, gint64 *until, GError **error)
{
  time_t now = now_us / G_USEC_PER_SEC;
  time_t act = gnutls_x509_crt_get_activation_time (crt);
  time_t exp = gnutls_x509_crt_get_expiration_time (crt);

  if (act == (time_t) -1 || exp == (time_t) -1) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_CERT_UNTRUSTED,
        "%s: validity not readable", what);
    return FALSE;
  }
  if (now < act) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_CERT_EXPIRED,
        "%s not yet valid (from %" G_GINT64_FORMAT ", now %" G_GINT64_FORMAT
        ")", what, (gint64) act, (gint64) now);
    return FALSE;
  }
  if (now > exp) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_CERT_EXPIRED,
        "%s expired (until %" G_GINT64_FORMAT ", now %" G_GINT64_FORMAT ")",
        what, (gint64) exp, (gint64) now);
    return FALSE;
  }
  *from = MAX (*from, (gint64) act);
  *until = MIN (*until, (gint64) exp);
  return TRUE;
}

/* Is @crt on a CRL that @issuer signed? */
static gboolean
is_revoked (MkyTrust *trust, gnutls_x509_crt_t crt, gnutls_x509_crt_t issuer)
{
  for (guint i = 0; i < trust->crls->len; i++) {
    gnutls_x509_crl_t crl = trust->crls->pdata[i];
    unsigned status = 0;
    int ret;

    if (!gnutls_x509_crl_check_issuer (crl, issuer))
      continue;
    ret = gnutls_x509_crl_verify (crl, &issuer, 1,
        GNUTLS_VERIFY_DISABLE_TIME_CHECKS |
        GNUTLS_VERIFY_DISABLE_TRUSTED_TIME_CHECKS, &status);
    /* gnutls_x509_crl_verify() compares thisUpdate and nextUpdate with
     * the system clock whatever the flags say: those two bits (and the
     * INVALID they bring) are not about the signature */
    status &= ~(GNUTLS_CERT_REVOCATION_DATA_ISSUED_IN_FUTURE |
        GNUTLS_CERT_REVOCATION_DATA_SUPERSEDED);
    if (ret < 0 || (status & ~GNUTLS_CERT_INVALID) != 0) {
      g_debug ("mky-pki: CRL %u not signed by the issuer (status 0x%x), "
          "ignored", i, status);
      continue;
    }
    if (gnutls_x509_crt_check_revocation (crt, &crl, 1) == 1)
      return TRUE;
  }
  return FALSE;
}

gboolean
mky_peer_check_usage (MkyPeer *peer, MkyKeyUsage usage, GError **error)
{
  guint want = usage == MKY_KEY_USAGE_SIGN ? GNUTLS_KEY_DIGITAL_SIGNATURE
      : GNUTLS_KEY_KEY_ENCIPHERMENT;

  g_return_val_if_fail (peer != NULL, FALSE);
  if (!(peer->key_usage & want)) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_CERT_USAGE,
        "the certificate's key usage does not allow %s",
        usage == MKY_KEY_USAGE_SIGN ? "digitalSignature"
        : "keyEncipherment");
    return FALSE;
  }
  return TRUE;
}

static gboolean
check_policy (MkyTrust *trust, MkyPeer *peer, GError **error)
{
  const char *id = peer->identity;
  gboolean allowed;

  for (guint i = 0; id && i < trust->deny->len; i++)
    if (g_pattern_match_simple (trust->deny->pdata[i], id)) {
      g_set_error (error, MKY_ERROR, MKY_ERROR_NOT_AUTHORIZED,
          "identity %s is denied", id);
      return FALSE;
    }
  allowed = trust->allow->len == 0;
  for (guint i = 0; id && !allowed && i < trust->allow->len; i++)
    allowed = g_pattern_match_simple (trust->allow->pdata[i], id);
  if (!allowed) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_NOT_AUTHORIZED,
        "identity %s is not allowed", id ? id : "(none)");
    return FALSE;
  }
  if (trust->check) {
    GError *err = NULL;
    if (!trust->check (id, peer->der, trust->check_data, &err)) {
      if (err && err->domain == MKY_ERROR) {
        g_propagate_error (error, err);
      } else {
        g_set_error (error, MKY_ERROR, MKY_ERROR_NOT_AUTHORIZED,
            "identity %s refused: %s", id ? id : "(none)",
            err ? err->message : "by the check function");
        g_clear_error (&err);
      }
      return FALSE;
    }
    g_clear_error (&err);
  }
  return TRUE;
}

/* The path from @crts[@leaf] to an anchor: signatures and constraints,
 * every certificate's validity at @now_us (the window where all hold goes
 * to @from and @until), CRLs, the revocation hook */
static gboolean
verify_path (MkyTrust *trust, gnutls_x509_crt_t *crts, guint n_crts,
    guint leaf, gint64 now_us, gint64 *from, gint64 *until, GError **error)
{
  gnutls_x509_crt_t path[MAX_CHAIN + 1], anchor = NULL;
  gboolean used[MAX_CHAIN] = { FALSE };
  /* without a copy the anchor stays the trust list's: nothing to free */
  unsigned get_flags = trust->get_issuer_flags;
  guint n_path = 0;
  unsigned status = 0;
  gboolean ok = FALSE;
  int ret;

  /* leaf, then each issuer the message carries, up to one whose issuer is
   * a trust anchor */
  path[n_path++] = crts[leaf];
  used[leaf] = TRUE;
  while (n_path <= MAX_CHAIN) {
    gnutls_x509_crt_t cur = path[n_path - 1];
    gboolean found = FALSE;

    if (gnutls_x509_trust_list_get_issuer (trust->list, cur, &anchor,
            get_flags) >= 0)
      break;
    anchor = NULL;
    for (guint j = 0; j < n_crts && n_path < MAX_CHAIN; j++) {
      if (!crts[j] || used[j] || !gnutls_x509_crt_check_issuer (cur, crts[j]))
        continue;
      path[n_path++] = crts[j];
      used[j] = TRUE;
      found = TRUE;
      break;
    }
    if (!found)
      break;
  }

  ret = gnutls_x509_trust_list_verify_crt2 (trust->list, path, n_path, NULL,
      0, VERIFY_FLAGS, &status, NULL);
  if (ret < 0 || status != 0) {
    gnutls_datum_t text = { NULL, 0 };
    if (ret >= 0)
      gnutls_certificate_verification_status_print (status, GNUTLS_CRT_X509,
          &text, 0);
    g_set_error (error, MKY_ERROR, MKY_ERROR_CERT_UNTRUSTED,
        "certificate chain not trusted: %s",
        ret < 0 ? gnutls_strerror (ret) : (const char *) text.data);
    gnutls_free (text.data);
    goto out;
  }

  *from = G_MININT64;
  *until = G_MAXINT64;
  for (guint i = 0; i < n_path; i++) {
    g_autofree char *what = i == 0 ? g_strdup ("the certificate")
        : g_strdup_printf ("chain certificate %u", i);
    if (!check_time (path[i], what, now_us, from, until, error))
      goto out;
  }
  if (anchor && !check_time (anchor, "the trust anchor", now_us, from, until,
          error))
    goto out;

  for (guint i = 0; i < n_path; i++) {
    gnutls_x509_crt_t issuer = i + 1 < n_path ? path[i + 1] : anchor;
    if (issuer && is_revoked (trust, path[i], issuer)) {
      g_set_error (error, MKY_ERROR, MKY_ERROR_CERT_REVOKED,
          "%s is revoked", i == 0 ? "the certificate" : "a chain certificate");
      goto out;
    }
    if (trust->revocation
        && !check_revocation_hook (trust, path[i], issuer, now_us, error))
      goto out;
  }
  ok = TRUE;
out:
  if (anchor && (get_flags & GNUTLS_TL_GET_COPY))
    gnutls_x509_crt_deinit (anchor);
  return ok;
}

/* What the cache keeps: the path (verify_path), the leaf's key usage, and
 * the peer made of the leaf. @data: what entry_data() gave, NULL for the
 * entries that play no part. */
static MkyPeer *
verify_chain (MkyTrust *trust, GPtrArray *certs, GBytes **data, guint leaf,
    MkyKeyUsage usage, gint64 now_us, gint64 *from, gint64 *until,
    GError **error)
{
  gnutls_x509_crt_t crts[MAX_CHAIN] = { NULL };
  const MkyCertEntry *e = certs->pdata[leaf];
  MkyPeer *peer = NULL;

  for (guint i = 0; i < certs->len; i++)
    if (data[i]
        && !(crts[i] = entry_cert (certs->pdata[i], data[i], i, error)))
      goto out;
  if (!verify_path (trust, crts, certs->len, leaf, now_us, from, until,
          error))
    goto out;
  /* the leaf as parsed; its DER is the entry's, unless fetched (PEM
   * perhaps) */
  peer = peer_new (g_steal_pointer (&crts[leaf]),
      e->type == MKY_CERT_X509V3_URL ? NULL : data[leaf], error);
  if (peer && !mky_peer_check_usage (peer, usage, error))
    g_clear_pointer (&peer, mky_peer_unref);
out:
  for (guint i = 0; i < certs->len; i++)
    if (crts[i])
      gnutls_x509_crt_deinit (crts[i]);
  return peer;
}

static void
hash_item (struct sha256_ctx *ctx, guint8 tag, GBytes *bytes)
{
  gsize len;
  const guint8 *d = g_bytes_get_data (bytes, &len);
  guint64 be = GUINT64_TO_BE ((guint64) len);

  sha256_update (ctx, 1, &tag);
  sha256_update (ctx, sizeof be, (const guint8 *) &be);
  sha256_update (ctx, len, d);
}

/* The cache key: the usage checked, then every entry in order with its
 * type and length, and after a URL what was fetched for it */
static void
chain_key (GPtrArray *certs, GBytes **data, MkyKeyUsage usage, guint8 *key)
{
  struct sha256_ctx ctx;
  guint8 u = usage;

  sha256_init (&ctx);
  sha256_update (&ctx, 1, &u);
  for (guint i = 0; i < certs->len; i++) {
    const MkyCertEntry *e = certs->pdata[i];
    hash_item (&ctx, e->type, e->data);
    if (e->type == MKY_CERT_X509V3_URL)
      hash_item (&ctx, 0xff, data[i]);
  }
  sha256_digest (&ctx, MKY_PKI_CACHE_KEY_LEN, key);
}

MkyPeer *
mky_trust_verify (MkyTrust *trust, GPtrArray *certs, MkyIdType id_type,
    const char *claimed_id, MkyKeyUsage usage, gint64 now_us, GError **error)
{
  GBytes *data[MAX_CHAIN] = { NULL };
  guint8 key[MKY_PKI_CACHE_KEY_LEN];
  MkyCertType own, other;
  MkyPeer *peer = NULL;
  gboolean cacheable;
  guint generation;
  gint leaf = -1;
  guint n;

  g_return_val_if_fail (trust != NULL, NULL);
  n = certs ? certs->len : 0;
  if (n == 0) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_CERT_UNTRUSTED,
        "no certificate");
    return NULL;
  }
  if (n > MAX_CHAIN) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_CERT_UNTRUSTED,
        "%u certificates: more than %d", n, MAX_CHAIN);
    return NULL;
  }

  /* the leaf: a certificate for this purpose only, else the first
   * general one; one for the other purpose plays no part */
  own = usage == MKY_KEY_USAGE_SIGN ? MKY_CERT_X509V3_SIGN
      : MKY_CERT_X509V3_ENCR;
  other = usage == MKY_KEY_USAGE_SIGN ? MKY_CERT_X509V3_ENCR
      : MKY_CERT_X509V3_SIGN;
  for (guint i = 0; i < n && leaf < 0; i++)
    if (((MkyCertEntry *) certs->pdata[i])->type == own)
      leaf = i;
  for (guint i = 0; i < n && leaf < 0; i++) {
    MkyCertType t = ((MkyCertEntry *) certs->pdata[i])->type;
    if (t == MKY_CERT_X509V3 || t == MKY_CERT_X509V3_URL)
      leaf = i;
  }
  if (leaf < 0) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_CERT_UNTRUSTED,
        "no certificate for %s", usage == MKY_KEY_USAGE_SIGN ? "signing"
        : "encryption");
    return NULL;
  }

  for (guint i = 0; i < n; i++) {
    const MkyCertEntry *e = certs->pdata[i];
    if (e->type == other || (e->type == own && (gint) i != leaf))
      continue;
    if (e->type > MKY_CERT_X509V3_ENCR) {
      g_set_error (error, MKY_ERROR, MKY_ERROR_CERT_UNTRUSTED,
          "CERT %u: unknown type %d", i, e->type);
      goto out;
    }
    data[i] = entry_data (trust, e, i, error);
    if (!data[i])
      goto out;
  }

  /* A revocation hook (OCSP) answers for the moment it is asked at, with
   * no lifetime we could keep its answer for: with one, every chain is
   * verified afresh. The generation is read first so that a hook set
   * meanwhile also keeps this result out. */
  generation = mky_pki_cache_generation (trust->cache);
  cacheable = trust->revocation == NULL;
  if (cacheable) {
    chain_key (certs, data, usage, key);
    peer = mky_pki_cache_lookup (trust->cache, key, now_us);
  }
  if (!peer) {
    gint64 from, until;
    peer = verify_chain (trust, certs, data, leaf, usage, now_us, &from,
        &until, error);
    if (!peer)
      goto out;
    if (cacheable)
      mky_pki_cache_store (trust->cache, key, generation, peer, from, until,
          now_us);
  }

  /* the identity and the policy are the request's: checked every time */
  if (claimed_id) {
    if (!mky_peer_check_id (peer, id_type, claimed_id, error)) {
      g_clear_pointer (&peer, mky_peer_unref);
      goto out;
    }
    if (g_strcmp0 (peer->identity, claimed_id) != 0) {
      MkyPeer *named = peer_with_identity (peer, claimed_id);
      mky_peer_unref (peer);
      peer = named;
    }
  }
  if (!check_policy (trust, peer, error))
    g_clear_pointer (&peer, mky_peer_unref);

out:
  for (guint i = 0; i < n; i++)
    if (data[i])
      g_bytes_unref (data[i]);
  return peer;
}
