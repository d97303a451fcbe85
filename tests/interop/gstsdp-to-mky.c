/* libgstsdp -> us: MIKEY-NULL messages made by GStreamer's own
 * gst_mikey_message_new_from_caps() (what rtsp-server, rtspsrc and
 * rtspclientsink send), serialized by gst_mikey_message_to_bytes(), must
 * give back with our parser and mky_psk_open() exactly the srtp-key,
 * ciphers, auths, SSRC and ROC that went into GStreamer's caps. */
#include <mky/mky.h>
#include "interop-util.h"

typedef struct {
  const char *cipher;
  const char *auth;
  gsize master_len;             /* key || salt */
  gboolean with_cs;             /* GStreamer itself never adds one */
} Case;

#define SSRC 0xdeadbeefu
#define ROC 0x00010203u

static void
null_config (MkyConfig *cfg, gboolean allow_null)
{
  mky_config_init (cfg);
  cfg->allow_null = allow_null;
}

static void
test_from_caps (gconstpointer data)
{
  const Case *c = data;
  guint8 key[46];
  g_autoptr (GstCaps) caps = NULL;
  g_autoptr (GstMIKEYMessage) gmsg = NULL;
  g_autoptr (GBytes) raw = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (MkyMessage) msg = NULL;
  g_autoptr (MkyCsb) csb = NULL;
  const MkyHdr *hdr;
  const MkyPayload *p;
  MkyConfig cfg;
  MkySrtpKeying k;
  gsize klen = c->master_len - 14;

  interop_fill (key, c->master_len, c->master_len);
  caps = interop_srtp_caps (key, c->master_len, c->cipher, c->auth);
  gmsg = gst_mikey_message_new_from_caps (caps);
  g_assert_nonnull (gmsg);
  if (c->with_cs)
    g_assert_true (gst_mikey_message_add_cs_srtp (gmsg, 0, SSRC, ROC));
  raw = gst_mikey_message_to_bytes (gmsg, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (raw);

  /* our parser, strict, takes it whole */
  msg = mky_message_parse_bytes (raw, &error);
  g_assert_no_error (error);
  hdr = mky_message_hdr (msg);
  g_assert_cmpuint (hdr->data_type, ==, MKY_TYPE_PSK_INIT);
  g_assert_cmpuint (hdr->v, ==, 0);
  g_assert_cmpuint (hdr->prf, ==, MKY_PRF_MIKEY_1);
  g_assert_cmphex (hdr->csb_id, ==, gmsg->CSB_id);
  g_assert_cmpuint (hdr->map_type, ==, MKY_MAP_SRTP_ID);
  g_assert_cmpuint (hdr->n_cs, ==, c->with_cs ? 1 : 0);
  /* T, RAND, SP, KEMAC: the order new_from_caps builds them in */
  g_assert_cmpuint (msg->payloads->len, ==, 4);
  g_assert_cmpuint (((MkyPayload *) msg->payloads->pdata[0])->type, ==,
      MKY_PT_T);
  g_assert_cmpuint (((MkyPayload *) msg->payloads->pdata[1])->type, ==,
      MKY_PT_RAND);
  g_assert_cmpuint (((MkyPayload *) msg->payloads->pdata[2])->type, ==,
      MKY_PT_SP);
  p = msg->payloads->pdata[3];
  g_assert_cmpuint (p->type, ==, MKY_PT_KEMAC);
  g_assert_cmpuint (p->u.kemac.encr_alg, ==, MKY_ENCR_NULL);
  g_assert_cmpuint (p->u.kemac.mac_alg, ==, MKY_MAC_NULL);
  p = mky_message_find (msg, MKY_PT_T, 0);
  g_assert_cmpuint (p->u.t.ts_type, ==, MKY_TS_NTP_UTC);
  /* and its NTP-UTC time is now, give or take */
  g_assert_true (mky_t_check_skew (&p->u.t, g_get_real_time (),
          60 * G_USEC_PER_SEC, NULL));
  g_assert_cmpuint (mky_message_find (msg, MKY_PT_RAND, 0)->u.rand.rand.len,
      ==, 16);

  /* MIKEY-NULL is refused unless allowed */
  null_config (&cfg, FALSE);
  g_assert_null (mky_psk_open (&cfg, raw, NULL, &error));
  g_assert_error (error, MKY_ERROR, MKY_ERROR_BAD_ENCR);
  g_clear_error (&error);
  mky_config_clear (&cfg);

  null_config (&cfg, TRUE);
  csb = mky_psk_open (&cfg, raw, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (csb);
  mky_config_clear (&cfg);
  g_assert_cmphex (csb->csb_id, ==, gmsg->CSB_id);
  g_assert_cmpuint (mky_csb_n_sessions (csb), ==, 1);
  g_assert_cmpuint (csb->keys->len, ==, 1);
  g_assert_cmpuint (((MkyPayload *) csb->keys->pdata[0])->u.key_data.type, ==,
      MKY_KD_TEK);

  g_assert_true (mky_csb_get_srtp (csb, 0, MKY_SP_COMPAT_ACCEPT_GSTREAMER,
          &k, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (k.cs_id, ==, c->with_cs ? 1 : 0);
  g_assert_cmphex (k.ssrc, ==, c->with_cs ? SSRC : 0);
  g_assert_cmphex (k.roc, ==, c->with_cs ? ROC : 0);
  g_assert_cmpuint (k.policy_no, ==, 0);
  g_assert_cmpstr (mky_srtp_cipher_nick (k.policy.srtp_cipher), ==, c->cipher);
  g_assert_cmpstr (mky_srtp_auth_nick (k.policy.srtp_auth), ==, c->auth);
  g_assert_cmpstr (mky_srtp_cipher_nick (k.policy.srtcp_cipher), ==,
      c->cipher);
  g_assert_cmpstr (mky_srtp_auth_nick (k.policy.srtcp_auth), ==, c->auth);
  g_assert_cmpuint (mky_srtp_policy_master_len (&k.policy), ==, c->master_len);
  g_assert_cmpuint (k.n_keys, ==, 1);
  g_assert_cmpmem (k.keys[0].key, k.keys[0].key_len, key, klen);
  g_assert_cmpmem (k.keys[0].salt, k.keys[0].salt_len, key + klen, 14);
  g_assert_cmpuint (k.keys[0].mki_len, ==, 0);

  /* the srtpdec caps we make of it carry GStreamer's srtp-key unchanged */
  {
    g_autofree char *s = mky_srtp_keying_caps_string (&k, &error);
    g_autoptr (GstCaps) back = NULL;
    GstStructure *st;
    GstBuffer *buf;
    guint u;

    g_assert_no_error (error);
    back = gst_caps_from_string (s);
    g_assert_nonnull (back);
    st = gst_caps_get_structure (back, 0);
    g_assert_true (gst_structure_has_name (st, "application/x-srtp"));
    g_assert_true (gst_structure_get (st, "srtp-key", GST_TYPE_BUFFER, &buf,
            NULL));
    interop_assert_buffer (buf, key, c->master_len);
    gst_buffer_unref (buf);
    g_assert_cmpstr (gst_structure_get_string (st, "srtp-cipher"), ==,
        c->cipher);
    g_assert_cmpstr (gst_structure_get_string (st, "srtp-auth"), ==, c->auth);
    g_assert_cmpstr (gst_structure_get_string (st, "srtcp-cipher"), ==,
        c->cipher);
    g_assert_cmpstr (gst_structure_get_string (st, "srtcp-auth"), ==,
        c->auth);
    g_assert_true (gst_structure_get_uint (st, "ssrc", &u));
    g_assert_cmphex (u, ==, c->with_cs ? SSRC : 0);
    g_assert_true (gst_structure_get_uint (st, "roc", &u));
    g_assert_cmphex (u, ==, c->with_cs ? ROC : 0);
    g_assert_false (gst_structure_has_field (st, "mki"));
  }
  mky_srtp_keying_clear (&k);

  /* strictly read, GStreamer's SP is wrong: the tag length (4 or 10) sits
   * in Session Auth. key length, which must be 20 for HMAC-SHA-1 */
  g_assert_false (mky_csb_get_srtp (csb, 0, MKY_SP_COMPAT_STRICT, &k, &error));
  g_assert_error (error, MKY_ERROR, MKY_ERROR_UNSUPPORTED_SP);
  g_assert_nonnull (strstr (error->message, "Session Auth. key length"));
}

int
main (int argc, char **argv)
{
  static const Case cases[] = {
    {"aes-128-icm", "hmac-sha1-80", 30, TRUE},
    {"aes-128-icm", "hmac-sha1-32", 30, TRUE},
    {"aes-256-icm", "hmac-sha1-80", 46, TRUE},
    {"aes-256-icm", "hmac-sha1-32", 46, TRUE},
    {"aes-128-icm", "hmac-sha1-80", 30, FALSE},
    {"aes-256-icm", "hmac-sha1-32", 46, FALSE},
  };

  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *name = g_strdup_printf ("/gstsdp-to-mky/%s/%s/%s",
        cases[i].cipher, cases[i].auth, cases[i].with_cs ? "cs" : "no-cs");
    g_test_add_data_func (name, &cases[i], test_from_caps);
  }
  return g_test_run ();
}
