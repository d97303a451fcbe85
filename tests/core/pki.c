/* Certificates and keys (mky-pki): credentials from files, memory and a
 * PKCS#11 token, signatures and envelope keys, chain verification at the
 * caller's time with every refusal's own code, identity policy, CHASH,
 * URL certificates, and the cache of verified chains. The PKI is made at test time (tests/common/test-pki.c),
 * with validity windows around 2035 so that a check against the system
 * clock instead of @now_us fails. */
#include <string.h>
#include <mky/mky-pki.h>
#include <mky/mky-error.h>
#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/pkcs11.h>
#include "test-pki.h"

#define DAY (G_GINT64_CONSTANT (86400))
#define YEAR (365 * DAY)
#define NOW_S (G_GINT64_CONSTANT (2051222400))  /* 2035-01-01 */
#define NOW (NOW_S * G_USEC_PER_SEC)
#define AT(s) ((gint64) (s) * G_USEC_PER_SEC)
#define TEST_ERROR (g_quark_from_static_string ("test-error"))

static const char alice_uri[] = "sip:alice@example.com";
static const char bob_uri[] = "sip:bob@example.com";

static struct {
  TestPkiCert *ca, *inter, *rogue, *evil;
  TestPkiCert *alice, *bob, *carol, *carol2, *carol_long, *dave, *noname;
  TestPkiCert *expired, *future, *revoked, *long_lived, *sha384;
  TestPkiCert *sign_only, *enc_only, *ku_none, *ku_absent, *rogue_alice;
  GBytes *crl_ca_pem, *crl_ca_der, *crl_inter, *crl_evil;
} pki;

static TestPkiCert *
leaf (TestPkiCert *issuer, const char *cn, const char *uri,
    const char *email, guint bits, guint slot, guint64 serial,
    gint64 from, gint64 to, TestPkiUsage usage)
{
  TestPkiSpec s = {
    .cn = cn, .uri = uri, .email = email, .bits = bits, .key_slot = slot,
    .serial = serial, .not_before = from, .not_after = to, .usage = usage,
  };
  return test_pki_issue (&s, issuer);
}

static TestPkiCert *
ca (TestPkiCert *issuer, const char *cn, guint slot, guint64 serial,
    gint64 from, gint64 to)
{
  TestPkiSpec s = {
    .cn = cn, .key_slot = slot, .serial = serial, .not_before = from,
    .not_after = to, .ca = TRUE,
  };
  return test_pki_issue (&s, issuer);
}

static void
make_pki (void)
{
  const gint64 from = NOW_S - DAY, to = NOW_S + YEAR;
  const guint64 rev_ca = 104, rev_inter = 201, rev_evil = 100;
  TestPkiSpec s384 = {
    .cn = "sha384", .uri = "sip:sha384@example.com", .key_slot = 2,
    .serial = 110, .not_before = from, .not_after = to,
    .usage = TEST_PKI_KU_BOTH, .dig = GNUTLS_DIG_SHA384,
  };

  pki.ca = ca (NULL, "MKY Test CA", 0, 1, NOW_S - 10 * YEAR,
      NOW_S + 10 * YEAR);
  pki.inter = ca (pki.ca, "MKY Intermediate CA", 1, 2, NOW_S - 5 * YEAR,
      NOW_S + 5 * YEAR);
  pki.rogue = ca (NULL, "Rogue CA", 3, 1, NOW_S - 10 * YEAR,
      NOW_S + 10 * YEAR);
  /* same name as the real CA, another key */
  pki.evil = ca (NULL, "MKY Test CA", 3, 1, NOW_S - 10 * YEAR,
      NOW_S + 10 * YEAR);

  pki.alice = leaf (pki.ca, "alice", alice_uri, NULL, 2048, 2, 100, from, to,
      TEST_PKI_KU_BOTH);
  pki.bob = leaf (pki.ca, "bob", bob_uri, "bob@example.com", 3072, 0, 101,
      from, to, TEST_PKI_KU_BOTH);
  pki.carol = leaf (pki.inter, "carol", "sip:carol@example.org", NULL, 2048,
      2, 200, from, to, TEST_PKI_KU_BOTH);
  pki.carol2 = leaf (pki.inter, "carol2", "sip:carol@example.org", NULL,
      2048, 2, 201, from, to, TEST_PKI_KU_BOTH);
  pki.carol_long = leaf (pki.inter, "carol-long", "sip:carol@example.org",
      NULL, 2048, 2, 202, from, NOW_S + 20 * YEAR, TEST_PKI_KU_BOTH);
  pki.dave = leaf (pki.ca, "dave", NULL, "dave@example.com", 2048, 2, 109,
      from, to, TEST_PKI_KU_BOTH);
  pki.noname = leaf (pki.ca, "noname", NULL, NULL, 2048, 2, 111, from, to,
      TEST_PKI_KU_BOTH);
  pki.expired = leaf (pki.ca, "expired", alice_uri, NULL, 2048, 2, 102,
      NOW_S - 2 * YEAR, NOW_S - YEAR, TEST_PKI_KU_BOTH);
  pki.future = leaf (pki.ca, "future", alice_uri, NULL, 2048, 2, 103,
      NOW_S + YEAR, NOW_S + 2 * YEAR, TEST_PKI_KU_BOTH);
  pki.revoked = leaf (pki.ca, "revoked", alice_uri, NULL, 2048, 2, rev_ca,
      from, to, TEST_PKI_KU_BOTH);
  pki.long_lived = leaf (pki.ca, "long", alice_uri, NULL, 2048, 2, 112,
      from, NOW_S + 20 * YEAR, TEST_PKI_KU_BOTH);
  pki.sha384 = test_pki_issue (&s384, pki.ca);
  pki.sign_only = leaf (pki.ca, "sign", alice_uri, NULL, 2048, 2, 105, from,
      to, TEST_PKI_KU_SIGN);
  pki.enc_only = leaf (pki.ca, "encr", alice_uri, NULL, 3072, 0, 106, from,
      to, TEST_PKI_KU_ENCRYPT);
  pki.ku_none = leaf (pki.ca, "none", alice_uri, NULL, 2048, 2, 107, from,
      to, TEST_PKI_KU_NONE);
  pki.ku_absent = leaf (pki.ca, "absent", alice_uri, NULL, 2048, 2, 108,
      from, to, TEST_PKI_KU_ABSENT);
  pki.rogue_alice = leaf (pki.rogue, "alice", alice_uri, NULL, 2048, 2, 100,
      from, to, TEST_PKI_KU_BOTH);

  pki.crl_ca_pem = test_pki_crl (pki.ca, &rev_ca, 1, NOW_S - DAY,
      NOW_S + 30 * DAY, TRUE);
  pki.crl_ca_der = test_pki_crl (pki.ca, &rev_ca, 1, NOW_S - DAY,
      NOW_S + 30 * DAY, FALSE);
  pki.crl_inter = test_pki_crl (pki.inter, &rev_inter, 1, NOW_S - DAY,
      NOW_S + 30 * DAY, TRUE);
  pki.crl_evil = test_pki_crl (pki.evil, &rev_evil, 1, NOW_S - DAY,
      NOW_S + 30 * DAY, TRUE);
}

static void
free_pki (void)
{
  TestPkiCert **certs[] = {
    &pki.ca, &pki.inter, &pki.rogue, &pki.evil, &pki.alice, &pki.bob,
    &pki.carol, &pki.carol2, &pki.carol_long, &pki.dave, &pki.noname, &pki.expired,
    &pki.future, &pki.revoked, &pki.long_lived, &pki.sha384,
    &pki.sign_only, &pki.enc_only, &pki.ku_none, &pki.ku_absent,
    &pki.rogue_alice,
  };
  for (guint i = 0; i < G_N_ELEMENTS (certs); i++)
    g_clear_pointer (certs[i], test_pki_cert_free);
  g_clear_pointer (&pki.crl_ca_pem, g_bytes_unref);
  g_clear_pointer (&pki.crl_ca_der, g_bytes_unref);
  g_clear_pointer (&pki.crl_inter, g_bytes_unref);
  g_clear_pointer (&pki.crl_evil, g_bytes_unref);
}

/* ------------------------------------------------------------------ */

static MkyCredentials *
creds_for (TestPkiCert *c, TestPkiCert *chain1)
{
  g_autoptr (GBytes) pem = test_pki_cert_pem (c);
  g_autoptr (GBytes) pem1 = chain1 ? test_pki_cert_pem (chain1) : NULL;
  g_autoptr (GBytes) certs = test_pki_concat (pem, pem1, NULL);
  g_autoptr (GBytes) key = test_pki_key_pem (c, NULL);
  GError *err = NULL;
  MkyCredentials *creds = mky_credentials_new_from_memory (certs, key, &err);

  g_assert_no_error (err);
  g_assert_nonnull (creds);
  return creds;
}

static MkyPeer *
pinned (TestPkiCert *c)
{
  g_autoptr (GBytes) der = test_pki_cert_der (c);
  GError *err = NULL;
  MkyPeer *peer = mky_peer_new_from_der (der, &err);

  g_assert_no_error (err);
  return peer;
}

/* A chain of X.509v3 entries, leaf first */
static GPtrArray *
chain_of (TestPkiCert *first, ...)
{
  GPtrArray *chain = mky_cert_chain_new ();
  va_list ap;

  va_start (ap, first);
  for (TestPkiCert *c = first; c; c = va_arg (ap, TestPkiCert *)) {
    GBytes *der = test_pki_cert_der (c);
    g_ptr_array_add (chain, mky_cert_entry_new (MKY_CERT_X509V3, der));
    g_bytes_unref (der);
  }
  va_end (ap);
  return chain;
}

static MkyTrust *
trust_ca (void)
{
  MkyTrust *trust = mky_trust_new ();
  g_autoptr (GBytes) pem = test_pki_cert_pem (pki.ca);
  GError *err = NULL;

  g_assert_true (mky_trust_add_ca_memory (trust, pem, &err));
  g_assert_no_error (err);
  return trust;
}

/* Verify and expect success; returns the peer */
static MkyPeer *
verify_ok (MkyTrust *trust, GPtrArray *chain, MkyIdType type,
    const char *id, MkyKeyUsage usage, gint64 now)
{
  GError *err = NULL;
  MkyPeer *peer = mky_trust_verify (trust, chain, type, id, usage, now, &err);

  g_assert_no_error (err);
  g_assert_nonnull (peer);
  return peer;
}

static void
verify_fails (MkyTrust *trust, GPtrArray *chain, MkyIdType type,
    const char *id, MkyKeyUsage usage, gint64 now, gint code)
{
  GError *err = NULL;
  MkyPeer *peer = mky_trust_verify (trust, chain, type, id, usage, now, &err);

  g_assert_error (err, MKY_ERROR, code);
  g_assert_null (peer);
  g_test_message ("refused as expected: %s", err->message);
  g_error_free (err);
}

static void
assert_bytes_eq (GBytes *a, GBytes *b)
{
  g_assert_nonnull (a);
  g_assert_nonnull (b);
  g_assert_true (g_bytes_equal (a, b));
}

/* ------------------------------------------------------------------ */

static void
test_credentials_files (void)
{
  g_autoptr (GBytes) leaf_pem = test_pki_cert_pem (pki.alice);
  g_autoptr (GBytes) ca_pem = test_pki_cert_pem (pki.ca);
  g_autoptr (GBytes) chain_pem = test_pki_concat (leaf_pem, ca_pem, NULL);
  g_autoptr (GBytes) key_pem = test_pki_key_pem (pki.alice, NULL);
  g_autoptr (GBytes) key_enc = test_pki_key_pem (pki.alice, "s3cret");
  g_autoptr (GBytes) key_der = test_pki_key_der (pki.alice);
  g_autoptr (GBytes) bob_key = test_pki_key_pem (pki.bob, NULL);
  g_autoptr (GBytes) leaf_der = test_pki_cert_der (pki.alice);
  g_autoptr (GBytes) ca_der = test_pki_cert_der (pki.ca);
  g_autofree char *chain_file = test_pki_write ("alice-chain.pem", chain_pem);
  g_autofree char *der_file = test_pki_write ("alice.der", leaf_der);
  g_autofree char *key_file = test_pki_write ("alice.key", key_pem);
  g_autofree char *enc_file = test_pki_write ("alice-enc.key", key_enc);
  g_autofree char *kder_file = test_pki_write ("alice-key.der", key_der);
  g_autofree char *bob_file = test_pki_write ("bob.key", bob_key);
  g_autofree char *missing = g_build_filename (test_pki_tmpdir (), "none",
      NULL);
  g_autoptr (MkyCredentials) c1 = NULL, c2 = NULL, c3 = NULL;
  GError *err = NULL;
  MkyCredentials *bad;

  /* PEM chain + PEM key */
  c1 = mky_credentials_new_from_files (chain_file, key_file, NULL, &err);
  g_assert_no_error (err);
  g_assert_cmpstr (mky_credentials_get_identity (c1), ==, alice_uri);
  g_assert_cmpint (mky_credentials_get_identity_type (c1), ==, MKY_ID_URI);
  g_assert_cmpuint (mky_credentials_get_n_certs (c1), ==, 2);
  assert_bytes_eq (mky_credentials_get_cert_der (c1, 0), leaf_der);
  assert_bytes_eq (mky_credentials_get_cert_der (c1, 1), ca_der);

  /* DER certificate + DER (PKCS#1) key */
  c2 = mky_credentials_new_from_files (der_file, kder_file, NULL, &err);
  g_assert_no_error (err);
  g_assert_cmpuint (mky_credentials_get_n_certs (c2), ==, 1);
  assert_bytes_eq (mky_credentials_get_cert_der (c2, 0), leaf_der);

  /* encrypted PKCS#8, the pin as password */
  c3 = mky_credentials_new_from_files (der_file, enc_file, "s3cret", &err);
  g_assert_no_error (err);
  g_assert_nonnull (c3);
  bad = mky_credentials_new_from_files (der_file, enc_file, "wrong", &err);
  g_assert_error (err, MKY_ERROR, MKY_ERROR_INVALID_ARGUMENT);
  g_assert_null (bad);
  g_clear_error (&err);

  /* a key that is not the leaf's */
  bad = mky_credentials_new_from_files (chain_file, bob_file, NULL, &err);
  g_assert_error (err, MKY_ERROR, MKY_ERROR_INVALID_ARGUMENT);
  g_assert_null (bad);
  g_clear_error (&err);

  /* missing files; a key file in place of certificates */
  bad = mky_credentials_new_from_files (missing, key_file, NULL, &err);
  g_assert_error (err, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_assert_null (bad);
  g_clear_error (&err);
  bad = mky_credentials_new_from_files (chain_file, missing, NULL, &err);
  g_assert_error (err, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_clear_error (&err);
  bad = mky_credentials_new_from_files (key_file, key_file, NULL, &err);
  g_assert_error (err, MKY_ERROR, MKY_ERROR_INVALID_ARGUMENT);
  g_assert_null (bad);
  g_clear_error (&err);
}

static void
test_credentials_memory (void)
{
  g_autoptr (MkyCredentials) alice = creds_for (pki.alice, NULL);
  g_autoptr (MkyCredentials) bob = creds_for (pki.bob, pki.ca);
  g_autoptr (MkyCredentials) dave = creds_for (pki.dave, NULL);
  g_autoptr (MkyCredentials) noname = creds_for (pki.noname, NULL);
  g_autoptr (GBytes) der = test_pki_cert_der (pki.carol);
  g_autoptr (GBytes) key = test_pki_key_der (pki.carol);
  g_autoptr (GBytes) junk = g_bytes_new_static ("junk", 4);
  g_autoptr (MkyCredentials) carol = NULL;
  GError *err = NULL;

  g_assert_cmpstr (mky_credentials_get_identity (alice), ==, alice_uri);
  /* the URI wins over the RFC 822 name */
  g_assert_cmpstr (mky_credentials_get_identity (bob), ==, bob_uri);
  g_assert_cmpuint (mky_credentials_get_n_certs (bob), ==, 2);
  g_assert_cmpstr (mky_credentials_get_identity (dave), ==,
      "dave@example.com");
  g_assert_cmpint (mky_credentials_get_identity_type (dave), ==, MKY_ID_NAI);
  g_assert_null (mky_credentials_get_identity (noname));

  carol = mky_credentials_new_from_memory (der, key, &err);
  g_assert_no_error (err);
  g_assert_cmpstr (mky_credentials_get_identity (carol), ==,
      "sip:carol@example.org");

  g_assert_null (mky_credentials_new_from_memory (junk, key, &err));
  g_assert_error (err, MKY_ERROR, MKY_ERROR_INVALID_ARGUMENT);
  g_clear_error (&err);
  g_assert_null (mky_credentials_new_from_memory (der, junk, &err));
  g_assert_error (err, MKY_ERROR, MKY_ERROR_INVALID_ARGUMENT);
  g_clear_error (&err);
}

static void
sign_roundtrip (TestPkiCert *c, TestPkiCert *other, MkySignType type,
    gsize sig_len)
{
  g_autoptr (MkyCredentials) creds = creds_for (c, NULL);
  g_autoptr (MkyPeer) peer = pinned (c);
  g_autoptr (MkyPeer) wrong = pinned (other);
  guint8 msg[100];
  MkyBytes sig = { 0 }, sig2 = { 0 };
  GError *err = NULL;

  for (guint i = 0; i < sizeof msg; i++)
    msg[i] = i * 7;
  g_assert_true (mky_credentials_sign (creds, type, msg, sizeof msg, &sig,
          &err));
  g_assert_no_error (err);
  g_assert_cmpuint (sig.len, ==, sig_len);
  g_assert_true (mky_peer_verify_signature (peer, type, msg, sizeof msg,
          sig.data, sig.len, &err));
  g_assert_no_error (err);

  /* PKCS#1 v1.5 is deterministic, PSS is not */
  g_assert_true (mky_credentials_sign (creds, type, msg, sizeof msg, &sig2,
          &err));
  if (type == MKY_SIGN_RSA_PKCS1)
    g_assert_true (mky_bytes_equal (&sig, &sig2));
  else
    g_assert_false (mky_bytes_equal (&sig, &sig2));

  /* a flipped bit in the signature, then in the data */
  sig.data[sig.len / 2] ^= 0x10;
  g_assert_false (mky_peer_verify_signature (peer, type, msg, sizeof msg,
          sig.data, sig.len, &err));
  g_assert_error (err, MKY_ERROR, MKY_ERROR_BAD_SIGNATURE);
  g_clear_error (&err);
  sig.data[sig.len / 2] ^= 0x10;
  msg[3] ^= 1;
  g_assert_false (mky_peer_verify_signature (peer, type, msg, sizeof msg,
          sig.data, sig.len, &err));
  g_assert_error (err, MKY_ERROR, MKY_ERROR_BAD_SIGNATURE);
  g_clear_error (&err);
  msg[3] ^= 1;
  g_assert_true (mky_peer_verify_signature (peer, type, msg, sizeof msg,
          sig.data, sig.len, NULL));
  /* truncated, empty */
  g_assert_false (mky_peer_verify_signature (peer, type, msg, sizeof msg,
          sig.data, sig.len - 1, &err));
  g_assert_error (err, MKY_ERROR, MKY_ERROR_BAD_SIGNATURE);
  g_clear_error (&err);
  g_assert_false (mky_peer_verify_signature (peer, type, msg, sizeof msg,
          sig.data, 0, &err));
  g_assert_error (err, MKY_ERROR, MKY_ERROR_BAD_SIGNATURE);
  g_clear_error (&err);
  /* another key */
  g_assert_false (mky_peer_verify_signature (wrong, type, msg, sizeof msg,
          sig.data, sig.len, &err));
  g_assert_error (err, MKY_ERROR, MKY_ERROR_BAD_SIGNATURE);
  g_clear_error (&err);
  /* the other S type */
  g_assert_false (mky_peer_verify_signature (peer,
          type == MKY_SIGN_RSA_PKCS1 ? MKY_SIGN_RSA_PSS : MKY_SIGN_RSA_PKCS1,
          msg, sizeof msg, sig.data, sig.len, &err));
  g_assert_error (err, MKY_ERROR, MKY_ERROR_BAD_SIGNATURE);
  g_clear_error (&err);

  mky_bytes_clear (&sig, FALSE);
  mky_bytes_clear (&sig2, FALSE);
}

static void
test_sign_pkcs1_2048 (void)
{
  sign_roundtrip (pki.alice, pki.bob, MKY_SIGN_RSA_PKCS1, 256);
}

static void
test_sign_pss_2048 (void)
{
  sign_roundtrip (pki.alice, pki.bob, MKY_SIGN_RSA_PSS, 256);
}

static void
test_sign_pkcs1_3072 (void)
{
  sign_roundtrip (pki.bob, pki.alice, MKY_SIGN_RSA_PKCS1, 384);
}

static void
test_sign_pss_3072 (void)
{
  sign_roundtrip (pki.bob, pki.alice, MKY_SIGN_RSA_PSS, 384);
}

/* The hash is the one the signer's certificate was signed with (SHA-256
 * or SHA-384 here): check with GnuTLS directly. */
static void
check_hash (TestPkiCert *c, gnutls_sign_algorithm_t want,
    gnutls_sign_algorithm_t not)
{
  g_autoptr (MkyCredentials) creds = creds_for (c, NULL);
  const guint8 msg[] = "the message";
  gnutls_datum_t d = { (guint8 *) msg, sizeof msg }, s;
  gnutls_pubkey_t pub;
  MkyBytes sig = { 0 };

  g_assert_true (mky_credentials_sign (creds, MKY_SIGN_RSA_PKCS1, msg,
          sizeof msg, &sig, NULL));
  s.data = sig.data;
  s.size = sig.len;
  g_assert_cmpint (gnutls_pubkey_init (&pub), ==, 0);
  g_assert_cmpint (gnutls_pubkey_import_x509 (pub, c->crt, 0), ==, 0);
  g_assert_cmpint (gnutls_pubkey_verify_data2 (pub, want, 0, &d, &s), >=, 0);
  g_assert_cmpint (gnutls_pubkey_verify_data2 (pub, not, 0, &d, &s), <, 0);
  gnutls_pubkey_deinit (pub);
  mky_bytes_clear (&sig, FALSE);
}

static void
test_sign_hash (void)
{
  g_autoptr (MkyCredentials) creds = creds_for (pki.alice, NULL);
  g_autoptr (MkyPeer) peer = pinned (pki.alice);
  MkyBytes sig = { 0 };
  GError *err = NULL;

  check_hash (pki.alice, GNUTLS_SIGN_RSA_SHA256, GNUTLS_SIGN_RSA_SHA384);
  check_hash (pki.sha384, GNUTLS_SIGN_RSA_SHA384, GNUTLS_SIGN_RSA_SHA256);

  /* ECCSI is not a certificate signature */
  g_assert_false (mky_credentials_sign (creds, MKY_SIGN_ECCSI,
          (const guint8 *) "x", 1, &sig, &err));
  g_assert_error (err, MKY_ERROR, MKY_ERROR_CRYPTO);
  g_clear_error (&err);
  g_assert_false (mky_peer_verify_signature (peer, MKY_SIGN_ECCSI,
          (const guint8 *) "x", 1, (const guint8 *) "sig", 3, &err));
  g_assert_error (err, MKY_ERROR, MKY_ERROR_BAD_SIGNATURE);
  g_clear_error (&err);
}

static void
envelope_roundtrip (TestPkiCert *c, TestPkiCert *other, gsize ct_len)
{
  g_autoptr (MkyCredentials) creds = creds_for (c, NULL);
  g_autoptr (MkyCredentials) wrong = creds_for (other, NULL);
  g_autoptr (MkyPeer) peer = pinned (c);
  guint8 env_key[32];
  MkyBytes ct = { 0 }, pt = { 0 };
  GError *err = NULL;
  gboolean ok;

  gnutls_rnd (GNUTLS_RND_RANDOM, env_key, sizeof env_key);
  g_assert_true (mky_peer_encrypt (peer, MKY_PKE_ENCR_RSA_PKCS1, env_key,
          sizeof env_key, &ct, &err));
  g_assert_no_error (err);
  g_assert_cmpuint (ct.len, ==, ct_len);
  g_assert_true (mky_credentials_decrypt (creds, MKY_PKE_ENCR_RSA_PKCS1,
          ct.data, ct.len, &pt, &err));
  g_assert_no_error (err);
  g_assert_true (pt.owned);
  g_assert_cmpmem (pt.data, pt.len, env_key, sizeof env_key);
  mky_bytes_clear (&pt, TRUE);

  /* the wrong key: refused (or, as PKCS#1 v1.5 padding can pass by
   * chance, anything but the key) */
  ok = mky_credentials_decrypt (wrong, MKY_PKE_ENCR_RSA_PKCS1, ct.data,
      ct.len, &pt, &err);
  if (ok) {
    g_assert_false (pt.len == sizeof env_key
        && memcmp (pt.data, env_key, pt.len) == 0);
  } else {
    g_assert_error (err, MKY_ERROR, MKY_ERROR_CRYPTO);
    g_clear_error (&err);
  }
  mky_bytes_clear (&pt, TRUE);

  /* a flipped bit, likewise; a truncated and an empty ciphertext */
  ct.data[10] ^= 0x80;
  ok = mky_credentials_decrypt (creds, MKY_PKE_ENCR_RSA_PKCS1, ct.data,
      ct.len, &pt, &err);
  if (ok) {
    g_assert_false (pt.len == sizeof env_key
        && memcmp (pt.data, env_key, pt.len) == 0);
  } else {
    g_assert_error (err, MKY_ERROR, MKY_ERROR_CRYPTO);
    g_clear_error (&err);
  }
  mky_bytes_clear (&pt, TRUE);
  g_assert_false (mky_credentials_decrypt (creds, MKY_PKE_ENCR_RSA_PKCS1,
          ct.data, ct.len - 1, &pt, &err));
  g_assert_error (err, MKY_ERROR, MKY_ERROR_CRYPTO);
  g_clear_error (&err);
  g_assert_false (mky_credentials_decrypt (creds, MKY_PKE_ENCR_RSA_PKCS1,
          ct.data, 0, &pt, &err));
  g_assert_error (err, MKY_ERROR, MKY_ERROR_CRYPTO);
  g_clear_error (&err);

  /* OAEP is refused by name, both ways */
  g_assert_false (mky_peer_encrypt (peer, MKY_PKE_ENCR_RSA_OAEP, env_key,
          sizeof env_key, &ct, &err));
  g_assert_error (err, MKY_ERROR, MKY_ERROR_CRYPTO);
  g_assert_nonnull (strstr (err->message, "OAEP"));
  g_clear_error (&err);
  g_assert_false (mky_credentials_decrypt (creds, MKY_PKE_ENCR_RSA_OAEP,
          ct.data, ct.len, &pt, &err));
  g_assert_error (err, MKY_ERROR, MKY_ERROR_CRYPTO);
  g_assert_nonnull (strstr (err->message, "OAEP"));
  g_clear_error (&err);

  mky_bytes_clear (&ct, FALSE);
}

static void
test_envelope (void)
{
  envelope_roundtrip (pki.alice, pki.bob, 256);
  envelope_roundtrip (pki.bob, pki.alice, 384);
}

/* ------------------------------------------------------------------ */

static void
test_verify_chain (void)
{
  g_autoptr (MkyTrust) trust = trust_ca ();
  g_autoptr (GPtrArray) alice = chain_of (pki.alice, NULL);
  g_autoptr (GPtrArray) alice_ca = chain_of (pki.alice, pki.ca, NULL);
  g_autoptr (GPtrArray) carol = chain_of (pki.carol, pki.inter, NULL);
  g_autoptr (GPtrArray) carol_alone = chain_of (pki.carol, NULL);
  g_autoptr (GPtrArray) carol_junk = chain_of (pki.carol, pki.bob, pki.inter,
      NULL);
  g_autoptr (GBytes) alice_der = test_pki_cert_der (pki.alice);
  g_autoptr (GBytes) carol_der = test_pki_cert_der (pki.carol);
  MkyPeer *peer;

  /* leaf, at a time inside its validity (far from the system clock) */
  peer = verify_ok (trust, alice, MKY_ID_URI, alice_uri, MKY_KEY_USAGE_SIGN,
      NOW);
  g_assert_cmpstr (mky_peer_get_identity (peer), ==, alice_uri);
  assert_bytes_eq (mky_peer_get_leaf_der (peer), alice_der);
  mky_peer_unref (peer);
  /* no ID payload: the certificate's identity */
  peer = verify_ok (trust, alice, MKY_ID_URI, NULL, MKY_KEY_USAGE_ENCRYPT,
      NOW + 100 * AT (DAY));
  g_assert_cmpstr (mky_peer_get_identity (peer), ==, alice_uri);
  mky_peer_unref (peer);
  /* with the root in the chain */
  mky_peer_unref (verify_ok (trust, alice_ca, MKY_ID_URI, alice_uri,
          MKY_KEY_USAGE_SIGN, NOW));

  /* leaf + intermediate; an unrelated certificate in between is ignored */
  peer = verify_ok (trust, carol, MKY_ID_URI, "sip:carol@example.org",
      MKY_KEY_USAGE_SIGN, NOW);
  assert_bytes_eq (mky_peer_get_leaf_der (peer), carol_der);
  mky_peer_unref (peer);
  mky_peer_unref (verify_ok (trust, carol_junk, MKY_ID_URI, NULL,
          MKY_KEY_USAGE_SIGN, NOW));
  /* without the intermediate */
  verify_fails (trust, carol_alone, MKY_ID_URI, NULL, MKY_KEY_USAGE_SIGN,
      NOW, MKY_ERROR_CERT_UNTRUSTED);
}

static void
test_verify_anchor_forms (void)
{
  g_autoptr (GBytes) ca_der = test_pki_cert_der (pki.ca);
  g_autoptr (GBytes) inter_pem = test_pki_cert_pem (pki.inter);
  g_autoptr (GBytes) rogue_pem = test_pki_cert_pem (pki.rogue);
  g_autoptr (GBytes) two = test_pki_concat (rogue_pem, inter_pem, NULL);
  g_autofree char *ca_file = test_pki_write ("ca.der", ca_der);
  g_autoptr (GBytes) junk = g_bytes_new_static ("-----BEGIN junk", 15);
  g_autoptr (MkyTrust) t1 = mky_trust_new ();
  g_autoptr (MkyTrust) t2 = mky_trust_new ();
  g_autoptr (MkyTrust) sys = mky_trust_new ();
  g_autoptr (GPtrArray) alice = chain_of (pki.alice, NULL);
  g_autoptr (GPtrArray) carol = chain_of (pki.carol, NULL);
  g_autoptr (GPtrArray) rogue = chain_of (pki.rogue_alice, NULL);
  GError *err = NULL;

  /* a DER file */
  g_assert_true (mky_trust_add_ca_file (t1, ca_file, &err));
  g_assert_no_error (err);
  mky_peer_unref (verify_ok (t1, alice, MKY_ID_URI, NULL,
          MKY_KEY_USAGE_SIGN, NOW));
  /* two PEM anchors, one an intermediate: its leaves verify alone */
  g_assert_true (mky_trust_add_ca_memory (t2, two, &err));
  g_assert_no_error (err);
  mky_peer_unref (verify_ok (t2, carol, MKY_ID_URI, NULL,
          MKY_KEY_USAGE_SIGN, NOW));
  mky_peer_unref (verify_ok (t2, rogue, MKY_ID_URI, NULL,
          MKY_KEY_USAGE_SIGN, NOW));
  verify_fails (t2, alice, MKY_ID_URI, NULL, MKY_KEY_USAGE_SIGN, NOW,
      MKY_ERROR_CERT_UNTRUSTED);

  g_assert_false (mky_trust_add_ca_memory (t1, junk, &err));
  g_assert_error (err, MKY_ERROR, MKY_ERROR_INVALID_ARGUMENT);
  g_clear_error (&err);
  g_assert_false (mky_trust_add_ca_file (t1, "/nonexistent/ca.pem", &err));
  g_assert_error (err, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_clear_error (&err);

  /* the system store does not vouch for our test CA */
  if (mky_trust_add_system_cas (sys, &err))
    verify_fails (sys, alice, MKY_ID_URI, NULL, MKY_KEY_USAGE_SIGN, NOW,
        MKY_ERROR_CERT_UNTRUSTED);
  else
    g_test_message ("no system trust store: %s", err->message);
  g_clear_error (&err);
}

static void
test_verify_untrusted (void)
{
  g_autoptr (MkyTrust) trust = trust_ca ();
  g_autoptr (MkyTrust) empty = mky_trust_new ();
  g_autoptr (GPtrArray) rogue = chain_of (pki.rogue_alice, pki.rogue, NULL);
  g_autoptr (GPtrArray) evil = chain_of (pki.evil, NULL);
  g_autoptr (GPtrArray) alice = chain_of (pki.alice, NULL);
  g_autoptr (GPtrArray) none = mky_cert_chain_new ();
  g_autoptr (GPtrArray) junk = mky_cert_chain_new ();
  g_autoptr (GPtrArray) only_encr = mky_cert_chain_new ();
  g_autoptr (GBytes) alice_der = test_pki_cert_der (pki.alice);

  /* another CA, even one with the trusted CA's name */
  verify_fails (trust, rogue, MKY_ID_URI, alice_uri, MKY_KEY_USAGE_SIGN, NOW,
      MKY_ERROR_CERT_UNTRUSTED);
  verify_fails (trust, evil, MKY_ID_URI, NULL, MKY_KEY_USAGE_SIGN, NOW,
      MKY_ERROR_CERT_UNTRUSTED);
  verify_fails (empty, alice, MKY_ID_URI, NULL, MKY_KEY_USAGE_SIGN, NOW,
      MKY_ERROR_CERT_UNTRUSTED);
  verify_fails (trust, none, MKY_ID_URI, NULL, MKY_KEY_USAGE_SIGN, NOW,
      MKY_ERROR_CERT_UNTRUSTED);
  verify_fails (trust, NULL, MKY_ID_URI, NULL, MKY_KEY_USAGE_SIGN, NOW,
      MKY_ERROR_CERT_UNTRUSTED);
  mky_cert_chain_add (junk, MKY_CERT_X509V3, (const guint8 *) "\x30\x03junk",
      7);
  verify_fails (trust, junk, MKY_ID_URI, NULL, MKY_KEY_USAGE_SIGN, NOW,
      MKY_ERROR_CERT_UNTRUSTED);
  /* an encryption-only CERT is not a signing certificate */
  g_ptr_array_add (only_encr, mky_cert_entry_new (MKY_CERT_X509V3_ENCR,
          alice_der));
  verify_fails (trust, only_encr, MKY_ID_URI, NULL, MKY_KEY_USAGE_SIGN, NOW,
      MKY_ERROR_CERT_UNTRUSTED);
}

static void
test_verify_time (void)
{
  g_autoptr (MkyTrust) trust = trust_ca ();
  g_autoptr (GPtrArray) expired = chain_of (pki.expired, NULL);
  g_autoptr (GPtrArray) future = chain_of (pki.future, NULL);
  g_autoptr (GPtrArray) alice = chain_of (pki.alice, NULL);
  g_autoptr (GPtrArray) long_lived = chain_of (pki.long_lived, NULL);
  g_autoptr (GPtrArray) carol = chain_of (pki.carol_long, pki.inter, NULL);
  g_autoptr (GPtrArray) rogue = chain_of (pki.rogue_alice, NULL);

  verify_fails (trust, expired, MKY_ID_URI, NULL, MKY_KEY_USAGE_SIGN, NOW,
      MKY_ERROR_CERT_EXPIRED);
  verify_fails (trust, future, MKY_ID_URI, NULL, MKY_KEY_USAGE_SIGN, NOW,
      MKY_ERROR_CERT_EXPIRED);
  /* the same certificates at times inside their windows */
  mky_peer_unref (verify_ok (trust, expired, MKY_ID_URI, NULL,
          MKY_KEY_USAGE_SIGN, NOW - AT (YEAR + YEAR / 2)));
  mky_peer_unref (verify_ok (trust, future, MKY_ID_URI, NULL,
          MKY_KEY_USAGE_SIGN, NOW + AT (YEAR + YEAR / 2)));
  /* edges: one second before the start, one after the end */
  verify_fails (trust, alice, MKY_ID_URI, NULL, MKY_KEY_USAGE_SIGN,
      AT (NOW_S - DAY - 1), MKY_ERROR_CERT_EXPIRED);
  mky_peer_unref (verify_ok (trust, alice, MKY_ID_URI, NULL,
          MKY_KEY_USAGE_SIGN, AT (NOW_S - DAY)));
  mky_peer_unref (verify_ok (trust, alice, MKY_ID_URI, NULL,
          MKY_KEY_USAGE_SIGN, AT (NOW_S + YEAR)));
  verify_fails (trust, alice, MKY_ID_URI, NULL, MKY_KEY_USAGE_SIGN,
      AT (NOW_S + YEAR + 1), MKY_ERROR_CERT_EXPIRED);
  /* the anchor's and the intermediate's windows count too */
  mky_peer_unref (verify_ok (trust, long_lived, MKY_ID_URI, NULL,
          MKY_KEY_USAGE_SIGN, NOW + AT (9 * YEAR)));
  verify_fails (trust, long_lived, MKY_ID_URI, NULL, MKY_KEY_USAGE_SIGN,
      NOW + AT (11 * YEAR), MKY_ERROR_CERT_EXPIRED);
  mky_peer_unref (verify_ok (trust, carol, MKY_ID_URI, NULL,
          MKY_KEY_USAGE_SIGN, NOW + AT (4 * YEAR)));
  verify_fails (trust, carol, MKY_ID_URI, NULL, MKY_KEY_USAGE_SIGN,
      NOW + AT (6 * YEAR), MKY_ERROR_CERT_EXPIRED);
  /* untrusted comes before expired */
  verify_fails (trust, rogue, MKY_ID_URI, NULL, MKY_KEY_USAGE_SIGN,
      NOW + AT (30 * YEAR), MKY_ERROR_CERT_UNTRUSTED);
}

static void
test_verify_revoked (void)
{
  g_autoptr (MkyTrust) trust = mky_trust_new ();
  g_autoptr (MkyTrust) trust_der = trust_ca ();
  g_autoptr (GBytes) ca_pem = test_pki_cert_pem (pki.ca);
  g_autofree char *crl_file = test_pki_write ("ca.crl", pki.crl_ca_der);
  g_autoptr (GPtrArray) revoked = chain_of (pki.revoked, NULL);
  g_autoptr (GPtrArray) alice = chain_of (pki.alice, NULL);
  g_autoptr (GPtrArray) carol = chain_of (pki.carol, pki.inter, NULL);
  g_autoptr (GPtrArray) carol2 = chain_of (pki.carol2, pki.inter, NULL);
  g_autoptr (GBytes) junk = g_bytes_new_static ("junk", 4);
  GError *err = NULL;

  /* CRLs before the anchor: the order does not matter. The evil CRL has
   * the CA's name and lists alice, but another key signed it. */
  g_assert_true (mky_trust_add_crl_memory (trust, pki.crl_ca_pem, &err));
  g_assert_true (mky_trust_add_crl_memory (trust, pki.crl_inter, &err));
  g_assert_true (mky_trust_add_crl_memory (trust, pki.crl_evil, &err));
  g_assert_true (mky_trust_add_ca_memory (trust, ca_pem, &err));
  g_assert_no_error (err);

  verify_fails (trust, revoked, MKY_ID_URI, NULL, MKY_KEY_USAGE_SIGN, NOW,
      MKY_ERROR_CERT_REVOKED);
  mky_peer_unref (verify_ok (trust, alice, MKY_ID_URI, NULL,
          MKY_KEY_USAGE_SIGN, NOW));
  /* a CRL of the intermediate CA */
  verify_fails (trust, carol2, MKY_ID_URI, NULL, MKY_KEY_USAGE_SIGN, NOW,
      MKY_ERROR_CERT_REVOKED);
  mky_peer_unref (verify_ok (trust, carol, MKY_ID_URI, NULL,
          MKY_KEY_USAGE_SIGN, NOW));
  /* expired comes before revoked; a stale CRL still counts */
  verify_fails (trust, revoked, MKY_ID_URI, NULL, MKY_KEY_USAGE_SIGN,
      NOW + AT (2 * YEAR), MKY_ERROR_CERT_EXPIRED);
  verify_fails (trust, revoked, MKY_ID_URI, NULL, MKY_KEY_USAGE_SIGN,
      NOW + AT (YEAR / 2), MKY_ERROR_CERT_REVOKED);

  /* a DER CRL file; without it the same certificate passes */
  mky_peer_unref (verify_ok (trust_der, revoked, MKY_ID_URI, NULL,
          MKY_KEY_USAGE_SIGN, NOW));
  g_assert_true (mky_trust_add_crl_file (trust_der, crl_file, &err));
  g_assert_no_error (err);
  verify_fails (trust_der, revoked, MKY_ID_URI, NULL, MKY_KEY_USAGE_SIGN,
      NOW, MKY_ERROR_CERT_REVOKED);

  g_assert_false (mky_trust_add_crl_memory (trust_der, junk, &err));
  g_assert_error (err, MKY_ERROR, MKY_ERROR_INVALID_ARGUMENT);
  g_clear_error (&err);
}

static void
test_verify_usage (void)
{
  g_autoptr (MkyTrust) trust = trust_ca ();
  g_autoptr (GPtrArray) sign = chain_of (pki.sign_only, NULL);
  g_autoptr (GPtrArray) enc = chain_of (pki.enc_only, NULL);
  g_autoptr (GPtrArray) none = chain_of (pki.ku_none, NULL);
  g_autoptr (GPtrArray) absent = chain_of (pki.ku_absent, NULL);
  g_autoptr (GPtrArray) both = chain_of (pki.alice, NULL);
  g_autoptr (GPtrArray) split = mky_cert_chain_new ();
  g_autoptr (GBytes) sign_der = test_pki_cert_der (pki.sign_only);
  g_autoptr (GBytes) enc_der = test_pki_cert_der (pki.enc_only);
  MkyPeer *peer;

  mky_peer_unref (verify_ok (trust, sign, MKY_ID_URI, NULL,
          MKY_KEY_USAGE_SIGN, NOW));
  verify_fails (trust, sign, MKY_ID_URI, NULL, MKY_KEY_USAGE_ENCRYPT, NOW,
      MKY_ERROR_CERT_USAGE);
  mky_peer_unref (verify_ok (trust, enc, MKY_ID_URI, NULL,
          MKY_KEY_USAGE_ENCRYPT, NOW));
  verify_fails (trust, enc, MKY_ID_URI, NULL, MKY_KEY_USAGE_SIGN, NOW,
      MKY_ERROR_CERT_USAGE);
  verify_fails (trust, none, MKY_ID_URI, NULL, MKY_KEY_USAGE_SIGN, NOW,
      MKY_ERROR_CERT_USAGE);
  verify_fails (trust, none, MKY_ID_URI, NULL, MKY_KEY_USAGE_ENCRYPT, NOW,
      MKY_ERROR_CERT_USAGE);
  for (int u = MKY_KEY_USAGE_SIGN; u <= MKY_KEY_USAGE_ENCRYPT; u++) {
    mky_peer_unref (verify_ok (trust, absent, MKY_ID_URI, NULL, u, NOW));
    mky_peer_unref (verify_ok (trust, both, MKY_ID_URI, NULL, u, NOW));
  }

  /* X.509v3 Encr and Sign CERT payloads: each purpose picks its own,
   * whatever the order */
  g_ptr_array_add (split, mky_cert_entry_new (MKY_CERT_X509V3_ENCR,
          enc_der));
  g_ptr_array_add (split, mky_cert_entry_new (MKY_CERT_X509V3_SIGN,
          sign_der));
  peer = verify_ok (trust, split, MKY_ID_URI, alice_uri, MKY_KEY_USAGE_SIGN,
      NOW);
  assert_bytes_eq (mky_peer_get_leaf_der (peer), sign_der);
  mky_peer_unref (peer);
  peer = verify_ok (trust, split, MKY_ID_URI, alice_uri,
      MKY_KEY_USAGE_ENCRYPT, NOW);
  assert_bytes_eq (mky_peer_get_leaf_der (peer), enc_der);
  mky_peer_unref (peer);
}

static void
test_verify_identity (void)
{
  g_autoptr (MkyTrust) trust = trust_ca ();
  g_autoptr (GPtrArray) alice = chain_of (pki.alice, NULL);
  g_autoptr (GPtrArray) bob = chain_of (pki.bob, NULL);
  g_autoptr (GPtrArray) dave = chain_of (pki.dave, NULL);
  g_autoptr (GPtrArray) noname = chain_of (pki.noname, NULL);
  MkyPeer *peer;

  verify_fails (trust, alice, MKY_ID_URI, "sip:mallory@example.com",
      MKY_KEY_USAGE_SIGN, NOW, MKY_ERROR_BAD_ID);
  verify_fails (trust, alice, MKY_ID_URI, "sip:alice@example.co",
      MKY_KEY_USAGE_SIGN, NOW, MKY_ERROR_BAD_ID);
  verify_fails (trust, alice, MKY_ID_NAI, "alice@example.com",
      MKY_KEY_USAGE_SIGN, NOW, MKY_ERROR_BAD_ID);
  verify_fails (trust, alice, MKY_ID_NAI, alice_uri, MKY_KEY_USAGE_SIGN, NOW,
      MKY_ERROR_BAD_ID);
  /* bob has both: the URI for a URI, the RFC 822 name for an NAI */
  mky_peer_unref (verify_ok (trust, bob, MKY_ID_URI, bob_uri,
          MKY_KEY_USAGE_SIGN, NOW));
  peer = verify_ok (trust, bob, MKY_ID_NAI, "bob@EXAMPLE.com",
      MKY_KEY_USAGE_SIGN, NOW);
  g_assert_cmpstr (mky_peer_get_identity (peer), ==, "bob@EXAMPLE.com");
  mky_peer_unref (peer);
  verify_fails (trust, bob, MKY_ID_NAI, "Bob@example.com",
      MKY_KEY_USAGE_SIGN, NOW, MKY_ERROR_BAD_ID);
  verify_fails (trust, bob, MKY_ID_URI, "bob@example.com",
      MKY_KEY_USAGE_SIGN, NOW, MKY_ERROR_BAD_ID);
  /* a byte string matches either */
  mky_peer_unref (verify_ok (trust, bob, MKY_ID_BYTE_STRING,
          "bob@example.com", MKY_KEY_USAGE_SIGN, NOW));
  mky_peer_unref (verify_ok (trust, bob, MKY_ID_BYTE_STRING, bob_uri,
          MKY_KEY_USAGE_SIGN, NOW));
  /* an NAI-only certificate names itself by it */
  peer = verify_ok (trust, dave, MKY_ID_NAI, NULL, MKY_KEY_USAGE_SIGN, NOW);
  g_assert_cmpstr (mky_peer_get_identity (peer), ==, "dave@example.com");
  mky_peer_unref (peer);
  /* no names at all: no ID matches, and the identity is NULL */
  verify_fails (trust, noname, MKY_ID_URI, "sip:noname@example.com",
      MKY_KEY_USAGE_SIGN, NOW, MKY_ERROR_BAD_ID);
  peer = verify_ok (trust, noname, MKY_ID_URI, NULL, MKY_KEY_USAGE_SIGN,
      NOW);
  g_assert_null (mky_peer_get_identity (peer));
  mky_peer_unref (peer);
  /* a certificate problem comes before the ID */
  {
    g_autoptr (GPtrArray) expired = chain_of (pki.expired, NULL);
    verify_fails (trust, expired, MKY_ID_URI, "sip:mallory@example.com",
        MKY_KEY_USAGE_SIGN, NOW, MKY_ERROR_CERT_EXPIRED);
  }
}

typedef struct {
  guint calls;
  guint destroyed;
  gint mode;                    /* 0 accept, 1 foreign error, 2 none, 3 BAD_ID */
  char *last_id;
  GBytes *last_der;
} CheckData;

static gboolean
check_cb (const char *identity, GBytes *leaf_der, gpointer user_data,
    GError **error)
{
  CheckData *d = user_data;

  d->calls++;
  g_free (d->last_id);
  d->last_id = g_strdup (identity);
  g_clear_pointer (&d->last_der, g_bytes_unref);
  d->last_der = g_bytes_ref (leaf_der);
  switch (d->mode) {
    case 1:
      g_set_error (error, TEST_ERROR, 1, "the directory says no");
      return FALSE;
    case 2:
      return FALSE;
    case 3:
      g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_ID, "not this one");
      return FALSE;
    default:
      return TRUE;
  }
}

static void
check_destroy (gpointer user_data)
{
  ((CheckData *) user_data)->destroyed++;
}

static void
test_verify_policy (void)
{
  g_autoptr (GPtrArray) alice = chain_of (pki.alice, NULL);
  g_autoptr (GPtrArray) bob = chain_of (pki.bob, NULL);
  g_autoptr (GPtrArray) carol = chain_of (pki.carol, pki.inter, NULL);
  g_autoptr (GPtrArray) noname = chain_of (pki.noname, NULL);
  g_autoptr (GPtrArray) expired = chain_of (pki.expired, NULL);
  g_autoptr (GBytes) alice_der = test_pki_cert_der (pki.alice);
  CheckData cd = { 0 };
  MkyTrust *t;

  /* denied by exact name */
  t = trust_ca ();
  mky_trust_deny (t, alice_uri);
  verify_fails (t, alice, MKY_ID_URI, NULL, MKY_KEY_USAGE_SIGN, NOW,
      MKY_ERROR_NOT_AUTHORIZED);
  mky_peer_unref (verify_ok (t, bob, MKY_ID_URI, NULL, MKY_KEY_USAGE_SIGN,
          NOW));
  mky_trust_unref (t);

  /* an allow list: only those in it */
  t = trust_ca ();
  mky_trust_allow (t, "sip:bob@*");
  verify_fails (t, alice, MKY_ID_URI, alice_uri, MKY_KEY_USAGE_SIGN, NOW,
      MKY_ERROR_NOT_AUTHORIZED);
  mky_peer_unref (verify_ok (t, bob, MKY_ID_URI, NULL, MKY_KEY_USAGE_SIGN,
          NOW));
  /* a certificate without a name is not on any allow list */
  verify_fails (t, noname, MKY_ID_URI, NULL, MKY_KEY_USAGE_SIGN, NOW,
      MKY_ERROR_NOT_AUTHORIZED);
  mky_trust_unref (t);

  /* globs; deny wins over allow */
  t = trust_ca ();
  mky_trust_allow (t, "sip:*@example.com");
  mky_trust_allow (t, "sip:carol@example.or?");
  mky_trust_deny (t, "sip:b?b@*");
  mky_peer_unref (verify_ok (t, alice, MKY_ID_URI, NULL, MKY_KEY_USAGE_SIGN,
          NOW));
  mky_peer_unref (verify_ok (t, carol, MKY_ID_URI, NULL, MKY_KEY_USAGE_SIGN,
          NOW));
  verify_fails (t, bob, MKY_ID_URI, NULL, MKY_KEY_USAGE_SIGN, NOW,
      MKY_ERROR_NOT_AUTHORIZED);
  /* the claimed NAI is the identity the policy sees */
  verify_fails (t, bob, MKY_ID_NAI, "bob@example.com", MKY_KEY_USAGE_SIGN,
      NOW, MKY_ERROR_NOT_AUTHORIZED);
  mky_trust_unref (t);

  /* the check function: sees identity and leaf, and refuses with the
   * policy code; an MKY error of its own is kept */
  t = trust_ca ();
  mky_trust_set_check_func (t, check_cb, &cd, check_destroy);
  mky_peer_unref (verify_ok (t, alice, MKY_ID_URI, NULL, MKY_KEY_USAGE_SIGN,
          NOW));
  g_assert_cmpuint (cd.calls, ==, 1);
  g_assert_cmpstr (cd.last_id, ==, alice_uri);
  assert_bytes_eq (cd.last_der, alice_der);
  cd.mode = 1;
  verify_fails (t, alice, MKY_ID_URI, NULL, MKY_KEY_USAGE_SIGN, NOW,
      MKY_ERROR_NOT_AUTHORIZED);
  cd.mode = 2;
  verify_fails (t, alice, MKY_ID_URI, NULL, MKY_KEY_USAGE_SIGN, NOW,
      MKY_ERROR_NOT_AUTHORIZED);
  cd.mode = 3;
  verify_fails (t, alice, MKY_ID_URI, NULL, MKY_KEY_USAGE_SIGN, NOW,
      MKY_ERROR_BAD_ID);
  g_assert_cmpuint (cd.calls, ==, 4);
  /* not asked when the certificate is refused already */
  verify_fails (t, expired, MKY_ID_URI, NULL, MKY_KEY_USAGE_SIGN, NOW,
      MKY_ERROR_CERT_EXPIRED);
  g_assert_cmpuint (cd.calls, ==, 4);
  /* nor when the deny list refuses */
  mky_trust_deny (t, "sip:alice*");
  cd.mode = 0;
  verify_fails (t, alice, MKY_ID_URI, NULL, MKY_KEY_USAGE_SIGN, NOW,
      MKY_ERROR_NOT_AUTHORIZED);
  g_assert_cmpuint (cd.calls, ==, 4);
  /* replaced, then dropped with the trust */
  mky_trust_set_check_func (t, check_cb, &cd, check_destroy);
  g_assert_cmpuint (cd.destroyed, ==, 1);
  mky_trust_unref (t);
  g_assert_cmpuint (cd.destroyed, ==, 2);
  g_free (cd.last_id);
  g_bytes_unref (cd.last_der);
}

typedef struct {
  GBytes *answer;               /* NULL: fail */
  char *last_url;
  guint calls;
} FetchData;

static GBytes *
fetch_cb (const char *url, gpointer user_data, GError **error)
{
  FetchData *d = user_data;

  d->calls++;
  g_free (d->last_url);
  d->last_url = g_strdup (url);
  if (!d->answer) {
    g_set_error (error, TEST_ERROR, 2, "404 Not Found");
    return NULL;
  }
  return g_bytes_ref (d->answer);
}

static void
test_verify_url (void)
{
  static const char url[] = "http://certs.example.com/alice.der";
  g_autoptr (MkyTrust) trust = trust_ca ();
  g_autoptr (MkyTrust) no_hook = trust_ca ();
  g_autoptr (GBytes) alice_der = test_pki_cert_der (pki.alice);
  g_autoptr (GBytes) carol_pem = test_pki_cert_pem (pki.carol);
  g_autoptr (GBytes) carol_der = test_pki_cert_der (pki.carol);
  g_autoptr (GBytes) inter_der = test_pki_cert_der (pki.inter);
  g_autoptr (GPtrArray) chain = mky_cert_chain_new ();
  g_autoptr (GPtrArray) chain2 = mky_cert_chain_new ();
  FetchData fd = { 0 };
  MkyPeer *peer;
  GError *err = NULL;

  mky_cert_chain_add (chain, MKY_CERT_X509V3_URL, (const guint8 *) url,
      strlen (url));
  mky_trust_set_fetch_func (trust, fetch_cb, &fd, NULL);

  /* the hook gives the DER */
  fd.answer = alice_der;
  peer = verify_ok (trust, chain, MKY_ID_URI, alice_uri, MKY_KEY_USAGE_SIGN,
      NOW);
  g_assert_cmpuint (fd.calls, ==, 1);
  g_assert_cmpstr (fd.last_url, ==, url);
  assert_bytes_eq (mky_peer_get_leaf_der (peer), alice_der);
  mky_peer_unref (peer);

  /* no hook */
  verify_fails (no_hook, chain, MKY_ID_URI, alice_uri, MKY_KEY_USAGE_SIGN,
      NOW, MKY_ERROR_CERT_FETCH);
  /* the hook fails, or gives no certificate */
  fd.answer = NULL;
  peer = mky_trust_verify (trust, chain, MKY_ID_URI, alice_uri,
      MKY_KEY_USAGE_SIGN, NOW, &err);
  g_assert_null (peer);
  g_assert_error (err, MKY_ERROR, MKY_ERROR_CERT_FETCH);
  g_assert_nonnull (strstr (err->message, "404 Not Found"));
  g_clear_error (&err);
  fd.answer = g_bytes_new_static ("<html>", 6);
  verify_fails (trust, chain, MKY_ID_URI, alice_uri, MKY_KEY_USAGE_SIGN, NOW,
      MKY_ERROR_CERT_FETCH);
  g_bytes_unref (fd.answer);

  /* a PEM answer for a leaf URL, then an intermediate as DER; the fetched
   * certificate is checked like any other */
  mky_cert_chain_add (chain2, MKY_CERT_X509V3_URL,
      (const guint8 *) "http://x/carol", 14);
  mky_cert_chain_add (chain2, MKY_CERT_X509V3, g_bytes_get_data (inter_der,
          NULL), g_bytes_get_size (inter_der));
  fd.answer = carol_pem;
  peer = verify_ok (trust, chain2, MKY_ID_URI, "sip:carol@example.org",
      MKY_KEY_USAGE_ENCRYPT, NOW);
  assert_bytes_eq (mky_peer_get_leaf_der (peer), carol_der);
  mky_peer_unref (peer);
  verify_fails (trust, chain2, MKY_ID_URI, alice_uri, MKY_KEY_USAGE_SIGN,
      NOW, MKY_ERROR_BAD_ID);
  g_free (fd.last_url);
}

/* ---- the verified-chain cache ----
 * A hit hands out the peer remembered: the same object, which is how
 * these tests tell a hit from a verification made afresh. */

#define MINUTE (60 * G_USEC_PER_SEC)

/* Verified for signing, no ID */
static MkyPeer *
signer (MkyTrust *trust, GPtrArray *chain, gint64 now)
{
  return verify_ok (trust, chain, MKY_ID_URI, NULL, MKY_KEY_USAGE_SIGN, now);
}

/* Is the peer signer() hands out @was? */
static gboolean
signer_is (MkyTrust *trust, GPtrArray *chain, gint64 now, MkyPeer *was)
{
  MkyPeer *peer = signer (trust, chain, now);
  gboolean same = peer == was;

  mky_peer_unref (peer);
  return same;
}

static void
test_cache_hit (void)
{
  g_autoptr (MkyTrust) trust = trust_ca ();
  g_autoptr (GPtrArray) alice = chain_of (pki.alice, NULL);
  g_autoptr (GPtrArray) bob = chain_of (pki.bob, NULL);
  g_autoptr (GBytes) alice_der = test_pki_cert_der (pki.alice);
  g_autoptr (MkyPeer) first = NULL;
  g_autoptr (MkyPeer) again = NULL;
  g_autoptr (MkyPeer) nai = NULL;
  g_autoptr (MkyPeer) own = NULL;
  MkyPeer *peer;

  first = verify_ok (trust, alice, MKY_ID_URI, alice_uri, MKY_KEY_USAGE_SIGN,
      NOW);
  g_assert_cmpuint (mky_trust_get_n_cached (trust), ==, 1);
  again = verify_ok (trust, alice, MKY_ID_URI, alice_uri, MKY_KEY_USAGE_SIGN,
      NOW + G_USEC_PER_SEC);
  g_assert_true (again == first);
  g_assert_cmpstr (mky_peer_get_identity (again), ==, alice_uri);
  assert_bytes_eq (mky_peer_get_leaf_der (again), alice_der);
  /* without an ID too; another usage is another entry */
  g_assert_true (signer_is (trust, alice, NOW, first));
  peer = verify_ok (trust, alice, MKY_ID_URI, NULL, MKY_KEY_USAGE_ENCRYPT,
      NOW);
  g_assert_true (peer != first);
  g_assert_cmpstr (mky_peer_get_identity (peer), ==, alice_uri);
  mky_peer_unref (peer);
  g_assert_cmpuint (mky_trust_get_n_cached (trust), ==, 2);

  /* the ID is checked on every hit */
  verify_fails (trust, alice, MKY_ID_URI, "sip:mallory@example.com",
      MKY_KEY_USAGE_SIGN, NOW, MKY_ERROR_BAD_ID);
  /* a claimed NAI is the identity of the peer handed out, and leaves the
   * one remembered as it was */
  own = signer (trust, bob, NOW);
  nai = verify_ok (trust, bob, MKY_ID_NAI, "bob@EXAMPLE.com",
      MKY_KEY_USAGE_SIGN, NOW);
  g_assert_cmpstr (mky_peer_get_identity (nai), ==, "bob@EXAMPLE.com");
  assert_bytes_eq (mky_peer_get_leaf_der (nai), mky_peer_get_leaf_der (own));
  g_assert_true (mky_peer_check_id (nai, MKY_ID_URI, bob_uri, NULL));
  g_assert_true (signer_is (trust, bob, NOW, own));
  g_assert_cmpstr (mky_peer_get_identity (own), ==, bob_uri);

  /* so is the policy, which may change without dropping the cache */
  mky_trust_deny (trust, alice_uri);
  verify_fails (trust, alice, MKY_ID_URI, alice_uri, MKY_KEY_USAGE_SIGN, NOW,
      MKY_ERROR_NOT_AUTHORIZED);
}

static void
test_cache_time (void)
{
  g_autoptr (MkyTrust) trust = trust_ca ();
  g_autoptr (GPtrArray) alice = chain_of (pki.alice, NULL);
  g_autoptr (GPtrArray) carol = chain_of (pki.carol_long, pki.inter, NULL);
  const gint64 end = AT (NOW_S + YEAR), start = AT (NOW_S - DAY);
  const gint64 inter_end = AT (NOW_S + 5 * YEAR);
  MkyPeer *first, *fresh;

  /* remembered a minute before the leaf expires: a hit up to its last
   * second, refused one second later, well within the cache's lifetime */
  first = signer (trust, alice, end - MINUTE);
  g_assert_true (signer_is (trust, alice, end, first));
  verify_fails (trust, alice, MKY_ID_URI, NULL, MKY_KEY_USAGE_SIGN,
      end + G_USEC_PER_SEC, MKY_ERROR_CERT_EXPIRED);
  mky_peer_unref (first);
  /* and before its start (the caller's clock may go back) */
  mky_peer_unref (signer (trust, alice, start + MINUTE));
  verify_fails (trust, alice, MKY_ID_URI, NULL, MKY_KEY_USAGE_SIGN,
      start - G_USEC_PER_SEC, MKY_ERROR_CERT_EXPIRED);

  /* the intermediate's end bounds a leaf that lives longer */
  first = signer (trust, carol, inter_end - MINUTE);
  g_assert_true (signer_is (trust, carol, inter_end, first));
  verify_fails (trust, carol, MKY_ID_URI, NULL, MKY_KEY_USAGE_SIGN,
      inter_end + G_USEC_PER_SEC, MKY_ERROR_CERT_EXPIRED);
  mky_peer_unref (first);

  /* an entry is used for 10 minutes of the caller's time, either way */
  first = signer (trust, alice, NOW);
  g_assert_true (signer_is (trust, alice, NOW + 10 * MINUTE, first));
  g_assert_true (signer_is (trust, alice, NOW - 10 * MINUTE, first));
  fresh = signer (trust, alice, NOW + 10 * MINUTE + 1);
  g_assert_true (fresh != first);
  g_assert_true (signer_is (trust, alice, NOW + 10 * MINUTE + 2, fresh));
  mky_peer_unref (first);
  mky_peer_unref (fresh);
}

static void
test_cache_revocation (void)
{
  g_autoptr (MkyTrust) trust = trust_ca ();
  g_autoptr (GPtrArray) revoked = chain_of (pki.revoked, NULL);
  g_autoptr (MkyPeer) first = NULL;
  GError *err = NULL;

  first = signer (trust, revoked, NOW);
  g_assert_true (signer_is (trust, revoked, NOW, first));
  /* a new CRL: the cached verification is gone with it */
  g_assert_true (mky_trust_add_crl_memory (trust, pki.crl_ca_pem, &err));
  g_assert_no_error (err);
  g_assert_cmpuint (mky_trust_get_n_cached (trust), ==, 0);
  verify_fails (trust, revoked, MKY_ID_URI, NULL, MKY_KEY_USAGE_SIGN, NOW,
      MKY_ERROR_CERT_REVOKED);
  g_assert_cmpuint (mky_trust_get_n_cached (trust), ==, 0);
}

typedef struct {
  guint calls;
  gboolean refuse;
} HookData;

static gboolean
revocation_cb (GBytes *leaf_der, GBytes *issuer_der, gint64 now_us,
    gpointer user_data, GError **error)
{
  HookData *d = user_data;

  d->calls++;
  if (d->refuse)
    g_set_error (error, TEST_ERROR, 3, "OCSP: revoked");
  return !d->refuse;
}

static void
test_cache_config (void)
{
  g_autoptr (MkyTrust) trust = trust_ca ();
  g_autoptr (GPtrArray) alice = chain_of (pki.alice, NULL);
  g_autoptr (GBytes) rogue_pem = test_pki_cert_pem (pki.rogue);
  g_autoptr (MkyPeer) first = NULL;
  FetchData fd = { 0 };
  HookData hd = { 0 };
  GError *err = NULL;

  /* another anchor: verified afresh */
  first = signer (trust, alice, NOW);
  g_assert_true (mky_trust_add_ca_memory (trust, rogue_pem, &err));
  g_assert_no_error (err);
  g_assert_cmpuint (mky_trust_get_n_cached (trust), ==, 0);
  g_assert_false (signer_is (trust, alice, NOW, first));
  /* a fetch hook too */
  g_assert_cmpuint (mky_trust_get_n_cached (trust), ==, 1);
  mky_trust_set_fetch_func (trust, fetch_cb, &fd, NULL);
  g_assert_cmpuint (mky_trust_get_n_cached (trust), ==, 0);

  /* with a revocation hook nothing is remembered: it is asked every time,
   * and its refusal counts even after it passed the same chain */
  mky_peer_unref (signer (trust, alice, NOW));
  mky_trust_set_revocation_func (trust, revocation_cb, &hd, NULL);
  g_assert_cmpuint (mky_trust_get_n_cached (trust), ==, 0);
  mky_peer_unref (signer (trust, alice, NOW));
  mky_peer_unref (signer (trust, alice, NOW));
  g_assert_cmpuint (hd.calls, ==, 2);
  g_assert_cmpuint (mky_trust_get_n_cached (trust), ==, 0);
  hd.refuse = TRUE;
  verify_fails (trust, alice, MKY_ID_URI, NULL, MKY_KEY_USAGE_SIGN, NOW,
      MKY_ERROR_CERT_REVOKED);
  g_assert_cmpuint (hd.calls, ==, 3);
  /* without it, remembered again */
  mky_trust_set_revocation_func (trust, NULL, NULL, NULL);
  mky_peer_unref (signer (trust, alice, NOW));
  g_assert_cmpuint (mky_trust_get_n_cached (trust), ==, 1);
  g_assert_cmpuint (hd.calls, ==, 3);
  g_free (fd.last_url);
}

static void
test_cache_chain (void)
{
  static const char url[] = "http://certs.example.com/who.der";
  g_autoptr (MkyTrust) trust = trust_ca ();
  g_autoptr (GPtrArray) carol = chain_of (pki.carol, pki.inter, NULL);
  g_autoptr (GPtrArray) carol_alone = chain_of (pki.carol, NULL);
  g_autoptr (GPtrArray) carol_more = chain_of (pki.carol, pki.inter,
      pki.bob, NULL);
  g_autoptr (GPtrArray) sign = chain_of (pki.sign_only, NULL);
  g_autoptr (GPtrArray) typed = chain_of (pki.alice, pki.sign_only, NULL);
  g_autoptr (GPtrArray) by_url = mky_cert_chain_new ();
  g_autoptr (GBytes) sign_der = test_pki_cert_der (pki.sign_only);
  g_autoptr (GBytes) alice_der = test_pki_cert_der (pki.alice);
  g_autoptr (GBytes) bob_der = test_pki_cert_der (pki.bob);
  g_autoptr (MkyPeer) first = NULL;
  FetchData fd = { 0 };
  MkyPeer *peer;

  /* the same leaf without its intermediate, or with another certificate
   * after it, is another chain */
  first = signer (trust, carol, NOW);
  verify_fails (trust, carol_alone, MKY_ID_URI, NULL, MKY_KEY_USAGE_SIGN, NOW,
      MKY_ERROR_CERT_UNTRUSTED);
  peer = signer (trust, carol_more, NOW);
  g_assert_true (peer != first);
  assert_bytes_eq (mky_peer_get_leaf_der (peer),
      mky_peer_get_leaf_der (first));
  mky_peer_unref (peer);
  g_assert_cmpuint (mky_trust_get_n_cached (trust), ==, 2);

  /* a chain cached for signing is not one for encryption */
  mky_peer_unref (signer (trust, sign, NOW));
  verify_fails (trust, sign, MKY_ID_URI, NULL, MKY_KEY_USAGE_ENCRYPT, NOW,
      MKY_ERROR_CERT_USAGE);
  /* the same bytes with another entry type may name another leaf */
  peer = signer (trust, typed, NOW);
  assert_bytes_eq (mky_peer_get_leaf_der (peer), alice_der);
  mky_peer_unref (peer);
  ((MkyCertEntry *) typed->pdata[1])->type = MKY_CERT_X509V3_SIGN;
  peer = signer (trust, typed, NOW);
  assert_bytes_eq (mky_peer_get_leaf_der (peer), sign_der);
  mky_peer_unref (peer);

  /* a URL stands for what it gives now, not what it gave before */
  mky_trust_set_fetch_func (trust, fetch_cb, &fd, NULL);
  mky_cert_chain_add (by_url, MKY_CERT_X509V3_URL, (const guint8 *) url,
      strlen (url));
  fd.answer = alice_der;
  peer = signer (trust, by_url, NOW);
  g_assert_cmpstr (mky_peer_get_identity (peer), ==, alice_uri);
  mky_peer_unref (peer);
  fd.answer = bob_der;
  peer = signer (trust, by_url, NOW);
  g_assert_cmpstr (mky_peer_get_identity (peer), ==, bob_uri);
  mky_peer_unref (peer);
  g_assert_cmpuint (fd.calls, ==, 2);
  g_free (fd.last_url);
}

static void
test_cache_bounded (void)
{
  g_autoptr (MkyTrust) trust = trust_ca ();
  g_autoptr (GPtrArray) alice = chain_of (pki.alice, NULL);
  g_autoptr (GPtrArray) bob = chain_of (pki.bob, NULL);
  g_autoptr (GPtrArray) dave = chain_of (pki.dave, NULL);
  g_autoptr (MkyPeer) a = NULL;
  g_autoptr (MkyPeer) b = NULL;
  g_autoptr (MkyPeer) d = NULL;

  g_assert_cmpuint (mky_trust_get_n_cached (trust), ==, 0);
  mky_trust_set_cache_size (trust, 2);
  a = signer (trust, alice, NOW);
  b = signer (trust, bob, NOW);
  /* alice used last: bob gives way to dave */
  g_assert_true (signer_is (trust, alice, NOW, a));
  d = signer (trust, dave, NOW);
  g_assert_cmpuint (mky_trust_get_n_cached (trust), ==, 2);
  g_assert_true (signer_is (trust, alice, NOW, a));
  g_assert_false (signer_is (trust, bob, NOW, b));
  g_assert_cmpuint (mky_trust_get_n_cached (trust), ==, 2);
  /* then dave was the least recently used */
  g_assert_false (signer_is (trust, dave, NOW, d));

  /* 0: none */
  mky_trust_set_cache_size (trust, 0);
  g_assert_cmpuint (mky_trust_get_n_cached (trust), ==, 0);
  mky_peer_unref (signer (trust, alice, NOW));
  g_assert_cmpuint (mky_trust_get_n_cached (trust), ==, 0);
}

#define CACHE_THREAD_ROUNDS 30

static gpointer
cache_thread (gpointer data)
{
  MkyTrust *trust = data;
  TestPkiCert *certs[] = { pki.alice, pki.bob, pki.dave };

  for (guint i = 0; i < CACHE_THREAD_ROUNDS; i++) {
    g_autoptr (GPtrArray) chain = chain_of (certs[i % 3], NULL);
    mky_peer_unref (signer (trust, chain, NOW + i));
  }
  return NULL;
}

/* Two threads on one trust whose cache is smaller than what they verify:
 * lookups, stores and evictions cross (run under valgrind or TSan to see
 * more than a crash) */
static void
test_cache_threads (void)
{
  g_autoptr (MkyTrust) trust = trust_ca ();
  GThread *th[2];

  mky_trust_set_cache_size (trust, 2);
  for (guint i = 0; i < G_N_ELEMENTS (th); i++)
    th[i] = g_thread_new ("verify", cache_thread, trust);
  for (guint i = 0; i < G_N_ELEMENTS (th); i++)
    g_thread_join (th[i]);
  g_assert_cmpuint (mky_trust_get_n_cached (trust), <=, 2);
}

static void
test_end_to_end (void)
{
  /* credentials with leaf + intermediate fill the CERT payloads; the
   * verifier rebuilds the chain from them and checks the signature */
  g_autoptr (MkyCredentials) creds = creds_for (pki.carol, pki.inter);
  g_autoptr (MkyTrust) trust = trust_ca ();
  g_autoptr (GPtrArray) chain = mky_cert_chain_new ();
  g_autoptr (MkyPeer) peer = NULL;
  const guint8 msg[] = "HDR T RAND IDi CERTi ... SIGN";
  MkyBytes sig = { 0 };
  GError *err = NULL;

  for (guint i = 0; i < mky_credentials_get_n_certs (creds); i++) {
    GBytes *der = mky_credentials_get_cert_der (creds, i);
    g_ptr_array_add (chain, mky_cert_entry_new (MKY_CERT_X509V3, der));
  }
  g_assert_true (mky_credentials_sign (creds, MKY_SIGN_RSA_PKCS1, msg,
          sizeof msg, &sig, &err));
  peer = mky_trust_verify (trust, chain, MKY_ID_URI,
      mky_credentials_get_identity (creds), MKY_KEY_USAGE_SIGN, NOW, &err);
  g_assert_no_error (err);
  g_assert_true (mky_peer_verify_signature (peer, MKY_SIGN_RSA_PKCS1, msg,
          sizeof msg, sig.data, sig.len, &err));
  g_assert_no_error (err);
  mky_bytes_clear (&sig, FALSE);
}

static void
test_peer_pinned (void)
{
  g_autoptr (MkyPeer) peer = pinned (pki.rogue_alice);
  g_autoptr (GBytes) junk = g_bytes_new_static ("\x30\x82junk", 6);
  GError *err = NULL;

  g_assert_cmpstr (mky_peer_get_identity (peer), ==, alice_uri);
  g_assert_true (mky_peer_check_id (peer, MKY_ID_URI, alice_uri, &err));
  g_assert_no_error (err);
  g_assert_false (mky_peer_check_id (peer, MKY_ID_URI, bob_uri, &err));
  g_assert_error (err, MKY_ERROR, MKY_ERROR_BAD_ID);
  g_clear_error (&err);
  g_assert_null (mky_peer_new_from_der (junk, &err));
  g_assert_error (err, MKY_ERROR, MKY_ERROR_CERT_UNTRUSTED);
  g_clear_error (&err);
  g_assert_true (mky_peer_ref (peer) == peer);
  mky_peer_unref (peer);
}

static void
test_chash (void)
{
  static const struct {
    MkyHashFunc func;
    gnutls_digest_algorithm_t dig;
    gsize len;
  } funcs[] = {
    { MKY_HASH_SHA_1, GNUTLS_DIG_SHA1, 20 },
    { MKY_HASH_MD5, GNUTLS_DIG_MD5, 16 },
    { MKY_HASH_SHA_256, GNUTLS_DIG_SHA256, 32 },
  };
  g_autoptr (GBytes) der = test_pki_cert_der (pki.alice);
  g_autoptr (GBytes) der2 = test_pki_cert_der (pki.bob);
  MkyBytes h = { 0 }, h2 = { 0 };
  GError *err = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (funcs); i++) {
    guint8 want[64];
    g_assert_true (mky_cert_hash (funcs[i].func, der, &h, &err));
    g_assert_no_error (err);
    g_assert_cmpint (gnutls_hash_fast (funcs[i].dig,
            g_bytes_get_data (der, NULL), g_bytes_get_size (der), want), ==,
        0);
    g_assert_cmpmem (h.data, h.len, want, funcs[i].len);
    g_assert_true (mky_cert_hash (funcs[i].func, der2, &h2, &err));
    g_assert_false (mky_bytes_equal (&h, &h2));
  }
  g_assert_false (mky_cert_hash (7, der, &h, &err));
  g_assert_error (err, MKY_ERROR, MKY_ERROR_UNSUPPORTED_VALUE);
  g_clear_error (&err);
  mky_bytes_clear (&h, FALSE);
  mky_bytes_clear (&h2, FALSE);
}

/* ------------------------------------------------------------------ */
/* PKCS#11 through SoftHSM2, in a child process that sets SOFTHSM2_CONF
 * before the module is loaded; the parent writes the PEM files it uses. */

static const char *
softhsm_module (void)
{
  static const char *paths[] = {
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib64/pkcs11/libsofthsm2.so",
    "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
  };
  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    if (g_file_test (paths[i], G_FILE_TEST_EXISTS))
      return paths[i];
  return NULL;
}

static void
run (const char *const *argv)
{
  g_autofree char *out = NULL, *errout = NULL;
  GError *err = NULL;
  gint status = 0;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
      &out, &errout, &status, &err);
  g_assert_no_error (err);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("%s failed: %s%s", argv[0], out, errout);
}

static int
token_pin (void *userdata, int attempt, const char *token_url,
    const char *token_label, unsigned int flags, char *pin, size_t pin_max)
{
  if (attempt > 0)
    return -1;
  g_strlcpy (pin, "1234", pin_max);
  return 0;
}

static void
pkcs11_child (void)
{
  const char *dir = g_getenv ("MKY_TEST_PKI_DIR");
  g_autofree char *tokens = g_build_filename (dir, "tokens", NULL);
  g_autofree char *conf = g_build_filename (dir, "softhsm2.conf", NULL);
  g_autofree char *conf_text = g_strdup_printf ("directories.tokendir = %s\n"
      "objectstore.backend = file\nlog.level = ERROR\n", tokens);
  g_autofree char *key = g_build_filename (dir, "p11-alice.p8", NULL);
  g_autofree char *cert = g_build_filename (dir, "p11-alice.pem", NULL);
  const char *init[] = { "softhsm2-util", "--init-token", "--free",
    "--label", "mky-test", "--pin", "1234", "--so-pin", "123456", NULL };
  const char *import[] = { "softhsm2-util", "--import", key, "--token",
    "mky-test", "--label", "alice", "--id", "01", "--pin", "1234", NULL };
  const char *uri = "pkcs11:token=mky-test;object=alice;type=private";
  const guint8 msg[] = "signed on a token";
  guint8 env_key[16] = "0123456789abcdef";
  MkyCredentials *creds;
  MkyPeer *peer;
  GError *err = NULL;

  g_assert_cmpint (g_mkdir_with_parents (tokens, 0700), ==, 0);
  g_assert_true (g_file_set_contents (conf, conf_text, -1, NULL));
  g_setenv ("SOFTHSM2_CONF", conf, TRUE);
  run (init);
  run (import);
  g_assert_cmpint (gnutls_pkcs11_init (GNUTLS_PKCS11_FLAG_MANUAL, NULL), ==,
      0);
  g_assert_cmpint (gnutls_pkcs11_add_provider (softhsm_module (), NULL), ==,
      0);

  creds = mky_credentials_new_from_files (cert, uri, "1234", &err);
  g_assert_no_error (err);
  g_assert_cmpstr (mky_credentials_get_identity (creds), ==, alice_uri);

  /* the certificate on the token too, named by its URI */
  {
    g_autofree char *pem = NULL;
    gsize len;
    gnutls_datum_t d, id = { (unsigned char *) "\x01", 1 };
    gnutls_x509_crt_t crt;
    MkyCredentials *on_token;

    g_assert_true (g_file_get_contents (cert, &pem, &len, NULL));
    d.data = (unsigned char *) pem;
    d.size = len;
    g_assert_cmpint (gnutls_x509_crt_init (&crt), ==, 0);
    g_assert_cmpint (gnutls_x509_crt_import (crt, &d, GNUTLS_X509_FMT_PEM),
        ==, 0);
    gnutls_pkcs11_set_pin_function (token_pin, NULL);
    g_assert_cmpint (gnutls_pkcs11_copy_x509_crt2 ("pkcs11:token=mky-test",
            crt, "alice", &id, GNUTLS_PKCS11_OBJ_FLAG_LOGIN), ==, 0);
    gnutls_x509_crt_deinit (crt);
    on_token = mky_credentials_new_from_files
        ("pkcs11:token=mky-test;object=alice;type=cert", uri, "1234", &err);
    g_assert_no_error (err);
    g_assert_cmpstr (mky_credentials_get_identity (on_token), ==, alice_uri);
    g_assert_true (g_bytes_equal (mky_credentials_get_cert_der (on_token, 0),
            mky_credentials_get_cert_der (creds, 0)));
    mky_credentials_unref (on_token);
    g_assert_null (mky_credentials_new_from_files
        ("pkcs11:token=mky-test;object=nobody;type=cert", uri, "1234", &err));
    g_assert_error (err, MKY_ERROR, MKY_ERROR_INVALID_ARGUMENT);
    g_clear_error (&err);
  }
  peer = mky_peer_new_from_der (mky_credentials_get_cert_der (creds, 0),
      &err);
  g_assert_no_error (err);
  for (int t = MKY_SIGN_RSA_PKCS1; t <= MKY_SIGN_RSA_PSS; t++) {
    MkyBytes sig = { 0 };
    g_assert_true (mky_credentials_sign (creds, t, msg, sizeof msg, &sig,
            &err));
    g_assert_no_error (err);
    g_assert_cmpuint (sig.len, ==, 256);
    g_assert_true (mky_peer_verify_signature (peer, t, msg, sizeof msg,
            sig.data, sig.len, &err));
    g_assert_no_error (err);
    mky_bytes_clear (&sig, FALSE);
  }
  {
    MkyBytes ct = { 0 }, pt = { 0 };
    g_assert_true (mky_peer_encrypt (peer, MKY_PKE_ENCR_RSA_PKCS1, env_key,
            sizeof env_key, &ct, &err));
    g_assert_true (mky_credentials_decrypt (creds, MKY_PKE_ENCR_RSA_PKCS1,
            ct.data, ct.len, &pt, &err));
    g_assert_no_error (err);
    g_assert_cmpmem (pt.data, pt.len, env_key, sizeof env_key);
    mky_bytes_clear (&ct, FALSE);
    mky_bytes_clear (&pt, TRUE);
  }
  mky_peer_unref (peer);
  mky_credentials_unref (creds);

  /* a wrong PIN: refused when made, or when used */
  creds = mky_credentials_new_from_files (cert, uri, "9999", &err);
  if (creds) {
    MkyBytes sig = { 0 };
    g_assert_false (mky_credentials_sign (creds, MKY_SIGN_RSA_PKCS1, msg,
            sizeof msg, &sig, &err));
    g_assert_error (err, MKY_ERROR, MKY_ERROR_CRYPTO);
    mky_credentials_unref (creds);
  } else {
    g_assert_error (err, MKY_ERROR, MKY_ERROR_INVALID_ARGUMENT);
  }
  g_clear_error (&err);
  /* an object that is not there */
  creds = mky_credentials_new_from_files (cert,
      "pkcs11:token=mky-test;object=nobody;type=private", "1234", &err);
  g_assert_null (creds);
  g_assert_error (err, MKY_ERROR, MKY_ERROR_INVALID_ARGUMENT);
  g_clear_error (&err);
  gnutls_pkcs11_deinit ();
}

static void
test_pkcs11 (void)
{
  g_autofree char *util = NULL;

  if (g_test_subprocess ()) {
    pkcs11_child ();
    return;
  }
  util = g_find_program_in_path ("softhsm2-util");
  if (!util || !softhsm_module ()) {
    g_test_skip ("SoftHSM2 not installed (apt-get install softhsm2)");
    return;
  }
  {
    g_autoptr (GBytes) cert = test_pki_cert_pem (pki.alice);
    g_autoptr (GBytes) key = test_pki_key_pem (pki.alice, NULL);
    /* the child reads them from the PKI directory */
    g_free (test_pki_write ("p11-alice.pem", cert));
    g_free (test_pki_write ("p11-alice.p8", key));
  }
  g_setenv ("MKY_TEST_PKI_DIR", test_pki_tmpdir (), TRUE);
  g_test_trap_subprocess (NULL, 120 * G_USEC_PER_SEC,
      G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  if (!g_test_subprocess ())
    make_pki ();

  g_test_add_func ("/pki/credentials/files", test_credentials_files);
  g_test_add_func ("/pki/credentials/memory", test_credentials_memory);
  g_test_add_func ("/pki/sign/pkcs1-2048", test_sign_pkcs1_2048);
  g_test_add_func ("/pki/sign/pss-2048", test_sign_pss_2048);
  g_test_add_func ("/pki/sign/pkcs1-3072", test_sign_pkcs1_3072);
  g_test_add_func ("/pki/sign/pss-3072", test_sign_pss_3072);
  g_test_add_func ("/pki/sign/hash", test_sign_hash);
  g_test_add_func ("/pki/envelope", test_envelope);
  g_test_add_func ("/pki/verify/chain", test_verify_chain);
  g_test_add_func ("/pki/verify/anchor-forms", test_verify_anchor_forms);
  g_test_add_func ("/pki/verify/untrusted", test_verify_untrusted);
  g_test_add_func ("/pki/verify/time", test_verify_time);
  g_test_add_func ("/pki/verify/revoked", test_verify_revoked);
  g_test_add_func ("/pki/verify/usage", test_verify_usage);
  g_test_add_func ("/pki/verify/identity", test_verify_identity);
  g_test_add_func ("/pki/verify/policy", test_verify_policy);
  g_test_add_func ("/pki/verify/url", test_verify_url);
  g_test_add_func ("/pki/cache/hit", test_cache_hit);
  g_test_add_func ("/pki/cache/time", test_cache_time);
  g_test_add_func ("/pki/cache/revocation", test_cache_revocation);
  g_test_add_func ("/pki/cache/config", test_cache_config);
  g_test_add_func ("/pki/cache/chain", test_cache_chain);
  g_test_add_func ("/pki/cache/bounded", test_cache_bounded);
  g_test_add_func ("/pki/cache/threads", test_cache_threads);
  g_test_add_func ("/pki/end-to-end", test_end_to_end);
  g_test_add_func ("/pki/peer/pinned", test_peer_pinned);
  g_test_add_func ("/pki/chash", test_chash);
  g_test_add_func ("/pki/pkcs11", test_pkcs11);

  ret = g_test_run ();
  free_pki ();
  if (!g_test_subprocess ())
    test_pki_cleanup ();
  else
    test_pki_free_keys ();
  return ret;
}
