/* Writes one file per kind of MIKEY message the library can produce, for
 * tshark-dissect.sh: NAME.bin (the message) and NAME.expect (lines
 * "field<TAB>value": what tshark's "-T fields -E occurrence=a
 * -E aggregator=," must print for that field, taken from what was built).
 *
 * Usage: gen-messages OUTDIR
 */
#include <string.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <mky/mky.h>
#include "test-pki.h"
#include "test-util.h"
#include "test-vectors.h"
#include "samples.h"

#define SEC G_USEC_PER_SEC
#define NOW_S (G_GINT64_CONSTANT (1795435200))
#define NOW (NOW_S * SEC)
#define DAY (G_GINT64_CONSTANT (86400))

static const guint8 psk[32] = "a pre-shared key of 32 bytes....";
static const char *outdir;

/* The value tshark must print for each field, in the order first expected;
 * a field expected again gets its values joined with commas, as tshark's
 * "-E aggregator=," does */
typedef struct {
  GPtrArray *fields;            /* const char * */
  GPtrArray *values;            /* GString * */
} Expect;

static void G_GNUC_PRINTF (3, 4)
expect (Expect *e, const char *field, const char *fmt, ...)
{
  va_list args;
  GString *value = NULL;

  for (guint i = 0; i < e->fields->len && !value; i++)
    if (strcmp (e->fields->pdata[i], field) == 0)
      value = g_string_append_c (e->values->pdata[i], ',');
  if (value == NULL) {
    value = g_string_new (NULL);
    g_ptr_array_add (e->fields, (gpointer) field);
    g_ptr_array_add (e->values, value);
  }
  va_start (args, fmt);
  g_string_append_vprintf (value, fmt, args);
  va_end (args);
}

/* tshark prints FT_BYTES as lowercase hex without separators */
static char *
hex (const guint8 *d, gsize len)
{
  GString *s = g_string_new (NULL);
  for (gsize i = 0; i < len; i++)
    g_string_append_printf (s, "%02x", d[i]);
  return g_string_free (s, FALSE);
}

static void
expect_hex (Expect *e, const char *field, const guint8 *d, gsize len)
{
  g_autofree char *h = hex (d, len);
  expect (e, field, "%s", h);
}

static void
die (const char *what, GError *error)
{
  g_printerr ("gen-messages: %s: %s\n", what, error ? error->message : "failed");
  exit (1);
}

/* Payload types packet-mikey.c (tshark 4.0) has a dissector for */
static gboolean
tshark_knows (guint type)
{
  switch (type) {
    case MKY_PT_KEMAC: case MKY_PT_PKE: case MKY_PT_DH: case MKY_PT_SIGN:
    case MKY_PT_T: case MKY_PT_ID: case MKY_PT_CERT: case MKY_PT_V:
    case MKY_PT_SP: case MKY_PT_RAND: case MKY_PT_ERR: case MKY_PT_IDR:
    case MKY_PT_KEY_DATA: case MKY_PT_GEN_EXT: case MKY_PT_SAKKE:
      return TRUE;
    default:
      return FALSE;
  }
}

/* The Next payload fields tshark shows, in order: the HDR's, then each
 * payload's (SIGN has none) up to and including the first payload it
 * has no dissector for, after which it stops without a word. */
static void
expect_chain (Expect *e, const MkyMessage *m)
{
  GString *s = g_string_new (NULL);
  guint next = m->payloads->len ?
      ((MkyPayload *) m->payloads->pdata[0])->type : 0;

  g_string_append_printf (s, "%u", next);
  for (guint i = 0; i < m->payloads->len; i++) {
    const MkyPayload *p = m->payloads->pdata[i];
    if (p->type == MKY_PT_SIGN)
      break;
    next = i + 1 < m->payloads->len ?
        ((MkyPayload *) m->payloads->pdata[i + 1])->type : 0;
    g_string_append_printf (s, ",%u", next);
    if (!tshark_knows (p->type))
      break;
  }
  expect (e, "mikey.next_payload", "%s", s->str);
  g_string_free (s, TRUE);
}

/* Write @name.bin and @name.expect; checks first that the library itself
 * parses back what it wrote. */
static void
emit (const char *name, GBytes *msg, Expect *e)
{
  g_autofree char *bin = g_strdup_printf ("%s/%s.bin", outdir, name);
  g_autofree char *exp = g_strdup_printf ("%s/%s.expect", outdir, name);
  g_autoptr (GError) error = NULL;
  g_autoptr (MkyMessage) back = NULL;
  g_autoptr (GString) lines = g_string_new (NULL);
  gsize len;
  const guint8 *d = g_bytes_get_data (msg, &len);

  back = mky_message_parse (d, len, &error);
  if (back == NULL)
    die (name, error);
  expect_chain (e, back);
  for (guint i = 0; i < e->fields->len; i++)
    g_string_append_printf (lines, "%s\t%s\n", (const char *)
        e->fields->pdata[i], ((GString *) e->values->pdata[i])->str);
  if (!g_file_set_contents (bin, (const char *) d, len, &error)
      || !g_file_set_contents (exp, lines->str, lines->len, &error))
    die (name, error);
  g_clear_pointer (&e->fields, g_ptr_array_unref);
  g_clear_pointer (&e->values, g_ptr_array_unref);
}

static void
string_free (gpointer s)
{
  g_string_free (s, TRUE);
}

static Expect
expect_new (void)
{
  Expect e = { g_ptr_array_new (),
    g_ptr_array_new_with_free_func (string_free) };
  return e;
}

/* Fields of the common header */
static void
expect_hdr (Expect *e, guint type, gboolean v, guint prf, guint32 csb_id,
    guint n_cs)
{
  expect (e, "mikey.version", "1");
  expect (e, "mikey.type", "%u", type);
  expect (e, "mikey.v.set", "%s", v ? "1" : "0");
  expect (e, "mikey.prf_func", "%u", prf);
  expect (e, "mikey.csb_id", "0x%08x", csb_id);
  expect (e, "mikey.cs_count", "%u", n_cs);
}

#define SSRC_A 0x11111111u
#define SSRC_B 0x22222222u
#define ROC_B 7u

static MkyCsb *
two_cs_bundle (guint32 csb_id)
{
  MkyCsb *csb = mky_csb_new (csb_id);
  mky_csb_add_cs (csb, 0, SSRC_A, 0);
  mky_csb_add_cs (csb, 0, SSRC_B, ROC_B);
  return csb;
}

static void
expect_two_cs (Expect *e)
{
  expect (e, "mikey.cs_id_map_type", "0");
  expect (e, "mikey.srtp_id.policy_no", "0,0");
  expect (e, "mikey.srtp_id.ssrc", "0x%08x,0x%08x", SSRC_A, SSRC_B);
  expect (e, "mikey.srtp_id.roc", "0x%08x,0x%08x", 0, ROC_B);
}

static void
config (MkyConfig *cfg, MkyEncrAlg encr, MkyMacAlg mac)
{
  test_psk_config (cfg, psk, sizeof psk, encr, mac);
  cfg->id_i = g_strdup ("sip:alice@example.com");
  cfg->id_r = g_strdup ("sip:bob@example.com");
}

static void
expect_ids (Expect *e)
{
  /* tshark shows the ID data as a string */
  expect (e, "mikey.id.type", "1,1");
  expect (e, "mikey.id.data", "sip:alice@example.com,sip:bob@example.com");
}

/* What every KEMAC gives, whatever its algorithms: the algorithms, the
 * Encr data as sent and the MAC as sent */
static void
expect_kemac_payload (Expect *e, const MkyKemac *k)
{
  expect (e, "mikey.kemac.encr_alg", "%u", k->encr_alg);
  expect (e, "mikey.kemac.mac_alg", "%u", k->mac_alg);
  expect (e, "mikey.kemac.key_data_len", "%zu", k->encr_data.len);
  /* NULL encryption: tshark dissects the Key data sub-payloads instead */
  if (k->encr_alg != MKY_ENCR_NULL)
    expect_hex (e, "mikey.kemac.key_data", k->encr_data.data,
        k->encr_data.len);
  /* packet-mikey.c 4.0 knows the MAC lengths of NULL and HMAC-SHA-1-160
   * only: at HMAC-SHA-256-256 (RFC 6043) it stops after "Mac alg:
   * Unknown (2)", silently, and shows no MAC */
  if (k->mac_alg == MKY_MAC_HMAC_SHA_1_160)
    expect_hex (e, "mikey.kemac.mac", k->mac.data, k->mac.len);
  else if (k->mac_alg == MKY_MAC_NULL)     /* its zero-length MAC field */
    expect (e, "mikey.kemac.mac", "%s", "<MISSING>");
  else
    expect (e, "mikey.kemac.mac", "%s", "");
}

/* ... of the KEMAC of message @raw */
static void
expect_kemac (Expect *e, GBytes *raw)
{
  g_autoptr (MkyMessage) m = mky_message_parse_bytes (raw, NULL);

  expect_kemac_payload (e, &mky_message_find (m, MKY_PT_KEMAC, 0)->u.kemac);
}

static void
expect_rand (Expect *e, const MkyCsb *csb)
{
  expect (e, "mikey.rand.len", "%zu", csb->rand.len);
  expect_hex (e, "mikey.rand.data", csb->rand.data, csb->rand.len);
}

/* PSK I_MESSAGE, every KEMAC encryption x MAC, TGK of 20 bytes (a Key
 * data payload of 24 bytes: whole AES-KW blocks) */
static void
gen_psk_init_suites (void)
{
  static const MkyEncrAlg encrs[] = { MKY_ENCR_NULL, MKY_ENCR_AES_CM_128,
    MKY_ENCR_AES_KW_128, MKY_ENCR_AES_CM_256
  };
  static const MkyMacAlg macs[] = { MKY_MAC_NULL, MKY_MAC_HMAC_SHA_1_160,
    MKY_MAC_HMAC_SHA_256_256
  };
  guint8 tgk[20];
  for (guint i = 0; i < sizeof tgk; i++)
    tgk[i] = 0xa0 + i;

  for (guint i = 0; i < G_N_ELEMENTS (encrs); i++) {
    for (guint j = 0; j < G_N_ELEMENTS (macs); j++) {
      MkyConfig cfg;
      g_autoptr (MkyPskInitiator) ini = NULL;
      g_autoptr (MkyCsb) csb = two_cs_bundle (0x0a000000 | i << 8 | j);
      g_autoptr (GBytes) raw = NULL;
      g_autoptr (GError) error = NULL;
      g_autofree char *name = NULL;
      Expect e = expect_new ();

      config (&cfg, encrs[i], macs[j]);
      ini = mky_psk_initiator_new (&cfg);
      mky_csb_add_key (csb, MKY_KD_TGK, tgk, sizeof tgk, NULL, 0, NULL, 0);
      raw = mky_psk_initiator_build (ini, csb, TRUE, NOW, &error);
      if (raw == NULL)
        die ("psk init", error);

      expect_hdr (&e, MKY_TYPE_PSK_INIT, TRUE, MKY_PRF_MIKEY_1, csb->csb_id, 2);
      expect_two_cs (&e);
      expect (&e, "mikey.t.ts_type", "%u", MKY_TS_NTP_UTC);
      expect_rand (&e, csb);
      expect_ids (&e);
      expect_kemac (&e, raw);
      if (encrs[i] == MKY_ENCR_NULL) {
        expect (&e, "mikey.key.type", "%u", MKY_KD_TGK);
        expect (&e, "mikey.key.kv", "%u", MKY_KV_NULL);
        expect (&e, "mikey.key.data.len", "20");
        expect_hex (&e, "mikey.key.data", tgk, sizeof tgk);
      }
      name = g_strdup_printf ("psk-init-encr%u-mac%u", encrs[i], macs[j]);
      emit (name, raw, &e);
      mky_config_clear (&cfg);
    }
  }
}

/* TEK+SALT with MKIs (KV SPI), a policy of our own (RFC form), IDs, the
 * NULL KEMAC so tshark shows the keys */
static void
gen_psk_init_tek_mki (gboolean encrypted)
{
  static const guint8 mki1[] = { 0, 0, 0, 1 }, mki2[] = { 0, 0, 0, 2 };
  guint8 tek[16], salt[14];
  MkyConfig cfg;
  MkySrtpPolicy pol;
  g_autoptr (MkyPskInitiator) ini = NULL;
  g_autoptr (MkyCsb) csb = two_cs_bundle (encrypted ? 0x0b000002 : 0x0b000001);
  g_autoptr (GBytes) raw = NULL;
  g_autoptr (GError) error = NULL;
  Expect e = expect_new ();

  for (guint i = 0; i < 16; i++)
    tek[i] = 0x10 + i;
  for (guint i = 0; i < 14; i++)
    salt[i] = 0x40 + i;
  config (&cfg, encrypted ? MKY_ENCR_AES_CM_128 : MKY_ENCR_NULL,
      encrypted ? MKY_MAC_HMAC_SHA_1_160 : MKY_MAC_NULL);
  ini = mky_psk_initiator_new (&cfg);
  if (!mky_srtp_policy_from_nicks ("aes-128-icm", "hmac-sha1-32",
          "aes-128-icm", "hmac-sha1-80", &pol, &error))
    die ("policy", error);
  mky_csb_set_policy (csb, 0, &pol, FALSE);
  mky_csb_add_key (csb, MKY_KD_TEK_SALT, tek, 16, salt, 14, mki1, 4);
  tek[0] ^= 0xff;
  mky_csb_add_key (csb, MKY_KD_TEK_SALT, tek, 16, salt, 14, mki2, 4);
  tek[0] ^= 0xff;
  raw = mky_psk_initiator_build (ini, csb, FALSE, NOW, &error);
  if (raw == NULL)
    die ("psk init tek", error);

  expect_hdr (&e, MKY_TYPE_PSK_INIT, FALSE, MKY_PRF_MIKEY_1, csb->csb_id, 2);
  expect_two_cs (&e);
  expect_rand (&e, csb);
  expect_ids (&e);
  /* the RFC form of aes-128-icm, hmac-sha1-32 for SRTP, hmac-sha1-80 for
   * SRTCP (RFC 4771 type 19, which tshark 4.0 shows as a raw param) */
  expect (&e, "mikey.sp.no", "0");
  expect (&e, "mikey.sp.proto_type", "0");
  expect (&e, "mikey.sp.encr_alg", "1");
  expect (&e, "mikey.sp.encr_len", "16");
  expect (&e, "mikey.sp.auth_alg", "1");
  expect (&e, "mikey.sp.auth_key_len", "20");
  expect (&e, "mikey.sp.salt_len", "14");
  expect (&e, "mikey.sp.srtp_encr", "1");
  expect (&e, "mikey.sp.srtcp_encr", "1");
  expect (&e, "mikey.sp.srtp_auth", "1");
  expect (&e, "mikey.sp.auth_tag_len", "4");
  expect_kemac (&e, raw);
  if (!encrypted) {
    g_autofree char *k1 = hex (tek, 16);
    g_autofree char *k2 = NULL;
    g_autofree char *s = hex (salt, 14);
    tek[0] ^= 0xff;
    k2 = hex (tek, 16);
    /* tshark 4.0 dissects the first Key data sub-payload of a KEMAC
     * only: the second key (k2) is not shown */
    (void) k2;
    expect (&e, "mikey.key.type", "%u", MKY_KD_TEK_SALT);
    expect (&e, "mikey.key.kv", "%u", MKY_KV_SPI);
    expect (&e, "mikey.key.data", "%s", k1);
    expect (&e, "mikey.key.salt.len", "14");
    expect (&e, "mikey.key.salt", "%s", s);
    expect (&e, "mikey.key.kv.spi.len", "4");
    expect (&e, "mikey.key.kv.spi", "00000001");
  }
  emit (encrypted ? "psk-init-tek-salt-mki-aescm" : "psk-init-tek-salt-mki-null",
      raw, &e);
  mky_config_clear (&cfg);
}

/* The Responder's answers: a verification message, an unauthenticated
 * Error message for a bad MAC, an authenticated one for an SP we refuse */
static void
gen_responses (void)
{
  MkyConfig cfg;
  g_autoptr (MkyPskInitiator) ini = NULL;
  g_autoptr (MkyPskResponder) resp = NULL;
  g_autoptr (GError) error = NULL;

  config (&cfg, MKY_ENCR_AES_CM_128, MKY_MAC_HMAC_SHA_1_160);
  ini = mky_psk_initiator_new (&cfg);
  resp = mky_psk_responder_new (&cfg, NOW, FALSE);

  {                             /* verification message */
    g_autoptr (MkyCsb) csb = two_cs_bundle (0x0c000001);
    g_autoptr (MkyCsb) got = NULL;
    g_autoptr (GBytes) init = NULL;
    g_autoptr (GBytes) reply = NULL;
    g_autoptr (MkyMessage) m = NULL;
    const MkyV *v;
    Expect e = expect_new ();

    mky_csb_add_key (csb, MKY_KD_TGK, NULL, 16, NULL, 0, NULL, 0);
    init = mky_psk_initiator_build (ini, csb, TRUE, NOW, &error);
    got = mky_psk_responder_handle (resp, init, NOW, &reply, &error);
    if (got == NULL || reply == NULL)
      die ("verification", error);
    if (!mky_psk_initiator_handle_response (ini, csb, reply, &error))
      die ("verification accepted", error);
    m = mky_message_parse_bytes (reply, NULL);
    v = &mky_message_find (m, MKY_PT_V, 0)->u.v;
    expect_hdr (&e, MKY_TYPE_PSK_VERIFY, FALSE, MKY_PRF_MIKEY_1, csb->csb_id,
        2);
    expect_two_cs (&e);
    expect (&e, "mikey.t.ts_type", "%u", MKY_TS_NTP_UTC);
    /* the Responder names itself */
    expect (&e, "mikey.id.data", "sip:bob@example.com");
    expect (&e, "mikey.v.auth_alg", "%u", MKY_MAC_HMAC_SHA_1_160);
    expect_hex (&e, "mikey.v.ver_data", v->ver_data.data, v->ver_data.len);
    emit ("psk-verify", reply, &e);
  }

  {                             /* a bad MAC */
    g_autoptr (MkyCsb) csb = two_cs_bundle (0x0c000002);
    g_autoptr (GBytes) init = NULL;
    g_autoptr (GBytes) bad = NULL;
    g_autoptr (GBytes) reply = NULL;
    Expect e = expect_new ();

    mky_csb_add_key (csb, MKY_KD_TGK, NULL, 16, NULL, 0, NULL, 0);
    init = mky_psk_initiator_build (ini, csb, TRUE, NOW + SEC, &error);
    bad = test_bytes_flip (init, 1, 1);
    if (mky_psk_responder_handle (resp, bad, NOW + SEC, &reply, &error)
        || !g_error_matches (error, MKY_ERROR, MKY_ERROR_BAD_MAC) || !reply)
      die ("bad MAC refused", error);
    g_clear_error (&error);
    expect_hdr (&e, MKY_TYPE_ERROR, FALSE, MKY_PRF_MIKEY_1, csb->csb_id, 0);
    expect (&e, "mikey.cs_id_map_type", "%u", MKY_MAP_EMPTY);
    expect (&e, "mikey.err.no", "%u", MKY_ERR_INVALID_MAC);
    expect (&e, "mikey.v.auth_alg", "%s", "");       /* not authenticated */
    emit ("error-invalid-mac", reply, &e);
  }

  {                             /* an SP we do not support: AES-F8 */
    g_autoptr (MkyCsb) csb = two_cs_bundle (0x0c000003);
    g_autoptr (GBytes) init = NULL;
    g_autoptr (GBytes) reply = NULL;
    MkyPayload *sp = mky_payload_new (MKY_PT_SP);
    Expect e = expect_new ();

    sp->u.sp.prot_type = MKY_PROT_SRTP;
    mky_sp_add_param_u8 (&sp->u.sp, MKY_SP_ENCR_ALG, MKY_SRTP_ENCR_AES_F8);
    mky_csb_take_policy (csb, sp);
    mky_csb_add_key (csb, MKY_KD_TGK, NULL, 16, NULL, 0, NULL, 0);
    init = mky_psk_initiator_build (ini, csb, TRUE, NOW + 2 * SEC, &error);
    if (mky_psk_responder_handle (resp, init, NOW + 2 * SEC, &reply, &error)
        || !g_error_matches (error, MKY_ERROR, MKY_ERROR_UNSUPPORTED_SP)
        || !reply)
      die ("SP refused", error);
    g_clear_error (&error);
    expect_hdr (&e, MKY_TYPE_ERROR, FALSE, MKY_PRF_MIKEY_1, csb->csb_id, 0);
    expect (&e, "mikey.err.no", "%u", MKY_ERR_INVALID_SPPAR);
    /* the policy we offer instead: the RFC 3711 defaults */
    expect (&e, "mikey.sp.encr_alg", "1");
    expect (&e, "mikey.sp.encr_len", "16");
    expect (&e, "mikey.sp.auth_key_len", "20");
    expect (&e, "mikey.sp.auth_tag_len", "10");
    expect (&e, "mikey.v.auth_alg", "%u", MKY_MAC_HMAC_SHA_1_160);
    emit ("error-invalid-sppar", reply, &e);
  }
  mky_config_clear (&cfg);
}

/* MIKEY-NULL as gst_mikey_message_new_from_caps writes it: NULL KEMAC,
 * one TEK of key || salt, GStreamer's SP, no CS map */
static void
gen_mikey_null_gstreamer (void)
{
  MkyConfig cfg;
  MkySrtpPolicy pol;
  g_autoptr (MkyPskInitiator) ini = NULL;
  g_autoptr (MkyCsb) csb = mky_csb_new (0x0d000001);
  g_autoptr (GBytes) raw = NULL;
  g_autoptr (GError) error = NULL;
  guint8 key[30];
  Expect e = expect_new ();

  for (guint i = 0; i < sizeof key; i++)
    key[i] = i;
  test_psk_config (&cfg, NULL, 0, MKY_ENCR_NULL, MKY_MAC_NULL);
  ini = mky_psk_initiator_new (&cfg);
  if (!mky_srtp_policy_from_nicks ("aes-128-icm", "hmac-sha1-80",
          "aes-128-icm", "hmac-sha1-80", &pol, &error))
    die ("policy", error);
  mky_csb_set_policy (csb, 0, &pol, TRUE);
  mky_csb_add_key (csb, MKY_KD_TEK, key, sizeof key, NULL, 0, NULL, 0);
  raw = mky_psk_initiator_build (ini, csb, FALSE, NOW, &error);
  if (raw == NULL)
    die ("MIKEY-NULL", error);
  expect_hdr (&e, MKY_TYPE_PSK_INIT, FALSE, MKY_PRF_MIKEY_1, csb->csb_id, 0);
  expect_rand (&e, csb);
  /* GStreamer's SP: the tag length (10) in the key length */
  expect (&e, "mikey.sp.param.type", "0,1,2,3,7,8,10");
  expect (&e, "mikey.sp.encr_alg", "1");
  expect (&e, "mikey.sp.encr_len", "16");
  expect (&e, "mikey.sp.auth_alg", "1");
  expect (&e, "mikey.sp.auth_key_len", "10");
  expect (&e, "mikey.kemac.encr_alg", "0");
  expect (&e, "mikey.kemac.mac_alg", "0");
  expect (&e, "mikey.key.type", "%u", MKY_KD_TEK);
  expect (&e, "mikey.key.data.len", "30");
  expect_hex (&e, "mikey.key.data", key, sizeof key);
  emit ("mikey-null-gstreamer", raw, &e);
  mky_config_clear (&cfg);
}

/* tshark decodes CERT data as an X.509 Certificate: a real one (self-signed,
 * P-256, CN=mky), so that no BER error is reported */
static const char cert_b64[] =
    "MIIBcTCCARegAwIBAgIUKCgwq7oJiuUAx8M9tDLNIRsIgQIwCgYIKoZIzj0EAwIw"
    "DjEMMAoGA1UEAwwDbWt5MB4XDTI2MTEyMzIxMzAzNloXDTM2MTEyMDIxMzAzNlow"
    "DjEMMAoGA1UEAwwDbWt5MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE3s57HBUt"
    "vLIetRpuh4TrsxtXe8Q70fx7ucLKaewZkiqYW1Z0WMEocLoUWkVTojNeuykvmH+T"
    "MR7aH9rrkvU1W6NTMFEwHQYDVR0OBBYEFMaLeNr2HdmHUuVDX3j9oPiCQPhKMB8G"
    "A1UdIwQYMBaAFMaLeNr2HdmHUuVDX3j9oPiCQPhKMA8GA1UdEwEB/wQFMAMBAf8w"
    "CgYIKoZIzj0EAwIDSAAwRQIhANAXDTDTz9g7G6lJvip7cWIN0aWOur9Jen1Es+3D"
    "m1zMAiADytbeYn5VePFzI82lTRoLc+Ua3el6YLavoElt74ByOQ==";

static void
expect_text (Expect *e, const char *field, const MkyBytes *b)
{
  expect (e, field, "%.*s", (int) b->len, (const char *) b->data);
}

/* What tshark shows of a payload it has a dissector for, as built */
static void
expect_payload (Expect *e, const MkyPayload *p)
{
  const MkySpParam *param;

  switch (p->type) {
    case MKY_PT_GEN_EXT:
      expect (e, "mikey.ext.type", "%u", p->u.gen_ext.type);
      expect (e, "mikey.ext.len", "%zu", p->u.gen_ext.data.len);
      break;
    case MKY_PT_T:
      expect (e, "mikey.t.ts_type", "%u", p->u.t.ts_type);
      break;
    case MKY_PT_RAND:
      expect_hex (e, "mikey.rand.data", p->u.rand.rand.data,
          p->u.rand.rand.len);
      break;
    case MKY_PT_ID:
      expect (e, "mikey.id.type", "%u", p->u.id.type);
      expect_text (e, "mikey.id.data", &p->u.id.data);
      break;
    case MKY_PT_IDR:
      /* in the same fields as ID */
      expect (e, "mikey.id.role", "%u", p->u.idr.role);
      expect (e, "mikey.id.type", "%u", p->u.idr.id_type);
      expect_text (e, "mikey.id.data", &p->u.idr.data);
      break;
    case MKY_PT_CERT:
      expect (e, "mikey.cert.type", "%u", p->u.id.type);
      /* no mikey.cert.len: tshark 4.0 reads it one byte early (from the
       * type byte on), so shows 1 for our 373 bytes */
      break;
    case MKY_PT_SP:
      expect (e, "mikey.sp.no", "%u", p->u.sp.policy_no);
      param = mky_sp_find_param (&p->u.sp, MKY_SP_ENCR_KEY_LEN);
      if (param)
        expect (e, "mikey.sp.encr_len", "%u", param->value.data[0]);
      break;
    case MKY_PT_ERR:
      expect (e, "mikey.err.no", "%u", p->u.err.err_no);
      break;
    case MKY_PT_DH:
      expect (e, "mikey.dh.group", "%u", p->u.dh.group);
      expect_hex (e, "mikey.dh.value", p->u.dh.value.data, p->u.dh.value.len);
      break;
    case MKY_PT_PKE:
      expect (e, "mikey.pke.c", "%u", p->u.pke.c);
      expect (e, "mikey.pke.len", "%zu", p->u.pke.data.len);
      break;
    case MKY_PT_KEY_DATA:
      expect (e, "mikey.key.type", "%u", p->u.key_data.type);
      expect (e, "mikey.key.salt.len", "%zu", p->u.key_data.salt.len);
      if (p->u.key_data.kv.kv == MKY_KV_SPI)
        expect (e, "mikey.key.kv.spi.len", "%zu", p->u.key_data.kv.spi.len);
      else if (p->u.key_data.kv.kv == MKY_KV_INTERVAL)
        expect (e, "mikey.key.kv.to.len", "%zu",
            p->u.key_data.kv.valid_to.len);
      break;
    case MKY_PT_V:
      expect (e, "mikey.v.auth_alg", "%u", p->u.v.auth_alg);
      break;
    case MKY_PT_SAKKE:
      expect (e, "mikey.sakke.len", "%zu", p->u.sakke.data.len);
      break;
    case MKY_PT_KEMAC:
      expect_kemac_payload (e, &p->u.kemac);
      break;
    case MKY_PT_SIGN:
      expect (e, "mikey.sign.type", "%u", p->u.sign.s_type);
      expect (e, "mikey.sign.len", "%zu", p->u.sign.signature.len);
      break;
    default:
      g_assert_not_reached ();
  }
}

/* The sample message of @types (samples.h), with what tshark 4.0 needs to
 * dissect it all: a real certificate, a V of HMAC-SHA-1-160 (it knows no
 * other MAC length), a DH without key validity data (which it does not
 * read, and stops). Expected: what it shows up to the first payload it has
 * no dissector for, where it stops too. */
static MkyMessage *
sample_message (Expect *e, const MkyPayloadType *types, guint n_types)
{
  MkyMessage *msg = mky_message_new (MKY_TYPE_SAKKE, 0x01020304);
  MkyHdr *hdr = mky_message_hdr (msg);
  MkyPayload *p;

  mky_hdr_add_cs_srtp (hdr, 1, 0xcafe0001, 3);
  expect_hdr (e, MKY_TYPE_SAKKE, FALSE, MKY_PRF_MIKEY_1, 0x01020304, 1);
  expect (e, "mikey.srtp_id.ssrc", "0xcafe0001");
  expect (e, "mikey.srtp_id.roc", "0x00000003");

  sample_add (msg, types, n_types);
  sample_widen (msg);
  if ((p = mky_message_find (msg, MKY_PT_CERT, 0))) {
    g_autoptr (GBytes) der = test_b64 (cert_b64);
    p->u.id.type = MKY_CERT_X509V3;
    mky_bytes_set (&p->u.id.data, g_bytes_get_data (der, NULL),
        g_bytes_get_size (der));
    expect (e, "x509sat.uTF8String", "mky,mky");
  }
  if ((p = mky_message_find (msg, MKY_PT_V, 0))) {
    p->u.v.auth_alg = MKY_MAC_HMAC_SHA_1_160;
    mky_bytes_set (&p->u.v.ver_data, sample_bytes, 20);
  }
  if ((p = mky_message_find (msg, MKY_PT_DH, 0))) {
    p->u.dh.kv.kv = MKY_KV_NULL;
    mky_bytes_clear (&p->u.dh.kv.valid_from, FALSE);
    mky_bytes_clear (&p->u.dh.kv.valid_to, FALSE);
  }
  for (guint i = 0; i < msg->payloads->len; i++) {
    p = msg->payloads->pdata[i];
    if (!tshark_knows (p->type))
      break;
    expect_payload (e, p);
  }
  return msg;
}

static void
gen_sample (const char *name, const MkyPayloadType *types, guint n_types)
{
  g_autoptr (GError) error = NULL;
  Expect e = expect_new ();
  g_autoptr (MkyMessage) msg = sample_message (&e, types, n_types);
  g_autoptr (GBytes) raw = mky_message_serialize (msg, &error);

  if (raw == NULL)
    die (name, error);
  emit (name, raw, &e);
}

/* Every payload tshark 4.0 has a dissector for, in one message (SIGN last,
 * as the codec puts it); then with the payloads it has no dissector for
 * (CHASH, TR, RANDR, TP, TICKET, IBAKE, ESK, ECCPT, SK) after all the
 * others: tshark stops at the first, so only what comes before is checked */
static void
gen_everything (void)
{
  static const MkyPayloadType types[] = {
    MKY_PT_GEN_EXT, MKY_PT_T, MKY_PT_RAND, MKY_PT_ID, MKY_PT_IDR, MKY_PT_CERT,
    MKY_PT_SP, MKY_PT_ERR, MKY_PT_DH, MKY_PT_PKE, MKY_PT_KEY_DATA, MKY_PT_V,
    MKY_PT_SAKKE, MKY_PT_KEMAC, MKY_PT_SIGN,
    MKY_PT_CHASH, MKY_PT_TR, MKY_PT_RANDR, MKY_PT_TP, MKY_PT_TICKET,
    MKY_PT_IBAKE, MKY_PT_ESK, MKY_PT_ECCPT, MKY_PT_SK,
  };
  guint n_dissectable = 0;

  while (tshark_knows (types[n_dissectable]))
    n_dissectable++;

  gen_sample ("all-dissectable-payloads", types, n_dissectable);
  gen_sample ("all-payloads", types, G_N_ELEMENTS (types));
}

/* ------------------------------------------------------------------ */
/* The public-key and Diffie-Hellman modes: real exchanges on a PKI made
 * now (tests/common/test-pki.c), every message accepted by its peer
 * before it is written. */

static const char alice_uri[] = "sip:alice@example.com";
static const char bob_uri[] = "sip:bob@example.com";

static struct {
  TestPkiCert *ca, *alice, *bob;
  MkyTrust *trust;
  MkyCredentials *alice_c, *bob_c;
  MkyPeer *bob_p;
} pki;

static TestPkiCert *
leaf (const char *uri, guint slot, guint64 serial)
{
  TestPkiSpec s = {
    .cn = uri, .uri = uri, .key_slot = slot, .serial = serial,
    .not_before = NOW_S - DAY, .not_after = NOW_S + 365 * DAY,
    .usage = TEST_PKI_KU_BOTH,
  };
  return test_pki_issue (&s, pki.ca);
}

static MkyCredentials *
creds (TestPkiCert *c)
{
  g_autoptr (GBytes) cert = test_pki_cert_pem (c);
  g_autoptr (GBytes) key = test_pki_key_pem (c, NULL);
  g_autoptr (GError) error = NULL;
  MkyCredentials *cr = mky_credentials_new_from_memory (cert, key, &error);

  if (cr == NULL)
    die ("credentials", error);
  return cr;
}

static void
make_pki (void)
{
  TestPkiSpec ca = {
    .cn = "MKY Interop CA", .key_slot = 0, .serial = 1, .ca = TRUE,
    .not_before = NOW_S - 3650 * DAY, .not_after = NOW_S + 3650 * DAY,
  };
  g_autoptr (GBytes) ca_pem = NULL;
  g_autoptr (GBytes) bob_der = NULL;
  g_autoptr (GError) error = NULL;

  pki.ca = test_pki_issue (&ca, NULL);
  pki.alice = leaf (alice_uri, 1, 100);
  pki.bob = leaf (bob_uri, 2, 101);
  ca_pem = test_pki_cert_pem (pki.ca);
  pki.trust = mky_trust_new ();
  if (!mky_trust_add_ca_memory (pki.trust, ca_pem, &error))
    die ("trust", error);
  pki.alice_c = creds (pki.alice);
  pki.bob_c = creds (pki.bob);
  bob_der = test_pki_cert_der (pki.bob);
  pki.bob_p = mky_peer_new_from_der (bob_der, &error);
  if (pki.bob_p == NULL)
    die ("peer", error);
}

static void
free_pki (void)
{
  mky_peer_unref (pki.bob_p);
  mky_credentials_unref (pki.alice_c);
  mky_credentials_unref (pki.bob_c);
  mky_trust_unref (pki.trust);
  test_pki_cert_free (pki.ca);
  test_pki_cert_free (pki.alice);
  test_pki_cert_free (pki.bob);
  test_pki_cleanup ();
}

/* @who's certificate and key, our CA */
static void
pk_config (MkyConfig *cfg, MkyCredentials *who)
{
  mky_config_init (cfg);
  cfg->credentials = mky_credentials_ref (who);
  cfg->trust = mky_trust_ref (pki.trust);
}

/* What tshark shows of message @raw as built: the header and CS map, then
 * every payload up to the first it has no dissector for (CHASH), where it
 * stops */
static void
expect_message (Expect *e, GBytes *raw)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MkyMessage) m = mky_message_parse_bytes (raw, &error);
  const MkyHdr *h;

  if (m == NULL)
    die ("parse", error);
  h = mky_message_hdr (m);
  expect_hdr (e, h->data_type, h->v, h->prf, h->csb_id, h->n_cs);
  expect (e, "mikey.cs_id_map_type", "%u", h->map_type);
  for (guint i = 0; h->map_type == MKY_MAP_SRTP_ID && h->cs_srtp
      && i < h->cs_srtp->len; i++) {
    const MkyCsSrtp *cs = h->cs_srtp->pdata[i];
    expect (e, "mikey.srtp_id.policy_no", "%u", cs->policy);
    expect (e, "mikey.srtp_id.ssrc", "0x%08x", cs->ssrc);
    expect (e, "mikey.srtp_id.roc", "0x%08x", cs->roc);
  }
  for (guint i = 0; i < m->payloads->len; i++) {
    const MkyPayload *p = m->payloads->pdata[i];
    if (!tshark_knows (p->type))
      break;
    expect_payload (e, p);
  }
}

/* @msg, expected as expect_message() says (and whatever @e has already) */
static void
emit_message (const char *name, GBytes *msg, Expect *e)
{
  expect_message (e, msg);
  emit (name, msg, e);
}

/* The V payload's verification data (tshark knows HMAC-SHA-1-160's
 * length) */
static void
expect_ver_data (Expect *e, GBytes *raw)
{
  g_autoptr (MkyMessage) m = mky_message_parse_bytes (raw, NULL);
  const MkyV *v = &mky_message_find (m, MKY_PT_V, 0)->u.v;

  expect_hex (e, "mikey.v.ver_data", v->ver_data.data, v->ver_data.len);
}

/* PK I_MESSAGEs (RFC 3830 §3.2): PKCS#1 v1.5 and PSS signatures, CHASH,
 * both PKE cache values; the verification message */
static void
gen_pk (void)
{
  static const struct {
    const char *name;
    MkySignType sign;
    gboolean chash;
    MkyPkeCache cache;
  } cases[] = {
    { "pk-init-pkcs1", MKY_SIGN_RSA_PKCS1, FALSE, MKY_PKE_NO_CACHE },
    { "pk-init-pss", MKY_SIGN_RSA_PSS, FALSE, MKY_PKE_NO_CACHE },
    { "pk-init-chash", MKY_SIGN_RSA_PKCS1, TRUE, MKY_PKE_NO_CACHE },
    { "pk-init-cache", MKY_SIGN_RSA_PKCS1, FALSE, MKY_PKE_CACHE },
    { "pk-init-cache-csb", MKY_SIGN_RSA_PSS, FALSE, MKY_PKE_CACHE_CSB },
  };
  MkyConfig ci, cr;
  g_autoptr (MkyPkResponder) resp = NULL;

  pk_config (&cr, pki.bob_c);
  resp = mky_pk_responder_new (&cr, NOW, FALSE);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (MkyPkInitiator) ini = NULL;
    g_autoptr (MkyCsb) csb = two_cs_bundle (0x0e000001 + i);
    g_autoptr (MkyCsb) got = NULL;
    g_autoptr (GBytes) init = NULL;
    g_autoptr (GBytes) reply = NULL;
    g_autoptr (GError) error = NULL;
    Expect e = expect_new ();

    pk_config (&ci, pki.alice_c);
    ci.sign_type = cases[i].sign;
    ci.id_r = g_strdup (bob_uri);
    ini = mky_pk_initiator_new (&ci, pki.bob_p, &error);
    if (ini == NULL)
      die (cases[i].name, error);
    mky_pk_initiator_set_cache (ini, cases[i].cache);
    mky_pk_initiator_set_chash (ini, cases[i].chash, MKY_HASH_SHA_256);
    mky_csb_add_key (csb, MKY_KD_TGK, NULL, 16, NULL, 0, NULL, 0);
    init = mky_pk_initiator_build (ini, csb, i == 0, NOW + i * SEC, &error);
    if (init == NULL)
      die (cases[i].name, error);
    got = mky_pk_responder_handle (resp, init, NOW + i * SEC, &reply,
        &error);
    if (got == NULL || (i == 0) != (reply != NULL))
      die (cases[i].name, error);
    emit_message (cases[i].name, init, &e);

    if (i == 0) {
      Expect ev = expect_new ();
      if (!mky_pk_initiator_handle_response (ini, csb, reply, &error))
        die ("pk verification accepted", error);
      expect_ver_data (&ev, reply);
      emit_message ("pk-verify", reply, &ev);
    }
    mky_config_clear (&ci);
  }
  mky_config_clear (&cr);
}

static MkySrtpPolicy
nick_policy (const char *cipher, const char *auth)
{
  MkySrtpPolicy p;
  g_autoptr (GError) error = NULL;

  if (!mky_srtp_policy_from_nicks (cipher, auth, cipher, auth, &p, &error))
    die ("policy", error);
  return p;
}

/* RSA-R (RFC 4738): unicast with the RAND in the I_MESSAGE and two SPs
 * offered; group mode, whose request has no SP and whose answer names the
 * group's CSB ID in a General Extension (type 4, which tshark 4.0 shows
 * as "Unknown"); an Error message "Unsupported message type" (13, also
 * "Unknown" to it) for a request cut short */
static void
gen_rsa_r (void)
{
  static const guint8 group_rand[16] = "group RAND 16 B";
  MkySrtpPolicy p256 = nick_policy ("aes-256-icm", "hmac-sha1-80");
  MkySrtpPolicy p128 = nick_policy ("aes-128-icm", "hmac-sha1-32");
  MkySrtpPolicy p80 = nick_policy ("aes-128-icm", "hmac-sha1-80");
  MkyConfig ci, cr;
  g_autoptr (GError) error = NULL;

  pk_config (&ci, pki.alice_c);
  ci.id_r = g_strdup (bob_uri);
  pk_config (&cr, pki.bob_c);

  {                             /* unicast */
    g_autoptr (MkyRsaRInitiator) ini =
        mky_rsa_r_initiator_new (&ci, MKY_RSA_R_UNICAST);
    g_autoptr (MkyRsaRResponder) resp = mky_rsa_r_responder_new (&cr, NOW,
        FALSE);
    g_autoptr (MkyCsb) request = mky_csb_new (0x0f000001);
    g_autoptr (MkyCsb) theirs = NULL;
    g_autoptr (MkyCsb) ours = NULL;
    g_autoptr (GBytes) init = NULL;
    g_autoptr (GBytes) reply = NULL;
    Expect ei = expect_new (), er = expect_new ();

    mky_rsa_r_responder_add_policy (resp, &p128);
    mky_rsa_r_responder_add_stream (resp, 0x33333333, 0);
    mky_csb_add_cs (request, 7, SSRC_A, 0);
    mky_csb_add_cs (request, 7, SSRC_B, ROC_B);
    mky_csb_set_policy (request, 3, &p256, FALSE);
    mky_csb_set_policy (request, 7, &p128, FALSE);
    init = mky_rsa_r_initiator_build (ini, request, TRUE, NOW, &error);
    if (init == NULL)
      die ("rsa-r init", error);
    theirs = mky_rsa_r_responder_handle (resp, init, NOW, &reply, NULL,
        &error);
    if (theirs == NULL || reply == NULL)
      die ("rsa-r responder", error);
    ours = mky_rsa_r_initiator_handle_response (ini, reply, NOW, NULL,
        &error);
    if (ours == NULL)
      die ("rsa-r R_MESSAGE accepted", error);
    emit_message ("rsa-r-init-unicast", init, &ei);
    emit_message ("rsa-r-resp-unicast", reply, &er);
  }

  {                             /* group */
    g_autoptr (MkyCsb) group = mky_rsa_r_group_new (0x47525031,
        MKY_PRF_MIKEY_1);
    g_autoptr (MkyRsaRInitiator) ini =
        mky_rsa_r_initiator_new (&ci, MKY_RSA_R_GROUP);
    g_autoptr (MkyRsaRResponder) server = mky_rsa_r_responder_new (&cr, NOW,
        FALSE);
    g_autoptr (MkyCsb) request = mky_csb_new (0x0f000002);
    g_autoptr (MkyCsb) theirs = NULL;
    g_autoptr (MkyCsb) ours = NULL;
    g_autoptr (GBytes) init = NULL;
    g_autoptr (GBytes) reply = NULL;
    g_autoptr (MkyMessage) im = NULL;
    Expect ei = expect_new (), er = expect_new ();

    mky_bytes_set (&group->rand, group_rand, sizeof group_rand);
    mky_csb_add_cs (group, 0, 0xaaaa0001, 0);
    mky_csb_add_cs (group, 0, 0xaaaa0002, 0);
    mky_csb_set_policy (group, 0, &p80, FALSE);
    mky_rsa_r_group_add_tgk (group, NULL, 16, 1);
    if (!mky_rsa_r_responder_set_group (server, group, &error))
      die ("group", error);
    /* a member that sends too (one SSRC), without RAND */
    mky_csb_add_cs (request, 0, SSRC_A, 0);
    init = mky_rsa_r_initiator_build (ini, request, FALSE, NOW, &error);
    if (init == NULL)
      die ("rsa-r group init", error);
    theirs = mky_rsa_r_responder_handle (server, init, NOW, &reply, NULL,
        &error);
    if (theirs == NULL || reply == NULL)
      die ("rsa-r key server", error);
    ours = mky_rsa_r_initiator_handle_response (ini, reply, NOW, NULL,
        &error);
    if (ours == NULL || ours->csb_id != group->csb_id)
      die ("rsa-r group R_MESSAGE accepted", error);
    im = mky_message_parse_bytes (init, NULL);
    if (mky_message_find (im, MKY_PT_SP, 0) != NULL)
      die ("rsa-r group init has an SP", NULL);
    emit_message ("rsa-r-init-group", init, &ei);
    /* the group CSB ID, big-endian */
    expect (&er, "mikey.ext.data", "%08x", group->csb_id);
    emit_message ("rsa-r-resp-group", reply, &er);
  }

  {                             /* Error 13 */
    g_autoptr (MkyRsaRResponder) resp = mky_rsa_r_responder_new (&cr, NOW,
        FALSE);
    static const guint8 junk[] = { 0x01, 0x09, 0x05, 0x80, 0x0f, 0x00, 0x00,
      0x03, 0x00, 0x00, 0x05, 0x00, 0x01
    };
    g_autoptr (GBytes) in = g_bytes_new_static (junk, sizeof junk);
    g_autoptr (GBytes) reply = NULL;
    g_autoptr (GError) err = NULL;
    Expect e = expect_new ();

    if (mky_rsa_r_responder_handle (resp, in, NOW, &reply, NULL, &err)
        || reply == NULL)
      die ("rsa-r error 13", err);
    emit_message ("rsa-r-error-unsupported", reply, &e);
  }
  mky_config_clear (&ci);
  mky_config_clear (&cr);
}

/* DH (RFC 3830 §3.3, signed) and DH-HMAC (RFC 4650): I_MESSAGE and
 * R_MESSAGE of each; OAKLEY 5 */
static void
gen_dh (void)
{
  static const MkyDhMode modes[] = { MKY_DH_MODE_SIGN, MKY_DH_MODE_HMAC };
  static const char *const names[][2] = {
    { "dh-init", "dh-resp" }, { "dhhmac-init", "dhhmac-resp" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (modes); i++) {
    MkyConfig ci, cr;
    g_autoptr (MkyDhInitiator) ini = NULL;
    g_autoptr (MkyDhResponder) resp = NULL;
    g_autoptr (MkyCsb) csb = two_cs_bundle (0x10000001 + i);
    g_autoptr (MkyCsb) got = NULL;
    g_autoptr (GBytes) init = NULL;
    g_autoptr (GBytes) reply = NULL;
    g_autoptr (GError) error = NULL;
    Expect ei = expect_new (), er = expect_new ();

    if (modes[i] == MKY_DH_MODE_SIGN) {
      pk_config (&ci, pki.alice_c);
      pk_config (&cr, pki.bob_c);
    } else {
      mky_config_init (&ci);
      mky_config_init (&cr);
      mky_config_set_psk (&ci, psk, sizeof psk);
      mky_config_set_psk (&cr, psk, sizeof psk);
      ci.id_i = g_strdup (alice_uri);
    }
    ci.id_r = g_strdup (bob_uri);
    cr.id_r = g_strdup (bob_uri);
    ini = mky_dh_initiator_new (&ci, modes[i]);
    resp = mky_dh_responder_new (&cr, modes[i], NOW, FALSE);
    init = mky_dh_initiator_build (ini, csb, FALSE, NULL, NOW, &error);
    if (init == NULL)
      die (names[i][0], error);
    got = mky_dh_responder_handle (resp, init, NULL, NOW, &reply, &error);
    if (got == NULL || reply == NULL)
      die (names[i][1], error);
    if (!mky_dh_initiator_handle_response (ini, csb, reply, NOW, &error))
      die ("DH R_MESSAGE accepted", error);
    emit_message (names[i][0], init, &ei);
    emit_message (names[i][1], reply, &er);
    mky_config_clear (&ci);
    mky_config_clear (&cr);
  }
}

int
main (int argc, char **argv)
{
  if (argc != 2) {
    g_printerr ("usage: %s OUTDIR\n", argv[0]);
    return 2;
  }
  outdir = argv[1];
  if (g_mkdir_with_parents (outdir, 0755) != 0) {
    g_printerr ("%s: %s\n", outdir, g_strerror (errno));
    return 1;
  }
  gen_psk_init_suites ();
  gen_psk_init_tek_mki (FALSE);
  gen_psk_init_tek_mki (TRUE);
  gen_responses ();
  gen_mikey_null_gstreamer ();
  gen_everything ();
  make_pki ();
  gen_pk ();
  gen_rsa_r ();
  gen_dh ();
  free_pki ();
  return 0;
}
