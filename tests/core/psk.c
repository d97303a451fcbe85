/* PSK mode end to end (RFC 3830 §3.1, §4.5, §5.1.2, §5.3), through the
 * public API only: both ends must derive the same SRTP keys, and every
 * rejection must carry its own error. */
#include <string.h>
#include <mky/mky.h>
#include "mky-exchange.h"
#include <gnutls/crypto.h>
#include "test-util.h"

#define SEC G_USEC_PER_SEC
#define NOW (G_GINT64_CONSTANT (1795435200) * SEC)

static const guint8 psk[] = "a pre-shared key of 32 bytes....";

typedef struct {
  MkyConfig cfg;
  MkyPskInitiator *ini;
  MkyPskResponder *resp;
  MkyCsb *csb;                  /* the Initiator's */
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  mky_config_init (&f->cfg);
  mky_config_set_psk (&f->cfg, psk, 32);
  f->csb = test_csb_new (0);
}

static void
start (Fixture *f)
{
  f->ini = mky_psk_initiator_new (&f->cfg);
  f->resp = mky_psk_responder_new (&f->cfg, NOW, FALSE);
}

/* ... for one 16-byte TGK */
static void
start_tgk (Fixture *f)
{
  start (f);
  mky_csb_add_key (f->csb, MKY_KD_TGK, NULL, 16, NULL, 0, NULL, 0);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  mky_psk_initiator_free (f->ini);
  mky_psk_responder_free (f->resp);
  mky_csb_unref (f->csb);
  mky_config_clear (&f->cfg);
}

/* One exchange; returns the Responder's bundle */
static MkyCsb *
exchange (Fixture *f, gint64 now, gboolean verify)
{
  return test_psk_exchange (f->ini, f->resp, f->csb, now, verify);
}

typedef struct {
  MkyPrf prf;
  MkyEncrAlg encr;
  MkyMacAlg mac;
} Suite;

static void
test_exchange (Fixture *f, gconstpointer data)
{
  const Suite *s = data;
  g_autoptr (MkyCsb) got = NULL;
  MkySrtpKeying k;
  guint8 tgk[20];

  f->cfg.prf = s->prf;
  f->cfg.encr_alg = s->encr;
  f->cfg.mac_alg = s->mac;
  f->cfg.allow_null = s->encr == MKY_ENCR_NULL || s->mac == MKY_MAC_NULL;
  start (f);
  /* 20 bytes: Key data of 24, whole blocks for AES-KW */
  gnutls_rnd (GNUTLS_RND_KEY, tgk, sizeof tgk);
  mky_csb_add_key (f->csb, MKY_KD_TGK, tgk, 20, NULL, 0, NULL, 0);
  got = exchange (f, NOW, TRUE);
  test_assert_same_keying (f->csb, got);

  /* and the keys are RFC 3830 §4.1.3 ones: TEK and salt of CS 2 */
  test_assert_tgk_keying (got, 1, s->prf, tgk, 20, f->csb->csb_id,
      &f->csb->rand, &k);
  g_assert_cmpuint (k.ssrc, ==, 0x22222222);
  g_assert_cmpuint (k.roc, ==, 7);
  mky_srtp_keying_clear (&k);
}

/* TEK+SALT with MKIs, two keys (the current and the next) */
static void
test_tek_mki (Fixture *f, gconstpointer data)
{
  g_autoptr (MkyCsb) got = NULL;
  MkySrtpKeying k;
  g_autofree char *caps = NULL;
  static const guint8 mki1[] = { 0, 0, 0, 1 }, mki2[] = { 0, 0, 0, 2 };

  start (f);
  mky_csb_add_key (f->csb, MKY_KD_TEK_SALT, NULL, 16, NULL, 14, mki1, 4);
  mky_csb_add_key (f->csb, MKY_KD_TEK_SALT, NULL, 16, NULL, 14, mki2, 4);
  got = exchange (f, NOW, FALSE);
  test_assert_same_keying (f->csb, got);
  g_assert_true (mky_csb_get_srtp (got, 0, MKY_SP_COMPAT_STRICT, &k, NULL));
  g_assert_cmpuint (k.n_keys, ==, 2);
  g_assert_cmpmem (k.keys[1].mki, k.keys[1].mki_len, mki2, 4);
  /* a TEK is the master key itself (RFC 3830 App. A.1) */
  g_assert_cmpmem (k.keys[0].key, 16,
      ((MkyPayload *) f->csb->keys->pdata[0])->u.key_data.key.data, 16);
  caps = mky_srtp_keying_caps_string (&k, NULL);
  g_assert_nonnull (strstr (caps, "mki2=(buffer)00000002"));
  g_assert_nonnull (strstr (caps, "srtp-key2=(buffer)"));
  mky_srtp_keying_clear (&k);
}

/* RFC 3830 §4.5: same CSB ID, new T, no RAND; new keys replace the old,
 * an update without keys keeps them */
static void
test_update (Fixture *f, gconstpointer data)
{
  g_autoptr (MkyCsb) first = NULL;
  g_autoptr (MkyCsb) second = NULL;
  g_autoptr (MkyCsb) third = NULL;
  g_autoptr (GBytes) upd = NULL;
  g_autoptr (MkyMessage) parsed = NULL;

  start_tgk (f);
  first = exchange (f, NOW, TRUE);

  mky_csb_clear_keys (f->csb);
  mky_csb_add_key (f->csb, MKY_KD_TGK, NULL, 16, NULL, 0, NULL, 0);
  mky_csb_add_cs (f->csb, 0, 0x33333333, 0);
  upd = mky_psk_initiator_build (f->ini, f->csb, TRUE, NOW + SEC, NULL);
  parsed = mky_message_parse_bytes (upd, NULL);
  g_assert_null (mky_message_find (parsed, MKY_PT_RAND, 0));
  g_assert_cmphex (mky_message_hdr (parsed)->csb_id, ==, first->csb_id);
  {
    g_autoptr (GBytes) reply = NULL;
    second = mky_psk_responder_handle (f->resp, upd, NOW + SEC, &reply, NULL);
    g_assert_nonnull (second);
    g_assert_true (mky_psk_initiator_handle_response (f->ini, f->csb, reply,
            NULL));
  }
  g_assert_cmpmem (second->rand.data, second->rand.len, first->rand.data,
      first->rand.len);
  g_assert_cmpuint (mky_csb_n_sessions (second), ==, 3);
  test_assert_same_keying (f->csb, second);

  /* no keys in this one: the bundle keeps the last */
  mky_csb_clear_keys (f->csb);
  {
    g_autoptr (GBytes) m = mky_psk_initiator_build (f->ini, f->csb, FALSE,
        NOW + 2 * SEC, NULL);
    g_autoptr (GBytes) reply = NULL;
    third = mky_psk_responder_handle (f->resp, m, NOW + 2 * SEC, &reply, NULL);
  }
  g_assert_nonnull (third);
  g_assert_cmpuint (third->keys->len, ==, 1);
  g_assert_cmpmem (((MkyPayload *) third->keys->pdata[0])->u.key_data.key.data,
      16, ((MkyPayload *) second->keys->pdata[0])->u.key_data.key.data, 16);
}

static void
test_update_unknown_csb (Fixture *f, gconstpointer data)
{
  g_autoptr (MkyPskResponder) other = NULL;
  g_autoptr (GBytes) init = NULL;
  g_autoptr (GBytes) upd = NULL;
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (GError) error = NULL;

  start_tgk (f);
  init = mky_psk_initiator_build (f->ini, f->csb, FALSE, NOW, NULL);
  upd = mky_psk_initiator_build (f->ini, f->csb, FALSE, NOW + SEC, NULL);
  /* a Responder that never saw the initial message */
  other = mky_psk_responder_new (&f->cfg, NOW, FALSE);
  g_assert_null (mky_psk_responder_handle (other, upd, NOW + SEC, &reply,
          &error));
  g_assert_error (error, MKY_ERROR, MKY_ERROR_CSB_MISMATCH);
}

static void
test_replay_and_time (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) init = NULL;
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (GError) error = NULL;
  MkyCsb *got;

  start_tgk (f);
  init = mky_psk_initiator_build (f->ini, f->csb, FALSE, NOW, NULL);
  got = mky_psk_responder_handle (f->resp, init, NOW, &reply, NULL);
  g_assert_nonnull (got);
  mky_csb_unref (got);
  g_assert_null (mky_psk_responder_handle (f->resp, init, NOW + SEC, &reply,
          &error));
  g_assert_error (error, MKY_ERROR, MKY_ERROR_REPLAY);
  g_assert_null (reply);        /* discarded silently, RFC 3830 §5.3 */
  g_clear_error (&error);

  g_assert_null (mky_psk_responder_handle (f->resp, init,
          NOW + f->cfg.skew_us + SEC, &reply, &error));
  g_assert_error (error, MKY_ERROR, MKY_ERROR_TS_STALE);
  g_clear_error (&error);
  {
    g_autoptr (GBytes) early = mky_psk_initiator_build (f->ini, f->csb, FALSE,
        NOW + f->cfg.skew_us + 10 * SEC, NULL);
    g_assert_null (mky_psk_responder_handle (f->resp, early, NOW, &reply,
            &error));
    g_assert_error (error, MKY_ERROR, MKY_ERROR_TS_FUTURE);
  }
}

/* A bad MAC: an unauthenticated Error message; the replay cache does not
 * change; the Initiator takes the error as a hint only */
static void
test_bad_mac (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) init = NULL;
  g_autoptr (GBytes) bad = NULL;
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (MkyMessage) err = NULL;

  start_tgk (f);
  init = mky_psk_initiator_build (f->ini, f->csb, TRUE, NOW, NULL);
  bad = test_bytes_flip (init, 1, 1);
  /* without an error to fill, the same refusal */
  {
    g_autoptr (GBytes) quiet = NULL;
    g_assert_null (mky_psk_responder_handle (f->resp, bad, NOW, &quiet, NULL));
    g_assert_nonnull (quiet);
  }
  g_assert_null (mky_psk_responder_handle (f->resp, bad, NOW, &reply, &error));
  g_assert_error (error, MKY_ERROR, MKY_ERROR_BAD_MAC);
  g_assert_cmpuint (mky_replay_cache_size (mky_psk_responder_get_replay_cache
          (f->resp)), ==, 0);
  err = test_error_reply (reply, MKY_ERR_INVALID_MAC);
  g_assert_null (mky_message_find (err, MKY_PT_V, 0));
  g_clear_error (&error);

  g_assert_false (mky_psk_initiator_handle_response (f->ini, f->csb, reply,
          &error));
  g_assert_error (error, MKY_ERROR, MKY_ERROR_PEER_ERROR);
  g_assert_nonnull (strstr (error->message, "not authenticated"));
  g_clear_error (&error);
  g_clear_pointer (&reply, g_bytes_unref);

  /* the real message still goes through, and its answer is accepted */
  {
    g_autoptr (MkyCsb) got = mky_psk_responder_handle (f->resp, init, NOW,
        &reply, &error);
    g_assert_no_error (error);
    g_assert_nonnull (got);
    g_assert_true (mky_psk_initiator_handle_response (f->ini, f->csb, reply,
            &error));
    /* the exchange is over: the same answer again is refused */
    g_assert_false (mky_psk_initiator_handle_response (f->ini, f->csb, reply,
            &error));
    g_assert_error (error, MKY_ERROR, MKY_ERROR_CSB_MISMATCH);
  }
}

static void
test_bad_verify (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) init = NULL;
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (GBytes) bad = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (MkyCsb) got = NULL;

  start_tgk (f);
  init = mky_psk_initiator_build (f->ini, f->csb, TRUE, NOW, NULL);
  got = mky_psk_responder_handle (f->resp, init, NOW, &reply, NULL);
  bad = test_bytes_flip (reply, 3, 0x10);
  g_assert_false (mky_psk_initiator_handle_response (f->ini, f->csb, bad,
          &error));
  g_assert_error (error, MKY_ERROR, MKY_ERROR_BAD_MAC);
  g_clear_error (&error);

  /* a verification message echoing another timestamp is no answer to us */
  {
    g_autoptr (MkyMessage) m = mky_message_parse_bytes (reply, NULL);
    g_autoptr (GBytes) other = NULL;
    mky_message_find (m, MKY_PT_T, 0)->u.t.ts++;
    other = mky_message_serialize (m, NULL);
    g_assert_false (mky_psk_initiator_handle_response (f->ini, f->csb, other,
            &error));
    g_assert_error (error, MKY_ERROR, MKY_ERROR_TS_MISMATCH);
  }
  g_assert_true (mky_psk_initiator_handle_response (f->ini, f->csb, reply,
          NULL));
}

/* RFC 3830 §5.1.1-5.1.2: a policy we cannot do gets an authenticated Error
 * message carrying Invalid SPpar and the policy we support */
static void
test_unsupported_sp (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) init = NULL;
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (MkyMessage) err = NULL;
  MkySrtpPolicy offered;

  start (f);
  test_csb_add_unsupported_sp (f->csb);
  mky_csb_add_key (f->csb, MKY_KD_TGK, NULL, 16, NULL, 0, NULL, 0);
  init = mky_psk_initiator_build (f->ini, f->csb, TRUE, NOW, NULL);
  g_assert_null (mky_psk_responder_handle (f->resp, init, NOW, &reply,
          &error));
  g_assert_error (error, MKY_ERROR, MKY_ERROR_UNSUPPORTED_SP);
  err = test_error_reply (reply, MKY_ERR_INVALID_SPPAR);
  g_assert_nonnull (mky_message_find (err, MKY_PT_V, 0));
  g_assert_true (mky_srtp_policy_from_sp (&mky_message_find (err, MKY_PT_SP,
              0)->u.sp, MKY_SP_COMPAT_STRICT, &offered, NULL));
  g_assert_cmpuint (offered.srtp_cipher, ==, MKY_SRTP_CIPHER_AES_128_ICM);
  g_clear_error (&error);
  g_assert_false (mky_psk_initiator_handle_response (f->ini, f->csb, reply,
          &error));
  g_assert_error (error, MKY_ERROR, MKY_ERROR_PEER_ERROR);
  g_assert_nonnull (strstr (error->message, "Invalid SPpar"));
  g_assert_null (strstr (error->message, "not authenticated"));
}

static void
test_null_refused (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) init = NULL;
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (MkyPskInitiator) null_ini = NULL;
  g_autoptr (MkyMessage) err = NULL;
  MkyConfig null_cfg;

  start (f);
  mky_config_init (&null_cfg);
  null_cfg.encr_alg = MKY_ENCR_NULL;
  null_cfg.mac_alg = MKY_MAC_NULL;
  /* an Initiator will not send it unless told */
  null_ini = mky_psk_initiator_new (&null_cfg);
  g_assert_null (mky_psk_initiator_build (null_ini, f->csb, FALSE, NOW,
          &error));
  g_assert_error (error, MKY_ERROR, MKY_ERROR_BAD_ENCR);
  g_clear_error (&error);
  g_clear_pointer (&null_ini, mky_psk_initiator_free);

  null_cfg.allow_null = TRUE;
  null_ini = mky_psk_initiator_new (&null_cfg);
  mky_csb_add_key (f->csb, MKY_KD_TEK_SALT, NULL, 16, NULL, 14, NULL, 0);
  init = mky_psk_initiator_build (null_ini, f->csb, FALSE, NOW, &error);
  g_assert_no_error (error);
  /* nor a Responder accept it */
  g_assert_null (mky_psk_responder_handle (f->resp, init, NOW, &reply,
          &error));
  g_assert_error (error, MKY_ERROR, MKY_ERROR_BAD_ENCR);
  err = test_error_reply (reply, MKY_ERR_INVALID_EA);
  mky_config_clear (&null_cfg);
}

static void
test_identity (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) init = NULL;
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (MkyPskResponder) strict = NULL;
  g_autoptr (MkyCsb) got = NULL;
  g_autoptr (MkyCsb) fresh = NULL;
  MkyConfig rcfg;

  f->cfg.id_i = g_strdup ("sip:alice@example.com");
  f->cfg.id_r = g_strdup ("sip:bob@example.com");
  start_tgk (f);
  /* identities enter the verification MAC: a full exchange must work */
  got = exchange (f, NOW, TRUE);

  mky_config_init (&rcfg);
  mky_config_set_psk (&rcfg, psk, 32);
  rcfg.id_i = g_strdup ("sip:mallory@example.com");
  strict = mky_psk_responder_new (&rcfg, NOW, FALSE);
  fresh = mky_csb_new (0);
  mky_csb_add_key (fresh, MKY_KD_TGK, NULL, 16, NULL, 0, NULL, 0);
  init = mky_psk_initiator_build (f->ini, fresh, TRUE, NOW + SEC, NULL);
  g_assert_null (mky_psk_responder_handle (strict, init, NOW + SEC, &reply,
          &error));
  g_assert_error (error, MKY_ERROR, MKY_ERROR_BAD_ID);
  mky_config_clear (&rcfg);
}

static void
test_wrong_type (Fixture *f, gconstpointer data)
{
  g_autoptr (MkyMessage) m = mky_message_new (MKY_TYPE_DH_INIT, 5);
  g_autoptr (GBytes) raw = NULL;
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (MkyMessage) err = NULL;
  MkyPayload *t;

  start (f);
  t = mky_message_add (m, MKY_PT_T);
  mky_t_set_time (&t->u.t, MKY_TS_NTP_UTC, NOW, NULL);
  raw = mky_message_serialize (m, NULL);
  g_assert_null (mky_psk_responder_handle (f->resp, raw, NOW, &reply, &error));
  g_assert_error (error, MKY_ERROR, MKY_ERROR_BAD_DATA_TYPE);
  err = test_error_reply (reply, MKY_ERR_INVALID_DT);
}

/* What gst_mikey_message_new_from_caps builds: KEMAC NULL/NULL, one TEK of
 * key || salt, the tag length in SP type 3, no CS map */
static void
test_gstreamer_null (Fixture *f, gconstpointer data)
{
  g_autoptr (MkyMessage) m = mky_message_new (MKY_TYPE_PSK_INIT, 0x12345678);
  g_autoptr (GBytes) raw = NULL;
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (MkyCsb) got = NULL;
  g_autoptr (GByteArray) plain = g_byte_array_new ();
  g_autoptr (GPtrArray) kd = g_ptr_array_new_with_free_func ((GDestroyNotify)
      mky_payload_free);
  MkyPayload *p;
  MkySrtpKeying k;
  guint8 key[30];
  g_autofree char *caps = NULL;

  f->cfg.allow_null = TRUE;
  start (f);
  for (int i = 0; i < 30; i++)
    key[i] = i;
  p = mky_message_add (m, MKY_PT_T);
  mky_t_set_time (&p->u.t, MKY_TS_NTP_UTC, NOW, NULL);
  p = mky_message_add (m, MKY_PT_RAND);
  mky_bytes_set (&p->u.rand.rand, key, 16);
  p = mky_message_add (m, MKY_PT_SP);
  mky_sp_add_param_u8 (&p->u.sp, MKY_SP_ENCR_ALG, 1);
  mky_sp_add_param_u8 (&p->u.sp, MKY_SP_ENCR_KEY_LEN, 16);
  mky_sp_add_param_u8 (&p->u.sp, MKY_SP_AUTH_ALG, 1);
  mky_sp_add_param_u8 (&p->u.sp, MKY_SP_AUTH_KEY_LEN, 4);
  mky_sp_add_param_u8 (&p->u.sp, MKY_SP_SRTP_ENCR, 1);
  mky_sp_add_param_u8 (&p->u.sp, MKY_SP_SRTCP_ENCR, 1);
  mky_sp_add_param_u8 (&p->u.sp, MKY_SP_SRTP_AUTH, 1);
  p = mky_payload_new (MKY_PT_KEY_DATA);
  p->u.key_data.type = MKY_KD_TEK;
  mky_bytes_set (&p->u.key_data.key, key, 30);
  g_ptr_array_add (kd, p);
  mky_payload_chain_serialize (kd->pdata, kd->len, plain, NULL);
  p = mky_message_add (m, MKY_PT_KEMAC);
  mky_bytes_set (&p->u.kemac.encr_data, plain->data, plain->len);
  raw = mky_message_serialize (m, NULL);

  got = mky_psk_responder_handle (f->resp, raw, NOW, &reply, &error);
  g_assert_no_error (error);
  g_assert_null (reply);        /* V bit clear */
  g_assert_cmpuint (mky_csb_n_sessions (got), ==, 1);
  g_assert_true (mky_csb_get_srtp (got, 0, MKY_SP_COMPAT_ACCEPT_GSTREAMER, &k,
          &error));
  g_assert_cmpuint (k.policy.srtp_auth, ==, MKY_SRTP_AUTH_HMAC_SHA1_32);
  g_assert_cmpmem (k.keys[0].key, 16, key, 16);
  g_assert_cmpmem (k.keys[0].salt, 14, key + 16, 14);
  caps = mky_srtp_keying_caps_string (&k, NULL);
  g_assert_nonnull (strstr (caps,
          "srtp-key=(buffer)000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d"));
  mky_srtp_keying_clear (&k);
}

/* A bundle with a PRF the library does not know gives no keys at all (not
 * keys derived from nothing) */
static void
test_unknown_prf (void)
{
  g_autoptr (MkyCsb) csb = mky_csb_new (7);
  g_autoptr (GError) error = NULL;
  MkySrtpKeying k;

  mky_csb_add_cs (csb, 0, 1, 0);
  mky_csb_add_key (csb, MKY_KD_TGK, NULL, 16, NULL, 0, NULL, 0);
  csb->prf = 5;
  g_assert_false (mky_csb_check (csb, MKY_SP_COMPAT_STRICT, &error));
  g_assert_error (error, MKY_ERROR, MKY_ERROR_BAD_PRF);
  g_clear_error (&error);
  g_assert_false (mky_csb_get_srtp (csb, 0, MKY_SP_COMPAT_STRICT, &k, &error));
  g_assert_error (error, MKY_ERROR, MKY_ERROR_BAD_PRF);
}

/* Storing a bundle again does not push another one out */
static void
test_table (void)
{
  MkyTable t;

  mky_table_init (&t, 2, g_free);
  mky_table_store (&t, 1, g_strdup ("a"));
  mky_table_store (&t, 2, g_strdup ("b"));
  mky_table_store (&t, 1, g_strdup ("a2"));
  g_assert_cmpstr (mky_table_lookup (&t, 1), ==, "a2");
  g_assert_cmpstr (mky_table_lookup (&t, 2), ==, "b");
  /* full: the oldest (2, since 1 was stored again) goes */
  mky_table_store (&t, 3, g_strdup ("c"));
  g_assert_null (mky_table_lookup (&t, 2));
  g_assert_cmpstr (mky_table_lookup (&t, 1), ==, "a2");
  g_assert_cmpstr (mky_table_lookup (&t, 3), ==, "c");
  mky_table_clear (&t);
}

#define ADD(name, fn, data) \
  g_test_add ("/psk/" name, Fixture, data, fixture_setup, fn, fixture_teardown)

int
main (int argc, char **argv)
{
  static const Suite suites[] = {
    { MKY_PRF_MIKEY_1, MKY_ENCR_AES_CM_128, MKY_MAC_HMAC_SHA_1_160 },
    { MKY_PRF_MIKEY_1, MKY_ENCR_AES_CM_256, MKY_MAC_HMAC_SHA_256_256 },
    { MKY_PRF_MIKEY_1, MKY_ENCR_AES_KW_128, MKY_MAC_HMAC_SHA_1_160 },
    { MKY_PRF_MIKEY_1, MKY_ENCR_AES_KW_128, MKY_MAC_NULL },
    { MKY_PRF_HMAC_SHA_256, MKY_ENCR_AES_CM_128, MKY_MAC_HMAC_SHA_256_256 },
    { MKY_PRF_MIKEY_1, MKY_ENCR_NULL, MKY_MAC_HMAC_SHA_1_160 },
    { MKY_PRF_MIKEY_1, MKY_ENCR_NULL, MKY_MAC_NULL },
  };
  g_test_init (&argc, &argv, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (suites); i++) {
    g_autofree char *name = g_strdup_printf ("/psk/exchange/prf%u-encr%u-mac%u",
        suites[i].prf, suites[i].encr, suites[i].mac);
    g_test_add (name, Fixture, &suites[i], fixture_setup, test_exchange,
        fixture_teardown);
  }
  ADD ("tek-mki", test_tek_mki, NULL);
  ADD ("update", test_update, NULL);
  ADD ("update-unknown-csb", test_update_unknown_csb, NULL);
  ADD ("replay-and-time", test_replay_and_time, NULL);
  ADD ("bad-mac", test_bad_mac, NULL);
  ADD ("bad-verify", test_bad_verify, NULL);
  ADD ("unsupported-sp", test_unsupported_sp, NULL);
  ADD ("null-refused", test_null_refused, NULL);
  ADD ("identity", test_identity, NULL);
  ADD ("wrong-type", test_wrong_type, NULL);
  ADD ("gstreamer-null", test_gstreamer_null, NULL);
  g_test_add_func ("/psk/unknown-prf", test_unknown_prf);
  g_test_add_func ("/psk/table", test_table);
  return g_test_run ();
}
