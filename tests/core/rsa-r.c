/* MIKEY-RSA-R (RFC 4738) end to end: unicast with the RAND in either
 * message and both signature types, group mode with 50 members, re-keying,
 * two key servers with one group state; every refusal with its own error
 * and no keys; the Initiator's silent discards (§3.7) on correctly signed
 * but deviant answers; retargeting under the three Responder policies.
 * The PKI is made at test time (tests/common/test-pki.c) around 2035. */
#include <string.h>
#include <mky/mky.h>
#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>
#include "test-pki.h"
#include "test-util.h"

#define SEC G_USEC_PER_SEC
#define DAY (G_GINT64_CONSTANT (86400))
#define YEAR (365 * DAY)
#define NOW_S (G_GINT64_CONSTANT (2051222400))  /* 2035-01-01 */
#define NOW (NOW_S * SEC)
#define N_MEMBERS 50
#define N_MEMBER_KEYS 3         /* distinct RSA-2048 keys among the members */
#define REVOKED_SERIAL 666

static struct {
  TestPkiCert *ca, *rogue;
  TestPkiCert *alice, *bob, *carol, *keys;
  TestPkiCert *members[N_MEMBERS];
  TestPkiCert *expired, *revoked, *untrusted, *mallory, *sign_only;
  GBytes *crl;
} pki;

/* A certificate named by its URI */
static TestPkiCert *
leaf (TestPkiCert *issuer, const char *uri, guint slot, guint64 serial,
    gint64 from, gint64 to, TestPkiUsage usage)
{
  return test_pki_leaf (issuer, uri, uri, slot, serial, from, to, usage);
}

static void
make_pki (void)
{
  const gint64 from = NOW_S - DAY, to = NOW_S + YEAR;
  guint64 revoked = REVOKED_SERIAL;
  gint64 t0 = g_get_monotonic_time ();

  pki.ca = test_pki_ca ("RSA-R Test CA", 0, NOW_S - 10 * YEAR,
      NOW_S + 10 * YEAR);
  pki.rogue = test_pki_ca ("Rogue CA", 6, NOW_S - 10 * YEAR,
      NOW_S + 10 * YEAR);
  pki.bob = leaf (pki.ca, "sip:bob@example.com", 1, 10, from, to,
      TEST_PKI_KU_BOTH);
  pki.keys = leaf (pki.ca, "sip:keys@example.com", 1, 11, from, to,
      TEST_PKI_KU_BOTH);
  pki.carol = leaf (pki.ca, "sip:carol@example.com", 2, 12, from, to,
      TEST_PKI_KU_BOTH);
  pki.alice = leaf (pki.ca, "sip:alice@example.com", 3, 13, from, to,
      TEST_PKI_KU_BOTH);
  for (guint i = 0; i < N_MEMBERS; i++) {
    g_autofree char *uri = g_strdup_printf ("sip:member%02u@example.com", i);
    pki.members[i] = leaf (pki.ca, uri, 3 + i % N_MEMBER_KEYS, 100 + i, from,
        to, TEST_PKI_KU_BOTH);
  }
  pki.expired = leaf (pki.ca, "sip:old@example.com", 4, 20,
      NOW_S - 2 * YEAR, NOW_S - YEAR, TEST_PKI_KU_BOTH);
  pki.revoked = leaf (pki.ca, "sip:revoked@example.com", 4, REVOKED_SERIAL,
      from, to, TEST_PKI_KU_BOTH);
  pki.untrusted = leaf (pki.rogue, "sip:member00@example.com", 4, 100, from,
      to, TEST_PKI_KU_BOTH);
  pki.mallory = leaf (pki.ca, "sip:mallory@example.com", 4, 21, from, to,
      TEST_PKI_KU_BOTH);
  pki.sign_only = leaf (pki.ca, "sip:signer@example.com", 4, 22, from, to,
      TEST_PKI_KU_SIGN);
  pki.crl = test_pki_crl (pki.ca, &revoked, 1, NOW_S - DAY, NOW_S + 30 * DAY,
      TRUE);
  g_test_message ("PKI (%u RSA-2048 keys, %u certificates) in %.2f s",
      4 + N_MEMBER_KEYS, 10 + N_MEMBERS,
      (g_get_monotonic_time () - t0) / 1e6);
}

static void
free_pki (void)
{
  TestPkiCert **certs[] = {
    &pki.ca, &pki.rogue, &pki.alice, &pki.bob, &pki.carol, &pki.keys,
    &pki.expired, &pki.revoked, &pki.untrusted, &pki.mallory, &pki.sign_only,
  };
  for (guint i = 0; i < G_N_ELEMENTS (certs); i++)
    g_clear_pointer (certs[i], test_pki_cert_free);
  for (guint i = 0; i < N_MEMBERS; i++)
    g_clear_pointer (&pki.members[i], test_pki_cert_free);
  g_clear_pointer (&pki.crl, g_bytes_unref);
}

/* ------------------------------------------------------------------ */

/* The CA (and its CRL); @deny: an identity pattern refused */
static MkyTrust *
trust_ca (const char *allow, const char *deny)
{
  MkyTrust *trust = test_pki_trust (pki.ca, pki.crl);

  if (allow)
    mky_trust_allow (trust, allow);
  if (deny)
    mky_trust_deny (trust, deny);
  return trust;
}

static void
config_for (MkyConfig *cfg, TestPkiCert *c, MkyTrust *trust)
{
  mky_config_init (cfg);
  cfg->credentials = test_pki_credentials (c);
  cfg->trust = trust ? mky_trust_ref (trust) : NULL;
}

static MkySrtpPolicy
policy (const char *cipher, const char *auth)
{
  MkySrtpPolicy p;
  GError *err = NULL;

  g_assert_true (mky_srtp_policy_from_nicks (cipher, auth, cipher, auth, &p,
          &err));
  g_assert_no_error (err);
  return p;
}

static MkyMessage *
parse (GBytes *b)
{
  GError *err = NULL;
  MkyMessage *msg = mky_message_parse_bytes (b, &err);

  g_assert_no_error (err);
  return msg;
}

/* The Error message @reply carries @err_no and no keys; whether it is
 * signed */
static gboolean
error_reply_signed (GBytes *reply, MkyErrNo err_no)
{
  g_autoptr (MkyMessage) msg = test_error_reply (reply, err_no);
  const MkyPayload *last = msg->payloads->pdata[msg->payloads->len - 1];

  /* an Error message carries no keys */
  g_assert_null (mky_message_find (msg, MKY_PT_KEMAC, 0));
  g_assert_null (mky_message_find (msg, MKY_PT_PKE, 0));
  return last->type == MKY_PT_SIGN;
}

/* The same bundle: CSB ID, and the SRTP keying of every crypto session */
static void
assert_same_keying (const MkyCsb *a, const MkyCsb *b)
{
  g_assert_cmpuint (a->csb_id, ==, b->csb_id);
  test_assert_same_keying (a, b);
}

/* Build, answer and accept: the Initiator's bundle; the Responder's in
 * @resp_csb (optional), the R_MESSAGE in @r_msg (optional) */
static MkyCsb *
exchange (MkyRsaRInitiator *ini, MkyRsaRResponder *resp,
    const MkyCsb *request, gboolean send_rand, gint64 now,
    MkyCsb **resp_csb, GBytes **i_msg, GBytes **r_msg)
{
  g_autoptr (GBytes) init = NULL;
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (MkyCsb) theirs = NULL;
  g_autoptr (MkyPeer) initiator = NULL;
  g_autoptr (MkyPeer) responder = NULL;
  GError *err = NULL;
  MkyCsb *ours;

  init = mky_rsa_r_initiator_build (ini, request, send_rand, now, &err);
  g_assert_no_error (err);
  theirs = mky_rsa_r_responder_handle (resp, init, now, &reply, &initiator,
      &err);
  g_assert_no_error (err);
  g_assert_nonnull (theirs);
  g_assert_nonnull (reply);
  g_assert_nonnull (initiator);
  ours = mky_rsa_r_initiator_handle_response (ini, reply, now, &responder,
      &err);
  g_assert_no_error (err);
  g_assert_nonnull (ours);
  g_assert_nonnull (responder);
  if (resp_csb)
    *resp_csb = g_steal_pointer (&theirs);
  if (i_msg)
    *i_msg = g_steal_pointer (&init);
  if (r_msg)
    *r_msg = g_steal_pointer (&reply);
  return ours;
}

/* ------------------------------------------------------------------ */
/* Unicast */

/* Alice, a unicast Initiator, and a Responder, both with the CA's trust:
 * parties_config, then changes to the configurations, parties_start */
typedef struct {
  MkyTrust *trust;
  MkyConfig ci, cr;
  MkyRsaRInitiator *ini;
  MkyRsaRResponder *resp;
  MkyCsb *request;              /* no crypto session yet */
} Parties;

static void
parties_config (Parties *p, TestPkiCert *responder)
{
  p->trust = trust_ca (NULL, NULL);
  config_for (&p->ci, pki.alice, p->trust);
  config_for (&p->cr, responder, p->trust);
  p->ini = NULL;
  p->resp = NULL;
  p->request = mky_csb_new (0);
}

static void
parties_start (Parties *p)
{
  p->ini = mky_rsa_r_initiator_new (&p->ci, MKY_RSA_R_UNICAST);
  p->resp = mky_rsa_r_responder_new (&p->cr, NOW, FALSE);
}

static void
parties_clear (Parties *p)
{
  g_clear_pointer (&p->ini, mky_rsa_r_initiator_free);
  g_clear_pointer (&p->resp, mky_rsa_r_responder_free);
  g_clear_pointer (&p->request, mky_csb_unref);
  g_clear_pointer (&p->trust, mky_trust_unref);
  mky_config_clear (&p->ci);
  mky_config_clear (&p->cr);
}

typedef struct {
  MkySignType sign;
  gboolean rand_in_i;
} Unicast;

static void
test_unicast (gconstpointer data)
{
  const Unicast *u = data;
  Parties p;
  g_autoptr (MkyCsb) ours = NULL;
  g_autoptr (MkyCsb) theirs = NULL;
  g_autoptr (GBytes) i_msg = NULL;
  g_autoptr (GBytes) r_msg = NULL;
  g_autoptr (MkyMessage) im = NULL;
  g_autoptr (MkyMessage) rm = NULL;
  MkySrtpPolicy p256 = policy ("aes-256-icm", "hmac-sha1-80");
  MkySrtpPolicy p128 = policy ("aes-128-icm", "hmac-sha1-32");
  const MkyPayload *rand, *sp, *sign;
  const MkyKeyData *tgk;
  MkySrtpKeying k;

  parties_config (&p, pki.bob);
  p.ci.sign_type = u->sign;
  p.ci.id_r = g_strdup ("sip:bob@example.com");
  p.cr.sign_type = u->sign;
  parties_start (&p);
  /* Bob takes AES-128 only; Alice offers AES-256 first, then AES-128 */
  mky_rsa_r_responder_add_policy (p.resp, &p128);
  mky_rsa_r_responder_add_stream (p.resp, 0x33333333, 0);
  mky_csb_add_cs (p.request, 7, 0x11111111, 5);
  mky_csb_add_cs (p.request, 7, 0, 0);    /* SSRC for Bob to draw */
  mky_csb_set_policy (p.request, 3, &p256, FALSE);
  mky_csb_set_policy (p.request, 7, &p128, FALSE);

  ours = exchange (p.ini, p.resp, p.request, u->rand_in_i, NOW, &theirs, &i_msg,
      &r_msg);
  assert_same_keying (ours, theirs);
  g_assert_cmpuint (ours->csb_id, ==, p.request->csb_id);

  im = parse (i_msg);
  rm = parse (r_msg);
  g_assert_cmpuint (mky_message_hdr (im)->data_type, ==, MKY_TYPE_RSA_R_INIT);
  g_assert_cmpuint (mky_message_hdr (im)->v, ==, 1);
  g_assert_cmpuint (mky_message_hdr (rm)->data_type, ==, MKY_TYPE_RSA_R_RESP);
  g_assert_cmpuint (mky_message_hdr (rm)->csb_id, ==, p.request->csb_id);
  /* exactly one of the two messages has the RAND, the one both use */
  g_assert_true ((mky_message_find (im, MKY_PT_RAND, 0) != NULL) == u->rand_in_i);
  g_assert_true ((mky_message_find (rm, MKY_PT_RAND, 0) != NULL) != u->rand_in_i);
  rand = mky_message_find (u->rand_in_i ? im : rm, MKY_PT_RAND, 0);
  g_assert_cmpmem (ours->rand.data, ours->rand.len, rand->u.rand.rand.data,
      rand->u.rand.rand.len);
  g_assert_cmpuint (ours->rand.len, ==, 16);
  /* no General Extension CSB_ID in unicast */
  g_assert_null (mky_message_find (rm, MKY_PT_GEN_EXT, 0));
  /* T echoed; one SP, the acceptable one offered, number and all */
  g_assert_cmpuint (mky_message_find (rm, MKY_PT_T, 0)->u.t.ts, ==,
      mky_message_find (im, MKY_PT_T, 0)->u.t.ts);
  g_assert_cmpuint (mky_message_count (rm, MKY_PT_SP), ==, 1);
  sp = mky_message_find (rm, MKY_PT_SP, 0);
  g_assert_cmpuint (sp->u.sp.policy_no, ==, 7);
  /* both signatures of the type asked for */
  sign = mky_message_find (im, MKY_PT_SIGN, 0);
  g_assert_cmpuint (sign->u.sign.s_type, ==, u->sign);
  g_assert_cmpuint (sign->u.sign.signature.len, ==, 256);
  sign = mky_message_find (rm, MKY_PT_SIGN, 0);
  g_assert_cmpuint (sign->u.sign.s_type, ==, u->sign);

  /* the map: Alice's streams in her order (SSRC 0 drawn), then Bob's */
  g_assert_cmpuint (ours->cs->len, ==, 3);
  g_assert_cmpuint (((MkyCsSrtp *) ours->cs->pdata[0])->ssrc, ==, 0x11111111);
  g_assert_cmpuint (((MkyCsSrtp *) ours->cs->pdata[0])->roc, ==, 5);
  g_assert_cmpuint (((MkyCsSrtp *) ours->cs->pdata[1])->ssrc, !=, 0);
  g_assert_cmpuint (((MkyCsSrtp *) ours->cs->pdata[2])->ssrc, ==, 0x33333333);

  /* the keys are RFC 3830 §4.1.3's from Bob's TGK, CSB ID and the RAND */
  g_assert_cmpuint (theirs->keys->len, ==, 1);
  tgk = &((MkyPayload *) theirs->keys->pdata[0])->u.key_data;
  g_assert_cmpuint (tgk->type, ==, MKY_KD_TGK);
  test_assert_tgk_keying (ours, 2, MKY_PRF_MIKEY_1, tgk->key.data,
      tgk->key.len, p.request->csb_id, &ours->rand, &k);
  g_assert_cmpuint (k.policy.srtp_auth, ==, MKY_SRTP_AUTH_HMAC_SHA1_32);
  mky_srtp_keying_clear (&k);

  parties_clear (&p);
}

/* The R_MESSAGE checked from outside the library: SIGNr over R_MESSAGE
 * (up to the signature field) || IDi || IDr || T (ID data, 8-byte TS), PKE
 * decrypted with Alice's key, KEMAC MAC over the KEMAC payload alone with
 * its Next payload set to 0 (RFC 3830 §5.2) */
static void
test_unicast_wire (void)
{
  Parties p;
  g_autoptr (MkyCsb) ours = NULL;
  g_autoptr (GBytes) r_msg = NULL;
  g_autoptr (MkyMessage) rm = NULL;
  g_autoptr (MkyPeer) bob = test_pki_peer (pki.bob);
  g_autoptr (GByteArray) covered = g_byte_array_new ();
  const MkyPayload *sign, *kemac, *pke, *t;
  const char *idi = "sip:alice@example.com", *idr = "sip:bob@example.com";
  MkyBytes env = { 0 };
  MkyMsgKeys keys;
  guint8 ts[8], mac[20], *kbytes;
  gsize len;
  const guint8 *raw;
  GError *err = NULL;

  parties_config (&p, pki.bob);
  parties_start (&p);
  mky_csb_add_cs (p.request, 0, 0x11111111, 0);
  ours = exchange (p.ini, p.resp, p.request, TRUE, NOW, NULL, NULL, &r_msg);
  rm = parse (r_msg);
  raw = g_bytes_get_data (r_msg, &len);

  sign = mky_message_find (rm, MKY_PT_SIGN, 0);
  t = mky_message_find (rm, MKY_PT_T, 0);
  g_byte_array_append (covered, raw, len - sign->u.sign.signature.len);
  g_byte_array_append (covered, (const guint8 *) idi, strlen (idi));
  g_byte_array_append (covered, (const guint8 *) idr, strlen (idr));
  for (int i = 0; i < 8; i++)
    ts[i] = t->u.t.ts >> (56 - 8 * i);
  g_byte_array_append (covered, ts, 8);
  g_assert_true (mky_peer_verify_signature (bob, MKY_SIGN_RSA_PKCS1,
          covered->data, covered->len, sign->u.sign.signature.data,
          sign->u.sign.signature.len, &err));
  g_assert_no_error (err);
  /* and not without the trailer */
  g_assert_false (mky_peer_verify_signature (bob, MKY_SIGN_RSA_PKCS1, raw,
          len - sign->u.sign.signature.len, sign->u.sign.signature.data,
          sign->u.sign.signature.len, NULL));

  pke = mky_message_find (rm, MKY_PT_PKE, 0);
  g_assert_cmpuint (pke->u.pke.c, ==, MKY_PKE_NO_CACHE);
  g_assert_true (mky_credentials_decrypt (p.ci.credentials,
          MKY_PKE_ENCR_RSA_PKCS1, pke->u.pke.data.data, pke->u.pke.data.len,
          &env, &err));
  g_assert_no_error (err);
  kemac = mky_message_find (rm, MKY_PT_KEMAC, 0);
  g_assert_cmpuint (raw[kemac->offset], ==, MKY_PT_PKE);
  g_assert_true (mky_msg_keys_derive (&keys, MKY_PRF_MIKEY_1,
          kemac->u.kemac.encr_alg, kemac->u.kemac.mac_alg, env.data, env.len,
          p.request->csb_id, ours->rand.data, ours->rand.len, &err));
  mky_bytes_clear (&env, TRUE);
  kbytes = g_memdup2 (raw + kemac->offset, kemac->length);
  kbytes[0] = 0;
  mky_mac_compute (&keys, kbytes, kemac->length - 20, NULL, 0, mac);
  g_assert_cmpmem (mac, 20, kemac->u.kemac.mac.data, kemac->u.kemac.mac.len);
  /* with the Next payload as sent it would differ */
  kbytes[0] = MKY_PT_PKE;
  mky_mac_compute (&keys, kbytes, kemac->length - 20, NULL, 0, mac);
  g_assert_true (memcmp (mac, kemac->u.kemac.mac.data, 20) != 0);
  g_free (kbytes);
  mky_msg_keys_clear (&keys);

  parties_clear (&p);
}

/* A Responder answering with keys it was given (mikeyenc: srtpenc's one
 * key) instead of a TGK it draws: the Initiator gets exactly those, for
 * the Responder's stream; a request with streams of its own is refused,
 * and a bundle without keys is not taken */
static void
test_unicast_given_keys (void)
{
  static const guint8 key[16] = "0123456789abcdef", salt[14] = "saltsaltsalt14";
  static const guint8 mki[1] = { 7 };
  MkySrtpPolicy p128 = policy ("aes-128-icm", "hmac-sha1-80");
  g_autoptr (MkyCsb) given = mky_csb_new (0);
  g_autoptr (MkyCsb) empty = mky_csb_new (0);
  g_autoptr (MkyCsb) ours = NULL;
  g_autoptr (MkyCsb) theirs = NULL;
  g_autoptr (GError) err = NULL;
  g_autoptr (GBytes) init = NULL;
  g_autoptr (GBytes) reply = NULL;
  MkySrtpKeying k;
  Parties p;

  mky_csb_add_cs (given, 0, 0x55555555, 3);
  mky_csb_set_policy (given, 0, &p128, FALSE);
  mky_csb_add_key (given, MKY_KD_TEK_SALT, key, sizeof key, salt, sizeof salt,
      mki, sizeof mki);
  mky_csb_add_cs (empty, 0, 0x55555555, 3);
  parties_config (&p, pki.bob);
  parties_start (&p);
  g_assert_false (mky_rsa_r_responder_set_unicast_keys (p.resp, empty, &err));
  g_assert_error (err, MKY_ERROR, MKY_ERROR_INVALID_ARGUMENT);
  g_clear_error (&err);
  mky_rsa_r_responder_add_policy (p.resp, &p128);
  g_assert_true (mky_rsa_r_responder_set_unicast_keys (p.resp, given, &err));
  g_assert_no_error (err);

  ours = exchange (p.ini, p.resp, p.request, FALSE, NOW, &theirs, NULL, NULL);
  g_assert_cmpuint (ours->cs->len, ==, 1);
  g_assert_cmpuint (((MkyCsSrtp *) ours->cs->pdata[0])->ssrc, ==, 0x55555555);
  g_assert_true (mky_csb_get_srtp (ours, 0, MKY_SP_COMPAT_STRICT, &k, &err));
  g_assert_no_error (err);
  g_assert_cmpuint (k.n_keys, ==, 1);
  g_assert_cmpmem (k.keys[0].key, k.keys[0].key_len, key, sizeof key);
  g_assert_cmpmem (k.keys[0].salt, k.keys[0].salt_len, salt, sizeof salt);
  g_assert_cmpmem (k.keys[0].mki, k.keys[0].mki_len, mki, sizeof mki);
  mky_srtp_keying_clear (&k);

  /* Alice asking for keys for a stream of hers: not this Responder's */
  mky_csb_add_cs (p.request, 0, 0x11111111, 0);
  init = mky_rsa_r_initiator_build (p.ini, p.request, FALSE, NOW + 1000000,
      &err);
  g_assert_no_error (err);
  g_assert_null (mky_rsa_r_responder_handle (p.resp, init, NOW + 1000000,
          &reply, NULL, &err));
  g_assert_error (err, MKY_ERROR, MKY_ERROR_INVALID_ARGUMENT);
  parties_clear (&p);
}

/* AES-KW-128 with the NULL MAC RFC 3830 §4.2.3 recommends for public-key
 * modes, and the HMAC-SHA-256 PRF */
static void
test_unicast_key_wrap (void)
{
  Parties p;
  g_autoptr (MkyCsb) ours = NULL;
  g_autoptr (MkyCsb) theirs = NULL;
  g_autoptr (GBytes) r_msg = NULL;
  g_autoptr (MkyMessage) rm = NULL;

  parties_config (&p, pki.bob);
  p.ci.prf = MKY_PRF_HMAC_SHA_256;
  p.cr.encr_alg = MKY_ENCR_AES_KW_128;
  p.cr.mac_alg = MKY_MAC_NULL;
  parties_start (&p);
  mky_csb_add_cs (p.request, 0, 0x11111111, 0);
  ours = exchange (p.ini, p.resp, p.request, FALSE, NOW, &theirs, NULL, &r_msg);
  assert_same_keying (ours, theirs);
  g_assert_cmpuint (ours->prf, ==, MKY_PRF_HMAC_SHA_256);
  rm = parse (r_msg);
  g_assert_cmpuint (mky_message_find (rm, MKY_PT_KEMAC, 0)->u.kemac.encr_alg,
      ==, MKY_ENCR_AES_KW_128);
  parties_clear (&p);
}

/* RFC 4738 §3.8: certificates given as URLs, which each side fetches
 * through its trust's hook (the core itself does no I/O) */
static GBytes *
fetch_test_cert (const char *url, gpointer user_data, GError **error)
{
  TestPkiCert *cert = g_str_has_suffix (url, "/alice.cer") ? pki.alice
      : g_str_has_suffix (url, "/bob.cer") ? pki.bob : NULL;
  guint *calls = user_data;
  (*calls)++;
  if (cert == NULL) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_CERT_FETCH, "no %s", url);
    return NULL;
  }
  return test_pki_cert_der (cert);
}

static void
test_unicast_cert_url (void)
{
  Parties p;
  g_autoptr (MkyCsb) ours = NULL;
  g_autoptr (MkyCsb) theirs = NULL;
  g_autoptr (GBytes) i_msg = NULL;
  g_autoptr (GBytes) r_msg = NULL;
  g_autoptr (MkyMessage) im = NULL;
  g_autoptr (MkyMessage) rm = NULL;
  guint calls = 0;

  parties_config (&p, pki.bob);
  p.ci.cert_url = g_strdup ("http://certs.example.com/alice.cer");
  p.cr.cert_url = g_strdup ("http://certs.example.com/bob.cer");
  mky_trust_set_fetch_func (p.trust, fetch_test_cert, &calls, NULL);
  parties_start (&p);
  mky_csb_add_cs (p.request, 0, 0x11111111, 0);
  ours = exchange (p.ini, p.resp, p.request, TRUE, NOW, &theirs, &i_msg,
      &r_msg);
  assert_same_keying (ours, theirs);
  /* both messages carried the URL, not the certificate */
  im = parse (i_msg);
  rm = parse (r_msg);
  g_assert_cmpuint (mky_message_find (im, MKY_PT_CERT, 0)->u.id.type, ==,
      MKY_CERT_X509V3_URL);
  g_assert_null (mky_message_find (im, MKY_PT_CERT, 1));
  g_assert_cmpuint (mky_message_find (rm, MKY_PT_CERT, 0)->u.id.type, ==,
      MKY_CERT_X509V3_URL);
  g_assert_cmpuint (calls, >=, 2);
  parties_clear (&p);

  /* a Responder that cannot fetch refuses the member */
  parties_config (&p, pki.bob);
  p.ci.cert_url = g_strdup ("http://certs.example.com/alice.cer");
  parties_start (&p);
  {
    g_autoptr (GBytes) init = mky_rsa_r_initiator_build (p.ini, p.request,
        TRUE, NOW, NULL);
    g_autoptr (GBytes) reply = NULL;
    g_autoptr (GError) error = NULL;
    g_autoptr (MkyPeer) peer = NULL;
    g_assert_null (mky_rsa_r_responder_handle (p.resp, init, NOW, &reply,
            &peer, &error));
    g_assert_error (error, MKY_ERROR, MKY_ERROR_CERT_FETCH);
  }
  parties_clear (&p);
}

/* No acceptable policy offered: a signed "Invalid SPpar" with ours; the
 * Initiator takes it as a hint unless it can verify it */
static void
test_unicast_sp_refused (void)
{
  Parties p;
  g_autoptr (MkyCsb) theirs = NULL;
  g_autoptr (GBytes) init = NULL;
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (MkyMessage) em = NULL;
  g_autoptr (MkyPeer) bob = test_pki_peer (pki.bob);
  MkySrtpPolicy p256 = policy ("aes-256-icm", "hmac-sha1-80");
  MkySrtpPolicy p128 = policy ("aes-128-icm", "hmac-sha1-80"), got;
  const MkyPayload *sp;
  GError *err = NULL;

  parties_config (&p, pki.bob);
  parties_start (&p);
  mky_rsa_r_responder_add_policy (p.resp, &p128);
  mky_csb_add_cs (p.request, 1, 0x11111111, 0);
  mky_csb_set_policy (p.request, 1, &p256, FALSE);

  init = mky_rsa_r_initiator_build (p.ini, p.request, TRUE, NOW, &err);
  theirs = mky_rsa_r_responder_handle (p.resp, init, NOW, &reply, NULL, &err);
  g_assert_null (theirs);
  g_assert_error (err, MKY_ERROR, MKY_ERROR_UNSUPPORTED_SP);
  g_clear_error (&err);
  g_assert_true (error_reply_signed (reply, MKY_ERR_INVALID_SPPAR));
  /* RFC 3830 §5.1.1: the policy we support */
  em = parse (reply);
  sp = mky_message_find (em, MKY_PT_SP, 0);
  g_assert_nonnull (sp);
  g_assert_true (mky_srtp_policy_from_sp (&sp->u.sp, MKY_SP_COMPAT_STRICT,
          &got, NULL));
  g_assert_cmpint (got.srtp_cipher, ==, MKY_SRTP_CIPHER_AES_128_ICM);

  /* no certificate to check it with: a hint, the request stays pending */
  g_assert_null (mky_rsa_r_initiator_handle_response (p.ini, reply, NOW, NULL,
          &err));
  g_assert_error (err, MKY_ERROR, MKY_ERROR_PEER_ERROR);
  g_assert_nonnull (strstr (err->message, "Invalid SPpar"));
  g_assert_nonnull (strstr (err->message, "not authenticated"));
  g_clear_error (&err);
  /* with Bob's certificate pinned, it is Bob's answer and ends it */
  mky_rsa_r_initiator_set_responder_peer (p.ini, bob);
  g_assert_null (mky_rsa_r_initiator_handle_response (p.ini, reply, NOW, NULL,
          &err));
  g_assert_error (err, MKY_ERROR, MKY_ERROR_PEER_ERROR);
  g_assert_nonnull (strstr (err->message, ", authenticated"));
  g_clear_error (&err);
  g_assert_null (mky_rsa_r_initiator_handle_response (p.ini, reply, NOW, NULL,
          &err));
  g_assert_error (err, MKY_ERROR, MKY_ERROR_CSB_MISMATCH);
  g_clear_error (&err);

  parties_clear (&p);
}

/* ------------------------------------------------------------------ */
/* Group mode */

static const guint8 group_tgk1[16] = "TGK generation1";
static const guint8 group_tgk2[16] = "TGK generation2";
static const guint8 group_rand[16] = "group RAND 16 B";

/* The key server's group state, from fixed values: what two processes
 * would load */
static MkyCsb *
group_state (void)
{
  MkyCsb *g = mky_rsa_r_group_new (0x47525031, MKY_PRF_MIKEY_1);
  MkySrtpPolicy p = policy ("aes-128-icm", "hmac-sha1-80");

  mky_bytes_set (&g->rand, group_rand, sizeof group_rand);
  mky_csb_add_cs (g, 0, 0xaaaa0001, 0);
  mky_csb_add_cs (g, 0, 0xaaaa0002, 0);
  mky_csb_set_policy (g, 0, &p, FALSE);
  mky_rsa_r_group_add_tgk (g, group_tgk1, 16, 1);
  return g;
}

static MkyRsaRResponder *
key_server (MkyTrust *trust, MkyCsb *group, MkyConfig *cfg)
{
  MkyRsaRResponder *r;
  GError *err = NULL;

  config_for (cfg, pki.keys, trust);
  r = mky_rsa_r_responder_new (cfg, NOW, FALSE);
  g_assert_true (mky_rsa_r_responder_set_group (r, group, &err));
  g_assert_no_error (err);
  return r;
}

/* A member joins: its bundle */
static MkyCsb *
join (MkyRsaRResponder *server, TestPkiCert *member, MkyTrust *trust,
    gboolean send_rand, gint64 now, GBytes **r_msg)
{
  MkyConfig cfg;
  g_autoptr (MkyRsaRInitiator) ini = NULL;
  g_autoptr (MkyCsb) request = mky_csb_new (0);    /* listen-only: #CS 0 */
  MkyCsb *got;

  config_for (&cfg, member, trust);
  ini = mky_rsa_r_initiator_new (&cfg, MKY_RSA_R_GROUP);
  got = exchange (ini, server, request, send_rand, now, NULL, NULL, r_msg);
  mky_config_clear (&cfg);
  return got;
}

static void
test_group_join (void)
{
  g_autoptr (MkyTrust) trust = trust_ca (NULL, NULL);
  g_autoptr (MkyCsb) group = group_state ();
  MkyConfig cfg;
  g_autoptr (MkyRsaRResponder) server = key_server (trust, group, &cfg);
  MkyCsb *members[N_MEMBERS];
  MkyRsaRStats stats;
  gint64 t0 = g_get_monotonic_time ();

  for (guint i = 0; i < N_MEMBERS; i++) {
    g_autoptr (GBytes) r_msg = NULL;
    g_autoptr (MkyMessage) rm = NULL;
    const MkyPayload *gen, *rand;

    /* some send a RAND, which the server MUST NOT use (§3.4) */
    members[i] = join (server, pki.members[i], trust, i % 2, NOW + i * SEC,
        &r_msg);
    rm = parse (r_msg);
    gen = mky_message_find (rm, MKY_PT_GEN_EXT, 0);
    g_assert_nonnull (gen);
    g_assert_cmpuint (gen->u.gen_ext.type, ==, MKY_GEN_CSB_ID);
    test_assert_bytes (gen->u.gen_ext.data.data, gen->u.gen_ext.data.len,
        "47525031");
    rand = mky_message_find (rm, MKY_PT_RAND, 0);
    g_assert_nonnull (rand);
    g_assert_cmpmem (rand->u.rand.rand.data, rand->u.rand.rand.len,
        group_rand, 16);
    g_assert_cmpuint (mky_message_count (rm, MKY_PT_SP), ==, 1);
    /* the HDR keeps the member's own CSB ID */
    g_assert_cmpuint (mky_message_hdr (rm)->csb_id, !=, 0x47525031);
    g_assert_cmpuint (mky_message_hdr (rm)->n_cs, ==, 2);
  }
  g_test_message ("%u joins in %.2f s", N_MEMBERS,
      (g_get_monotonic_time () - t0) / 1e6);

  for (guint i = 0; i < N_MEMBERS; i++) {
    g_assert_cmpuint (members[i]->csb_id, ==, 0x47525031);
    g_assert_cmpuint (mky_csb_n_sessions (members[i]), ==, 2);
    assert_same_keying (members[i], group);
    if (i)
      assert_same_keying (members[i], members[0]);
  }
  /* and those keys are the group TGK's, RFC 3830 §4.1.3 */
  {
    MkySrtpKeying k;
    guint8 tek[16];
    g_assert_true (mky_prf_derive (MKY_PRF_MIKEY_1, group_tgk1, 16,
            MKY_CONST_TEK, 2, 0x47525031, group_rand, 16, tek, 16));
    g_assert_true (mky_csb_get_srtp (members[N_MEMBERS - 1], 1,
            MKY_SP_COMPAT_STRICT, &k, NULL));
    g_assert_cmpuint (k.ssrc, ==, 0xaaaa0002);
    g_assert_cmpmem (k.keys[0].key, 16, tek, 16);
    g_assert_cmpuint (k.keys[0].mki_len, ==, 4);
    mky_srtp_keying_clear (&k);
  }
  mky_rsa_r_responder_get_stats (server, &stats);
  g_assert_cmpuint (stats.answered, ==, N_MEMBERS);
  g_assert_cmpuint (stats.signature_checks, ==, N_MEMBERS);
  for (guint i = 0; i < N_MEMBERS; i++)
    mky_csb_unref (members[i]);
  mky_config_clear (&cfg);
}

/* Two servers loaded with the same group state answer with the same
 * group keys, policy, CSB ID and RAND; only the envelope differs */
static void
test_group_two_servers (void)
{
  g_autoptr (MkyTrust) trust = trust_ca (NULL, NULL);
  g_autoptr (MkyCsb) state_a = group_state ();
  g_autoptr (MkyCsb) state_b = group_state ();
  MkyConfig ca, cb;
  g_autoptr (MkyRsaRResponder) a = key_server (trust, state_a, &ca);
  g_autoptr (MkyRsaRResponder) b = key_server (trust, state_b, &cb);
  g_autoptr (GBytes) ra = NULL;
  g_autoptr (GBytes) rb = NULL;
  g_autoptr (MkyCsb) ma = join (a, pki.members[0], trust, FALSE, NOW, &ra);
  g_autoptr (MkyCsb) mb = join (b, pki.members[1], trust, FALSE, NOW, &rb);
  g_autoptr (MkyMessage) pa = parse (ra);
  g_autoptr (MkyMessage) pb = parse (rb);

  assert_same_keying (ma, mb);
  g_assert_false (mky_bytes_equal (
          &mky_message_find (pa, MKY_PT_PKE, 0)->u.pke.data,
          &mky_message_find (pb, MKY_PT_PKE, 0)->u.pke.data));
  mky_config_clear (&ca);
  mky_config_clear (&cb);
}

static const MkySrtpMasterKey *
key_of (const MkySrtpKeying *k, guint32 mki)
{
  guint8 be[4] = { mki >> 24, mki >> 16, mki >> 8, mki };
  for (guint i = 0; i < k->n_keys; i++)
    if (k->keys[i].mki_len == 4 && memcmp (k->keys[i].mki, be, 4) == 0)
      return &k->keys[i];
  return NULL;
}

/* Re-keying: generation 2 added ahead of the switch reaches every member
 * that (re)joins, with generation 1; after the switch generation 1 goes.
 * Every member holds generation 2 before it is used: no gap. */
static void
test_group_rekey (void)
{
  g_autoptr (MkyTrust) trust = trust_ca (NULL, NULL);
  g_autoptr (MkyCsb) group = group_state ();
  MkyConfig cfg;
  g_autoptr (MkyRsaRResponder) server = key_server (trust, group, &cfg);
  g_autoptr (MkyCsb) m1 = NULL;
  g_autoptr (MkyCsb) m2 = NULL;
  g_autoptr (MkyCsb) m1b = NULL;
  g_autoptr (MkyCsb) m3 = NULL;
  MkySrtpKeying k1, k2, k1b, k3;

  m1 = join (server, pki.members[0], trust, FALSE, NOW, NULL);
  g_assert_cmpuint (m1->keys->len, ==, 1);

  mky_rsa_r_group_add_tgk (group, group_tgk2, 16, 2);
  m2 = join (server, pki.members[1], trust, FALSE, NOW + SEC, NULL);
  m1b = join (server, pki.members[0], trust, FALSE, NOW + 2 * SEC, NULL);
  g_assert_cmpuint (m2->keys->len, ==, 2);
  g_assert_cmpuint (m1b->keys->len, ==, 2);
  assert_same_keying (m2, group);
  assert_same_keying (m1b, m2);

  g_assert_true (mky_rsa_r_group_retire (group, 1));
  g_assert_false (mky_rsa_r_group_retire (group, 1));
  m3 = join (server, pki.members[2], trust, FALSE, NOW + 3 * SEC, NULL);
  g_assert_cmpuint (m3->keys->len, ==, 1);
  assert_same_keying (m3, group);

  g_assert_true (mky_csb_get_srtp (m1, 0, MKY_SP_COMPAT_STRICT, &k1, NULL));
  g_assert_true (mky_csb_get_srtp (m2, 0, MKY_SP_COMPAT_STRICT, &k2, NULL));
  g_assert_true (mky_csb_get_srtp (m1b, 0, MKY_SP_COMPAT_STRICT, &k1b, NULL));
  g_assert_true (mky_csb_get_srtp (m3, 0, MKY_SP_COMPAT_STRICT, &k3, NULL));
  g_assert_cmpuint (k1.n_keys, ==, 1);
  g_assert_nonnull (key_of (&k1, 1));
  g_assert_null (key_of (&k1, 2));
  g_assert_cmpuint (k2.n_keys, ==, 2);
  g_assert_nonnull (key_of (&k2, 1));
  g_assert_nonnull (key_of (&k2, 2));
  g_assert_null (key_of (&k3, 1));
  /* generation 1 the same before and after the announcement */
  g_assert_cmpmem (key_of (&k1, 1)->key, 16, key_of (&k2, 1)->key, 16);
  g_assert_cmpmem (key_of (&k1, 1)->key, 16, key_of (&k1b, 1)->key, 16);
  /* generation 2 the same for those who got it early and late */
  g_assert_cmpmem (key_of (&k2, 2)->key, 16, key_of (&k3, 2)->key, 16);
  g_assert_cmpmem (key_of (&k2, 2)->salt, 14, key_of (&k3, 2)->salt, 14);
  g_assert_cmpmem (key_of (&k1b, 2)->key, 16, key_of (&k3, 2)->key, 16);
  g_assert_true (memcmp (key_of (&k2, 1)->key, key_of (&k2, 2)->key, 16) != 0);
  mky_srtp_keying_clear (&k1);
  mky_srtp_keying_clear (&k2);
  mky_srtp_keying_clear (&k1b);
  mky_srtp_keying_clear (&k3);
  mky_config_clear (&cfg);
}

/* ------------------------------------------------------------------ */
/* Refusals at the key server: the specific error, no keys */

typedef struct {
  const char *name;
  TestPkiCert **cert;
  gint code;                    /* MkyErrorCode */
  guint err_no;                 /* in the Error message */
  gboolean signed_reply;
  const char *id_i;             /* IDi claimed, if not the certificate's */
} Refusal;

/* A key server holding the group state, with the CA's trust (@deny: an
 * identity pattern refused), and a member: member_config, then changes to
 * its configuration mc, member_start */
typedef struct {
  MkyTrust *trust;
  MkyCsb *group;
  MkyConfig cfg, mc;            /* the server's, the member's */
  MkyRsaRResponder *server;
  MkyRsaRInitiator *ini;        /* the member's, in group mode */
  MkyCsb *request;              /* listen-only: #CS 0 */
} Member;

static void
member_config (Member *m, const char *deny, TestPkiCert *member)
{
  m->trust = trust_ca (NULL, deny);
  m->group = group_state ();
  m->server = key_server (m->trust, m->group, &m->cfg);
  config_for (&m->mc, member, m->trust);
  m->ini = NULL;
  m->request = mky_csb_new (0);
}

static void
member_start (Member *m)
{
  m->ini = mky_rsa_r_initiator_new (&m->mc, MKY_RSA_R_GROUP);
}

static void
member_clear (Member *m)
{
  g_clear_pointer (&m->ini, mky_rsa_r_initiator_free);
  g_clear_pointer (&m->request, mky_csb_unref);
  g_clear_pointer (&m->server, mky_rsa_r_responder_free);
  g_clear_pointer (&m->group, mky_csb_unref);
  g_clear_pointer (&m->trust, mky_trust_unref);
  mky_config_clear (&m->cfg);
  mky_config_clear (&m->mc);
}

static void
test_group_refused (gconstpointer data)
{
  const Refusal *ref = data;
  Member m;
  g_autoptr (GBytes) init = NULL;
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (MkyPeer) who = NULL;
  MkyCsb *got;
  MkyRsaRStats stats;
  GError *err = NULL;

  /* the key server's policy: the CA, its CRL, and mallory denied */
  member_config (&m, "sip:mallory@*", *ref->cert);
  m.mc.id_i = g_strdup (ref->id_i);
  member_start (&m);
  init = mky_rsa_r_initiator_build (m.ini, m.request, FALSE, NOW, &err);
  g_assert_no_error (err);
  got = mky_rsa_r_responder_handle (m.server, init, NOW, &reply, &who, &err);
  g_assert_null (got);
  g_assert_null (who);
  g_assert_error (err, MKY_ERROR, ref->code);
  g_clear_error (&err);
  g_assert_nonnull (reply);
  g_assert_true (error_reply_signed (reply, ref->err_no)
      == ref->signed_reply);
  mky_rsa_r_responder_get_stats (m.server, &stats);
  g_assert_cmpuint (stats.answered, ==, 0);
  /* the Initiator gets no keys from it either */
  g_assert_null (mky_rsa_r_initiator_handle_response (m.ini, reply, NOW, NULL,
          &err));
  g_assert_error (err, MKY_ERROR, MKY_ERROR_PEER_ERROR);
  g_clear_error (&err);
  member_clear (&m);
}

/* A flipped signature byte: "Auth failure", not authenticated; the same
 * forgery again costs no signature check */
static void
test_group_forged (void)
{
  Member m;
  g_autoptr (GBytes) init = NULL;
  g_autoptr (GBytes) forged = NULL;
  g_autoptr (GBytes) forged_body = NULL;
  MkyRsaRStats stats;
  GError *err = NULL;

  member_config (&m, NULL, pki.members[0]);
  member_start (&m);
  init = mky_rsa_r_initiator_build (m.ini, m.request, FALSE, NOW, &err);
  forged = test_bytes_flip (init, 10, 0x01);    /* in the signature */

  for (guint i = 0; i < 100; i++) {
    g_autoptr (GBytes) reply = NULL;
    g_assert_null (mky_rsa_r_responder_handle (m.server, forged, NOW, &reply,
            NULL, &err));
    g_assert_error (err, MKY_ERROR, MKY_ERROR_BAD_SIGNATURE);
    g_clear_error (&err);
    if (i == 0) {
      g_assert_false (error_reply_signed (reply, MKY_ERR_AUTH_FAILURE));
    } else {
      g_assert_null (reply);
    }
  }
  mky_rsa_r_responder_get_stats (m.server, &stats);
  g_assert_cmpuint (stats.signature_checks, ==, 1);
  g_assert_cmpuint (stats.refused_cached, ==, 99);
  g_assert_cmpuint (stats.answered, ==, 0);

  /* a byte of the body (the CSB ID) changed: another message, also refused */
  {
    g_autoptr (GBytes) reply = NULL;
    forged_body = test_bytes_xor (init, 5, 0x80);
    g_assert_null (mky_rsa_r_responder_handle (m.server, forged_body, NOW,
            &reply, NULL, &err));
    g_assert_error (err, MKY_ERROR, MKY_ERROR_BAD_SIGNATURE);
    g_clear_error (&err);
  }
  /* the forgeries left no trace: the genuine request is served */
  {
    g_autoptr (GBytes) reply = NULL;
    g_autoptr (MkyCsb) got = mky_rsa_r_responder_handle (m.server, init, NOW,
        &reply, NULL, &err);
    g_autoptr (MkyCsb) ours = NULL;
    g_assert_no_error (err);
    g_assert_nonnull (got);
    ours = mky_rsa_r_initiator_handle_response (m.ini, reply, NOW, NULL, &err);
    g_assert_no_error (err);
    assert_same_keying (ours, m.group);
  }
  member_clear (&m);
}

/* Time and replay are checked before the signature (RFC 3830 §5.3) and
 * the refusal is silent. A retransmission of the same request within the
 * window gets the same R_MESSAGE, a few times, without a signature check;
 * later it is refused outright. */
static void
test_group_replay_and_time (void)
{
  Member m;
  MkyConfig cfg2;
  g_autoptr (GBytes) init = NULL;
  g_autoptr (GBytes) first = NULL;
  g_autoptr (GBytes) stale = NULL;
  g_autoptr (GBytes) future = NULL;
  g_autoptr (MkyCsb) got = NULL;
  g_autoptr (MkyCsb) ours = NULL;
  MkyRsaRStats stats;
  GError *err = NULL;

  member_config (&m, NULL, pki.members[3]);
  member_start (&m);

  /* stale and future: no signature check, no answer */
  stale = mky_rsa_r_initiator_build (m.ini, m.request, FALSE,
      NOW - m.cfg.skew_us - SEC, &err);
  g_assert_no_error (err);
  {
    g_autoptr (GBytes) reply = NULL;
    g_assert_null (mky_rsa_r_responder_handle (m.server, stale, NOW, &reply,
            NULL, &err));
    g_assert_error (err, MKY_ERROR, MKY_ERROR_TS_STALE);
    g_clear_error (&err);
    g_assert_null (reply);
  }
  future = mky_rsa_r_initiator_build (m.ini, m.request, FALSE,
      NOW + m.cfg.skew_us + SEC, &err);
  {
    g_autoptr (GBytes) reply = NULL;
    g_assert_null (mky_rsa_r_responder_handle (m.server, future, NOW, &reply,
            NULL, &err));
    g_assert_error (err, MKY_ERROR, MKY_ERROR_TS_FUTURE);
    g_clear_error (&err);
    g_assert_null (reply);
  }
  mky_rsa_r_responder_get_stats (m.server, &stats);
  g_assert_cmpuint (stats.signature_checks, ==, 0);

  init = mky_rsa_r_initiator_build (m.ini, m.request, FALSE,
      NOW + 2 * m.cfg.skew_us, &err);
  got = mky_rsa_r_responder_handle (m.server, init, NOW + 2 * m.cfg.skew_us,
      &first, NULL, &err);
  g_assert_no_error (err);
  g_assert_nonnull (got);
  g_clear_pointer (&got, mky_csb_unref);

  /* the answer was lost; the member sends the same bytes again */
  for (guint i = 0; i < 5; i++) {
    g_autoptr (GBytes) reply = NULL;
    g_assert_null (mky_rsa_r_responder_handle (m.server, init,
            NOW + 2 * m.cfg.skew_us + SEC, &reply, NULL, &err));
    g_assert_error (err, MKY_ERROR, MKY_ERROR_REPLAY);
    g_clear_error (&err);
    if (i < 3) {
      g_assert_nonnull (reply);
      g_assert_true (g_bytes_equal (reply, first));
    } else {
      g_assert_null (reply);
    }
  }
  mky_rsa_r_responder_get_stats (m.server, &stats);
  g_assert_cmpuint (stats.signature_checks, ==, 1);
  g_assert_cmpuint (stats.answered, ==, 1);
  g_assert_cmpuint (stats.repeated, ==, 3);
  /* and the repeated answer is a good one */
  ours = mky_rsa_r_initiator_handle_response (m.ini, first, NOW, NULL, &err);
  g_assert_no_error (err);
  assert_same_keying (ours, m.group);

  /* after the window: a replay, nothing more */
  {
    g_autoptr (GBytes) reply = NULL;
    g_autoptr (MkyRsaRResponder) other = key_server (m.trust, m.group, &cfg2);
    g_assert_null (mky_rsa_r_responder_handle (m.server, init,
            NOW + 2 * m.cfg.skew_us + 11 * SEC, &reply, NULL, &err));
    g_assert_error (err, MKY_ERROR, MKY_ERROR_REPLAY);
    g_clear_error (&err);
    g_assert_null (reply);
    /* with retransmissions off, at once */
    mky_rsa_r_responder_set_retransmit (other, 0, 0);
    got = mky_rsa_r_responder_handle (other, init, NOW + 2 * m.cfg.skew_us,
        &reply, NULL, &err);
    g_assert_nonnull (got);
    g_clear_pointer (&reply, g_bytes_unref);
    g_assert_null (mky_rsa_r_responder_handle (other, init,
            NOW + 2 * m.cfg.skew_us, &reply, NULL, &err));
    g_assert_error (err, MKY_ERROR, MKY_ERROR_REPLAY);
    g_clear_error (&err);
    g_assert_null (reply);
    mky_config_clear (&cfg2);
  }
  member_clear (&m);
}

/* A key server started without its replay state refuses everything until
 * the skew has passed (RFC 3830 §5.4) */
static void
test_group_state_lost (void)
{
  g_autoptr (MkyTrust) trust = trust_ca (NULL, NULL);
  g_autoptr (MkyCsb) group = group_state ();
  MkyConfig cfg, mc;
  g_autoptr (MkyRsaRResponder) server = NULL;
  g_autoptr (MkyRsaRInitiator) ini = NULL;
  g_autoptr (MkyCsb) request = mky_csb_new (0);
  g_autoptr (GBytes) init = NULL;
  g_autoptr (GBytes) reply = NULL;
  GError *err = NULL;

  config_for (&cfg, pki.keys, trust);
  server = mky_rsa_r_responder_new (&cfg, NOW, TRUE);
  g_assert_true (mky_rsa_r_responder_set_group (server, group, NULL));
  config_for (&mc, pki.members[4], trust);
  ini = mky_rsa_r_initiator_new (&mc, MKY_RSA_R_GROUP);
  init = mky_rsa_r_initiator_build (ini, request, FALSE, NOW + SEC, &err);
  g_assert_null (mky_rsa_r_responder_handle (server, init, NOW + SEC, &reply,
          NULL, &err));
  g_assert_error (err, MKY_ERROR, MKY_ERROR_REPLAY);
  g_clear_error (&err);
  g_assert_null (reply);
  mky_config_clear (&cfg);
  mky_config_clear (&mc);
}

/* Group members MUST NOT send SP; a server refuses one that does */
static void
test_group_member_sp (void)
{
  Member m;
  g_autoptr (MkyRsaRInitiator) uni = NULL;
  g_autoptr (GBytes) init = NULL;
  g_autoptr (GBytes) reply = NULL;
  MkySrtpPolicy p = policy ("aes-128-icm", "hmac-sha1-80");
  GError *err = NULL;

  member_config (&m, NULL, pki.members[5]);
  mky_csb_add_cs (m.request, 0, 0x12345678, 0);
  mky_csb_set_policy (m.request, 0, &p, FALSE);
  member_start (&m);
  g_assert_null (mky_rsa_r_initiator_build (m.ini, m.request, FALSE, NOW,
          &err));
  g_assert_error (err, MKY_ERROR, MKY_ERROR_INVALID_ARGUMENT);
  g_clear_error (&err);

  /* one that thinks it is unicast sends SP */
  uni = mky_rsa_r_initiator_new (&m.mc, MKY_RSA_R_UNICAST);
  init = mky_rsa_r_initiator_build (uni, m.request, TRUE, NOW, &err);
  g_assert_no_error (err);
  g_assert_null (mky_rsa_r_responder_handle (m.server, init, NOW, &reply, NULL,
          &err));
  g_assert_error (err, MKY_ERROR, MKY_ERROR_UNSUPPORTED_SP);
  g_clear_error (&err);
  g_assert_true (error_reply_signed (reply, MKY_ERR_INVALID_SPPAR));
  member_clear (&m);
}

/* ------------------------------------------------------------------ */
/* Responder: what is not an I_MESSAGE */

static void
test_garbage (void)
{
  g_autoptr (MkyTrust) trust = trust_ca (NULL, NULL);
  MkyConfig cfg;
  g_autoptr (MkyRsaRResponder) resp = NULL;
  static const guint8 junk[] = { 0x01, 0x09, 0x05, 0x80, 0xde, 0xad, 0xbe,
    0xef, 0x00, 0x00, 0x05, 0x00, 0x01 };
  GError *err = NULL;

  config_for (&cfg, pki.bob, trust);
  resp = mky_rsa_r_responder_new (&cfg, NOW, FALSE);
  /* truncated: "Unsupported message type", unauthenticated, CSB ID echoed */
  {
    g_autoptr (GBytes) in = g_bytes_new_static (junk, sizeof junk);
    g_autoptr (GBytes) reply = NULL;
    g_autoptr (MkyMessage) em = NULL;
    g_assert_null (mky_rsa_r_responder_handle (resp, in, NOW, &reply, NULL,
            &err));
    g_assert_error (err, MKY_ERROR, MKY_ERROR_TRUNCATED);
    g_clear_error (&err);
    g_assert_false (error_reply_signed (reply, MKY_ERR_UNSUPPORTED_MESSAGE));
    em = parse (reply);
    g_assert_cmpuint (mky_message_hdr (em)->csb_id, ==, 0xdeadbeef);
  }
  /* not MIKEY at all */
  {
    g_autoptr (GBytes) in = g_bytes_new_static ("GET / HTTP/1.0\r\n", 16);
    g_autoptr (GBytes) reply = NULL;
    g_assert_null (mky_rsa_r_responder_handle (resp, in, NOW, &reply, NULL,
            &err));
    g_assert_nonnull (err);
    g_clear_error (&err);
    error_reply_signed (reply, MKY_ERR_UNSUPPORTED_MESSAGE);
  }
  /* an RSA-R I_MESSAGE with a payload it may not have (a KEMAC) */
  {
    g_autoptr (MkyMessage) m = mky_message_new (MKY_TYPE_RSA_R_INIT, 42);
    g_autoptr (GBytes) in = NULL;
    g_autoptr (GBytes) reply = NULL;
    MkyPayload *p = mky_message_add (m, MKY_PT_T);
    g_assert_true (mky_t_set_time (&p->u.t, MKY_TS_NTP_UTC, NOW, NULL));
    p = mky_message_add (m, MKY_PT_KEMAC);
    p->u.kemac.encr_alg = MKY_ENCR_NULL;
    p->u.kemac.mac_alg = MKY_MAC_NULL;
    in = mky_message_serialize (m, &err);
    g_assert_no_error (err);
    g_assert_null (mky_rsa_r_responder_handle (resp, in, NOW, &reply, NULL,
            &err));
    g_assert_error (err, MKY_ERROR, MKY_ERROR_UNEXPECTED_PAYLOAD);
    g_clear_error (&err);
    error_reply_signed (reply, MKY_ERR_UNSUPPORTED_MESSAGE);
  }
  /* another data type: "Invalid DT" */
  {
    g_autoptr (MkyMessage) m = mky_message_new (MKY_TYPE_PK_INIT, 42);
    g_autoptr (GBytes) in = NULL;
    g_autoptr (GBytes) reply = NULL;
    MkyPayload *p = mky_message_add (m, MKY_PT_T);
    g_assert_true (mky_t_set_time (&p->u.t, MKY_TS_NTP_UTC, NOW, NULL));
    in = mky_message_serialize (m, &err);
    g_assert_null (mky_rsa_r_responder_handle (resp, in, NOW, &reply, NULL,
            &err));
    g_assert_error (err, MKY_ERROR, MKY_ERROR_BAD_DATA_TYPE);
    g_clear_error (&err);
    error_reply_signed (reply, MKY_ERR_INVALID_DT);
  }
  mky_config_clear (&cfg);
}

/* An I_MESSAGE with CERTi and IDr but no IDi: the ID after the CERT is
 * IDr, the identity is the certificate's */
static void
test_no_idi (void)
{
  Parties p;
  g_autoptr (MkyCsb) theirs = NULL;
  g_autoptr (GBytes) init = NULL;
  g_autoptr (GBytes) bare = NULL;
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (MkyMessage) in = NULL;
  g_autoptr (MkyMessage) out = NULL;
  g_autoptr (MkyPeer) who = NULL;
  GError *err = NULL;

  parties_config (&p, pki.bob);
  p.ci.id_r = g_strdup ("sip:bob@example.com");
  parties_start (&p);
  mky_csb_add_cs (p.request, 0, 0x11111111, 0);
  init = mky_rsa_r_initiator_build (p.ini, p.request, TRUE, NOW, &err);
  in = parse (init);
  g_assert_cmpuint (((MkyPayload *) in->payloads->pdata[2])->type, ==,
      MKY_PT_ID);
  out = test_message_copy (init, MKY_PT_SIGN);
  mky_message_remove (out, 2);  /* drop IDi */
  bare = mky_message_seal_sign (out, p.ci.credentials, MKY_SIGN_RSA_PKCS1,
      NULL, 0, &err);
  g_assert_no_error (err);
  theirs = mky_rsa_r_responder_handle (p.resp, bare, NOW, &reply, &who, &err);
  g_assert_no_error (err);
  g_assert_nonnull (theirs);
  g_assert_cmpstr (mky_peer_get_identity (who), ==, "sip:alice@example.com");
  parties_clear (&p);
}

/* ------------------------------------------------------------------ */
/* Initiator: the answer */

/* A copy of R_MESSAGE @r edited by @edit, then signed again by @signer as
 * a Responder would (trailer IDi || IDr || T): the deviations below must
 * be caught by the rules, not by the signature */
typedef void (*EditFunc) (MkyMessage *msg, gpointer data);

static GBytes *
resign (GBytes *r, TestPkiCert *signer, const char *idi, EditFunc edit,
    gpointer data)
{
  g_autoptr (MkyMessage) out = test_message_copy (r, MKY_PT_SIGN);
  g_autoptr (MkyCredentials) creds = test_pki_credentials (signer);
  g_autoptr (GByteArray) extra = g_byte_array_new ();
  const MkyPayload *t, *idr;
  GError *err = NULL;
  GBytes *b;

  edit (out, data);
  t = mky_message_find (out, MKY_PT_T, 0);
  idr = mky_message_find (out, MKY_PT_ID, 0);
  g_byte_array_append (extra, (const guint8 *) idi, strlen (idi));
  g_byte_array_append (extra, idr->u.id.data.data, idr->u.id.data.len);
  for (int i = 0; i < 8; i++) {
    guint8 byte = t->u.t.ts >> (56 - 8 * i);
    g_byte_array_append (extra, &byte, 1);
  }
  b = mky_message_seal_sign (out, creds, MKY_SIGN_RSA_PKCS1, extra->data,
      extra->len, &err);
  g_assert_no_error (err);
  return b;
}

static void
edit_nothing (MkyMessage *msg, gpointer data)
{
}

static void
edit_add_rand (MkyMessage *msg, gpointer data)
{
  MkyPayload *p = mky_payload_new (MKY_PT_RAND);
  mky_bytes_set (&p->u.rand.rand, group_rand, 16);
  mky_message_insert (msg, 1, p);
}

static void
edit_drop (MkyMessage *msg, gpointer data)
{
  for (guint i = 0; i < msg->payloads->len; i++)
    if (((MkyPayload *) msg->payloads->pdata[i])->type == GPOINTER_TO_UINT (data))
      mky_message_remove (msg, i--);
}

static void
edit_add_csb_id (MkyMessage *msg, gpointer data)
{
  MkyPayload *p = mky_payload_new (MKY_PT_GEN_EXT);
  p->u.gen_ext.type = MKY_GEN_CSB_ID;
  mky_bytes_set (&p->u.gen_ext.data, (const guint8 *) "\x12\x34\x56\x78", 4);
  mky_message_insert (msg, 0, p);
}

/* the SP answered with another tag length than offered */
static void
edit_sp (MkyMessage *msg, gpointer data)
{
  for (guint i = 0; i < msg->payloads->len; i++) {
    MkyPayload *p = msg->payloads->pdata[i];
    if (p->type == MKY_PT_SP) {
      MkySrtpPolicy pol = policy ("aes-128-icm", "hmac-sha1-32");
      MkyPayload *sp = mky_payload_new (MKY_PT_SP);
      sp->u.sp.policy_no = p->u.sp.policy_no;
      mky_srtp_policy_to_sp (&pol, FALSE, &sp->u.sp);
      msg->payloads->pdata[i] = sp;
      mky_payload_free (p);
    }
  }
}

static void
edit_t (MkyMessage *msg, gpointer data)
{
  mky_message_find (msg, MKY_PT_T, 0)->u.t.ts += 1;
}

typedef struct {
  Parties p;
  GBytes *answer;               /* the genuine R_MESSAGE */
} Pending;

/* Alice asks Bob (unicast, one SP offered); the answer is not yet given
 * to her */
static void
pending_setup (Pending *f, gboolean send_rand)
{
  MkySrtpPolicy p = policy ("aes-128-icm", "hmac-sha1-80");
  g_autoptr (GBytes) init = NULL;
  g_autoptr (MkyCsb) theirs = NULL;
  GError *err = NULL;

  parties_config (&f->p, pki.bob);
  parties_start (&f->p);
  mky_csb_add_cs (f->p.request, 1, 0x11111111, 0);
  mky_csb_set_policy (f->p.request, 1, &p, FALSE);
  init = mky_rsa_r_initiator_build (f->p.ini, f->p.request, send_rand, NOW,
      &err);
  theirs = mky_rsa_r_responder_handle (f->p.resp, init, NOW, &f->answer, NULL,
      &err);
  g_assert_no_error (err);
  g_assert_nonnull (theirs);
}

static void
pending_teardown (Pending *f)
{
  /* the genuine answer is still accepted after every discard */
  GError *err = NULL;
  g_autoptr (MkyCsb) ours = mky_rsa_r_initiator_handle_response (f->p.ini,
      f->answer, NOW, NULL, &err);
  g_assert_no_error (err);
  g_assert_nonnull (ours);

  g_bytes_unref (f->answer);
  parties_clear (&f->p);
}

static void
expect_discard (Pending *f, GBytes *r, gint code)
{
  GError *err = NULL;
  g_assert_null (mky_rsa_r_initiator_handle_response (f->p.ini, r, NOW, NULL,
          &err));
  g_assert_error (err, MKY_ERROR, code);
  g_clear_error (&err);
}

static void
test_discard (void)
{
  Pending f, g;

  /* RAND in the I_MESSAGE */
  pending_setup (&f, TRUE);
  {
    /* the re-signing itself keeps a good answer good */
    g_autoptr (GBytes) same = resign (f.answer, pki.bob,
        "sip:alice@example.com", edit_nothing, NULL);
    g_autoptr (GBytes) rand = resign (f.answer, pki.bob,
        "sip:alice@example.com", edit_add_rand, NULL);
    g_autoptr (GBytes) csb_id = resign (f.answer, pki.bob,
        "sip:alice@example.com", edit_add_csb_id, NULL);
    g_autoptr (GBytes) sp = resign (f.answer, pki.bob,
        "sip:alice@example.com", edit_sp, NULL);
    g_autoptr (GBytes) no_sp = resign (f.answer, pki.bob,
        "sip:alice@example.com", edit_drop, GUINT_TO_POINTER (MKY_PT_SP));
    g_autoptr (GBytes) t = resign (f.answer, pki.bob,
        "sip:alice@example.com", edit_t, NULL);
    g_autoptr (GBytes) tampered = NULL;
    g_autoptr (GBytes) garbage = g_bytes_new_static ("\x01\x0a", 2);
    g_autoptr (MkyMessage) am = parse (f.answer);
    const MkyPayload *kemac = mky_message_find (am, MKY_PT_KEMAC, 0);
    gsize len = g_bytes_get_size (f.answer);

    expect_discard (&f, rand, MKY_ERROR_UNEXPECTED_PAYLOAD);
    expect_discard (&f, csb_id, MKY_ERROR_UNEXPECTED_PAYLOAD);
    expect_discard (&f, sp, MKY_ERROR_UNSUPPORTED_SP);
    expect_discard (&f, no_sp, MKY_ERROR_MISSING_PAYLOAD);
    expect_discard (&f, t, MKY_ERROR_TS_MISMATCH);
    expect_discard (&f, garbage, MKY_ERROR_TRUNCATED);
    /* a byte of the encrypted keys changed: SIGNr fails */
    tampered = test_bytes_flip (f.answer, len - kemac->offset - 6, 0x20);
    expect_discard (&f, tampered, MKY_ERROR_BAD_SIGNATURE);
    /* signed by Carol, whose certificate it does not carry */
    {
      g_autoptr (GBytes) carol = resign (f.answer, pki.carol,
          "sip:alice@example.com", edit_nothing, NULL);
      expect_discard (&f, carol, MKY_ERROR_BAD_SIGNATURE);
    }
    /* the signature trailer has IDi: another IDi does not verify */
    {
      g_autoptr (GBytes) other = resign (f.answer, pki.bob,
          "sip:eve@example.com", edit_nothing, NULL);
      expect_discard (&f, other, MKY_ERROR_BAD_SIGNATURE);
    }
    g_clear_pointer (&f.answer, g_bytes_unref);
    f.answer = g_bytes_ref (same);
  }
  pending_teardown (&f);

  /* no RAND in the I_MESSAGE: the R_MESSAGE must carry it */
  pending_setup (&g, FALSE);
  {
    g_autoptr (GBytes) no_rand = resign (g.answer, pki.bob,
        "sip:alice@example.com", edit_drop, GUINT_TO_POINTER (MKY_PT_RAND));
    expect_discard (&g, no_rand, MKY_ERROR_MISSING_PAYLOAD);
  }
  pending_teardown (&g);
}

/* A group member discards an answer without the group's CSB ID, RAND or
 * SP */
static void
test_discard_group (void)
{
  Member m;
  g_autoptr (GBytes) init = NULL;
  g_autoptr (GBytes) answer = NULL;
  g_autoptr (MkyCsb) got = NULL;
  g_autoptr (MkyCsb) ours = NULL;
  const char *idi = "sip:member06@example.com";
  guint drops[] = { MKY_PT_GEN_EXT, MKY_PT_RAND, MKY_PT_SP };
  gint codes[] = { MKY_ERROR_MISSING_PAYLOAD, MKY_ERROR_MISSING_PAYLOAD,
    MKY_ERROR_MISSING_PAYLOAD };
  GError *err = NULL;

  member_config (&m, NULL, pki.members[6]);
  member_start (&m);
  init = mky_rsa_r_initiator_build (m.ini, m.request, TRUE, NOW, &err);
  got = mky_rsa_r_responder_handle (m.server, init, NOW, &answer, NULL, &err);
  g_assert_no_error (err);
  for (guint i = 0; i < G_N_ELEMENTS (drops); i++) {
    g_autoptr (GBytes) bad = resign (answer, pki.keys, idi, edit_drop,
        GUINT_TO_POINTER (drops[i]));
    g_assert_null (mky_rsa_r_initiator_handle_response (m.ini, bad, NOW, NULL,
            &err));
    g_assert_error (err, MKY_ERROR, codes[i]);
    g_clear_error (&err);
  }
  /* a unicast Initiator discards the group answer for its CSB_ID */
  {
    g_autoptr (MkyRsaRInitiator) uni = mky_rsa_r_initiator_new (&m.mc,
        MKY_RSA_R_UNICAST);
    g_autoptr (GBytes) init2 = NULL;
    g_autoptr (GBytes) answer2 = NULL;
    g_autoptr (MkyCsb) got2 = NULL;
    init2 = mky_rsa_r_initiator_build (uni, m.request, FALSE, NOW + SEC, &err);
    got2 = mky_rsa_r_responder_handle (m.server, init2, NOW + SEC, &answer2,
        NULL, &err);
    g_assert_no_error (err);
    g_assert_null (mky_rsa_r_initiator_handle_response (uni, answer2, NOW,
            NULL, &err));
    g_assert_error (err, MKY_ERROR, MKY_ERROR_UNEXPECTED_PAYLOAD);
    g_clear_error (&err);
  }
  ours = mky_rsa_r_initiator_handle_response (m.ini, answer, NOW, NULL, &err);
  g_assert_no_error (err);
  assert_same_keying (ours, m.group);
  member_clear (&m);
}

/* Alice asks for Bob; Carol answers (the call was forwarded) */
typedef struct {
  MkyRsaRResponderPolicy policy;
  const char *retarget_allow;   /* LISTED: pattern of the retarget trust */
  gboolean bob_answers;
  gint code;                    /* 0: accepted */
} Retarget;

static void
test_retarget (gconstpointer data)
{
  const Retarget *rt = data;
  g_autoptr (MkyTrust) retarget = trust_ca (rt->retarget_allow, NULL);
  Parties p;
  g_autoptr (MkyCsb) theirs = NULL;
  g_autoptr (MkyCsb) ours = NULL;
  g_autoptr (MkyPeer) who = NULL;
  g_autoptr (GBytes) init = NULL;
  g_autoptr (GBytes) reply = NULL;
  GError *err = NULL;

  parties_config (&p, rt->bob_answers ? pki.bob : pki.carol);
  p.ci.id_r = g_strdup ("sip:bob@example.com");
  parties_start (&p);
  mky_rsa_r_initiator_set_responder_policy (p.ini, rt->policy,
      rt->retarget_allow ? retarget : NULL);
  mky_csb_add_cs (p.request, 0, 0x11111111, 0);

  init = mky_rsa_r_initiator_build (p.ini, p.request, TRUE, NOW, &err);
  g_assert_no_error (err);
  theirs = mky_rsa_r_responder_handle (p.resp, init, NOW, &reply, NULL, &err);
  g_assert_no_error (err);
  ours = mky_rsa_r_initiator_handle_response (p.ini, reply, NOW, &who, &err);
  if (rt->code) {
    g_assert_error (err, MKY_ERROR, rt->code);
    g_assert_null (ours);
    g_assert_null (who);
    g_clear_error (&err);
  } else {
    g_assert_no_error (err);
    assert_same_keying (ours, theirs);
    g_assert_cmpstr (mky_peer_get_identity (who), ==, rt->bob_answers
        ? "sip:bob@example.com" : "sip:carol@example.com");
  }
  parties_clear (&p);
}

/* The Responder's certificate is checked as the Initiator's: an untrusted
 * Responder is refused under any policy */
static void
test_untrusted_responder (void)
{
  g_autoptr (MkyTrust) rogue_trust = test_pki_trust (pki.rogue, NULL);
  Parties p;
  g_autoptr (MkyCsb) theirs = NULL;
  g_autoptr (GBytes) init = NULL;
  g_autoptr (GBytes) reply = NULL;
  GError *err = NULL;

  parties_config (&p, pki.bob);
  /* Alice trusts only the rogue CA */
  mky_trust_unref (p.ci.trust);
  p.ci.trust = mky_trust_ref (rogue_trust);
  parties_start (&p);
  mky_csb_add_cs (p.request, 0, 0x11111111, 0);
  init = mky_rsa_r_initiator_build (p.ini, p.request, TRUE, NOW, &err);
  theirs = mky_rsa_r_responder_handle (p.resp, init, NOW, &reply, NULL, &err);
  g_assert_no_error (err);
  g_assert_null (mky_rsa_r_initiator_handle_response (p.ini, reply, NOW, NULL,
          &err));
  g_assert_error (err, MKY_ERROR, MKY_ERROR_CERT_UNTRUSTED);
  g_clear_error (&err);
  parties_clear (&p);
}

int
main (int argc, char **argv)
{
  static const Unicast unicast[] = {
    { MKY_SIGN_RSA_PKCS1, TRUE }, { MKY_SIGN_RSA_PKCS1, FALSE },
    { MKY_SIGN_RSA_PSS, TRUE }, { MKY_SIGN_RSA_PSS, FALSE },
  };
  static const Refusal refusals[] = {
    { "untrusted", &pki.untrusted, MKY_ERROR_CERT_UNTRUSTED,
      MKY_ERR_INVALID_CERT, FALSE },
    { "expired", &pki.expired, MKY_ERROR_CERT_EXPIRED, MKY_ERR_INVALID_CERT,
      FALSE },
    { "revoked", &pki.revoked, MKY_ERROR_CERT_REVOKED, MKY_ERR_INVALID_CERT,
      FALSE },
    { "denied", &pki.mallory, MKY_ERROR_NOT_AUTHORIZED, MKY_ERR_AUTH_FAILURE,
      FALSE },
    /* signs fine, but may not receive the envelope key: after
     * authentication, so the error is signed */
    { "sign-only", &pki.sign_only, MKY_ERROR_CERT_USAGE, MKY_ERR_INVALID_CERT,
      TRUE },
    /* a good certificate, but IDi names someone else */
    { "bad-id", &pki.members[7], MKY_ERROR_BAD_ID, MKY_ERR_INVALID_ID, FALSE,
      "sip:member08@example.com" },
  };
  static const Retarget retargets[] = {
    { MKY_RSA_R_RESPONDER_ANY, NULL, FALSE, 0 },
    { MKY_RSA_R_RESPONDER_SENT_IDR, NULL, FALSE, MKY_ERROR_NOT_AUTHORIZED },
    { MKY_RSA_R_RESPONDER_SENT_IDR, NULL, TRUE, 0 },
    { MKY_RSA_R_RESPONDER_LISTED, "sip:carol@*", FALSE, 0 },
    { MKY_RSA_R_RESPONDER_LISTED, "sip:dave@*", FALSE,
      MKY_ERROR_NOT_AUTHORIZED },
    { MKY_RSA_R_RESPONDER_LISTED, "sip:dave@*", TRUE, 0 },
  };
  static const char *const policy_names[] = { "any", "sent-idr", "listed" };
  int ret;

  g_test_init (&argc, &argv, NULL);
  make_pki ();

  for (guint i = 0; i < G_N_ELEMENTS (unicast); i++) {
    g_autofree char *name = g_strdup_printf ("/rsa-r/unicast/%s/rand-in-%s",
        unicast[i].sign == MKY_SIGN_RSA_PSS ? "pss" : "pkcs1",
        unicast[i].rand_in_i ? "i" : "r");
    g_test_add_data_func (name, &unicast[i], test_unicast);
  }
  g_test_add_func ("/rsa-r/unicast/wire", test_unicast_wire);
  g_test_add_func ("/rsa-r/unicast/key-wrap", test_unicast_key_wrap);
  g_test_add_func ("/rsa-r/unicast/given-keys", test_unicast_given_keys);
  g_test_add_func ("/rsa-r/unicast/cert-url", test_unicast_cert_url);
  g_test_add_func ("/rsa-r/unicast/sp-refused", test_unicast_sp_refused);
  g_test_add_func ("/rsa-r/group/join-50", test_group_join);
  g_test_add_func ("/rsa-r/group/two-servers", test_group_two_servers);
  g_test_add_func ("/rsa-r/group/rekey", test_group_rekey);
  for (guint i = 0; i < G_N_ELEMENTS (refusals); i++) {
    g_autofree char *name = g_strdup_printf ("/rsa-r/group/refused/%s",
        refusals[i].name);
    g_test_add_data_func (name, &refusals[i], test_group_refused);
  }
  g_test_add_func ("/rsa-r/group/forged", test_group_forged);
  g_test_add_func ("/rsa-r/group/replay-and-time", test_group_replay_and_time);
  g_test_add_func ("/rsa-r/group/state-lost", test_group_state_lost);
  g_test_add_func ("/rsa-r/group/member-sp", test_group_member_sp);
  g_test_add_func ("/rsa-r/responder/garbage", test_garbage);
  g_test_add_func ("/rsa-r/responder/no-idi", test_no_idi);
  g_test_add_func ("/rsa-r/initiator/discard", test_discard);
  g_test_add_func ("/rsa-r/initiator/discard-group", test_discard_group);
  g_test_add_func ("/rsa-r/initiator/untrusted-responder",
      test_untrusted_responder);
  for (guint i = 0; i < G_N_ELEMENTS (retargets); i++) {
    g_autofree char *name = g_strdup_printf (
        "/rsa-r/initiator/retarget/%s/%s%s%s", policy_names[retargets[i].policy],
        retargets[i].bob_answers ? "bob" : "carol",
        retargets[i].retarget_allow ? "/allow-" : "",
        retargets[i].retarget_allow ? (retargets[i].retarget_allow[4] == 'c'
            ? "carol" : "dave") : "");
    g_test_add_data_func (name, &retargets[i], test_retarget);
  }
  ret = g_test_run ();
  free_pki ();
  test_pki_cleanup ();
  return ret;
}
