/* DH mode (RFC 3830 §3.3) and DH-HMAC (RFC 4650) end to end: both sides
 * must derive the same TGK and SRTP keys, and every refusal must carry its
 * own error. Certificates come from a PKI made at test time
 * (tests/common/test-pki.c), valid around 2035. */
#include <string.h>
#include <mky/mky.h>
#include <gnutls/crypto.h>
#include "test-util.h"
#include "test-pki.h"

#define DAY (G_GINT64_CONSTANT (86400))
#define YEAR (365 * DAY)
#define NOW_S (G_GINT64_CONSTANT (2051222400))  /* 2035-01-01 */
#define SEC G_USEC_PER_SEC
#define NOW (NOW_S * SEC)

static const guint8 psk[] = "a pre-shared key of 32 bytes....";
static const char alice_uri[] = "sip:alice@example.com";
static const char bob_uri[] = "sip:bob@example.com";
static const char carol_uri[] = "sip:carol@example.com";

static struct {
  TestPkiCert *ca, *rogue, *alice, *bob, *carol, *mallory;
  MkyCredentials *alice_creds, *bob_creds, *carol_creds, *mallory_creds;
  MkyTrust *trust;
} pki;

/* Valid from ten years before NOW to ten years after, for signing */
static TestPkiCert *
issue (TestPkiCert *issuer, const char *cn, const char *uri, guint slot,
    guint64 serial)
{
  return test_pki_leaf (issuer, cn, uri, slot, serial, NOW_S - 10 * YEAR,
      NOW_S + 10 * YEAR, TEST_PKI_KU_SIGN);
}

static void
make_pki (void)
{
  pki.ca = test_pki_ca ("MKY Test CA", 0, NOW_S - 10 * YEAR,
      NOW_S + 10 * YEAR);
  pki.rogue = test_pki_ca ("Rogue CA", 1, NOW_S - 10 * YEAR,
      NOW_S + 10 * YEAR);
  pki.alice = issue (pki.ca, "alice", alice_uri, 2, 100);
  pki.bob = issue (pki.ca, "bob", bob_uri, 3, 101);
  pki.carol = issue (pki.ca, "carol", carol_uri, 4, 102);
  /* claims to be alice, from a CA nobody trusts */
  pki.mallory = issue (pki.rogue, "alice", alice_uri, 4, 100);
  pki.alice_creds = test_pki_credentials (pki.alice);
  pki.bob_creds = test_pki_credentials (pki.bob);
  pki.carol_creds = test_pki_credentials (pki.carol);
  pki.mallory_creds = test_pki_credentials (pki.mallory);
  pki.trust = test_pki_trust (pki.ca, NULL);
}

static void
free_pki (void)
{
  g_clear_pointer (&pki.alice_creds, mky_credentials_unref);
  g_clear_pointer (&pki.bob_creds, mky_credentials_unref);
  g_clear_pointer (&pki.carol_creds, mky_credentials_unref);
  g_clear_pointer (&pki.mallory_creds, mky_credentials_unref);
  g_clear_pointer (&pki.trust, mky_trust_unref);
  g_clear_pointer (&pki.ca, test_pki_cert_free);
  g_clear_pointer (&pki.rogue, test_pki_cert_free);
  g_clear_pointer (&pki.alice, test_pki_cert_free);
  g_clear_pointer (&pki.bob, test_pki_cert_free);
  g_clear_pointer (&pki.carol, test_pki_cert_free);
  g_clear_pointer (&pki.mallory, test_pki_cert_free);
}

/* ------------------------------------------------------------------ */

typedef struct {
  MkyDhMode mode;
  MkyDhGroup group;
  MkySignType sign;
  MkyMacAlg mac;
  MkyPrf prf;
} Params;

static const Params sign_default = {
  MKY_DH_MODE_SIGN, MKY_DH_OAKLEY_5, MKY_SIGN_RSA_PKCS1,
  MKY_MAC_HMAC_SHA_1_160, MKY_PRF_MIKEY_1,
};
static const Params hmac_default = {
  MKY_DH_MODE_HMAC, MKY_DH_OAKLEY_5, MKY_SIGN_RSA_PKCS1,
  MKY_MAC_HMAC_SHA_1_160, MKY_PRF_MIKEY_1,
};

typedef struct {
  Params p;
  MkyConfig icfg;               /* alice, the Initiator */
  MkyConfig rcfg;               /* bob, the Responder */
  MkyDhInitiator *ini;
  MkyDhResponder *resp;
  MkyCsb *csb;                  /* the Initiator's */
} Fixture;

static void
config (Fixture *f, MkyConfig *cfg, MkyCredentials *creds)
{
  mky_config_init (cfg);
  cfg->dh_group = f->p.group;
  cfg->sign_type = f->p.sign;
  cfg->mac_alg = f->p.mac;
  cfg->prf = f->p.prf;
  if (f->p.mode == MKY_DH_MODE_SIGN) {
    cfg->credentials = mky_credentials_ref (creds);
    cfg->trust = mky_trust_ref (pki.trust);
  } else {
    mky_config_set_psk (cfg, psk, 32);
  }
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->p = *(const Params *) data;
  config (f, &f->icfg, pki.alice_creds);
  config (f, &f->rcfg, pki.bob_creds);
  /* the Initiator wants to talk to bob; the Responder is bob */
  f->icfg.id_r = g_strdup (bob_uri);
  f->rcfg.id_r = g_strdup (bob_uri);
  if (f->p.mode == MKY_DH_MODE_HMAC)
    f->icfg.id_i = g_strdup (alice_uri);
  f->csb = test_csb_new (0);
}

/* A new bundle for the next initial exchange */
static void
renew (Fixture *f)
{
  mky_csb_unref (f->csb);
  f->csb = test_csb_new (0);
}

static void
start (Fixture *f)
{
  f->ini = mky_dh_initiator_new (&f->icfg, f->p.mode);
  f->resp = mky_dh_responder_new (&f->rcfg, f->p.mode, NOW, FALSE);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  mky_dh_initiator_free (f->ini);
  mky_dh_responder_free (f->resp);
  mky_csb_unref (f->csb);
  mky_config_clear (&f->icfg);
  mky_config_clear (&f->rcfg);
}

static gboolean
is_sign (const Fixture *f)
{
  return f->p.mode == MKY_DH_MODE_SIGN;
}

static const MkyKeyData *
tgk_of (const MkyCsb *csb)
{
  const MkyKeyData *kd;
  g_assert_cmpuint (csb->keys->len, ==, 1);
  kd = &((const MkyPayload *) csb->keys->pdata[0])->u.key_data;
  g_assert_cmpuint (kd->type, ==, MKY_KD_TGK);
  return kd;
}

/* The same TGK, and the same SRTP keying from it */
static void
assert_same_keying (const MkyCsb *a, const MkyCsb *b)
{
  const MkyKeyData *ta = tgk_of (a), *tb = tgk_of (b);

  g_assert_cmpmem (ta->key.data, ta->key.len, tb->key.data, tb->key.len);
  test_assert_same_keying (a, b);
}

static GBytes *
build (Fixture *f, gboolean rekey, const char *const *sdp_ids, gint64 now)
{
  g_autoptr (GError) error = NULL;
  GBytes *m = mky_dh_initiator_build (f->ini, f->csb, rekey, sdp_ids, now,
      &error);
  g_assert_no_error (error);
  g_assert_nonnull (m);
  return m;
}

/* Responder side of an exchange that must succeed: its bundle, and the
 * R_MESSAGE in @reply */
static MkyCsb *
respond (Fixture *f, GBytes *init, const char *const *sdp_ids, gint64 now,
    GBytes **reply)
{
  g_autoptr (GError) error = NULL;
  MkyCsb *got = mky_dh_responder_handle (f->resp, init, sdp_ids, now, reply,
      &error);
  g_assert_no_error (error);
  g_assert_nonnull (got);
  g_assert_nonnull (*reply);
  return got;
}

static void
accept_response (Fixture *f, GBytes *reply, gint64 now)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (mky_dh_initiator_handle_response (f->ini, f->csb, reply,
          now, &error));
  g_assert_no_error (error);
}

static MkyCsb *
exchange (Fixture *f, gboolean rekey, gint64 now)
{
  g_autoptr (GBytes) init = build (f, rekey, NULL, now);
  g_autoptr (GBytes) reply = NULL;
  MkyCsb *got = respond (f, init, NULL, now, &reply);
  accept_response (f, reply, now);
  return got;
}

/* ---- taking messages apart and putting them back together ---- */

/* Where the value of the @nth DH payload starts (Next, DH-Group, value) */
static gsize
dh_value_offset (GBytes *msg, guint nth, gsize *len)
{
  g_autoptr (MkyMessage) m = mky_message_parse_bytes (msg, NULL);
  const MkyPayload *p = mky_message_find (m, MKY_PT_DH, nth);
  const guint8 *raw = g_bytes_get_data (msg, NULL);

  g_assert_nonnull (p);
  g_assert_cmpmem (raw + p->offset + 2, p->u.dh.value.len, p->u.dh.value.data,
      p->u.dh.value.len);
  if (len)
    *len = p->u.dh.value.len;
  return p->offset + 2;
}

static GBytes *
sdp_ids_payload (GBytes *msg, gsize *off)
{
  g_autoptr (MkyMessage) m = mky_message_parse_bytes (msg, NULL);
  const MkyPayload *p = mky_message_find (m, MKY_PT_GEN_EXT, 0);
  if (p == NULL)
    return NULL;
  g_assert_cmpuint (p->u.gen_ext.type, ==, MKY_GEN_SDP_IDS);
  *off = p->offset + 4;
  return g_bytes_new (p->u.gen_ext.data.data, p->u.gen_ext.data.len);
}

/* Authenticate @msg again, as its sender (@creds, or the PSK) would have:
 * what a peer holding the key can send */
static GBytes *
reauth (Fixture *f, GBytes *msg, MkyCredentials *creds)
{
  g_autoptr (MkyMessage) m = mky_message_parse_bytes (msg, NULL);
  const MkyPayload *last = m->payloads->pdata[m->payloads->len - 1];
  gsize len;
  const guint8 *d = g_bytes_get_data (msg, &len);
  guint8 *out = g_memdup2 (d, len);

  if (last->type == MKY_PT_SIGN) {
    MkyBytes sig = { 0 };
    gsize sig_len = last->u.sign.signature.len;
    g_assert_true (mky_credentials_sign (creds, last->u.sign.s_type, d,
            len - sig_len, &sig, NULL));
    g_assert_cmpuint (sig.len, ==, sig_len);
    memcpy (out + len - sig_len, sig.data, sig_len);
    mky_bytes_clear (&sig, FALSE);
  } else {
    MkyMsgKeys keys;
    gsize mac_len = last->u.kemac.mac.len;
    g_assert_cmpuint (last->type, ==, MKY_PT_KEMAC);
    g_assert_true (mky_msg_keys_derive (&keys, f->csb->prf, MKY_ENCR_NULL,
            last->u.kemac.mac_alg, psk, 32, f->csb->csb_id,
            f->csb->rand.data, f->csb->rand.len, NULL));
    mky_mac_compute (&keys, d, len - mac_len, NULL, 0, out + len - mac_len);
    mky_msg_keys_clear (&keys);
  }
  return g_bytes_new_take (out, len);
}

/* @msg again from copies of its payloads, without those of type @drop
 * (0: none), with @insert added before payload @at (-1: before the last,
 * the SIGN or KEMAC), and authenticated again */
static GBytes *
rebuild_at (Fixture *f, GBytes *msg, guint drop, GPtrArray *insert,
    gint at, MkyCredentials *creds)
{
  g_autoptr (MkyMessage) m = mky_message_parse_bytes (msg, NULL);
  g_autoptr (MkyMessage) out = test_message_copy (msg, drop);
  g_autoptr (GBytes) raw = NULL;
  guint pos = 0;                /* @at in the copy */

  if (at < 0)
    at = m->payloads->len - 1;
  for (gint i = 0; i < at; i++)
    pos += ((MkyPayload *) m->payloads->pdata[i])->type != drop;
  for (guint k = 0; insert && k < insert->len; k++)
    mky_message_insert (out, pos + k, mky_payload_copy (insert->pdata[k]));
  raw = mky_message_serialize (out, NULL);
  g_assert_nonnull (raw);
  return reauth (f, raw, creds);
}

static GBytes *
rebuild (Fixture *f, GBytes *msg, guint drop, GPtrArray *insert,
    MkyCredentials *creds)
{
  return rebuild_at (f, msg, drop, insert, -1, creds);
}

/* The Error message @reply: its Error no, and whether a V authenticates it */
static void
assert_error_reply (GBytes *reply, MkyErrNo err_no, gboolean authenticated)
{
  g_autoptr (MkyMessage) m = test_error_reply (reply, err_no);

  g_assert_true ((mky_message_find (m, MKY_PT_V, 0) != NULL) == authenticated);
  g_assert_null (mky_message_find (m, MKY_PT_SIGN, 0));
}

static guint
replay_size (Fixture *f)
{
  return mky_replay_cache_size (mky_dh_responder_get_replay_cache (f->resp));
}

/* The Responder refuses @msg with @code; returns the reply (Error message
 * or NULL) */
static GBytes *
refused (Fixture *f, GBytes *msg, const char *const *sdp_ids, gint64 now,
    gint code)
{
  g_autoptr (GError) error = NULL;
  GBytes *reply = NULL;
  g_assert_null (mky_dh_responder_handle (f->resp, msg, sdp_ids, now, &reply,
          &error));
  g_assert_error (error, MKY_ERROR, code);
  return reply;
}

/* @msg, not authentic, is refused with @code: after an authentication
 * failure, an Error message @err_no, not authenticated, and nothing in the
 * replay cache. Returns the Error message. */
static GBytes *
refused_forgery (Fixture *f, GBytes *msg, gint code, MkyErrNo err_no)
{
  GBytes *reply = refused (f, msg, NULL, NOW, code);

  assert_error_reply (reply, err_no, FALSE);
  g_assert_cmpuint (replay_size (f), ==, 0);
  return reply;
}

static void
initiator_refuses (Fixture *f, GBytes *reply, gint code)
{
  g_autoptr (GError) error = NULL;
  g_assert_false (mky_dh_initiator_handle_response (f->ini, f->csb, reply,
          NOW, &error));
  g_assert_error (error, MKY_ERROR, code);
}

/* ------------------------------------------------------------------ */

static void
test_exchange (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) init = NULL;
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (MkyCsb) got = NULL;
  g_autoptr (MkyMessage) im = NULL;
  g_autoptr (MkyMessage) rm = NULL;
  const MkyPayload *dhi, *p;
  const MkyKeyData *tgk;
  MkySrtpKeying k;
  gssize glen = mky_dh_group_len (f->p.group);
  gsize len;
  const guint8 *raw;

  start (f);
  init = build (f, FALSE, NULL, NOW);
  im = mky_message_parse_bytes (init, NULL);
  g_assert_cmpuint (mky_message_hdr (im)->data_type, ==,
      is_sign (f) ? MKY_TYPE_DH_INIT : MKY_TYPE_DHHMAC_INIT);
  g_assert_cmpuint (mky_message_hdr (im)->v, ==, 1);
  g_assert_cmpuint (mky_message_hdr (im)->prf, ==, f->p.prf);
  g_assert_cmpuint (mky_message_hdr (im)->n_cs, ==, 2);
  g_assert_nonnull (mky_message_find (im, MKY_PT_RAND, 0));
  dhi = mky_message_find (im, MKY_PT_DH, 0);
  g_assert_cmpuint (dhi->u.dh.group, ==, f->p.group);
  g_assert_cmpuint (dhi->u.dh.value.len, ==, glen);
  g_assert_null (mky_message_find (im, MKY_PT_DH, 1));
  p = im->payloads->pdata[im->payloads->len - 1];
  raw = g_bytes_get_data (init, &len);
  if (is_sign (f)) {
    g_assert_cmpuint (p->type, ==, MKY_PT_SIGN);
    g_assert_cmpuint (p->u.sign.s_type, ==, f->p.sign);
    g_assert_nonnull (mky_message_find (im, MKY_PT_CERT, 0));
    /* IDr after CERTi: the only ID payload, bob's */
    g_assert_cmpuint (mky_message_count (im, MKY_PT_ID), ==, 1);
    g_assert_cmpmem (mky_message_find (im, MKY_PT_ID, 0)->u.id.data.data,
        mky_message_find (im, MKY_PT_ID, 0)->u.id.data.len, bob_uri,
        strlen (bob_uri));
  } else {
    gsize mac_len = f->p.mac == MKY_MAC_HMAC_SHA_1_160 ? 20 : 32;
    guint8 auth_key[32], mac[32];
    /* KEMAC: Next 0, Encr alg NULL = 0, Encr data len 0, MAC alg (IANA:
     * HMAC-SHA-1-160 = 1, not RFC 4650 Table 4.2.a's 0), MAC */
    static const guint8 kemac_sha1[] = { 0, 0, 0, 0, 1 };
    static const guint8 kemac_sha256[] = { 0, 0, 0, 0, 2 };
    g_assert_cmpuint (p->type, ==, MKY_PT_KEMAC);
    g_assert_cmpmem (raw + len - mac_len - 5, 5, f->p.mac ==
        MKY_MAC_HMAC_SHA_1_160 ? kemac_sha1 : kemac_sha256, 5);
    g_assert_null (mky_message_find (im, MKY_PT_CERT, 0));
    g_assert_cmpuint (mky_message_count (im, MKY_PT_ID), ==, 2);
    /* the MAC is HMAC(auth_key, message but the MAC field) with auth_key
     * from the PSK by RFC 3830 §4.1.4 (constant 0x2D22AC75, id 0xFF) */
    g_assert_true (mky_prf_derive (f->p.prf, psk, 32, 0x2D22AC75, 0xFF,
            f->csb->csb_id, f->csb->rand.data, f->csb->rand.len, auth_key,
            mac_len));
    g_assert_cmpint (gnutls_hmac_fast (mac_len == 20 ? GNUTLS_MAC_SHA1
            : GNUTLS_MAC_SHA256, auth_key, mac_len, raw, len - mac_len, mac),
        ==, 0);
    g_assert_cmpmem (raw + len - mac_len, mac_len, mac, mac_len);
  }

  got = respond (f, init, NULL, NOW, &reply);
  rm = mky_message_parse_bytes (reply, NULL);
  g_assert_cmpuint (mky_message_hdr (rm)->data_type, ==,
      is_sign (f) ? MKY_TYPE_DH_RESP : MKY_TYPE_DHHMAC_RESP);
  g_assert_cmphex (mky_message_hdr (rm)->csb_id, ==, f->csb->csb_id);
  g_assert_cmpuint (mky_message_find (rm, MKY_PT_T, 0)->u.t.ts, ==,
      mky_message_find (im, MKY_PT_T, 0)->u.t.ts);
  g_assert_null (mky_message_find (rm, MKY_PT_RAND, 0));
  /* IDr, [CERTr], IDi: IDi is alice in both modes (from her certificate,
   * or her ID payload) */
  g_assert_cmpuint (mky_message_count (rm, MKY_PT_ID), ==, 2);
  p = mky_message_find (rm, MKY_PT_ID, 1);
  g_assert_cmpuint (p->u.id.type, ==, MKY_ID_URI);
  g_assert_cmpmem (p->u.id.data.data, p->u.id.data.len, alice_uri,
      strlen (alice_uri));
  /* DHr, then DHi echoed */
  p = mky_message_find (rm, MKY_PT_DH, 1);
  g_assert_nonnull (p);
  g_assert_true (mky_bytes_equal (&p->u.dh.value, &dhi->u.dh.value));
  p = mky_message_find (rm, MKY_PT_DH, 0);
  g_assert_cmpuint (p->u.dh.group, ==, f->p.group);
  g_assert_false (mky_bytes_equal (&p->u.dh.value, &dhi->u.dh.value));

  accept_response (f, reply, NOW);
  /* the same TGK, of the group's length, and neither public value */
  tgk = tgk_of (f->csb);
  g_assert_cmpuint (tgk->key.len, ==, glen);
  g_assert_false (mky_bytes_equal (&tgk->key, &dhi->u.dh.value));
  g_assert_false (mky_bytes_equal (&tgk->key, &p->u.dh.value));
  assert_same_keying (f->csb, got);
  g_assert_cmpmem (got->rand.data, got->rand.len, f->csb->rand.data,
      f->csb->rand.len);

  /* the SRTP keys are RFC 3830 §4.1.3's from the TGK with the RAND of the
   * I_MESSAGE: master key and salt of crypto session 2 */
  test_assert_tgk_keying (got, 1, f->p.prf, tgk->key.data, tgk->key.len,
      f->csb->csb_id, &f->csb->rand, &k);
  g_assert_cmpuint (k.ssrc, ==, 0x22222222);
  g_assert_cmpuint (k.roc, ==, 7);
  mky_srtp_keying_clear (&k);

  if (is_sign (f)) {
    g_assert_cmpstr (mky_peer_get_identity (mky_dh_responder_get_peer
            (f->resp, got->csb_id)), ==, alice_uri);
    g_assert_cmpstr (mky_peer_get_identity (mky_dh_initiator_get_peer
            (f->ini, got->csb_id)), ==, bob_uri);
  } else {
    g_assert_null (mky_dh_responder_get_peer (f->resp, got->csb_id));
  }

  /* the exchange is over: the same answer again is refused */
  initiator_refuses (f, reply, MKY_ERROR_CSB_MISMATCH);
}

/* DH-HMAC without IDi: one ID payload (IDr); the Responder still sends an
 * IDi (RFC 4650 §3), empty when it knows no name */
static void
test_hmac_no_idi (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) init = NULL;
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (MkyCsb) got = NULL;
  g_autoptr (MkyMessage) im = NULL;
  g_autoptr (MkyMessage) rm = NULL;
  g_autoptr (GError) error = NULL;

  g_clear_pointer (&f->icfg.id_i, g_free);
  start (f);
  init = build (f, FALSE, NULL, NOW);
  im = mky_message_parse_bytes (init, NULL);
  g_assert_cmpuint (mky_message_count (im, MKY_PT_ID), ==, 1);
  got = respond (f, init, NULL, NOW, &reply);
  rm = mky_message_parse_bytes (reply, NULL);
  g_assert_cmpuint (mky_message_count (rm, MKY_PT_ID), ==, 2);
  g_assert_cmpuint (mky_message_find (rm, MKY_PT_ID, 1)->u.id.data.len, ==,
      0);
  accept_response (f, reply, NOW);
  assert_same_keying (f->csb, got);

  /* and the Initiator must name the Responder */
  g_clear_pointer (&f->icfg.id_r, g_free);
  {
    g_autoptr (MkyDhInitiator) anon = mky_dh_initiator_new (&f->icfg,
        MKY_DH_MODE_HMAC);
    g_autoptr (MkyCsb) csb = mky_csb_new (0);
    g_assert_null (mky_dh_initiator_build (anon, csb, FALSE, NULL, NOW,
            &error));
    g_assert_error (error, MKY_ERROR, MKY_ERROR_INVALID_ARGUMENT);
  }
}

/* A DH value changed on the way: the signature or MAC fails, either way */
static void
test_tampered_dh (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) init = NULL;
  g_autoptr (GBytes) bad = NULL;
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (GBytes) bad_reply = NULL;
  g_autoptr (GBytes) err = NULL;
  g_autoptr (MkyCsb) got = NULL;
  gint auth_code = is_sign (f) ? MKY_ERROR_BAD_SIGNATURE : MKY_ERROR_BAD_MAC;

  start (f);
  init = build (f, FALSE, NULL, NOW);
  bad = test_bytes_xor (init, dh_value_offset (init, 0, NULL) + 17, 0x01);
  err = refused_forgery (f, bad, auth_code, is_sign (f)
      ? MKY_ERR_AUTH_FAILURE : MKY_ERR_INVALID_MAC);
  /* the Initiator takes the unauthenticated error as a hint only */
  {
    g_autoptr (GError) error = NULL;
    g_assert_false (mky_dh_initiator_handle_response (f->ini, f->csb, err,
            NOW, &error));
    g_assert_error (error, MKY_ERROR, MKY_ERROR_PEER_ERROR);
    g_assert_nonnull (strstr (error->message, "not authenticated"));
  }

  got = respond (f, init, NULL, NOW, &reply);
  g_assert_cmpuint (replay_size (f), ==, 1);
  /* DHr changed, then DHi */
  g_clear_pointer (&bad_reply, g_bytes_unref);
  bad_reply = test_bytes_xor (reply, dh_value_offset (reply, 0, NULL) + 5,
      0x01);
  initiator_refuses (f, bad_reply, auth_code);
  g_clear_pointer (&bad_reply, g_bytes_unref);
  bad_reply = test_bytes_xor (reply, dh_value_offset (reply, 1, NULL) + 5,
      0x01);
  initiator_refuses (f, bad_reply, auth_code);
  /* the real answer still goes through */
  accept_response (f, reply, NOW);
  assert_same_keying (f->csb, got);
}

/* Public values outside 1 < y < p-1 (or >= p), authenticated all the
 * same: "Invalid DH" from either side */
static void
test_invalid_public (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) init = NULL;
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (MkyCsb) got = NULL;
  MkyBytes prime = { 0 };
  gsize len, off;
  guint8 *v[5];

  start (f);
  g_assert_true (mky_dh_group_get_prime (f->p.group, &prime));
  len = prime.len;
  for (guint i = 0; i < G_N_ELEMENTS (v); i++)
    v[i] = g_malloc0 (len);
  v[1][len - 1] = 1;                            /* 1 */
  memcpy (v[2], prime.data, len);               /* p - 1 */
  g_assert_cmpuint (v[2][len - 1], >, 0);
  v[2][len - 1]--;
  memcpy (v[3], prime.data, len);               /* p */
  memset (v[4], 0xff, len);                     /* > p */

  init = build (f, FALSE, NULL, NOW);
  off = dh_value_offset (init, 0, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (v); i++) {
    g_autoptr (GBytes) patched = test_bytes_patch (init, off, v[i], len);
    g_autoptr (GBytes) bad = reauth (f, patched, pki.alice_creds);
    g_autoptr (GBytes) err = refused (f, bad, NULL, NOW, MKY_ERROR_BAD_DH);
    /* authenticated messages: in the replay cache; the Error message is
     * authenticated where it can be (DH-HMAC) */
    g_assert_cmpuint (replay_size (f), ==, i + 1);
    assert_error_reply (err, MKY_ERR_INVALID_DH, !is_sign (f));
  }
  /* the check is the Responder's, not the MAC's: the real one passes */
  got = respond (f, init, NULL, NOW, &reply);

  off = dh_value_offset (reply, 0, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (v); i++) {
    g_autoptr (GBytes) patched = test_bytes_patch (reply, off, v[i], len);
    g_autoptr (GBytes) bad = reauth (f, patched, pki.bob_creds);
    initiator_refuses (f, bad, MKY_ERROR_BAD_DH);
  }
  accept_response (f, reply, NOW);
  assert_same_keying (f->csb, got);

  for (guint i = 0; i < G_N_ELEMENTS (v); i++)
    g_free (v[i]);
  mky_bytes_clear (&prime, FALSE);
}

/* The Responder must echo our DHi (RFC 3830 §3.3) */
static void
test_wrong_echo (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) init = NULL;
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (GBytes) bad = NULL;
  g_autoptr (GBytes) other = NULL;
  g_autoptr (MkyCsb) got = NULL;
  g_autoptr (MkyDhKey) key = NULL;
  MkyBytes pub = { 0 };
  gsize off, len;

  start (f);
  init = build (f, FALSE, NULL, NOW);
  got = respond (f, init, NULL, NOW, &reply);
  /* another valid public value in place of DHi, signed by bob */
  off = dh_value_offset (reply, 1, &len);
  key = mky_dh_key_generate (f->p.group, NULL);
  mky_dh_key_get_public (key, &pub);
  g_assert_cmpuint (pub.len, ==, len);
  other = test_bytes_patch (reply, off, pub.data, len);
  bad = reauth (f, other, pki.bob_creds);
  initiator_refuses (f, bad, MKY_ERROR_BAD_DH);
  mky_bytes_clear (&pub, FALSE);
  /* an answer without DH payloads at all */
  g_clear_pointer (&bad, g_bytes_unref);
  bad = rebuild (f, reply, MKY_PT_DH, NULL, pki.bob_creds);
  initiator_refuses (f, bad, MKY_ERROR_MISSING_PAYLOAD);
  accept_response (f, reply, NOW);
  assert_same_keying (f->csb, got);
}

/* The key validity of DHi (RFC 3830 §6.4) is the TGK's: an SPI becomes
 * the MKI of the SRTP master keys */
static void
test_dhi_kv (Fixture *f, gconstpointer data)
{
  static const guint8 mki[] = { 1, 2, 3, 4 };
  g_autoptr (GBytes) init = NULL;
  g_autoptr (GBytes) with_kv = NULL;
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (MkyMessage) m = NULL;
  g_autoptr (MkyCsb) got = NULL;
  g_autoptr (GPtrArray) dh = g_ptr_array_new_with_free_func (
      (GDestroyNotify) mky_payload_free);
  MkyPayload *p;
  MkySrtpKeying k;

  start (f);
  init = build (f, FALSE, NULL, NOW);
  m = mky_message_parse_bytes (init, NULL);
  p = mky_payload_copy (mky_message_find (m, MKY_PT_DH, 0));
  p->u.dh.kv.kv = MKY_KV_SPI;
  mky_bytes_set (&p->u.dh.kv.spi, mki, sizeof mki);
  g_ptr_array_add (dh, p);
  with_kv = rebuild (f, init, MKY_PT_DH, dh, pki.alice_creds);
  got = respond (f, with_kv, NULL, NOW, &reply);
  g_assert_cmpuint (tgk_of (got)->kv.kv, ==, MKY_KV_SPI);
  g_assert_true (mky_csb_get_srtp (got, 0, MKY_SP_COMPAT_STRICT, &k, NULL));
  g_assert_cmpmem (k.keys[0].mki, k.keys[0].mki_len, mki, sizeof mki);
  mky_srtp_keying_clear (&k);
  /* the echo is of that DHi, not of the one the Initiator sent */
  initiator_refuses (f, reply, MKY_ERROR_BAD_DH);
}

/* The MKIs of @csb's SRTP keys (crypto session 1), in order, as one hex
 * string ("11 10") */
static gchar *
mkis_of (const MkyCsb *csb)
{
  GString *s = g_string_new (NULL);
  MkySrtpKeying k;

  g_assert_true (mky_csb_get_srtp (csb, 0, MKY_SP_COMPAT_STRICT, &k, NULL));
  for (guint i = 0; i < k.n_keys; i++)
    for (gsize j = 0; j < k.keys[i].mki_len; j++)
      g_string_append_printf (s, "%s%02x", i && !j ? " " : "",
          k.keys[i].mki[j]);
  mky_srtp_keying_clear (&k);
  return g_string_free (s, FALSE);
}

/* Both bundles hold the same keys, whose MKIs are @mkis */
static void
assert_keys (Fixture *f, const MkyCsb *got, const char *mkis)
{
  g_autofree gchar *ours = mkis_of (f->csb);
  g_autofree gchar *theirs = mkis_of (got);

  test_assert_same_keying (f->csb, got);
  g_assert_cmpstr (ours, ==, mkis);
  g_assert_cmpstr (theirs, ==, mkis);
}

static void
set_spi (Fixture *f, guint8 spi)
{
  mky_dh_initiator_set_spi (f->ini, &spi, 1);
}

/* Re-keying by MKI (RFC 3830 §4.5, §6.4): the Initiator's DHi carries a KV
 * SPI, which both sides give the TGK; an update with a new DHi under
 * another SPI keeps the key in use beside the new one, on both sides, so
 * that SRTP receivers hold both while the sender switches */
static void
test_update_spi (Fixture *f, gconstpointer data)
{
  g_autoptr (MkyCsb) got = NULL;
  g_autoptr (GBytes) init = NULL;
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (GBytes) bare = NULL;
  g_autoptr (GPtrArray) dh = g_ptr_array_new_with_free_func (
      (GDestroyNotify) mky_payload_free);
  g_autoptr (MkyMessage) m = NULL;
  MkyBytes tgk1 = { 0 };
  gint64 now = NOW;

  g_free (f->icfg.id_i);
  f->icfg.id_i = g_strdup (alice_uri);
  start (f);
  set_spi (f, 0x10);
  got = exchange (f, FALSE, now);
  assert_keys (f, got, "10");
  g_assert_cmpuint (tgk_of (got)->kv.kv, ==, MKY_KV_SPI);
  mky_bytes_set (&tgk1, tgk_of (got)->key.data, tgk_of (got)->key.len);
  g_clear_pointer (&got, mky_csb_unref);

  /* the next key under the next MKI: the new one first, the one in use
   * kept */
  set_spi (f, 0x11);
  got = exchange (f, TRUE, now += SEC);
  assert_keys (f, got, "11 10");
  g_assert_true (mky_bytes_equal (&((MkyPayload *) got->keys->pdata[1])->
          u.key_data.key, &tgk1));
  g_clear_pointer (&got, mky_csb_unref);

  /* an update whose answer never reached us: the Responder took it, we
   * still use 11; the same MKI again replaces the lost one, keeps 11 */
  set_spi (f, 0x12);
  init = build (f, TRUE, NULL, now += SEC);
  got = respond (f, init, NULL, now, &reply);
  g_clear_pointer (&init, g_bytes_unref);
  g_clear_pointer (&reply, g_bytes_unref);
  g_clear_pointer (&got, mky_csb_unref);
  got = exchange (f, TRUE, now += SEC);
  assert_keys (f, got, "12 11");
  g_clear_pointer (&got, mky_csb_unref);

  /* an update without DHi keeps both */
  got = exchange (f, FALSE, now += SEC);
  assert_keys (f, got, "12 11");
  g_clear_pointer (&got, mky_csb_unref);

  /* the answer must echo the KV of our DHi */
  set_spi (f, 0x13);
  init = build (f, TRUE, NULL, now += SEC);
  got = respond (f, init, NULL, now, &reply);
  m = mky_message_parse_bytes (reply, NULL);
  g_ptr_array_add (dh, mky_payload_copy (mky_message_find (m, MKY_PT_DH, 0)));
  g_ptr_array_add (dh, mky_payload_copy (mky_message_find (m, MKY_PT_DH, 1)));
  ((MkyPayload *) dh->pdata[1])->u.dh.kv.kv = MKY_KV_NULL;
  bare = rebuild (f, reply, MKY_PT_DH, dh, pki.bob_creds);
  initiator_refuses (f, bare, MKY_ERROR_BAD_DH);
  accept_response (f, reply, now);
  assert_keys (f, got, "13 12");
  g_clear_pointer (&got, mky_csb_unref);

  /* no SPI: the new TGK replaces both */
  mky_dh_initiator_set_spi (f->ini, NULL, 0);
  got = exchange (f, TRUE, now += SEC);
  test_assert_same_keying (f->csb, got);
  g_assert_cmpuint (tgk_of (got)->kv.kv, ==, MKY_KV_NULL);
  g_assert_cmpuint (tgk_of (f->csb)->kv.kv, ==, MKY_KV_NULL);
  mky_bytes_clear (&tgk1, TRUE);
}

static void
test_bad_signature (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) init = NULL;
  g_autoptr (GBytes) bad = NULL;
  g_autoptr (GBytes) err = NULL;
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (GBytes) bad_reply = NULL;
  g_autoptr (MkyCsb) got = NULL;

  start (f);
  init = build (f, FALSE, NULL, NOW);
  bad = test_bytes_flip (init, 7, 0x01);
  err = refused_forgery (f, bad, MKY_ERROR_BAD_SIGNATURE,
      MKY_ERR_AUTH_FAILURE);

  got = respond (f, init, NULL, NOW, &reply);
  bad_reply = test_bytes_flip (reply, 100, 0x01);
  initiator_refuses (f, bad_reply, MKY_ERROR_BAD_SIGNATURE);
  /* signed by someone trusted, but not bob */
  g_clear_pointer (&bad_reply, g_bytes_unref);
  bad_reply = reauth (f, reply, pki.carol_creds);
  initiator_refuses (f, bad_reply, MKY_ERROR_BAD_SIGNATURE);
  accept_response (f, reply, NOW);
}

/* Certificates and identity policy, both ways */
static void
test_untrusted (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) init = NULL;
  g_autoptr (GBytes) err = NULL;
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (MkyDhInitiator) mallory = NULL;
  g_autoptr (MkyCsb) csb = mky_csb_new (0);
  MkyConfig cfg;

  start (f);
  /* alice's name, a rogue CA's certificate */
  mky_config_copy (&cfg, &f->icfg);
  mky_credentials_unref (cfg.credentials);
  cfg.credentials = mky_credentials_ref (pki.mallory_creds);
  mallory = mky_dh_initiator_new (&cfg, MKY_DH_MODE_SIGN);
  init = mky_dh_initiator_build (mallory, csb, FALSE, NULL, NOW, NULL);
  err = refused (f, init, NULL, NOW, MKY_ERROR_CERT_UNTRUSTED);
  assert_error_reply (err, MKY_ERR_INVALID_CERT, FALSE);
  g_assert_cmpuint (replay_size (f), ==, 0);
  mky_config_clear (&cfg);

  /* a Responder with the rogue certificate */
  {
    g_autoptr (MkyDhResponder) rogue = NULL;
    g_autoptr (GBytes) mine = build (f, FALSE, NULL, NOW);

    g_autoptr (MkyCsb) got = NULL;
    g_autoptr (GError) error = NULL;
    mky_config_copy (&cfg, &f->rcfg);
    mky_credentials_unref (cfg.credentials);
    cfg.credentials = mky_credentials_ref (pki.mallory_creds);
    g_clear_pointer (&cfg.id_r, g_free);
    rogue = mky_dh_responder_new (&cfg, MKY_DH_MODE_SIGN, NOW, FALSE);
    got = mky_dh_responder_handle (rogue, mine, NULL, NOW, &reply, &error);
    g_assert_no_error (error);
    initiator_refuses (f, reply, MKY_ERROR_CERT_UNTRUSTED);
    mky_config_clear (&cfg);
  }

  /* a trusted certificate the Initiator did not ask for: carol answers */
  {
    g_autoptr (MkyDhResponder) carol = NULL;
    g_autoptr (GBytes) mine = (renew (f), build (f, FALSE, NULL, NOW + SEC));
    g_autoptr (GBytes) answer = NULL;
    g_autoptr (MkyCsb) got = NULL;
    mky_config_copy (&cfg, &f->rcfg);
    mky_credentials_unref (cfg.credentials);
    cfg.credentials = mky_credentials_ref (pki.carol_creds);
    g_clear_pointer (&cfg.id_r, g_free);
    carol = mky_dh_responder_new (&cfg, MKY_DH_MODE_SIGN, NOW, FALSE);
    got = mky_dh_responder_handle (carol, mine, NULL, NOW + SEC, &answer,
        NULL);
    g_assert_nonnull (got);
    /* bound to id_r, bob: carol's certificate does not name him */
    initiator_refuses (f, answer, MKY_ERROR_BAD_ID);
    /* nor when she names herself in IDr, truthfully */
    {
      g_autoptr (GPtrArray) idr = g_ptr_array_new_with_free_func (
          (GDestroyNotify) mky_payload_free);
      g_autoptr (GBytes) named = NULL;
      MkyPayload *p = mky_payload_new (MKY_PT_ID);
      p->u.id.type = MKY_ID_URI;
      mky_bytes_set (&p->u.id.data, (const guint8 *) carol_uri,
          strlen (carol_uri));
      g_ptr_array_add (idr, p);
      named = rebuild_at (f, answer, 0, idr, 1, pki.carol_creds);
      initiator_refuses (f, named, MKY_ERROR_BAD_ID);
    }
    mky_config_clear (&cfg);
  }

  /* the Responder's policy: alice denied */
  {
    g_autoptr (MkyTrust) strict = mky_trust_new ();
    g_autoptr (GBytes) ca = test_pki_cert_pem (pki.ca);
    g_autoptr (MkyDhResponder) r = NULL;
    g_autoptr (GBytes) mine = (renew (f), build (f, FALSE, NULL,
            NOW + 2 * SEC));
    g_autoptr (GBytes) e = NULL;
    g_autoptr (GError) error = NULL;
    g_assert_true (mky_trust_add_ca_memory (strict, ca, NULL));
    mky_trust_deny (strict, "sip:alice@*");
    mky_config_copy (&cfg, &f->rcfg);
    mky_trust_unref (cfg.trust);
    cfg.trust = mky_trust_ref (strict);
    r = mky_dh_responder_new (&cfg, MKY_DH_MODE_SIGN, NOW, FALSE);
    g_assert_null (mky_dh_responder_handle (r, mine, NULL, NOW + 2 * SEC, &e,
            &error));
    g_assert_error (error, MKY_ERROR, MKY_ERROR_NOT_AUTHORIZED);
    assert_error_reply (e, MKY_ERR_AUTH_FAILURE, FALSE);
    g_clear_error (&error);
    g_clear_pointer (&e, g_bytes_unref);
    mky_config_clear (&cfg);

    /* expecting carol: alice's certificate does not name her */
    mky_config_copy (&cfg, &f->rcfg);
    g_free (cfg.id_i);
    cfg.id_i = g_strdup (carol_uri);
    g_clear_pointer (&r, mky_dh_responder_free);
    r = mky_dh_responder_new (&cfg, MKY_DH_MODE_SIGN, NOW, FALSE);
    g_assert_null (mky_dh_responder_handle (r, mine, NULL, NOW + 2 * SEC, &e,
            &error));
    g_assert_error (error, MKY_ERROR, MKY_ERROR_BAD_ID);
    assert_error_reply (e, MKY_ERR_INVALID_ID, FALSE);
    mky_config_clear (&cfg);
  }
  /* and the certificate is checked at the time given, not the clock's */
  {
    g_autoptr (GBytes) late = (renew (f), build (f, FALSE, NULL,
            NOW + 11 * YEAR * SEC));
    g_autoptr (MkyDhResponder) r = mky_dh_responder_new (&f->rcfg,
        MKY_DH_MODE_SIGN, NOW + 11 * YEAR * SEC, FALSE);
    g_autoptr (GBytes) e = NULL;
    g_autoptr (GError) error = NULL;
    g_assert_null (mky_dh_responder_handle (r, late, NULL,
            NOW + 11 * YEAR * SEC, &e, &error));
    g_assert_error (error, MKY_ERROR, MKY_ERROR_CERT_EXPIRED);
  }
}

static void
test_bad_mac (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) init = NULL;
  g_autoptr (GBytes) bad = NULL;
  g_autoptr (GBytes) err = NULL;
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (GBytes) bad_reply = NULL;
  g_autoptr (MkyCsb) got = NULL;

  start (f);
  init = build (f, FALSE, NULL, NOW);
  bad = test_bytes_flip (init, 1, 0x01);
  err = refused_forgery (f, bad, MKY_ERROR_BAD_MAC, MKY_ERR_INVALID_MAC);

  /* a Responder with another PSK */
  {
    MkyConfig cfg;
    g_autoptr (MkyDhResponder) r = NULL;
    g_autoptr (GBytes) e = NULL;
    g_autoptr (GError) error = NULL;
    mky_config_copy (&cfg, &f->rcfg);
    mky_config_set_psk (&cfg, (const guint8 *) "another key", 11);
    r = mky_dh_responder_new (&cfg, MKY_DH_MODE_HMAC, NOW, FALSE);
    g_assert_null (mky_dh_responder_handle (r, init, NULL, NOW, &e, &error));
    g_assert_error (error, MKY_ERROR, MKY_ERROR_BAD_MAC);
    mky_config_clear (&cfg);
  }

  got = respond (f, init, NULL, NOW, &reply);
  bad_reply = test_bytes_flip (reply, 20, 0x01);
  initiator_refuses (f, bad_reply, MKY_ERROR_BAD_MAC);
  accept_response (f, reply, NOW);
  assert_same_keying (f->csb, got);
}

/* DH-HMAC identities: the Responder checks IDi and IDr against what it
 * expects, the Initiator IDi and IDr of the answer */
static void
test_hmac_identity (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) init = NULL;
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (MkyCsb) got = NULL;
  const char *const wrong_ids[][2] = {
    { carol_uri, NULL },        /* expects carol as the Initiator */
    { NULL, carol_uri },        /* is carol, not bob */
  };

  start (f);
  init = build (f, FALSE, NULL, NOW);
  for (guint i = 0; i < G_N_ELEMENTS (wrong_ids); i++) {
    MkyConfig cfg;
    g_autoptr (MkyDhResponder) r = NULL;
    g_autoptr (GBytes) e = NULL;
    g_autoptr (GError) error = NULL;
    mky_config_copy (&cfg, &f->rcfg);
    g_free (cfg.id_i);
    g_free (cfg.id_r);
    cfg.id_i = g_strdup (wrong_ids[i][0]);
    cfg.id_r = g_strdup (wrong_ids[i][1]);
    r = mky_dh_responder_new (&cfg, MKY_DH_MODE_HMAC, NOW, FALSE);
    g_assert_null (mky_dh_responder_handle (r, init, NULL, NOW, &e, &error));
    g_assert_error (error, MKY_ERROR, MKY_ERROR_BAD_ID);
    /* after the MAC verified: an authenticated Error message */
    assert_error_reply (e, MKY_ERR_INVALID_ID, TRUE);
    mky_config_clear (&cfg);
  }

  got = respond (f, init, NULL, NOW, &reply);
  /* the answer names someone else as IDi, or IDr */
  for (guint i = 0; i < 2; i++) {
    g_autoptr (MkyMessage) m = mky_message_parse_bytes (reply, NULL);
    const MkyPayload *id = mky_message_find (m, MKY_PT_ID, i);
    g_autoptr (GBytes) patched = test_bytes_patch (reply, id->offset + 4 + 4,
        (const guint8 *) "X", 1);
    g_autoptr (GBytes) bad = reauth (f, patched, NULL);
    initiator_refuses (f, bad, MKY_ERROR_BAD_ID);
  }
  accept_response (f, reply, NOW);
  assert_same_keying (f->csb, got);
}

/* RFC 4650 §4.2: no encryption in a DH-HMAC KEMAC, and NULL is 0 */
static void
test_hmac_kemac_encr (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) init = NULL;
  g_autoptr (GBytes) patched = NULL;
  g_autoptr (GBytes) bad = NULL;
  g_autoptr (GBytes) err = NULL;
  guint8 two = 2;               /* RFC 4650's "2 (NULL)" is AES-KW-128 */
  gsize len;

  start (f);
  init = build (f, FALSE, NULL, NOW);
  g_bytes_get_data (init, &len);
  patched = test_bytes_patch (init, len - 20 - 4, &two, 1);
  bad = reauth (f, patched, NULL);
  err = refused (f, bad, NULL, NOW, MKY_ERROR_BAD_ENCR);
  assert_error_reply (err, MKY_ERR_INVALID_EA, FALSE);

  /* and the KEMAC ends the message (RFC 4650 §4.2) */
  {
    g_autoptr (MkyMessage) out = test_message_copy (init, 0);
    g_autoptr (GBytes) raw = NULL;
    g_autoptr (GBytes) none = NULL;
    MkyPayload *ext;
    ext = mky_message_add (out, MKY_PT_GEN_EXT);
    mky_sdp_ids_set (&ext->u.gen_ext, (const char *const[]) { "mikey", NULL });
    raw = mky_message_serialize (out, NULL);
    none = refused (f, raw, NULL, NOW, MKY_ERROR_UNEXPECTED_PAYLOAD);
    g_assert_null (none);
  }
}

static void
test_replay_and_time (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) init = NULL;
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (GBytes) again = NULL;
  g_autoptr (MkyCsb) got = NULL;

  start (f);
  init = build (f, FALSE, NULL, NOW);
  got = respond (f, init, NULL, NOW, &reply);
  /* replayed: dropped silently (RFC 3830 §5.3) */
  again = refused (f, init, NULL, NOW + SEC, MKY_ERROR_REPLAY);
  g_assert_null (again);
  again = refused (f, init, NULL, NOW + f->rcfg.skew_us + SEC,
      MKY_ERROR_TS_STALE);
  g_assert_null (again);
  {
    g_autoptr (GBytes) early = NULL;
    renew (f);
    early = build (f, FALSE, NULL, NOW + f->rcfg.skew_us + 10 * SEC);
    again = refused (f, early, NULL, NOW, MKY_ERROR_TS_FUTURE);
    g_assert_null (again);
  }
  g_assert_cmpuint (replay_size (f), ==, 1);
  /* the Initiator sent another request since: the old answer is not for
   * the bundle it waits on now */
  initiator_refuses (f, reply, MKY_ERROR_CSB_MISMATCH);
}

/* RFC 4567 §4.1.4, §7; RFC 4650 §4.4: the offered KMPIDs ride in the
 * message, under its signature or MAC, and must match the SDP */
static void
test_sdp_ids (Fixture *f, gconstpointer data)
{
  static const char *const offer[] = { "mikey", "keyp1", NULL };
  static const char *const peeled[] = { "mikey", NULL };
  gint auth_code = is_sign (f) ? MKY_ERROR_BAD_SIGNATURE : MKY_ERROR_BAD_MAC;
  gint64 now = NOW;

  start (f);
  {
    g_autoptr (GBytes) init = build (f, FALSE, offer, now);
    g_autoptr (GBytes) reply = NULL;
    g_autoptr (GBytes) list = NULL;
    g_autoptr (MkyCsb) got = NULL;
    gsize off;
    list = sdp_ids_payload (init, &off);
    g_assert_nonnull (list);
    g_assert_cmpmem (g_bytes_get_data (list, NULL), g_bytes_get_size (list),
        "mikey;keyp1", 11);
    got = respond (f, init, offer, now, &reply);
    accept_response (f, reply, now);
  }
  /* a middleman peeled keyp1 off the SDP */
  {
    g_autoptr (GBytes) init = build (f, FALSE, offer, now += SEC);
    g_autoptr (GBytes) err = refused (f, init, peeled, now,
        MKY_ERROR_NOT_AUTHORIZED);
    assert_error_reply (err, MKY_ERR_AUTH_FAILURE, !is_sign (f));
  }
  /* or edited the list in the message */
  {
    g_autoptr (GBytes) init = build (f, FALSE, offer, now += SEC);
    g_autoptr (GBytes) list = NULL;
    g_autoptr (GBytes) bad = NULL;
    g_autoptr (GBytes) err = NULL;
    gsize off;
    list = sdp_ids_payload (init, &off);
    bad = test_bytes_patch (init, off + 10, (const guint8 *) "2", 1);
    err = refused (f, bad, offer, now, auth_code);
  }
  /* a message without the list where the SDP has one */
  {
    g_autoptr (GBytes) init = build (f, FALSE, NULL, now += SEC);
    g_autoptr (GBytes) err = refused (f, init, peeled, now,
        MKY_ERROR_MISSING_PAYLOAD);
    assert_error_reply (err, MKY_ERR_UNSPECIFIED, !is_sign (f));
  }
  /* a Responder that is not told the SDP's list does not check it */
  {
    g_autoptr (GBytes) init = build (f, FALSE, offer, now += SEC);
    g_autoptr (GBytes) reply = NULL;
    g_autoptr (MkyCsb) got = respond (f, init, NULL, now, &reply);
    accept_response (f, reply, now);
    (void) got;
  }
}

/* RFC 3830 §4.5, RFC 4650 §3.1: updates with a new DHi (a new TGK) or
 * without (the TGK stays, no DH payload either way) */
static void
test_update (Fixture *f, gconstpointer data)
{
  g_autoptr (MkyCsb) first = NULL;
  g_autoptr (MkyCsb) second = NULL;
  g_autoptr (MkyCsb) third = NULL;
  g_autoptr (MkyMessage) im = NULL;
  g_autoptr (MkyMessage) rm = NULL;
  g_autoptr (GBytes) init = NULL;
  g_autoptr (GBytes) reply = NULL;
  MkyBytes tgk1 = { 0 };

  /* IDi too: without certificates a lone ID payload would be IDi */
  g_free (f->icfg.id_i);
  f->icfg.id_i = g_strdup (alice_uri);
  start (f);
  first = exchange (f, FALSE, NOW);
  mky_bytes_set (&tgk1, tgk_of (first)->key.data, tgk_of (first)->key.len);

  init = build (f, TRUE, NULL, NOW + SEC);
  im = mky_message_parse_bytes (init, NULL);
  g_assert_null (mky_message_find (im, MKY_PT_RAND, 0));
  g_assert_nonnull (mky_message_find (im, MKY_PT_DH, 0));
  g_assert_cmphex (mky_message_hdr (im)->csb_id, ==, first->csb_id);
  second = respond (f, init, NULL, NOW + SEC, &reply);
  rm = mky_message_parse_bytes (reply, NULL);
  g_assert_cmpuint (mky_message_count (rm, MKY_PT_DH), ==, 2);
  accept_response (f, reply, NOW + SEC);
  assert_same_keying (f->csb, second);
  g_assert_false (mky_bytes_equal (&tgk_of (second)->key, &tgk1));
  g_assert_cmpmem (second->rand.data, second->rand.len, first->rand.data,
      first->rand.len);
  g_clear_pointer (&im, mky_message_free);
  g_clear_pointer (&rm, mky_message_free);
  g_clear_pointer (&init, g_bytes_unref);
  g_clear_pointer (&reply, g_bytes_unref);

  /* a new crypto session, no new key */
  mky_csb_add_cs (f->csb, 0, 0x33333333, 0);
  init = build (f, FALSE, NULL, NOW + 2 * SEC);
  im = mky_message_parse_bytes (init, NULL);
  g_assert_null (mky_message_find (im, MKY_PT_DH, 0));
  third = respond (f, init, NULL, NOW + 2 * SEC, &reply);
  rm = mky_message_parse_bytes (reply, NULL);
  g_assert_null (mky_message_find (rm, MKY_PT_DH, 0));
  accept_response (f, reply, NOW + 2 * SEC);
  g_assert_cmpuint (mky_csb_n_sessions (third), ==, 3);
  g_assert_true (mky_bytes_equal (&tgk_of (third)->key,
          &tgk_of (second)->key));
  assert_same_keying (f->csb, third);
  mky_bytes_clear (&tgk1, TRUE);

  /* an answer with DH payloads to an update without DHi: refused */
  {
    g_autoptr (GBytes) upd = build (f, FALSE, NULL, NOW + 3 * SEC);
    g_autoptr (GBytes) ans = NULL;
    g_autoptr (GBytes) with_dh = NULL;
    g_autoptr (MkyCsb) got = respond (f, upd, NULL, NOW + 3 * SEC, &ans);
    g_autoptr (GPtrArray) dh = g_ptr_array_new_with_free_func (
        (GDestroyNotify) mky_payload_free);
    g_autoptr (MkyDhKey) key = mky_dh_key_generate (f->p.group, NULL);
    for (guint i = 0; i < 2; i++) {
      MkyPayload *p = mky_payload_new (MKY_PT_DH);
      p->u.dh.group = f->p.group;
      mky_dh_key_get_public (key, &p->u.dh.value);
      g_ptr_array_add (dh, p);
    }
    with_dh = rebuild (f, ans, 0, dh, pki.bob_creds);
    initiator_refuses (f, with_dh, MKY_ERROR_UNEXPECTED_PAYLOAD);
    accept_response (f, ans, NOW + 3 * SEC);
    (void) got;
  }

  /* an answer to an earlier request of the bundle is not one to the last */
  {
    g_autoptr (GBytes) u1 = build (f, TRUE, NULL, NOW + 3 * SEC + 1);
    g_autoptr (GBytes) a1 = NULL;
    g_autoptr (GBytes) u2 = NULL;
    g_autoptr (GBytes) a2 = NULL;
    g_autoptr (MkyCsb) g1 = respond (f, u1, NULL, NOW + 3 * SEC + 1, &a1);
    g_autoptr (MkyCsb) g2 = NULL;
    u2 = build (f, TRUE, NULL, NOW + 3 * SEC + 2);
    g2 = respond (f, u2, NULL, NOW + 3 * SEC + 2, &a2);
    initiator_refuses (f, a1, MKY_ERROR_TS_MISMATCH);
    accept_response (f, a2, NOW + 3 * SEC + 2);
    assert_same_keying (f->csb, g2);
    (void) g1;
  }

  /* an update of a bundle nobody knows: dropped */
  {
    g_autoptr (MkyDhResponder) other = mky_dh_responder_new (&f->rcfg,
        f->p.mode, NOW, FALSE);
    g_autoptr (GBytes) upd = build (f, TRUE, NULL, NOW + 4 * SEC);
    g_autoptr (GBytes) r = NULL;
    g_autoptr (GError) error = NULL;
    g_assert_null (mky_dh_responder_handle (other, upd, NULL, NOW + 4 * SEC,
            &r, &error));
    g_assert_error (error, MKY_ERROR, MKY_ERROR_CSB_MISMATCH);
    g_assert_null (r);
  }

  /* signed: carol (trusted) cannot update alice's bundle */
  if (is_sign (f)) {
    MkyConfig cfg;
    g_autoptr (MkyDhInitiator) carol = NULL;
    g_autoptr (MkyCsb) hijack = mky_csb_new (f->csb->csb_id);
    g_autoptr (GBytes) upd = NULL;
    g_autoptr (GBytes) e = NULL;
    mky_config_copy (&cfg, &f->icfg);
    mky_credentials_unref (cfg.credentials);
    cfg.credentials = mky_credentials_ref (pki.carol_creds);
    g_free (cfg.id_i);
    cfg.id_i = g_strdup (carol_uri);    /* truthfully */
    carol = mky_dh_initiator_new (&cfg, MKY_DH_MODE_SIGN);
    /* an update: the RAND is the bundle's (it travelled in clear) */
    mky_bytes_set (&hijack->rand, f->csb->rand.data, f->csb->rand.len);
    hijack->prf = f->csb->prf;
    upd = mky_dh_initiator_build (carol, hijack, TRUE, NULL, NOW + 5 * SEC,
        NULL);
    e = refused (f, upd, NULL, NOW + 5 * SEC, MKY_ERROR_BAD_ID);
    assert_error_reply (e, MKY_ERR_INVALID_ID, FALSE);
    g_clear_pointer (&upd, g_bytes_unref);
    g_clear_pointer (&e, g_bytes_unref);
    /* nor take its CSB ID over with a new initial message */
    mky_bytes_clear (&hijack->rand, FALSE);
    upd = mky_dh_initiator_build (carol, hijack, TRUE, NULL, NOW + 6 * SEC,
        NULL);
    e = refused (f, upd, NULL, NOW + 6 * SEC, MKY_ERROR_BAD_ID);
    assert_error_reply (e, MKY_ERR_INVALID_ID, FALSE);
    mky_config_clear (&cfg);
  }

  /* signed: an update may leave the certificates out (RFC 3830 §4.5); the
   * ones accepted at setup check it, both ways */
  if (is_sign (f)) {
    g_autoptr (GBytes) upd = build (f, TRUE, NULL, NOW + 7 * SEC);
    g_autoptr (GBytes) bare = rebuild (f, upd, MKY_PT_CERT, NULL,
        pki.alice_creds);
    g_autoptr (GBytes) ans = NULL;
    g_autoptr (GBytes) bare_ans = NULL;
    g_autoptr (MkyCsb) got = NULL;
    g_autoptr (MkyMessage) m = mky_message_parse_bytes (bare, NULL);
    g_assert_null (mky_message_find (m, MKY_PT_CERT, 0));
    got = respond (f, bare, NULL, NOW + 7 * SEC, &ans);
    bare_ans = rebuild (f, ans, MKY_PT_CERT, NULL, pki.bob_creds);
    accept_response (f, bare_ans, NOW + 7 * SEC);
    assert_same_keying (f->csb, got);
    /* signed by another key than the one of the setup: refused */
    {
      g_autoptr (GBytes) upd2 = build (f, TRUE, NULL, NOW + 8 * SEC);
      g_autoptr (GBytes) forged = rebuild (f, upd2, MKY_PT_CERT, NULL,
          pki.carol_creds);
      g_autoptr (GBytes) e = refused (f, forged, NULL, NOW + 8 * SEC,
          MKY_ERROR_BAD_SIGNATURE);
      /* and without certificates, an initial message cannot be checked */
      g_autoptr (GBytes) fresh = (renew (f), build (f, FALSE, NULL,
              NOW + 9 * SEC));
      g_autoptr (GBytes) fresh_bare = rebuild (f, fresh, MKY_PT_CERT, NULL,
          pki.alice_creds);
      g_autoptr (GBytes) e2 = refused (f, fresh_bare, NULL, NOW + 9 * SEC,
          MKY_ERROR_MISSING_PAYLOAD);
      assert_error_reply (e2, MKY_ERR_INVALID_CERT, FALSE);
      (void) e;
    }
  }

  /* signed: the Initiator takes an update's answer only from the party of
   * the setup, even when it would trust another one */
  if (is_sign (f)) {
    MkyConfig cfg;
    g_autoptr (MkyDhInitiator) ini = NULL;
    g_autoptr (MkyDhResponder) resp = NULL;
    g_autoptr (MkyCsb) csb = mky_csb_new (0);
    g_autoptr (MkyCsb) got = NULL;
    g_autoptr (MkyCsb) got2 = NULL;
    g_autoptr (GBytes) i1 = NULL;
    g_autoptr (GBytes) r1 = NULL;
    g_autoptr (GBytes) i2 = NULL;
    g_autoptr (GBytes) r2 = NULL;
    g_autoptr (GBytes) forged = NULL;
    g_autoptr (GPtrArray) certs = g_ptr_array_new_with_free_func (
        (GDestroyNotify) mky_payload_free);
    g_autoptr (GError) error = NULL;

    /* neither names the Responder: whoever answers */
    mky_config_copy (&cfg, &f->icfg);
    g_clear_pointer (&cfg.id_r, g_free);
    ini = mky_dh_initiator_new (&cfg, MKY_DH_MODE_SIGN);
    mky_config_clear (&cfg);
    mky_config_copy (&cfg, &f->rcfg);
    g_clear_pointer (&cfg.id_r, g_free);
    resp = mky_dh_responder_new (&cfg, MKY_DH_MODE_SIGN, NOW, FALSE);
    mky_config_clear (&cfg);
    mky_csb_add_cs (csb, 0, 0, 0);
    i1 = mky_dh_initiator_build (ini, csb, FALSE, NULL, NOW + 10 * SEC, NULL);
    got = mky_dh_responder_handle (resp, i1, NULL, NOW + 10 * SEC, &r1, NULL);
    g_assert_nonnull (got);
    g_assert_true (mky_dh_initiator_handle_response (ini, csb, r1,
            NOW + 10 * SEC, NULL));
    i2 = mky_dh_initiator_build (ini, csb, TRUE, NULL, NOW + 11 * SEC, NULL);
    got2 = mky_dh_responder_handle (resp, i2, NULL, NOW + 11 * SEC, &r2,
        NULL);
    g_assert_nonnull (got2);
    /* carol's certificate in place of bob's, carol's signature */
    for (guint i = 0; i < mky_credentials_get_n_certs (pki.carol_creds); i++) {
      MkyPayload *p = mky_payload_new (MKY_PT_CERT);
      gsize len;
      const guint8 *der = g_bytes_get_data (mky_credentials_get_cert_der
          (pki.carol_creds, i), &len);
      mky_bytes_set (&p->u.id.data, der, len);
      g_ptr_array_add (certs, p);
    }
    forged = rebuild_at (f, r2, MKY_PT_CERT, certs, 1, pki.carol_creds);
    g_assert_false (mky_dh_initiator_handle_response (ini, csb, forged,
            NOW + 11 * SEC, &error));
    g_assert_error (error, MKY_ERROR, MKY_ERROR_BAD_ID);
    g_assert_true (mky_dh_initiator_handle_response (ini, csb, r2,
            NOW + 11 * SEC, NULL));
    assert_same_keying (csb, got2);
  }
}

/* Errors the Responder reports after authentication: authenticated (V) in
 * DH-HMAC, so they end the exchange; a hint only in DH mode */
static void
test_error_after_auth (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) init = NULL;
  g_autoptr (GBytes) err = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (MkyMessage) m = NULL;

  start (f);
  test_csb_add_unsupported_sp (f->csb);
  init = build (f, FALSE, NULL, NOW);
  err = refused (f, init, NULL, NOW, MKY_ERROR_UNSUPPORTED_SP);
  assert_error_reply (err, MKY_ERR_INVALID_SPPAR, !is_sign (f));
  m = mky_message_parse_bytes (err, NULL);
  g_assert_nonnull (mky_message_find (m, MKY_PT_SP, 0));
  g_assert_false (mky_dh_initiator_handle_response (f->ini, f->csb, err, NOW,
          &error));
  g_assert_error (error, MKY_ERROR, MKY_ERROR_PEER_ERROR);
  g_assert_nonnull (strstr (error->message, "Invalid SPpar"));
  g_assert_true ((strstr (error->message, "not authenticated") == NULL)
      == !is_sign (f));
  g_clear_error (&error);
  /* an authenticated error ended the exchange; a hint did not */
  g_assert_false (mky_dh_initiator_handle_response (f->ini, f->csb, err, NOW,
          &error));
  {
    gint code = is_sign (f) ? MKY_ERROR_PEER_ERROR : MKY_ERROR_CSB_MISMATCH;
    g_assert_error (error, MKY_ERROR, code);
  }

  /* a forged V: refused, not reported as the peer's */
  if (!is_sign (f)) {
    g_autoptr (GBytes) init2 = NULL;
    g_autoptr (GBytes) err2 = NULL;
    g_autoptr (GBytes) forged = NULL;
    renew (f);
    test_csb_add_unsupported_sp (f->csb);
    init2 = build (f, FALSE, NULL, NOW + SEC);
    err2 = refused (f, init2, NULL, NOW + SEC, MKY_ERROR_UNSUPPORTED_SP);
    forged = test_bytes_flip (err2, 1, 0x01);
    initiator_refuses (f, forged, MKY_ERROR_BAD_MAC);
  }
}

static void
test_wrong_type (Fixture *f, gconstpointer data)
{
  g_autoptr (MkyPskInitiator) psk_ini = NULL;
  g_autoptr (MkyCsb) csb = mky_csb_new (0);
  g_autoptr (GBytes) init = NULL;
  g_autoptr (GBytes) err = NULL;
  MkyConfig cfg;

  start (f);
  mky_config_init (&cfg);
  mky_config_set_psk (&cfg, psk, 32);
  psk_ini = mky_psk_initiator_new (&cfg);
  mky_csb_add_key (csb, MKY_KD_TGK, NULL, 16, NULL, 0, NULL, 0);
  init = mky_psk_initiator_build (psk_ini, csb, TRUE, NOW, NULL);
  err = refused (f, init, NULL, NOW, MKY_ERROR_BAD_DATA_TYPE);
  assert_error_reply (err, MKY_ERR_INVALID_DT, FALSE);
  mky_config_clear (&cfg);

  /* and the other DH flavour */
  {
    g_autoptr (MkyDhResponder) other = NULL;
    g_autoptr (GBytes) mine = build (f, FALSE, NULL, NOW);
    g_autoptr (GBytes) e = NULL;
    g_autoptr (GError) error = NULL;
    mky_config_copy (&cfg, &f->rcfg);
    if (is_sign (f))
      mky_config_set_psk (&cfg, psk, 32);
    else {
      cfg.credentials = mky_credentials_ref (pki.bob_creds);
      cfg.trust = mky_trust_ref (pki.trust);
    }
    other = mky_dh_responder_new (&cfg, is_sign (f) ? MKY_DH_MODE_HMAC
        : MKY_DH_MODE_SIGN, NOW, FALSE);
    g_assert_null (mky_dh_responder_handle (other, mine, NULL, NOW, &e,
            &error));
    g_assert_error (error, MKY_ERROR, MKY_ERROR_BAD_DATA_TYPE);
    mky_config_clear (&cfg);
  }
}

static void
test_config (Fixture *f, gconstpointer data)
{
  g_autoptr (MkyDhInitiator) ini = NULL;
  g_autoptr (MkyDhResponder) r = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) reply = NULL;
  MkyConfig cfg;

  mky_config_init (&cfg);
  ini = mky_dh_initiator_new (&cfg, MKY_DH_MODE_SIGN);
  g_assert_null (mky_dh_initiator_build (ini, f->csb, FALSE, NULL, NOW,
          &error));
  g_assert_error (error, MKY_ERROR, MKY_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  r = mky_dh_responder_new (&cfg, MKY_DH_MODE_SIGN, NOW, FALSE);
  {
    g_autoptr (GBytes) junk = g_bytes_new_static ("x", 1);
    g_assert_null (mky_dh_responder_handle (r, junk, NULL, NOW, &reply,
            &error));
  }
  g_assert_error (error, MKY_ERROR, MKY_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_clear_pointer (&ini, mky_dh_initiator_free);

  /* an unknown group */
  config (f, &cfg, pki.alice_creds);
  cfg.dh_group = 3;
  ini = mky_dh_initiator_new (&cfg, MKY_DH_MODE_SIGN);
  g_assert_null (mky_dh_initiator_build (ini, f->csb, FALSE, NULL, NOW,
          &error));
  g_assert_error (error, MKY_ERROR, MKY_ERROR_BAD_DH);
  g_clear_error (&error);
  /* nothing was committed to the bundle */
  g_assert_cmpuint (f->csb->rand.len, ==, 0);
  mky_config_clear (&cfg);

  /* an update without DHi keeps a TGK: there must be one */
  config (f, &cfg, pki.alice_creds);
  g_clear_pointer (&ini, mky_dh_initiator_free);
  ini = mky_dh_initiator_new (&cfg, MKY_DH_MODE_SIGN);
  mky_bytes_set (&f->csb->rand, (const guint8 *) "0123456789abcdef", 16);
  g_assert_null (mky_dh_initiator_build (ini, f->csb, FALSE, NULL, NOW,
          &error));
  g_assert_error (error, MKY_ERROR, MKY_ERROR_STATE);
  mky_config_clear (&cfg);
}

/* Signed messages that verify, with contents to refuse: a PRF nobody
 * knows, an identity with a NUL byte */
static void
test_signed_contents (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) init = NULL;
  const guint8 *raw;

  start (f);
  init = build (f, FALSE, NULL, NOW);
  raw = g_bytes_get_data (init, NULL);
  {
    guint8 prf = (raw[3] & 0x80) | 5;
    g_autoptr (GBytes) patched = test_bytes_patch (init, 3, &prf, 1);
    g_autoptr (GBytes) bad = reauth (f, patched, pki.alice_creds);
    g_autoptr (GBytes) err = refused (f, bad, NULL, NOW, MKY_ERROR_BAD_PRF);
    assert_error_reply (err, MKY_ERR_INVALID_PRF, FALSE);
  }
  {
    static const char nul_id[] = "sip:alice@example.com\0.evil";
    g_autoptr (GPtrArray) idi = g_ptr_array_new_with_free_func (
        (GDestroyNotify) mky_payload_free);
    g_autoptr (GBytes) bad = NULL;
    g_autoptr (GBytes) err = NULL;
    g_autoptr (MkyMessage) m = NULL;
    MkyPayload *p = mky_payload_new (MKY_PT_ID);
    p->u.id.type = MKY_ID_URI;
    mky_bytes_set (&p->u.id.data, (const guint8 *) nul_id,
        sizeof nul_id - 1);
    g_ptr_array_add (idi, p);
    /* T, RAND, then IDi before CERTi */
    bad = rebuild_at (f, init, 0, idi, 2, pki.alice_creds);
    m = mky_message_parse_bytes (bad, NULL);
    g_assert_cmpuint (((MkyPayload *) m->payloads->pdata[2])->type, ==,
        MKY_PT_ID);
    g_assert_cmpuint (((MkyPayload *) m->payloads->pdata[3])->type, ==,
        MKY_PT_CERT);
    err = refused (f, bad, NULL, NOW, MKY_ERROR_BAD_ID);
    assert_error_reply (err, MKY_ERR_INVALID_ID, FALSE);
  }
}

#define ADD(name, fn, params) \
  g_test_add ("/dh-mode/" name, Fixture, params, fixture_setup, fn, \
      fixture_teardown)

int
main (int argc, char **argv)
{
  static const Params sign_suites[] = {
    { MKY_DH_MODE_SIGN, MKY_DH_OAKLEY_5, MKY_SIGN_RSA_PKCS1,
      MKY_MAC_HMAC_SHA_1_160, MKY_PRF_MIKEY_1 },
    { MKY_DH_MODE_SIGN, MKY_DH_OAKLEY_5, MKY_SIGN_RSA_PSS,
      MKY_MAC_HMAC_SHA_1_160, MKY_PRF_MIKEY_1 },
    { MKY_DH_MODE_SIGN, MKY_DH_OAKLEY_1, MKY_SIGN_RSA_PKCS1,
      MKY_MAC_HMAC_SHA_1_160, MKY_PRF_MIKEY_1 },
    { MKY_DH_MODE_SIGN, MKY_DH_OAKLEY_2, MKY_SIGN_RSA_PSS,
      MKY_MAC_HMAC_SHA_1_160, MKY_PRF_HMAC_SHA_256 },
  };
  static const Params hmac_suites[] = {
    { MKY_DH_MODE_HMAC, MKY_DH_OAKLEY_5, MKY_SIGN_RSA_PKCS1,
      MKY_MAC_HMAC_SHA_1_160, MKY_PRF_MIKEY_1 },
    { MKY_DH_MODE_HMAC, MKY_DH_OAKLEY_1, MKY_SIGN_RSA_PKCS1,
      MKY_MAC_HMAC_SHA_1_160, MKY_PRF_MIKEY_1 },
    { MKY_DH_MODE_HMAC, MKY_DH_OAKLEY_2, MKY_SIGN_RSA_PKCS1,
      MKY_MAC_HMAC_SHA_256_256, MKY_PRF_HMAC_SHA_256 },
  };
  static const char *const group_names[] = { "oakley5", "oakley1", "oakley2" };
  const Params *both[] = { &sign_default, &hmac_default };
  int ret;

  g_test_init (&argc, &argv, NULL);
  make_pki ();
  for (guint i = 0; i < G_N_ELEMENTS (sign_suites); i++) {
    g_autofree char *name = g_strdup_printf ("/dh-mode/sign/exchange/%s-%s-prf%u",
        group_names[sign_suites[i].group],
        sign_suites[i].sign == MKY_SIGN_RSA_PSS ? "pss" : "pkcs1",
        sign_suites[i].prf);
    g_test_add (name, Fixture, &sign_suites[i], fixture_setup, test_exchange,
        fixture_teardown);
  }
  for (guint i = 0; i < G_N_ELEMENTS (hmac_suites); i++) {
    g_autofree char *name = g_strdup_printf ("/dh-mode/hmac/exchange/%s-mac%u-prf%u",
        group_names[hmac_suites[i].group], hmac_suites[i].mac,
        hmac_suites[i].prf);
    g_test_add (name, Fixture, &hmac_suites[i], fixture_setup, test_exchange,
        fixture_teardown);
  }
  /* invalid public values in every group */
  for (guint i = 0; i < G_N_ELEMENTS (sign_suites); i++) {
    g_autofree char *name = g_strdup_printf ("/dh-mode/sign/invalid-public/%s-%s",
        group_names[sign_suites[i].group],
        sign_suites[i].sign == MKY_SIGN_RSA_PSS ? "pss" : "pkcs1");
    g_test_add (name, Fixture, &sign_suites[i], fixture_setup,
        test_invalid_public, fixture_teardown);
  }
  for (guint i = 0; i < G_N_ELEMENTS (hmac_suites); i++) {
    g_autofree char *name = g_strdup_printf ("/dh-mode/hmac/invalid-public/%s",
        group_names[hmac_suites[i].group]);
    g_test_add (name, Fixture, &hmac_suites[i], fixture_setup,
        test_invalid_public, fixture_teardown);
  }
  for (guint i = 0; i < G_N_ELEMENTS (both); i++) {
    const char *m = i == 0 ? "sign" : "hmac";
#define ADD_BOTH(name, fn) G_STMT_START { \
      g_autofree char *n = g_strdup_printf ("/dh-mode/%s/" name, m); \
      g_test_add (n, Fixture, both[i], fixture_setup, fn, fixture_teardown); \
    } G_STMT_END
    ADD_BOTH ("tampered-dh", test_tampered_dh);
    ADD_BOTH ("wrong-echo", test_wrong_echo);
    ADD_BOTH ("replay-and-time", test_replay_and_time);
    ADD_BOTH ("sdp-ids", test_sdp_ids);
    ADD_BOTH ("update", test_update);
    ADD_BOTH ("update-spi", test_update_spi);
    ADD_BOTH ("error-after-auth", test_error_after_auth);
    ADD_BOTH ("wrong-type", test_wrong_type);
  }
  ADD ("sign/bad-signature/pkcs1", test_bad_signature, &sign_suites[0]);
  ADD ("sign/bad-signature/pss", test_bad_signature, &sign_suites[1]);
  ADD ("sign/untrusted", test_untrusted, &sign_default);
  ADD ("sign/dhi-kv", test_dhi_kv, &sign_default);
  ADD ("sign/config", test_config, &sign_default);
  ADD ("sign/signed-contents", test_signed_contents, &sign_default);
  ADD ("hmac/bad-mac", test_bad_mac, &hmac_default);
  ADD ("hmac/kemac-encr", test_hmac_kemac_encr, &hmac_default);
  ADD ("hmac/no-idi", test_hmac_no_idi, &hmac_default);
  ADD ("hmac/identity", test_hmac_identity, &hmac_default);
  ret = g_test_run ();
  free_pki ();
  test_pki_cleanup ();
  return ret;
}
