/* Public-key mode end to end (RFC 3830 §3.2, §4.5, §5.2, §6.2, §6.3,
 * §6.8): both ends must derive the same SRTP keys, the KEMAC MAC must be
 * the one §5.2 defines, a cached envelope key must turn updates into PSK
 * messages, and every refusal must carry its own error. The PKI is made at
 * test time (tests/common/test-pki.c), valid around 2035. */
#include <string.h>
#include <mky/mky.h>
#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>
#include "test-pki.h"
#include "test-pki.c"           /* no helper library in tests/common */
#include "test-util.h"

#define SEC G_USEC_PER_SEC
#define DAY (G_GINT64_CONSTANT (86400))
#define YEAR (365 * DAY)
#define NOW_S (G_GINT64_CONSTANT (2051222400))  /* 2035-01-01 */
#define NOW (NOW_S * SEC)

static const char alice_uri[] = "sip:alice@example.com";
static const char bob_uri[] = "sip:bob@example.com";
static const char carol_uri[] = "sip:carol@example.com";
static const char mallory_uri[] = "sip:mallory@example.com";

static struct {
  TestPkiCert *ca, *rogue;
  TestPkiCert *alice, *bob, *carol, *mallory;
  TestPkiCert *alice_rogue, *alice_expired, *alice_revoked;
  GBytes *crl;
  MkyTrust *trust;
  MkyCredentials *alice_c, *bob_c, *carol_c, *mallory_c;
  MkyCredentials *alice_rogue_c, *alice_expired_c, *alice_revoked_c;
  MkyPeer *bob_p, *carol_p;
} pki;

static TestPkiCert *
leaf (TestPkiCert *issuer, const char *cn, const char *uri, guint slot,
    guint64 serial, gint64 from, gint64 to)
{
  return test_pki_leaf (issuer, cn, uri, slot, serial, from, to,
      TEST_PKI_KU_BOTH);
}

static MkyPeer *
encryption_peer (TestPkiCert *c, const char *uri)
{
  g_autoptr (GPtrArray) chain = mky_cert_chain_new ();
  g_autoptr (GBytes) der = test_pki_cert_der (c);
  g_autoptr (GError) err = NULL;
  MkyPeer *p;

  mky_cert_chain_add (chain, MKY_CERT_X509V3, g_bytes_get_data (der, NULL),
      g_bytes_get_size (der));
  p = mky_trust_verify (pki.trust, chain, MKY_ID_URI, uri,
      MKY_KEY_USAGE_ENCRYPT, NOW, &err);
  g_assert_no_error (err);
  return p;
}

static void
make_pki (void)
{
  const gint64 from = NOW_S - DAY, to = NOW_S + YEAR;
  const guint64 revoked = 105;

  pki.ca = test_pki_ca ("MKY Test CA", 0, NOW_S - 10 * YEAR,
      NOW_S + 10 * YEAR);
  pki.rogue = test_pki_ca ("Rogue CA", 1, NOW_S - 10 * YEAR,
      NOW_S + 10 * YEAR);
  pki.alice = leaf (pki.ca, "alice", alice_uri, 2, 100, from, to);
  pki.bob = leaf (pki.ca, "bob", bob_uri, 3, 101, from, to);
  pki.carol = leaf (pki.ca, "carol", carol_uri, 4, 102, from, to);
  pki.mallory = leaf (pki.ca, "mallory", mallory_uri, 5, 103, from, to);
  /* alice's key in certificates that must be refused */
  pki.alice_rogue = leaf (pki.rogue, "alice", alice_uri, 2, 104, from, to);
  pki.alice_expired = leaf (pki.ca, "alice", alice_uri, 2, 106,
      NOW_S - YEAR, NOW_S - DAY);
  pki.alice_revoked = leaf (pki.ca, "alice", alice_uri, 2, revoked, from, to);

  pki.crl = test_pki_crl (pki.ca, &revoked, 1, NOW_S - DAY, NOW_S + DAY, TRUE);
  pki.trust = test_pki_trust (pki.ca, pki.crl);

  pki.alice_c = test_pki_credentials (pki.alice);
  pki.bob_c = test_pki_credentials (pki.bob);
  pki.carol_c = test_pki_credentials (pki.carol);
  pki.mallory_c = test_pki_credentials (pki.mallory);
  pki.alice_rogue_c = test_pki_credentials (pki.alice_rogue);
  pki.alice_expired_c = test_pki_credentials (pki.alice_expired);
  pki.alice_revoked_c = test_pki_credentials (pki.alice_revoked);
  pki.bob_p = encryption_peer (pki.bob, bob_uri);
  pki.carol_p = encryption_peer (pki.carol, carol_uri);
}

static void
free_pki (void)
{
  TestPkiCert *certs[] = { pki.ca, pki.rogue, pki.alice, pki.bob, pki.carol,
    pki.mallory, pki.alice_rogue, pki.alice_expired, pki.alice_revoked };
  MkyCredentials *cr[] = { pki.alice_c, pki.bob_c, pki.carol_c,
    pki.mallory_c, pki.alice_rogue_c, pki.alice_expired_c,
    pki.alice_revoked_c };

  for (guint i = 0; i < G_N_ELEMENTS (certs); i++)
    test_pki_cert_free (certs[i]);
  for (guint i = 0; i < G_N_ELEMENTS (cr); i++)
    mky_credentials_unref (cr[i]);
  mky_peer_unref (pki.bob_p);
  mky_peer_unref (pki.carol_p);
  mky_trust_unref (pki.trust);
  g_bytes_unref (pki.crl);
  test_pki_cleanup ();
}

/* ---- fixture ---- */

typedef struct {
  MkyConfig ci, cr;             /* Initiator (alice), Responder (bob) */
  MkyPkInitiator *ini;
  MkyPkResponder *resp;
  MkyCsb *csb;                  /* the Initiator's */
} Fixture;

/* a new bundle, for a new initial exchange */
static void
new_csb (Fixture *f, guint32 csb_id)
{
  g_clear_pointer (&f->csb, mky_csb_unref);
  f->csb = test_csb_new (csb_id);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  mky_config_init (&f->ci);
  f->ci.credentials = mky_credentials_ref (pki.alice_c);
  f->ci.trust = mky_trust_ref (pki.trust);
  mky_config_init (&f->cr);
  f->cr.credentials = mky_credentials_ref (pki.bob_c);
  f->cr.trust = mky_trust_ref (pki.trust);
  new_csb (f, 0x0c5b0001);
}

/* the Initiator as alice (or @who), towards @to */
static void
start_with (Fixture *f, MkyCredentials *who, MkyPeer *to)
{
  g_autoptr (GError) err = NULL;
  if (who) {
    mky_credentials_unref (f->ci.credentials);
    f->ci.credentials = mky_credentials_ref (who);
  }
  f->ini = mky_pk_initiator_new (&f->ci, to ? to : pki.bob_p, &err);
  g_assert_no_error (err);
  if (f->resp == NULL)
    f->resp = mky_pk_responder_new (&f->cr, NOW, FALSE);
}

static void
start (Fixture *f)
{
  start_with (f, NULL, NULL);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  mky_pk_initiator_free (f->ini);
  mky_pk_responder_free (f->resp);
  mky_csb_unref (f->csb);
  mky_config_clear (&f->ci);
  mky_config_clear (&f->cr);
}

static MkyPayload *nth_payload (MkyMessage *m, guint type, guint nth);

static GBytes *
build (Fixture *f, gboolean verify, gint64 now)
{
  g_autoptr (GError) err = NULL;
  GBytes *m = mky_pk_initiator_build (f->ini, f->csb, verify, now, &err);
  g_assert_no_error (err);
  g_assert_nonnull (m);
  return m;
}

/* Deliver @m; the Responder's bundle, and the Initiator took the answer */
static MkyCsb *
deliver (Fixture *f, GBytes *m, gint64 now, guint want_reply_type)
{
  g_autoptr (GError) err = NULL;
  g_autoptr (GBytes) reply = NULL;
  MkyCsb *got = mky_pk_responder_handle (f->resp, m, now, &reply, &err);

  g_assert_no_error (err);
  g_assert_nonnull (got);
  if (want_reply_type == G_MAXUINT) {
    g_assert_null (reply);
  } else {
    g_autoptr (MkyMessage) r = mky_message_parse_bytes (reply, &err);
    g_assert_no_error (err);
    g_assert_cmpuint (mky_message_hdr (r)->data_type, ==, want_reply_type);
    /* a verification message has a MAC, also where the KEMAC had none */
    g_assert_cmpuint (nth_payload (r, MKY_PT_V, 0)->u.v.auth_alg, !=,
        MKY_MAC_NULL);
    g_assert_cmpuint (nth_payload (r, MKY_PT_V, 0)->u.v.ver_data.len, >=, 20);
    g_assert_true (mky_pk_initiator_handle_response (f->ini, f->csb, reply,
            &err));
    g_assert_no_error (err);
  }
  return got;
}

static MkyCsb *
exchange (Fixture *f, gint64 now, gboolean verify)
{
  g_autoptr (GBytes) m = build (f, verify, now);
  return deliver (f, m, now, verify ? MKY_TYPE_PK_VERIFY : G_MAXUINT);
}

/* @m refused with @code; @err_no < 0: silently (no reply), else an Error
 * message with it, authenticated (V) or not */
static void
assert_refused (Fixture *f, GBytes *m, gint64 now, gint code, gint err_no,
    gboolean authenticated)
{
  g_autoptr (GError) err = NULL;
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (MkyCsb) got = mky_pk_responder_handle (f->resp, m, now, &reply,
      &err);

  g_assert_null (got);
  g_assert_error (err, MKY_ERROR, code);
  if (err_no < 0) {
    g_assert_null (reply);
  } else {
    g_autoptr (MkyMessage) r = test_error_reply (reply, err_no);
    g_autoptr (GError) ierr = NULL;
    const MkyPayload *last = r->payloads->pdata[r->payloads->len - 1];

    g_assert_cmpuint (last->type == MKY_PT_V, ==, authenticated);
    /* the Initiator (if this was its request) sees the peer's error */
    if (f->ini && !mky_pk_initiator_handle_response (f->ini, f->csb, reply,
            &ierr) && g_error_matches (ierr, MKY_ERROR, MKY_ERROR_PEER_ERROR))
      g_assert_true ((strstr (ierr->message, "not authenticated") == NULL)
          == authenticated);
  }
}

/* A copy of parsed @m without its SIGN payload, to edit and re-sign */
static MkyMessage *
unsign (GBytes *m)
{
  return test_message_copy (m, MKY_PT_SIGN);
}

static GBytes *
sign (MkyMessage *m, MkyCredentials *c, MkySignType type)
{
  g_autoptr (GError) err = NULL;
  GBytes *out = mky_message_seal_sign (m, c, type, NULL, 0, &err);
  g_assert_no_error (err);
  return out;
}

static MkyPayload *
nth_payload (MkyMessage *m, guint type, guint nth)
{
  MkyPayload *p = mky_message_find (m, type, nth);
  g_assert_nonnull (p);
  return p;
}

/* ---- end to end ---- */

typedef struct {
  MkySignType sign;
  MkyPrf prf;
  MkyEncrAlg encr;
  MkyMacAlg mac;
  gboolean tek;
} Suite;

/* Key data that AES-KW can wrap after alice's IDi (4 + 21 bytes): RFC 3830
 * defines no padding, so the Initiator picks sizes that give whole 8-byte
 * blocks (docs/design.md) */
static void
add_keys (MkyCsb *csb, gboolean tek, gboolean kw)
{
  static const guint8 mki[] = { 0, 1 };
  if (tek)                      /* 25 + 4 + 16 + 2 + 14 (+ 1 + 2 MKI) */
    mky_csb_add_key (csb, MKY_KD_TEK_SALT, NULL, 16, NULL, 14, mki,
        kw ? 2 : 0);
  else                          /* 25 + 4 + 19 = 48 */
    mky_csb_add_key (csb, MKY_KD_TGK, NULL, kw ? 19 : 16, NULL, 0, NULL, 0);
}

static void
test_exchange (Fixture *f, gconstpointer data)
{
  const Suite *s = data;
  g_autoptr (MkyCsb) got = NULL;
  g_autoptr (GBytes) m = NULL;
  g_autoptr (MkyMessage) parsed = NULL;
  static const guint order[] = { MKY_PT_T, MKY_PT_RAND, MKY_PT_ID,
    MKY_PT_CERT, MKY_PT_KEMAC, MKY_PT_PKE, MKY_PT_SIGN };
  gboolean cached = TRUE;

  f->ci.sign_type = s->sign;
  f->ci.prf = s->prf;
  f->ci.encr_alg = s->encr;
  f->ci.mac_alg = s->mac;
  start (f);
  add_keys (f->csb, s->tek, s->encr == MKY_ENCR_AES_KW_128);

  m = build (f, TRUE, NOW);
  parsed = mky_message_parse_bytes (m, NULL);
  g_assert_cmpuint (mky_message_hdr (parsed)->data_type, ==,
      MKY_TYPE_PK_INIT);
  g_assert_cmpuint (mky_message_hdr (parsed)->v, ==, 1);
  g_assert_cmpuint (mky_message_hdr (parsed)->prf, ==, s->prf);
  g_assert_cmpuint (parsed->payloads->len, ==, G_N_ELEMENTS (order));
  for (guint i = 0; i < G_N_ELEMENTS (order); i++)
    g_assert_cmpuint (((MkyPayload *) parsed->payloads->pdata[i])->type, ==,
        order[i]);
  g_assert_cmpuint (nth_payload (parsed, MKY_PT_SIGN, 0)->u.sign.s_type, ==,
      s->sign);
  g_assert_cmpuint (nth_payload (parsed, MKY_PT_PKE, 0)->u.pke.c, ==,
      MKY_PKE_NO_CACHE);
  g_assert_cmpuint (nth_payload (parsed, MKY_PT_KEMAC, 0)->u.kemac.encr_alg,
      ==, s->encr);
  g_assert_cmpuint (nth_payload (parsed, MKY_PT_KEMAC, 0)->u.kemac.mac_alg,
      ==, s->mac);
  g_assert_cmpmem (nth_payload (parsed, MKY_PT_ID, 0)->u.id.data.data,
      nth_payload (parsed, MKY_PT_ID, 0)->u.id.data.len, alice_uri,
      strlen (alice_uri));

  got = deliver (f, m, NOW, MKY_TYPE_PK_VERIFY);
  test_assert_same_keying (f->csb, got);
  g_assert_cmpmem (got->rand.data, got->rand.len, f->csb->rand.data,
      f->csb->rand.len);
  g_assert_cmpuint (got->keys->len, ==, 1);
  g_assert_cmpuint (((MkyPayload *) got->keys->pdata[0])->u.key_data.type,
      ==, s->tek ? MKY_KD_TEK_SALT : MKY_KD_TGK);
  g_assert_cmpstr (mky_pk_responder_get_peer_identity (f->resp,
          f->csb->csb_id, &cached), ==, alice_uri);
  g_assert_false (cached);
  g_assert_false (mky_pk_initiator_is_cached (f->ini, f->csb->csb_id));
  g_assert_cmpuint (mky_replay_cache_size (
          mky_pk_responder_get_replay_cache (f->resp)), ==, 1);

  /* a TEK is the SRTP master key itself (RFC 3830 App. A.1) */
  if (s->tek) {
    MkySrtpKeying k;
    g_assert_true (mky_csb_get_srtp (got, 1, MKY_SP_COMPAT_STRICT, &k, NULL));
    g_assert_cmpmem (k.keys[0].key, k.keys[0].key_len,
        ((MkyPayload *) f->csb->keys->pdata[0])->u.key_data.key.data, 16);
    mky_srtp_keying_clear (&k);
  }
}

/* The KEMAC of RFC 3830 §3.2/§5.2/§6.2, recomputed from the envelope key
 * that bob's key decrypts: Encr data = E(encr_key, IDi || {TGK}) with IDi
 * an ID payload whose Next payload is Key data, and the MAC over the KEMAC
 * payload with its Next payload taken as 0, up to the MAC field. */
static void
test_kemac_layout (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) m = NULL;
  g_autoptr (MkyMessage) p = NULL;
  g_autoptr (GError) err = NULL;
  g_autoptr (GByteArray) covered = g_byte_array_new ();
  g_autoptr (GPtrArray) plain = NULL;
  const MkyPayload *kemac, *pke, *t, *rand;
  MkyBytes env = { 0 };
  MkyMsgKeys keys;
  guint8 mac[20];
  const guint8 *raw;
  MkyPayload *idi;

  start (f);
  add_keys (f->csb, FALSE, FALSE);
  m = build (f, FALSE, NOW);
  p = mky_message_parse_bytes (m, NULL);
  kemac = nth_payload (p, MKY_PT_KEMAC, 0);
  pke = nth_payload (p, MKY_PT_PKE, 0);
  t = nth_payload (p, MKY_PT_T, 0);
  rand = nth_payload (p, MKY_PT_RAND, 0);

  g_assert_true (mky_credentials_decrypt (pki.bob_c, MKY_PKE_ENCR_RSA_PKCS1,
          pke->u.pke.data.data, pke->u.pke.data.len, &env, &err));
  g_assert_no_error (err);
  g_assert_cmpuint (env.len, ==, MKY_PK_ENV_KEY_LEN);
  g_assert_true (mky_msg_keys_derive (&keys, MKY_PRF_MIKEY_1,
          MKY_ENCR_AES_CM_128, MKY_MAC_HMAC_SHA_1_160, env.data, env.len,
          f->csb->csb_id, rand->u.rand.rand.data, rand->u.rand.rand.len,
          &err));
  mky_bytes_clear (&env, TRUE);

  /* on the wire the KEMAC's Next payload is PKE; the MAC takes it as 0 */
  raw = g_bytes_get_data (m, NULL);
  g_assert_cmpuint (raw[kemac->offset], ==, MKY_PT_PKE);
  g_assert_cmpuint (kemac->u.kemac.mac.len, ==, 20);
  g_byte_array_append (covered, raw + kemac->offset, kemac->length - 20);
  covered->data[0] = 0;
  mky_mac_compute (&keys, covered->data, covered->len, NULL, 0, mac);
  g_assert_cmpmem (mac, 20, kemac->u.kemac.mac.data, 20);
  /* and not with the Next payload as sent */
  covered->data[0] = MKY_PT_PKE;
  mky_mac_compute (&keys, covered->data, covered->len, NULL, 0, mac);
  g_assert_true (memcmp (mac, kemac->u.kemac.mac.data, 20) != 0);

  plain = mky_kemac_open_data (&kemac->u.kemac, &keys, f->csb->csb_id,
      mky_t_value64 (&t->u.t), MKY_PT_ID, &err);
  g_assert_no_error (err);
  g_assert_cmpuint (plain->len, ==, 2);
  idi = plain->pdata[0];
  g_assert_cmpuint (idi->type, ==, MKY_PT_ID);
  g_assert_cmpuint (idi->u.id.type, ==, MKY_ID_URI);
  g_assert_cmpmem (idi->u.id.data.data, idi->u.id.data.len, alice_uri,
      strlen (alice_uri));
  g_assert_cmpuint (((MkyPayload *) plain->pdata[1])->type, ==,
      MKY_PT_KEY_DATA);
  g_assert_cmpmem (((MkyPayload *) plain->pdata[1])->u.key_data.key.data, 16,
      ((MkyPayload *) f->csb->keys->pdata[0])->u.key_data.key.data, 16);
  mky_msg_keys_clear (&keys);
}

/* CHASH (RFC 3830 §6.8) names the certificate the PKE was made for: a
 * Responder with two keys decrypts with the one it names */
static void
test_chash (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) m = NULL;
  g_autoptr (MkyMessage) p = NULL;
  g_autoptr (GBytes) der = test_pki_cert_der (pki.bob);
  guint8 sha256[32];
  const MkyPayload *ch;
  const MkyHashFunc funcs[] = { MKY_HASH_SHA_256, MKY_HASH_SHA_1 };

  /* bob's key is the second one of this Responder */
  mky_credentials_unref (f->cr.credentials);
  f->cr.credentials = mky_credentials_ref (pki.carol_c);
  start (f);
  mky_pk_responder_add_credentials (f->resp, pki.bob_c);
  add_keys (f->csb, FALSE, FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (funcs); i++) {
    g_autoptr (GBytes) mi = NULL;
    g_autoptr (MkyCsb) gi = NULL;
    g_autoptr (MkyMessage) pi = NULL;

    mky_pk_initiator_set_chash (f->ini, TRUE, funcs[i]);
    mky_csb_clear_keys (f->csb);
    add_keys (f->csb, FALSE, FALSE);
    mi = build (f, TRUE, NOW + i * SEC);
    pi = mky_message_parse_bytes (mi, NULL);
    ch = nth_payload (pi, MKY_PT_CHASH, 0);
    g_assert_cmpuint (ch->u.chash.hash_func, ==, funcs[i]);
    g_assert_cmpuint (ch->u.chash.hash.len, ==, i == 0 ? 32 : 20);
    /* ..., KEMAC, CHASH, PKE, SIGNi */
    g_assert_cmpuint (((MkyPayload *) pi->payloads->pdata[
                pi->payloads->len - 3])->type, ==, MKY_PT_CHASH);
    if (i == 0) {
      g_assert_cmpint (gnutls_hash_fast (GNUTLS_DIG_SHA256,
              g_bytes_get_data (der, NULL), g_bytes_get_size (der), sha256),
          ==, 0);
      g_assert_cmpmem (ch->u.chash.hash.data, 32, sha256, 32);
    }
    gi = deliver (f, mi, NOW + i * SEC, MKY_TYPE_PK_VERIFY);
    test_assert_same_keying (f->csb, gi);
  }

  /* without CHASH the first key (carol's) is tried: the PKE does not
   * decrypt, which ends like a bad MAC */
  mky_pk_initiator_set_chash (f->ini, FALSE, 0);
  m = build (f, TRUE, NOW + 5 * SEC);
  p = mky_message_parse_bytes (m, NULL);
  g_assert_null (mky_message_find (p, MKY_PT_CHASH, 0));
  assert_refused (f, m, NOW + 5 * SEC, MKY_ERROR_BAD_MAC, MKY_ERR_INVALID_MAC,
      FALSE);
}

/* CHASH naming a certificate the Responder does not have */
static void
test_chash_unknown (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) m = NULL;

  start_with (f, NULL, pki.carol_p);
  mky_pk_initiator_set_chash (f->ini, TRUE, MKY_HASH_SHA_1);
  add_keys (f->csb, FALSE, FALSE);
  m = build (f, TRUE, NOW);
  assert_refused (f, m, NOW, MKY_ERROR_CERT_UNTRUSTED, MKY_ERR_INVALID_CERT,
      FALSE);
}

/* ---- updates and envelope-key caching ---- */

/* Without caching an update is a PK message with a new PKE (§4.5) */
static void
test_update_not_cached (Fixture *f, gconstpointer data)
{
  g_autoptr (MkyCsb) first = NULL;
  g_autoptr (MkyCsb) second = NULL;
  g_autoptr (GBytes) upd = NULL;
  g_autoptr (GBytes) bad = NULL;
  g_autoptr (MkyMessage) p = NULL;
  g_autoptr (MkyMessage) stripped = NULL;
  g_autoptr (MkyPskInitiator) psk_ini = NULL;
  g_autoptr (GBytes) psk_upd = NULL;
  MkyConfig pcfg;
  gboolean cached = TRUE;

  start (f);
  add_keys (f->csb, FALSE, FALSE);
  first = exchange (f, NOW, TRUE);

  mky_csb_clear_keys (f->csb);
  add_keys (f->csb, FALSE, FALSE);
  mky_csb_add_cs (f->csb, 0, 0x33333333, 0);
  upd = build (f, TRUE, NOW + SEC);
  p = mky_message_parse_bytes (upd, NULL);
  g_assert_cmpuint (mky_message_hdr (p)->data_type, ==, MKY_TYPE_PK_INIT);
  g_assert_null (mky_message_find (p, MKY_PT_RAND, 0));
  g_assert_nonnull (mky_message_find (p, MKY_PT_PKE, 0));

  /* the same update without its PKE is no PK message */
  stripped = unsign (upd);
  for (guint i = 0; i < stripped->payloads->len; i++)
    if (((MkyPayload *) stripped->payloads->pdata[i])->type == MKY_PT_PKE)
      mky_message_remove (stripped, i--);
  bad = sign (stripped, pki.alice_c, MKY_SIGN_RSA_PKCS1);
  assert_refused (f, bad, NOW + SEC, MKY_ERROR_MISSING_PAYLOAD, -1, FALSE);

  /* nor is a PSK update under any key: nothing was cached */
  mky_config_init (&pcfg);
  mky_config_set_psk (&pcfg, (const guint8 *) "0123456789abcdef0123456789abcdef",
      32);
  psk_ini = mky_psk_initiator_new (&pcfg);
  mky_config_clear (&pcfg);
  psk_upd = mky_psk_initiator_build (psk_ini, f->csb, TRUE, NOW + SEC, NULL);
  g_assert_nonnull (psk_upd);
  assert_refused (f, psk_upd, NOW + SEC, MKY_ERROR_CSB_MISMATCH, -1, FALSE);

  second = deliver (f, upd, NOW + SEC, MKY_TYPE_PK_VERIFY);
  g_assert_cmpmem (second->rand.data, second->rand.len, first->rand.data,
      first->rand.len);
  g_assert_cmpuint (mky_csb_n_sessions (second), ==, 3);
  test_assert_same_keying (f->csb, second);
  g_assert_nonnull (mky_pk_responder_get_peer_identity (f->resp,
          f->csb->csb_id, &cached));
  g_assert_false (cached);
}

/* PKE C = 1 or 2: later updates are PSK messages under the envelope key
 * (RFC 3830 §3.2, §4.5), verified by PSK verification messages */
static void
test_update_cached (Fixture *f, gconstpointer data)
{
  const Suite *s = data;
  g_autoptr (MkyCsb) first = NULL;
  g_autoptr (MkyCsb) second = NULL;
  g_autoptr (MkyCsb) third = NULL;
  g_autoptr (MkyCsb) fourth = NULL;
  g_autoptr (GBytes) m = NULL;
  g_autoptr (GBytes) upd = NULL;
  g_autoptr (GBytes) upd2 = NULL;
  g_autoptr (GBytes) upd3 = NULL;
  g_autoptr (MkyMessage) p = NULL;
  g_autoptr (MkyMessage) p2 = NULL;
  g_autoptr (MkyMessage) p3 = NULL;
  gboolean cached = FALSE;
  gboolean kw = s->encr == MKY_ENCR_AES_KW_128;

  f->ci.encr_alg = s->encr;
  f->ci.mac_alg = s->mac;
  start (f);
  mky_pk_initiator_set_cache (f->ini, s->tek ? MKY_PKE_CACHE
      : MKY_PKE_CACHE_CSB);
  add_keys (f->csb, FALSE, kw);
  m = build (f, TRUE, NOW);
  p = mky_message_parse_bytes (m, NULL);
  g_assert_cmpuint (nth_payload (p, MKY_PT_PKE, 0)->u.pke.c, ==,
      s->tek ? MKY_PKE_CACHE : MKY_PKE_CACHE_CSB);
  first = deliver (f, m, NOW, MKY_TYPE_PK_VERIFY);
  g_assert_true (mky_pk_initiator_is_cached (f->ini, f->csb->csb_id));
  g_assert_cmpstr (mky_pk_responder_get_peer_identity (f->resp,
          f->csb->csb_id, &cached), ==, alice_uri);
  g_assert_true (cached);

  /* an update with a new TGK (PSK Key data alone: 4 + 20 for AES-KW) */
  mky_csb_clear_keys (f->csb);
  mky_csb_add_key (f->csb, MKY_KD_TGK, NULL, kw ? 20 : 16, NULL, 0, NULL, 0);
  upd = build (f, TRUE, NOW + SEC);
  p2 = mky_message_parse_bytes (upd, NULL);
  g_assert_cmpuint (mky_message_hdr (p2)->data_type, ==, MKY_TYPE_PSK_INIT);
  g_assert_cmphex (mky_message_hdr (p2)->csb_id, ==, f->csb->csb_id);
  g_assert_null (mky_message_find (p2, MKY_PT_PKE, 0));
  g_assert_null (mky_message_find (p2, MKY_PT_SIGN, 0));
  g_assert_null (mky_message_find (p2, MKY_PT_RAND, 0));
  /* a PSK message needs its MAC even where the PK one had none */
  g_assert_cmpuint (nth_payload (p2, MKY_PT_KEMAC, 0)->u.kemac.mac_alg, ==,
      MKY_MAC_HMAC_SHA_1_160);
  second = deliver (f, upd, NOW + SEC, MKY_TYPE_PSK_VERIFY);
  g_assert_cmpmem (second->rand.data, second->rand.len, first->rand.data,
      first->rand.len);
  test_assert_same_keying (f->csb, second);
  /* the new TGK, not the first one */
  g_assert_cmpmem (((MkyPayload *) second->keys->pdata[0])->u.key_data.key.data,
      16, ((MkyPayload *) f->csb->keys->pdata[0])->u.key_data.key.data, 16);

  /* replayed: dropped */
  assert_refused (f, upd, NOW + 2 * SEC, MKY_ERROR_REPLAY, -1, FALSE);

  /* tampered: an unauthenticated Invalid MAC */
  {
    g_autoptr (GBytes) bad = test_bytes_flip (upd, 25, 1);
    assert_refused (f, bad, NOW + 2 * SEC, MKY_ERROR_BAD_MAC,
        MKY_ERR_INVALID_MAC, FALSE);
  }

  /* the cached key serves updates of this bundle only: not a new initial
   * PSK exchange (with RAND) under it */
  {
    g_autoptr (MkyCsb) fresh = mky_csb_new (f->csb->csb_id);
    g_autoptr (MkyPskInitiator) pi = NULL;
    g_autoptr (GBytes) init = NULL;
    g_autoptr (GError) err = NULL;
    const MkyPayload *pke = nth_payload (p, MKY_PT_PKE, 0);
    MkyBytes env = { 0 };
    MkyConfig pcfg;

    g_assert_true (mky_credentials_decrypt (pki.bob_c,
            MKY_PKE_ENCR_RSA_PKCS1, pke->u.pke.data.data, pke->u.pke.data.len,
            &env, &err));
    mky_config_init (&pcfg);
    mky_config_set_psk (&pcfg, env.data, env.len);
    mky_bytes_clear (&env, TRUE);
    pi = mky_psk_initiator_new (&pcfg);
    mky_config_clear (&pcfg);
    mky_csb_add_key (fresh, MKY_KD_TGK, NULL, 16, NULL, 0, NULL, 0);
    init = mky_psk_initiator_build (pi, fresh, TRUE, NOW + 2 * SEC, &err);
    g_assert_no_error (err);
    assert_refused (f, init, NOW + 2 * SEC, MKY_ERROR_UNEXPECTED_PAYLOAD, -1,
        FALSE);
  }

  /* another update, no verification asked */
  mky_csb_clear_keys (f->csb);
  mky_csb_add_key (f->csb, MKY_KD_TGK, NULL, kw ? 20 : 16, NULL, 0, NULL, 0);
  upd2 = build (f, FALSE, NOW + 3 * SEC);
  third = deliver (f, upd2, NOW + 3 * SEC, G_MAXUINT);
  test_assert_same_keying (f->csb, third);

  /* uncached by the Initiator: the next update is a PK one again, with
   * C = 0, and the Responder forgets the key */
  mky_pk_initiator_set_cache (f->ini, MKY_PKE_NO_CACHE);
  mky_pk_initiator_uncache (f->ini, f->csb->csb_id);
  g_assert_false (mky_pk_initiator_is_cached (f->ini, f->csb->csb_id));
  mky_csb_clear_keys (f->csb);
  add_keys (f->csb, FALSE, kw);
  upd3 = build (f, TRUE, NOW + 4 * SEC);
  p3 = mky_message_parse_bytes (upd3, NULL);
  g_assert_cmpuint (mky_message_hdr (p3)->data_type, ==, MKY_TYPE_PK_INIT);
  g_assert_cmpuint (nth_payload (p3, MKY_PT_PKE, 0)->u.pke.c, ==,
      MKY_PKE_NO_CACHE);
  fourth = deliver (f, upd3, NOW + 4 * SEC, MKY_TYPE_PK_VERIFY);
  test_assert_same_keying (f->csb, fourth);
  g_assert_nonnull (mky_pk_responder_get_peer_identity (f->resp,
          f->csb->csb_id, &cached));
  g_assert_false (cached);
}

/* ---- refusals ---- */

/* alice's key in a certificate the Responder must refuse */
static void
test_bad_cert (Fixture *f, gconstpointer data)
{
  const struct {
    MkyCredentials **who;
    gint code;
  } cases[] = {
    { &pki.alice_rogue_c, MKY_ERROR_CERT_UNTRUSTED },
    { &pki.alice_expired_c, MKY_ERROR_CERT_EXPIRED },
    { &pki.alice_revoked_c, MKY_ERROR_CERT_REVOKED },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (GBytes) m = NULL;
    g_clear_pointer (&f->ini, mky_pk_initiator_free);
    start_with (f, *cases[i].who, NULL);
    new_csb (f, 0x0c5b0100 + i);
    add_keys (f->csb, FALSE, FALSE);
    m = build (f, TRUE, NOW + i * SEC);
    assert_refused (f, m, NOW + i * SEC, cases[i].code, MKY_ERR_INVALID_CERT,
        FALSE);
  }
  /* refused messages do not enter the replay cache */
  g_assert_cmpuint (mky_replay_cache_size (
          mky_pk_responder_get_replay_cache (f->resp)), ==, 0);
}

/* a clear IDi the certificate does not carry */
static void
test_idi_not_in_cert (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) m = NULL;

  f->ci.id_i = g_strdup ("sip:eve@example.com");
  start (f);
  add_keys (f->csb, FALSE, FALSE);
  m = build (f, TRUE, NOW);
  assert_refused (f, m, NOW, MKY_ERROR_BAD_ID, MKY_ERR_INVALID_ID, FALSE);
}

static void
test_bad_signature (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) m = NULL;
  g_autoptr (GBytes) sig_flip = NULL;
  g_autoptr (GBytes) body_flip = NULL;
  g_autoptr (MkyMessage) p = NULL;
  g_autoptr (MkyCsb) got = NULL;

  start (f);
  add_keys (f->csb, FALSE, FALSE);
  m = build (f, TRUE, NOW);
  sig_flip = test_bytes_flip (m, 1, 0x01);      /* in the signature */
  assert_refused (f, sig_flip, NOW, MKY_ERROR_BAD_SIGNATURE,
      MKY_ERR_AUTH_FAILURE, FALSE);

  p = mky_message_parse_bytes (m, NULL);
  body_flip = test_bytes_xor (m, nth_payload (p, MKY_PT_RAND, 0)->offset + 3,
      0x80);                    /* in RAND */
  assert_refused (f, body_flip, NOW, MKY_ERROR_BAD_SIGNATURE,
      MKY_ERR_AUTH_FAILURE, FALSE);
  g_assert_cmpuint (mky_replay_cache_size (
          mky_pk_responder_get_replay_cache (f->resp)), ==, 0);

  /* the original still goes through */
  got = deliver (f, m, NOW, MKY_TYPE_PK_VERIFY);
  test_assert_same_keying (f->csb, got);
}

/* The KEMAC changed and the message signed again (by alice): the MAC does
 * not verify. The answer is an unauthenticated Invalid MAC. */
static void
test_bad_kemac_mac (Fixture *f, gconstpointer data)
{
  const Suite *s = data;
  g_autoptr (GBytes) m = NULL;
  g_autoptr (GBytes) bad = NULL;
  g_autoptr (MkyMessage) u = NULL;
  MkyPayload *kemac;

  f->ci.encr_alg = s->encr;
  f->ci.mac_alg = s->mac;
  start (f);
  add_keys (f->csb, FALSE, s->encr == MKY_ENCR_AES_KW_128);
  m = build (f, TRUE, NOW);
  u = unsign (m);
  kemac = nth_payload (u, MKY_PT_KEMAC, 0);
  kemac->u.kemac.encr_data.data[kemac->u.kemac.encr_data.len - 1] ^= 0x01;
  bad = sign (u, pki.alice_c, MKY_SIGN_RSA_PKCS1);
  assert_refused (f, bad, NOW, MKY_ERROR_BAD_MAC, MKY_ERR_INVALID_MAC, FALSE);
  /* it was signed by alice: it is in the replay cache now */
  g_assert_cmpuint (mky_replay_cache_size (
          mky_pk_responder_get_replay_cache (f->resp)), ==, 1);
  assert_refused (f, bad, NOW, MKY_ERROR_REPLAY, -1, FALSE);
}

/* Mallory takes alice's I_MESSAGE, puts his IDi and certificate in it and
 * signs it himself; KEMAC and PKE are alice's, so the MAC verifies, but
 * the encrypted IDi is alice's (RFC 3830 §3.2). The Responder knows the
 * envelope key: its Invalid ID is authenticated. */
static void
test_encrypted_idi_mismatch (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) m = NULL;
  g_autoptr (GBytes) bad = NULL;
  g_autoptr (MkyMessage) u = NULL;
  g_autoptr (GBytes) der = test_pki_cert_der (pki.mallory);
  MkyPayload *id, *cert;

  start (f);
  add_keys (f->csb, FALSE, FALSE);
  m = build (f, TRUE, NOW);
  u = unsign (m);
  id = nth_payload (u, MKY_PT_ID, 0);
  mky_bytes_set (&id->u.id.data, (const guint8 *) mallory_uri,
      strlen (mallory_uri));
  cert = nth_payload (u, MKY_PT_CERT, 0);
  mky_bytes_set (&cert->u.id.data, g_bytes_get_data (der, NULL),
      g_bytes_get_size (der));
  bad = sign (u, pki.mallory_c, MKY_SIGN_RSA_PKCS1);
  assert_refused (f, bad, NOW, MKY_ERROR_BAD_ID, MKY_ERR_INVALID_ID, TRUE);
  g_assert_null (mky_pk_responder_get_peer_identity (f->resp,
          f->csb->csb_id, NULL));
}

/* A trusted Initiator may not update another's bundle */
static void
test_update_other_owner (Fixture *f, gconstpointer data)
{
  g_autoptr (MkyCsb) first = NULL;
  g_autoptr (MkyPkInitiator) carol = NULL;
  g_autoptr (GBytes) m = NULL;
  g_autoptr (GError) err = NULL;
  MkyConfig cc;

  start (f);
  add_keys (f->csb, FALSE, FALSE);
  first = exchange (f, NOW, FALSE);

  mky_config_init (&cc);
  cc.credentials = mky_credentials_ref (pki.carol_c);
  carol = mky_pk_initiator_new (&cc, pki.bob_p, &err);
  g_assert_no_error (err);
  mky_config_clear (&cc);
  /* alice's bundle (with its RAND: an update), built by carol */
  m = mky_pk_initiator_build (carol, f->csb, TRUE, NOW + SEC, &err);
  g_assert_no_error (err);
  assert_refused (f, m, NOW + SEC, MKY_ERROR_BAD_ID, MKY_ERR_INVALID_ID,
      TRUE);
  g_assert_cmpstr (mky_pk_responder_get_peer_identity (f->resp,
          f->csb->csb_id, NULL), ==, alice_uri);
}

/* The PKE made for carol's key: bob cannot decrypt it, which is told
 * apart from a bad MAC in nothing */
static void
test_pke_other_key (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) m = NULL;
  g_autoptr (GBytes) m2 = NULL;
  g_autoptr (GBytes) bad = NULL;
  g_autoptr (MkyMessage) u = NULL;
  g_autoptr (MkyMessage) p2 = NULL;
  g_autoptr (GError) e1 = NULL;
  g_autoptr (GError) e2 = NULL;
  g_autoptr (GBytes) r1 = NULL;
  g_autoptr (GBytes) r2 = NULL;
  MkyCsb *got;

  start_with (f, NULL, pki.carol_p);
  add_keys (f->csb, FALSE, FALSE);
  m = build (f, TRUE, NOW);
  got = mky_pk_responder_handle (f->resp, m, NOW, &r1, &e1);
  g_assert_null (got);
  g_assert_error (e1, MKY_ERROR, MKY_ERROR_BAD_MAC);

  /* a PKE for bob with a corrupted KEMAC gives the same error and reply */
  g_clear_pointer (&f->ini, mky_pk_initiator_free);
  start (f);
  new_csb (f, 0x0c5b0002);
  add_keys (f->csb, FALSE, FALSE);
  m2 = build (f, TRUE, NOW + SEC);
  u = unsign (m2);
  nth_payload (u, MKY_PT_KEMAC, 0)->u.kemac.mac.data[0] ^= 1;
  bad = sign (u, pki.alice_c, MKY_SIGN_RSA_PKCS1);
  got = mky_pk_responder_handle (f->resp, bad, NOW + SEC, &r2, &e2);
  g_assert_null (got);
  g_assert_error (e2, MKY_ERROR, MKY_ERROR_BAD_MAC);
  g_assert_cmpstr (e1->message, ==, e2->message);
  g_assert_cmpuint (g_bytes_get_size (r1), ==, g_bytes_get_size (r2));
  p2 = mky_message_parse_bytes (r2, NULL);
  g_assert_cmpuint (mky_message_find (p2, MKY_PT_ERR, 0)->u.err.err_no, ==,
      MKY_ERR_INVALID_MAC);
  g_assert_null (mky_message_find (p2, MKY_PT_V, 0));
}

static void
test_replay_and_time (Fixture *f, gconstpointer data)
{
  g_autoptr (MkyCsb) got = NULL;
  g_autoptr (GBytes) m = NULL;
  g_autoptr (GBytes) stale = NULL;
  g_autoptr (GBytes) future = NULL;
  const MkyReplayCache *rc;

  start (f);
  rc = mky_pk_responder_get_replay_cache (f->resp);
  add_keys (f->csb, FALSE, FALSE);
  m = build (f, FALSE, NOW);
  got = deliver (f, m, NOW, G_MAXUINT);
  g_assert_cmpuint (mky_replay_cache_size (rc), ==, 1);
  assert_refused (f, m, NOW + SEC, MKY_ERROR_REPLAY, -1, FALSE);

  /* sent 6 minutes ago (skew 5), or 6 minutes ahead */
  mky_csb_clear_keys (f->csb);
  add_keys (f->csb, FALSE, FALSE);
  stale = build (f, FALSE, NOW + SEC);
  assert_refused (f, stale, NOW + SEC + 6 * 60 * SEC, MKY_ERROR_TS_STALE, -1,
      FALSE);
  future = build (f, FALSE, NOW + 10 * 60 * SEC);
  assert_refused (f, future, NOW + 3 * 60 * SEC, MKY_ERROR_TS_FUTURE, -1,
      FALSE);
  g_assert_cmpuint (mky_replay_cache_size (rc), ==, 1);

  /* a Responder that lost its state refuses all within the skew */
  mky_pk_responder_free (f->resp);
  f->resp = mky_pk_responder_new (&f->cr, NOW + SEC, TRUE);
  assert_refused (f, stale, NOW + SEC, MKY_ERROR_REPLAY, -1, FALSE);
}

/* AES-CM with a NULL MAC would let the encrypted IDi be flipped: only
 * AES-KW may go without a MAC, unless MIKEY-NULL is allowed */
static void
test_null_mac (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) err = NULL;
  g_autoptr (GBytes) m = NULL;
  g_autoptr (GBytes) bad = NULL;
  g_autoptr (MkyMessage) u = NULL;

  f->ci.mac_alg = MKY_MAC_NULL;
  start (f);
  add_keys (f->csb, FALSE, FALSE);
  m = mky_pk_initiator_build (f->ini, f->csb, TRUE, NOW, &err);
  g_assert_null (m);
  g_assert_error (err, MKY_ERROR, MKY_ERROR_BAD_MAC_ALG);

  /* and a Responder refuses it (one made with allow-null) */
  g_clear_pointer (&f->ini, mky_pk_initiator_free);
  f->ci.allow_null = TRUE;
  start (f);
  m = build (f, TRUE, NOW);
  assert_refused (f, m, NOW, MKY_ERROR_BAD_MAC_ALG, MKY_ERR_INVALID_HA, FALSE);

  /* both ends allow it: it works, and a PKE that does not decrypt is
   * still refused as a bad MAC (no MAC to fail here) */
  mky_pk_responder_free (f->resp);
  f->cr.allow_null = TRUE;
  f->resp = mky_pk_responder_new (&f->cr, NOW, FALSE);
  {
    g_autoptr (MkyCsb) got = NULL;
    g_autoptr (GBytes) m2 = NULL;
    new_csb (f, 0x0c5b0003);
    add_keys (f->csb, FALSE, FALSE);
    m2 = build (f, TRUE, NOW + SEC);
    got = deliver (f, m2, NOW + SEC, MKY_TYPE_PK_VERIFY);
    test_assert_same_keying (f->csb, got);
  }
  g_clear_pointer (&f->ini, mky_pk_initiator_free);
  start_with (f, NULL, pki.carol_p);
  new_csb (f, 0x0c5b0004);
  add_keys (f->csb, FALSE, FALSE);
  bad = build (f, TRUE, NOW + 2 * SEC);
  assert_refused (f, bad, NOW + 2 * SEC, MKY_ERROR_BAD_MAC,
      MKY_ERR_INVALID_MAC, FALSE);
  (void) u;
}

/* The Initiator checks the verification message: the V MAC, the echoed
 * timestamp, the CSB; an unauthenticated error leaves it waiting */
static void
test_verify_checks (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) m = NULL;
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (GBytes) bad = NULL;
  g_autoptr (GError) err = NULL;
  g_autoptr (MkyCsb) got = NULL;
  g_autoptr (MkyMessage) r = NULL;

  start (f);
  add_keys (f->csb, FALSE, FALSE);
  m = build (f, TRUE, NOW);
  got = mky_pk_responder_handle (f->resp, m, NOW, &reply, &err);
  g_assert_no_error (err);
  r = mky_message_parse_bytes (reply, NULL);
  g_assert_cmpuint (mky_message_hdr (r)->data_type, ==, MKY_TYPE_PK_VERIFY);
  g_assert_cmpuint (nth_payload (r, MKY_PT_V, 0)->u.v.auth_alg, ==,
      MKY_MAC_HMAC_SHA_1_160);
  g_assert_cmpuint (nth_payload (r, MKY_PT_T, 0)->u.t.ts, ==, f->csb->t.ts);

  bad = test_bytes_flip (reply, 1, 1);
  g_assert_false (mky_pk_initiator_handle_response (f->ini, f->csb, bad,
          &err));
  g_assert_error (err, MKY_ERROR, MKY_ERROR_BAD_MAC);
  g_clear_error (&err);

  /* a forged (unauthenticated) error: still waiting */
  {
    g_autoptr (MkyMessage) e = mky_message_new (MKY_TYPE_ERROR,
        f->csb->csb_id);
    g_autoptr (GBytes) eb = NULL;
    MkyPayload *p;
    mky_message_hdr (e)->map_type = MKY_MAP_EMPTY;
    p = mky_message_add (e, MKY_PT_T);
    p->u.t = f->csb->t;
    p = mky_message_add (e, MKY_PT_ERR);
    p->u.err.err_no = MKY_ERR_AUTH_FAILURE;
    eb = mky_message_serialize (e, NULL);
    g_assert_false (mky_pk_initiator_handle_response (f->ini, f->csb, eb,
            &err));
    g_assert_error (err, MKY_ERROR, MKY_ERROR_PEER_ERROR);
    g_assert_nonnull (strstr (err->message, "not authenticated"));
    g_clear_error (&err);
  }

  g_assert_true (mky_pk_initiator_handle_response (f->ini, f->csb, reply,
          &err));
  g_assert_no_error (err);
  /* once only */
  g_assert_false (mky_pk_initiator_handle_response (f->ini, f->csb, reply,
          &err));
  g_assert_error (err, MKY_ERROR, MKY_ERROR_CSB_MISMATCH);
}

/* IDr and a configured id_r */
static void
test_idr (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) m = NULL;
  g_autoptr (MkyMessage) p = NULL;
  g_autoptr (MkyCsb) got = NULL;
  g_autoptr (GError) err = NULL;
  g_autoptr (MkyPkInitiator) wrong = NULL;

  f->ci.id_r = g_strdup (bob_uri);
  f->cr.id_r = g_strdup (bob_uri);
  /* the Responder's certificate must carry id_r */
  wrong = mky_pk_initiator_new (&f->ci, pki.carol_p, &err);
  g_assert_null (wrong);
  g_assert_error (err, MKY_ERROR, MKY_ERROR_BAD_ID);

  start (f);
  add_keys (f->csb, FALSE, FALSE);
  m = build (f, TRUE, NOW);
  p = mky_message_parse_bytes (m, NULL);
  /* IDi, CERTi, IDr */
  g_assert_cmpuint (((MkyPayload *) p->payloads->pdata[4])->type, ==,
      MKY_PT_ID);
  g_assert_cmpmem (nth_payload (p, MKY_PT_ID, 1)->u.id.data.data,
      strlen (bob_uri), bob_uri, strlen (bob_uri));
  got = deliver (f, m, NOW, MKY_TYPE_PK_VERIFY);
  test_assert_same_keying (f->csb, got);

  /* a Responder that expects another IDr */
  mky_pk_responder_free (f->resp);
  g_free (f->cr.id_r);
  f->cr.id_r = g_strdup ("sip:robert@example.com");
  f->resp = mky_pk_responder_new (&f->cr, NOW, FALSE);
  new_csb (f, 0x0c5b0005);
  add_keys (f->csb, FALSE, FALSE);
  {
    g_autoptr (GBytes) m2 = build (f, TRUE, NOW + SEC);
    assert_refused (f, m2, NOW + SEC, MKY_ERROR_BAD_ID, MKY_ERR_INVALID_ID,
        TRUE);
  }
}

#define ADD(name, fn, data) \
  g_test_add ("/pk/" name, Fixture, data, fixture_setup, fn, fixture_teardown)

int
main (int argc, char **argv)
{
  static const Suite suites[] = {
    { MKY_SIGN_RSA_PKCS1, MKY_PRF_MIKEY_1, MKY_ENCR_AES_CM_128, MKY_MAC_HMAC_SHA_1_160, FALSE },
    { MKY_SIGN_RSA_PKCS1, MKY_PRF_MIKEY_1, MKY_ENCR_AES_CM_128, MKY_MAC_HMAC_SHA_1_160, TRUE },
    { MKY_SIGN_RSA_PKCS1, MKY_PRF_MIKEY_1, MKY_ENCR_AES_KW_128, MKY_MAC_NULL, FALSE },
    { MKY_SIGN_RSA_PKCS1, MKY_PRF_MIKEY_1, MKY_ENCR_AES_KW_128, MKY_MAC_NULL, TRUE },
    { MKY_SIGN_RSA_PSS, MKY_PRF_MIKEY_1, MKY_ENCR_AES_CM_128, MKY_MAC_HMAC_SHA_1_160, FALSE },
    { MKY_SIGN_RSA_PSS, MKY_PRF_MIKEY_1, MKY_ENCR_AES_CM_128, MKY_MAC_HMAC_SHA_1_160, TRUE },
    { MKY_SIGN_RSA_PSS, MKY_PRF_MIKEY_1, MKY_ENCR_AES_KW_128, MKY_MAC_NULL, FALSE },
    { MKY_SIGN_RSA_PSS, MKY_PRF_MIKEY_1, MKY_ENCR_AES_KW_128, MKY_MAC_NULL, TRUE },
    { MKY_SIGN_RSA_PKCS1, MKY_PRF_MIKEY_1, MKY_ENCR_AES_KW_128, MKY_MAC_HMAC_SHA_1_160, FALSE },
    { MKY_SIGN_RSA_PKCS1, MKY_PRF_HMAC_SHA_256, MKY_ENCR_AES_CM_256, MKY_MAC_HMAC_SHA_256_256, FALSE },
  };
  static const Suite cm = { 0, 0, MKY_ENCR_AES_CM_128, MKY_MAC_HMAC_SHA_1_160, FALSE };
  static const Suite kw = { 0, 0, MKY_ENCR_AES_KW_128, MKY_MAC_NULL, FALSE };
  static const Suite cm_c1 = { 0, 0, MKY_ENCR_AES_CM_128, MKY_MAC_HMAC_SHA_1_160, TRUE };
  static const Suite kw_c1 = { 0, 0, MKY_ENCR_AES_KW_128, MKY_MAC_NULL, TRUE };
  int ret;

  g_test_init (&argc, &argv, NULL);
  gnutls_global_init ();
  make_pki ();
  for (guint i = 0; i < G_N_ELEMENTS (suites); i++) {
    const Suite *s = &suites[i];
    g_autofree char *name = g_strdup_printf ("/pk/exchange/%s-prf%u-encr%u-mac%u-%s",
        s->sign == MKY_SIGN_RSA_PSS ? "pss" : "pkcs1", s->prf, s->encr, s->mac,
        s->tek ? "tek" : "tgk");
    g_test_add (name, Fixture, s, fixture_setup, test_exchange,
        fixture_teardown);
  }
  ADD ("kemac-layout", test_kemac_layout, NULL);
  ADD ("chash", test_chash, NULL);
  ADD ("chash-unknown", test_chash_unknown, NULL);
  ADD ("update/not-cached", test_update_not_cached, NULL);
  ADD ("update/cached-csb-aes-cm", test_update_cached, &cm);
  ADD ("update/cached-csb-aes-kw", test_update_cached, &kw);
  ADD ("update/cached-aes-cm", test_update_cached, &cm_c1);
  ADD ("update/cached-aes-kw", test_update_cached, &kw_c1);
  ADD ("update/other-owner", test_update_other_owner, NULL);
  ADD ("refuse/cert", test_bad_cert, NULL);
  ADD ("refuse/idi-not-in-cert", test_idi_not_in_cert, NULL);
  ADD ("refuse/signature", test_bad_signature, NULL);
  ADD ("refuse/kemac-mac", test_bad_kemac_mac, &cm);
  ADD ("refuse/kemac-keywrap", test_bad_kemac_mac, &kw);
  ADD ("refuse/encrypted-idi", test_encrypted_idi_mismatch, NULL);
  ADD ("refuse/pke-other-key", test_pke_other_key, NULL);
  ADD ("refuse/replay-and-time", test_replay_and_time, NULL);
  ADD ("refuse/null-mac", test_null_mac, NULL);
  ADD ("verify-checks", test_verify_checks, NULL);
  ADD ("idr", test_idr, NULL);
  ret = g_test_run ();
  free_pki ();
  gnutls_global_deinit ();
  return ret;
}
