/* Keys that really decrypt media: a PSK exchange between our Initiator and
 * Responder, then stock srtpenc keyed with the Initiator's master key of
 * each crypto session protects RTP packets, and stock srtpdec, given the
 * Responder's mky_srtp_keying_caps_string() of that session as its sink
 * caps, must give back every payload bit for bit with no drop. Caps from
 * another exchange, or of another crypto session whose keys were derived
 * from the same TGK, must decrypt nothing. */
#include <mky/mky.h>
#include <gst/check/gstharness.h>
#include <gst/rtp/gstrtpbuffer.h>
#include "interop-util.h"
#include "test-util.h"

#define SEC G_USEC_PER_SEC
#define NOW (G_GINT64_CONSTANT (1795435200) * SEC)
#define SSRC_A 0x1a2b3c4du
#define SSRC_B 0x55667788u
#define PT 96
#define CLOCK_RATE 90000
#define N_PACKETS 6
#define FIRST_SEQ 65531         /* wraps: the ROC goes 0 -> 1 on both sides */
#include "rtp-media.h"

static const guint8 psk[] = "another pre-shared key, 32 bytes";
static const guint8 mki1[] = { 0x00, 0x00, 0x00, 0x01 };
static const guint8 mki2[] = { 0x00, 0x00, 0x00, 0x02 };

typedef struct {
  MkyKeyDataType kd;            /* MKY_KD_TGK or MKY_KD_TEK_SALT */
  const char *cipher;           /* NULL: no SP, RFC 3711 defaults */
  const char *auth;
  guint n_keys;                 /* TEK+SALT: with MKIs when > 0 */
  guint enc_key;                /* which of them srtpenc uses */
} Case;

/* Both ends of one exchange */
typedef struct {
  MkyCsb *ini;
  MkyCsb *resp;
} Exchange;

static void
exchange_run (Exchange *x, const Case *c, gint64 now)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MkyPskInitiator) ini = NULL;
  g_autoptr (MkyPskResponder) resp = NULL;
  MkyConfig cfg;
  MkySrtpPolicy pol;

  /* the defaults: AES-CM-128 KEMAC, HMAC-SHA-1-160 MAC */
  mky_config_init (&cfg);
  mky_config_set_psk (&cfg, psk, 32);
  g_assert_cmpint (cfg.encr_alg, ==, MKY_ENCR_AES_CM_128);
  g_assert_cmpint (cfg.mac_alg, ==, MKY_MAC_HMAC_SHA_1_160);
  ini = mky_psk_initiator_new (&cfg);
  resp = mky_psk_responder_new (&cfg, now, FALSE);
  mky_config_clear (&cfg);

  x->ini = mky_csb_new (0);
  /* ROC 0: srtpenc 1.22 has no way to start at another */
  mky_csb_add_cs (x->ini, 0, SSRC_A, 0);
  mky_csb_add_cs (x->ini, 0, SSRC_B, 0);
  if (c->cipher) {
    g_assert_true (mky_srtp_policy_from_nicks (c->cipher, c->auth, c->cipher,
            c->auth, &pol, &error));
    mky_csb_set_policy (x->ini, 0, &pol, FALSE);
  } else {
    g_assert_true (mky_srtp_policy_from_sp (NULL, MKY_SP_COMPAT_STRICT, &pol,
            &error));
  }
  if (c->kd == MKY_KD_TGK) {
    mky_csb_add_key (x->ini, MKY_KD_TGK, NULL, 16, NULL, 0, NULL, 0);
  } else {
    for (guint i = 0; i < MAX (c->n_keys, 1); i++)
      mky_csb_add_key (x->ini, MKY_KD_TEK_SALT, NULL, pol.key_len, NULL,
          pol.salt_len, c->n_keys ? (i ? mki2 : mki1) : NULL,
          c->n_keys ? sizeof mki1 : 0);
  }

  x->resp = test_psk_exchange (ini, resp, x->ini, now, TRUE);
}

static void
exchange_clear (Exchange *x)
{
  g_clear_pointer (&x->ini, mky_csb_unref);
  g_clear_pointer (&x->resp, mky_csb_unref);
}

static void
set_enum_by_nick (GstElement *e, const char *prop, const char *type_name,
    const char *nick)
{
  GType t = g_type_from_name (type_name);
  GEnumClass *klass;
  GEnumValue *v;

  g_assert_true (t != 0);
  klass = g_type_class_ref (t);
  v = g_enum_get_value_by_nick (klass, nick);
  g_assert_nonnull (v);
  g_object_set (e, prop, v->value, NULL);
  g_type_class_unref (klass);
}

/* Stock srtpenc keyed by property (its only way) with master key @mk;
 * the key and the rest are set before the harness starts it */
static GstHarness *
make_srtpenc (const MkySrtpPolicy *pol, const MkySrtpMasterKey *mk,
    guint32 ssrc)
{
  static GstStaticPadTemplate src = GST_STATIC_PAD_TEMPLATE ("src",
      GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS ("application/x-rtp"));
  static GstStaticPadTemplate sink = GST_STATIC_PAD_TEMPLATE ("sink",
      GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS ("application/x-srtp"));
  GstElement *enc = gst_element_factory_make ("srtpenc", NULL);
  GstHarness *h;
  guint8 master[46];
  g_autoptr (GstBuffer) key = NULL;
  g_autofree char *caps = NULL;

  g_assert_nonnull (enc);       /* gst-plugins-bad's srtp plugin */
  memcpy (master, mk->key, mk->key_len);
  memcpy (master + mk->key_len, mk->salt, mk->salt_len);
  g_assert_cmpuint (mk->key_len + mk->salt_len, ==,
      mky_srtp_policy_master_len (pol));
  key = interop_buffer (master, mk->key_len + mk->salt_len);
  explicit_bzero (master, sizeof master);
  g_object_set (enc, "key", key, NULL);
  set_enum_by_nick (enc, "rtp-cipher", "GstSrtpCipherType",
      mky_srtp_cipher_nick (pol->srtp_cipher));
  set_enum_by_nick (enc, "rtcp-cipher", "GstSrtpCipherType",
      mky_srtp_cipher_nick (pol->srtcp_cipher));
  set_enum_by_nick (enc, "rtp-auth", "GstSrtpAuthType",
      mky_srtp_auth_nick (pol->srtp_auth));
  set_enum_by_nick (enc, "rtcp-auth", "GstSrtpAuthType",
      mky_srtp_auth_nick (pol->srtcp_auth));
  if (mk->mki_len) {
    g_autoptr (GstBuffer) mki = interop_buffer (mk->mki, mk->mki_len);
    g_object_set (enc, "mki", mki, NULL);
  }

  /* gst_harness_new_with_padnames ("srtpenc", ...) would start it keyless */
  h = gst_harness_new_empty ();
  gst_harness_add_element_full (h, enc, &src, "rtp_sink_0", &sink,
      "rtp_src_0");
  gst_object_unref (enc);
  caps = g_strdup_printf ("application/x-rtp, media=(string)video, "
      "payload=(int)%d, clock-rate=(int)%d, encoding-name=(string)H264, "
      "ssrc=(uint)%u", PT, CLOCK_RATE, ssrc);
  gst_harness_set_src_caps_str (h, caps);
  return h;
}

/* N_PACKETS of SSRC @ssrc through srtpenc: the SRTP packets */
static GPtrArray *
protect (const MkySrtpKeying *k, guint key_index)
{
  GstHarness *h = make_srtpenc (&k->policy, &k->keys[key_index], k->ssrc);
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_buffer_unref);
  gsize tag = k->policy.tag_len + k->keys[key_index].mki_len;

  for (guint n = 0; n < N_PACKETS; n++) {
    GstBuffer *srtp;
    GstMapInfo map;

    g_assert_cmpint (gst_harness_push (h, rtp_packet (k->ssrc, n)), ==,
        GST_FLOW_OK);
    srtp = gst_harness_pull (h);
    g_assert_nonnull (srtp);
    /* header, encrypted payload, MKI, tag */
    g_assert_cmpuint (gst_buffer_get_size (srtp), ==,
        12 + payload_len (n) + tag);
    g_assert_true (gst_buffer_map (srtp, &map, GST_MAP_READ));
    /* the payload really is encrypted */
    {
      gboolean differs = FALSE;
      for (guint i = 0; i < payload_len (n); i++)
        differs |= map.data[12 + i] != payload_byte (k->ssrc, n, i);
      g_assert_true (differs);
    }
    if (k->keys[key_index].mki_len)
      g_assert_cmpmem (map.data + 12 + payload_len (n),
          k->keys[key_index].mki_len, k->keys[key_index].mki,
          k->keys[key_index].mki_len);
    gst_buffer_unmap (srtp, &map);
    g_ptr_array_add (out, srtp);
  }
  gst_harness_teardown (h);
  return out;
}

typedef struct {
  guint received;               /* buffers out of srtpdec */
  guint recv_count;             /* its stats for the stream */
  guint drop_count;
} DecodeResult;

/* Feed @srtp to a stock srtpdec whose sink caps are @caps_str (a
 * Responder's keying caps, with @ssrc_override replacing its ssrc when
 * not 0); checks what comes out is the original RTP when @expect_ok */
static DecodeResult
unprotect (const char *caps_str, guint32 ssrc, guint32 ssrc_override,
    GPtrArray *srtp, gboolean expect_ok)
{
  GstHarness *h = gst_harness_new_with_padnames ("srtpdec", "rtp_sink",
      "rtp_src");
  GstCaps *caps = gst_caps_from_string (caps_str);
  GstStructure *stats = NULL;
  const GValue *streams;
  DecodeResult r = { 0, };

  g_assert_nonnull (caps);
  /* srtpdec reads only ssrc, roc, srtp-key, mki and the four nicks; the
   * RTP fields are for downstream (depayloaders), which gets these caps
   * renamed application/x-rtp */
  gst_caps_set_simple (caps, "media", G_TYPE_STRING, "video",
      "payload", G_TYPE_INT, PT, "clock-rate", G_TYPE_INT, CLOCK_RATE,
      "encoding-name", G_TYPE_STRING, "H264", NULL);
  if (ssrc_override)
    gst_caps_set_simple (caps, "ssrc", G_TYPE_UINT, ssrc_override, NULL);
  gst_harness_set_src_caps (h, caps);

  for (guint n = 0; n < srtp->len; n++) {
    GstBuffer *out;
    /* a buffer of its own: srtpdec 1.22 decrypts a writable copy of a
     * buffer it does not own alone and then pushes the original, still
     * encrypted (gst_srtp_dec_decode_buffer's make_writable result is
     * local to it) */
    g_assert_cmpint (gst_harness_push (h, gst_buffer_copy (srtp->pdata[n])),
        ==, GST_FLOW_OK);
    out = gst_harness_try_pull (h);
    if (expect_ok) {
      GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
      g_assert_nonnull (out);
      g_assert_true (gst_rtp_buffer_map (out, GST_MAP_READ, &rtp));
      g_assert_cmphex (gst_rtp_buffer_get_ssrc (&rtp), ==, ssrc);
      g_assert_cmpuint (gst_rtp_buffer_get_seq (&rtp), ==,
          (guint16) (FIRST_SEQ + n));
      g_assert_cmpuint (gst_rtp_buffer_get_payload_type (&rtp), ==, PT);
      g_assert_cmpuint (gst_rtp_buffer_get_timestamp (&rtp), ==, 3000 * n);
      g_assert_cmpuint (gst_rtp_buffer_get_marker (&rtp), ==, n % 2);
      {
        /* bit-identical to what was sent */
        g_autoptr (GstBuffer) sent = rtp_packet (ssrc, n);
        GstRTPBuffer s = GST_RTP_BUFFER_INIT;
        g_assert_true (gst_rtp_buffer_map (sent, GST_MAP_READ, &s));
        g_assert_cmpmem (gst_rtp_buffer_get_payload (&rtp),
            gst_rtp_buffer_get_payload_len (&rtp),
            gst_rtp_buffer_get_payload (&s),
            gst_rtp_buffer_get_payload_len (&s));
        gst_rtp_buffer_unmap (&s);
      }
      gst_rtp_buffer_unmap (&rtp);
    }
    if (out) {
      r.received++;
      gst_buffer_unref (out);
    }
  }

  g_object_get (h->element, "stats", &stats, NULL);
  g_assert_nonnull (stats);
  if (expect_ok) {
    guint u;
    g_assert_true (gst_structure_get_uint (stats, "recv-count", &u));
    g_assert_cmpuint (u, ==, srtp->len);
    g_assert_true (gst_structure_get_uint (stats, "recv-drop-count", &u));
    g_assert_cmpuint (u, ==, 0);
  }
  streams = gst_structure_get_value (stats, "streams");
  g_assert_nonnull (streams);
  for (guint i = 0; i < gst_value_array_get_size (streams); i++) {
    const GstStructure *s = gst_value_get_structure
        (gst_value_array_get_value (streams, i));
    guint u;
    g_assert_true (gst_structure_get_uint (s, "ssrc", &u));
    if (u != ssrc)
      continue;
    g_assert_true (gst_structure_get_uint (s, "recv-count", &r.recv_count));
    g_assert_true (gst_structure_get_uint (s, "recv-drop-count",
            &r.drop_count));
    /* FIRST_SEQ + N_PACKETS passes 65535 */
    if (expect_ok) {
      g_assert_true (gst_structure_get_uint (s, "roc", &u));
      g_assert_cmpuint (u, ==, 1);
    }
  }
  gst_structure_free (stats);
  gst_harness_teardown (h);
  return r;
}

static void
test_media (gconstpointer data)
{
  const Case *c = data;
  Exchange x = { NULL, }, other = { NULL, };
  g_autoptr (GError) error = NULL;

  interop_arm_alarm (60);
  exchange_run (&x, c, NOW);
  /* a second, independent exchange for the same SSRCs and policy */
  exchange_run (&other, c, NOW);
  g_assert_cmpuint (mky_csb_n_sessions (x.resp), ==, 2);

  for (guint i = 0; i < 2; i++) {
    MkySrtpKeying ki, kr, ko, kn;
    g_autofree char *caps = NULL;
    g_autofree char *wrong = NULL;
    g_autofree char *sibling = NULL;
    g_autoptr (GPtrArray) srtp = NULL;
    DecodeResult r;
    guint32 ssrc = i ? SSRC_B : SSRC_A;

    g_assert_true (mky_csb_get_srtp (x.ini, i, MKY_SP_COMPAT_STRICT, &ki,
            &error));
    g_assert_no_error (error);
    g_assert_true (mky_csb_get_srtp (x.resp, i, MKY_SP_COMPAT_STRICT, &kr,
            &error));
    g_assert_no_error (error);
    g_assert_cmphex (kr.ssrc, ==, ssrc);
    g_assert_cmpuint (kr.n_keys, ==, MAX (c->n_keys, 1));
    if (c->cipher) {
      g_assert_cmpstr (mky_srtp_cipher_nick (kr.policy.srtp_cipher), ==,
          c->cipher);
      g_assert_cmpstr (mky_srtp_auth_nick (kr.policy.srtp_auth), ==, c->auth);
    } else {
      g_assert_cmpint (kr.policy.srtp_cipher, ==, MKY_SRTP_CIPHER_AES_128_ICM);
      g_assert_cmpint (kr.policy.srtp_auth, ==, MKY_SRTP_AUTH_HMAC_SHA1_80);
    }
    caps = mky_srtp_keying_caps_string (&kr, &error);
    g_assert_no_error (error);

    srtp = protect (&ki, c->enc_key);
    r = unprotect (caps, ssrc, 0, srtp, TRUE);
    g_assert_cmpuint (r.received, ==, N_PACKETS);
    g_assert_cmpuint (r.recv_count, ==, N_PACKETS);
    g_assert_cmpuint (r.drop_count, ==, 0);

    /* keys of another exchange: nothing decrypts */
    g_assert_true (mky_csb_get_srtp (other.resp, i, MKY_SP_COMPAT_STRICT, &ko,
            &error));
    wrong = mky_srtp_keying_caps_string (&ko, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (wrong, !=, caps);
    r = unprotect (wrong, ssrc, 0, srtp, FALSE);
    g_assert_cmpuint (r.received, ==, 0);
    g_assert_cmpuint (r.drop_count, ==, N_PACKETS);

    /* a TGK keys each crypto session differently (RFC 3830 §4.1.3): the
     * other session's caps, given this SSRC, decrypt nothing either */
    g_assert_true (mky_csb_get_srtp (x.resp, 1 - i, MKY_SP_COMPAT_STRICT, &kn,
            &error));
    sibling = mky_srtp_keying_caps_string (&kn, &error);
    r = unprotect (sibling, ssrc, ssrc, srtp, c->kd != MKY_KD_TGK);
    if (c->kd == MKY_KD_TGK) {
      g_assert_cmpuint (r.received, ==, 0);
      g_assert_cmpuint (r.drop_count, ==, N_PACKETS);
    } else {
      /* a TEK is the master key of every session */
      g_assert_cmpuint (r.received, ==, N_PACKETS);
    }

    mky_srtp_keying_clear (&ki);
    mky_srtp_keying_clear (&kr);
    mky_srtp_keying_clear (&ko);
    mky_srtp_keying_clear (&kn);
  }
  exchange_clear (&x);
  exchange_clear (&other);
  alarm (0);
}

int
main (int argc, char **argv)
{
  static const Case tgk = { MKY_KD_TGK, NULL, NULL, 0, 0 };
  static const Case tgk_32 = { MKY_KD_TGK, "aes-128-icm", "hmac-sha1-32",
    0, 0
  };
  static const Case tgk_256 = { MKY_KD_TGK, "aes-256-icm", "hmac-sha1-80",
    0, 0
  };
  static const Case tek_mki = { MKY_KD_TEK_SALT, "aes-128-icm",
    "hmac-sha1-80", 1, 0
  };
  static const Case tek_256_2mki = { MKY_KD_TEK_SALT, "aes-256-icm",
    "hmac-sha1-32", 2, 1
  };

  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_data_func ("/srtp-media/tgk/default-policy", &tgk, test_media);
  g_test_add_data_func ("/srtp-media/tgk/aes-128-icm-hmac-sha1-32", &tgk_32,
      test_media);
  g_test_add_data_func ("/srtp-media/tgk/aes-256-icm-hmac-sha1-80", &tgk_256,
      test_media);
  g_test_add_data_func ("/srtp-media/tek-salt-mki/aes-128-icm-hmac-sha1-80",
      &tek_mki, test_media);
  /* two keys told apart by MKI: srtpenc uses the second, srtpdec must pick
   * it out of srtp-key2/mki2 */
  g_test_add_data_func ("/srtp-media/tek-salt-2mki/aes-256-icm-hmac-sha1-32",
      &tek_256_2mki, test_media);
  return g_test_run ();
}
