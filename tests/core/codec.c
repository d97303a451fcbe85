/* Codec tests: RFC 4567 §5.1 messages byte-exact, a round trip of every
 * payload the codec knows, and strict rejection of malformed input. */
#include <string.h>
#include <mky/mky.h>
#include "mky-desc.h"

/* RFC 4567 §5.1, Alice's PSK I_MESSAGE and Bob's verification message */
static const char rfc4567_init_b64[] =
    "AQAFgM0XflABAAAAAAAAAAAAAAsAyONQ6gAAAAAGEEoo2pee4hp2"
    "UaDX8ZE22YwKAAAPZG9uYWxkQGR1Y2suY29tAQAAAAAAAQAk0JKpgaVkDaawi9whVBtBt"
    "0KZ14ymNuu62+Nv3ozPLygwK/GbAV9iemnGUIZ19fWQUOSrzKTAv9zV";
static const char rfc4567_resp_b64[] =
    "AQEFgM0XflABAAAAAAAAAAAAAAYAyONQ6gAAAAAJAAAQbWlja2"
    "V5QG1vdXNlLmNvbQABn8HdGE5BMDXFIuGEga+62AgY5cc=";

static GBytes *
b64 (const char *s)
{
  gsize len;
  guint8 *d = g_base64_decode (s, &len);
  return g_bytes_new_take (d, len);
}

static void
assert_reserializes (MkyMessage *msg, GBytes *orig)
{
  g_autoptr (GBytes) again = NULL;
  g_autoptr (GError) error = NULL;
  /* drop the parsed wire form so serialize really rebuilds it */
  g_clear_pointer (&msg->raw, g_bytes_unref);
  again = mky_message_serialize (msg, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (again, orig));
}

static void
test_rfc4567_init (void)
{
  g_autoptr (GBytes) raw = b64 (rfc4567_init_b64);
  g_autoptr (GError) error = NULL;
  g_autoptr (MkyMessage) msg = mky_message_parse_bytes (raw, &error);
  MkyHdr *hdr;
  MkyPayload *p;

  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (raw), ==, 132);
  hdr = mky_message_hdr (msg);
  g_assert_cmpuint (hdr->data_type, ==, MKY_TYPE_PSK_INIT);
  g_assert_cmpuint (hdr->v, ==, 1);
  g_assert_cmpuint (hdr->prf, ==, MKY_PRF_MIKEY_1);
  g_assert_cmphex (hdr->csb_id, ==, 0xCD177E50);
  g_assert_cmpuint (hdr->n_cs, ==, 1);
  g_assert_cmpuint (hdr->map_type, ==, MKY_MAP_SRTP_ID);
  g_assert_cmpuint (hdr->cs_srtp->len, ==, 1);
  g_assert_cmpuint (((MkyCsSrtp *) hdr->cs_srtp->pdata[0])->ssrc, ==, 0);

  g_assert_cmpuint (msg->payloads->len, ==, 5);
  p = mky_message_find (msg, MKY_PT_T, 0);
  g_assert_cmpuint (p->u.t.ts_type, ==, MKY_TS_NTP_UTC);
  g_assert_cmphex (p->u.t.ts, ==, G_GUINT64_CONSTANT (0xC8E350EA00000000));
  p = mky_message_find (msg, MKY_PT_RAND, 0);
  g_assert_cmpuint (p->u.rand.rand.len, ==, 16);
  p = mky_message_find (msg, MKY_PT_ID, 0);
  g_assert_cmpuint (p->u.id.type, ==, MKY_ID_NAI);
  g_assert_cmpmem (p->u.id.data.data, p->u.id.data.len, "donald@duck.com", 15);
  p = mky_message_find (msg, MKY_PT_SP, 0);
  g_assert_cmpuint (p->u.sp.prot_type, ==, MKY_PROT_SRTP);
  g_assert_cmpuint (p->u.sp.params->len, ==, 0);
  p = mky_message_find (msg, MKY_PT_KEMAC, 0);
  g_assert_cmpuint (p->u.kemac.encr_alg, ==, MKY_ENCR_AES_CM_128);
  g_assert_cmpuint (p->u.kemac.encr_data.len, ==, 36);
  g_assert_cmpuint (p->u.kemac.mac_alg, ==, MKY_MAC_HMAC_SHA_1_160);
  g_assert_cmpuint (p->u.kemac.mac.len, ==, 20);
  /* the KEMAC is last and its MAC ends the message */
  g_assert_cmpuint (p->offset + p->length, ==, 132);

  assert_reserializes (msg, raw);
}

static void
test_rfc4567_resp (void)
{
  g_autoptr (GBytes) raw = b64 (rfc4567_resp_b64);
  g_autoptr (GError) error = NULL;
  g_autoptr (MkyMessage) msg = mky_message_parse_bytes (raw, &error);
  MkyPayload *p;

  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (raw), ==, 71);
  g_assert_cmpuint (mky_message_hdr (msg)->data_type, ==, MKY_TYPE_PSK_VERIFY);
  g_assert_cmphex (mky_message_hdr (msg)->csb_id, ==, 0xCD177E50);
  p = mky_message_find (msg, MKY_PT_T, 0);
  g_assert_cmphex (p->u.t.ts, ==, G_GUINT64_CONSTANT (0xC8E350EA00000000));
  p = mky_message_find (msg, MKY_PT_ID, 0);
  g_assert_cmpmem (p->u.id.data.data, p->u.id.data.len, "mickey@mouse.com", 16);
  p = mky_message_find (msg, MKY_PT_V, 0);
  g_assert_cmpuint (p->u.v.auth_alg, ==, MKY_MAC_HMAC_SHA_1_160);
  g_assert_cmpuint (p->u.v.ver_data.len, ==, 20);
  assert_reserializes (msg, raw);
}

/* Build a message holding every payload type the codec knows, serialize,
 * parse, and compare both the bytes and the values. */
static MkyMessage *
build_everything (void)
{
  MkyMessage *msg = mky_message_new (MKY_TYPE_SAKKE, 0x01020304);
  MkyHdr *hdr = mky_message_hdr (msg);
  MkyPayload *p;
  static const guint8 x[600] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };

  hdr->prf = MKY_PRF_HMAC_SHA_256;
  hdr->map_type = MKY_MAP_GENERIC_ID;
  {
    MkyCsGeneric *cs = g_new0 (MkyCsGeneric, 1);
    cs->cs_id = 1;
    cs->s = 1;
    mky_bytes_set (&cs->policies, x, 2);
    mky_bytes_set (&cs->session_data, x, 10);
    mky_bytes_set (&cs->spi, x, 4);
    mky_array_add (&hdr->cs_generic, cs);
  }
  hdr->n_cs = 1;

  p = mky_message_add (msg, MKY_PT_GEN_EXT);
  p->u.gen_ext.type = MKY_GEN_CSB_ID;
  mky_bytes_set (&p->u.gen_ext.data, x, 4);
  p = mky_message_add (msg, MKY_PT_T);
  p->u.t.ts_type = MKY_TS_COUNTER;
  p->u.t.ts = 0x7eadbeef;
  p = mky_message_add (msg, MKY_PT_TR);
  p->u.tr.role = 1;
  p->u.tr.ts_type = MKY_TS_NTP;
  p->u.tr.ts = G_GUINT64_CONSTANT (0x1122334455667788);
  p = mky_message_add (msg, MKY_PT_RAND);
  mky_bytes_set (&p->u.rand.rand, x, 16);
  p = mky_message_add (msg, MKY_PT_RANDR);
  p->u.randr.role = 2;
  mky_bytes_set (&p->u.randr.rand, x, 16);
  p = mky_message_add (msg, MKY_PT_ID);
  p->u.id.type = MKY_ID_URI;
  mky_bytes_set (&p->u.id.data, (const guint8 *) "sip:a@b", 7);
  p = mky_message_add (msg, MKY_PT_IDR);
  p->u.idr.role = 3;
  p->u.idr.id_type = MKY_ID_BYTE_STRING;
  mky_bytes_set (&p->u.idr.data, x, 5);
  p = mky_message_add (msg, MKY_PT_CERT);
  p->u.id.type = MKY_CERT_X509V3;
  mky_bytes_set (&p->u.id.data, x, 300);
  p = mky_message_add (msg, MKY_PT_CHASH);
  p->u.chash.hash_func = MKY_HASH_SHA_256;
  mky_bytes_set (&p->u.chash.hash, x, 32);
  p = mky_message_add (msg, MKY_PT_SP);
  p->u.sp.policy_no = 3;
  mky_sp_add_param_u8 (&p->u.sp, MKY_SP_ENCR_ALG, MKY_SRTP_ENCR_AES_GCM);
  mky_sp_add_param_u8 (&p->u.sp, MKY_SP_AEAD_TAG_LEN, 16);
  p = mky_message_add (msg, MKY_PT_ERR);
  p->u.err.err_no = MKY_ERR_INVALID_SPPAR;
  p = mky_message_add (msg, MKY_PT_DH);
  p->u.dh.group = MKY_DH_OAKLEY_1;
  mky_bytes_set (&p->u.dh.value, x, 96);
  p->u.dh.kv.kv = MKY_KV_INTERVAL;
  mky_bytes_set (&p->u.dh.kv.valid_from, x, 6);
  mky_bytes_set (&p->u.dh.kv.valid_to, x + 1, 6);
  p = mky_message_add (msg, MKY_PT_PKE);
  p->u.pke.c = MKY_PKE_CACHE_CSB;
  mky_bytes_set (&p->u.pke.data, x, 256);
  p = mky_message_add (msg, MKY_PT_TP);
  p->u.ticket.ticket_type = 1;
  p->u.ticket.subtype = 1;
  p->u.ticket.version = 1;
  p->u.ticket.prf = 1;
  p->u.ticket.flags = 0xA5A;
  mky_bytes_set (&p->u.ticket.tp_data, x, 3);
  p = mky_message_add (msg, MKY_PT_TICKET);
  p->u.ticket.ticket_type = 2;
  p->u.ticket.flags = 0x001;
  mky_bytes_set (&p->u.ticket.tp_data, x, 1);
  mky_bytes_set (&p->u.ticket.ticket_data, x, 40);
  mky_bytes_set (&p->u.ticket.init_data, x, 2);
  p = mky_message_add (msg, MKY_PT_IBAKE);
  mky_bytes_set (&p->u.opaque.data, x, 70);
  p = mky_message_add (msg, MKY_PT_ESK);
  mky_bytes_set (&p->u.opaque.data, x, 20);
  p = mky_message_add (msg, MKY_PT_ECCPT);
  p->u.eccpt.curve = 8;         /* P-256: 65-byte point padded to 66 */
  mky_bytes_set (&p->u.eccpt.point, x, 66);
  p->u.eccpt.kv.kv = MKY_KV_SPI;
  mky_bytes_set (&p->u.eccpt.kv.spi, x, 4);
  p = mky_message_add (msg, MKY_PT_SK);
  p->u.sk.type = 1;
  mky_bytes_set (&p->u.sk.key, x, 16);
  p = mky_message_add (msg, MKY_PT_KEY_DATA);
  p->u.key_data.type = MKY_KD_TGK_SALT;
  mky_bytes_set (&p->u.key_data.key, x, 16);
  mky_bytes_set (&p->u.key_data.salt, x, 14);
  p->u.key_data.kv.kv = MKY_KV_SPI;
  mky_bytes_set (&p->u.key_data.kv.spi, x, 1);
  p = mky_message_add (msg, MKY_PT_V);
  p->u.v.auth_alg = MKY_MAC_HMAC_SHA_256_256;
  mky_bytes_set (&p->u.v.ver_data, x, 32);
  p = mky_message_add (msg, MKY_PT_SAKKE);
  p->u.sakke.params = 1;
  p->u.sakke.id_scheme = 1;
  mky_bytes_set (&p->u.sakke.data, x, 273);
  p = mky_message_add (msg, MKY_PT_KEMAC);
  p->u.kemac.encr_alg = MKY_ENCR_AES_KW_128;
  mky_bytes_set (&p->u.kemac.encr_data, x, 40);
  p->u.kemac.mac_alg = MKY_MAC_NULL;
  p = mky_message_add (msg, MKY_PT_SIGN);
  p->u.sign.s_type = MKY_SIGN_RSA_PSS;
  mky_bytes_set (&p->u.sign.signature, x, 384);
  return msg;
}

static gboolean
payloads_equal (const MkyPayload *a, const MkyPayload *b)
{
  g_autoptr (GByteArray) x = g_byte_array_new ();
  g_autoptr (GByteArray) y = g_byte_array_new ();
  const MkyDesc *d = mky_desc_for_type (a->type);
  g_assert_true (mky_desc_serialize (d, &a->u, 0, x, NULL));
  g_assert_true (mky_desc_serialize (d, &b->u, 0, y, NULL));
  return a->type == b->type && x->len == y->len
      && memcmp (x->data, y->data, x->len) == 0;
}

static void
test_every_payload_round_trip (void)
{
  g_autoptr (MkyMessage) msg = build_everything ();
  g_autoptr (MkyMessage) back = NULL;
  g_autoptr (GBytes) raw = NULL;
  g_autoptr (GError) error = NULL;
  const MkyPayload *p;

  raw = mky_message_serialize (msg, &error);
  g_assert_no_error (error);
  back = mky_message_parse_bytes (raw, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (back->payloads->len, ==, msg->payloads->len);
  for (guint i = 0; i < msg->payloads->len; i++) {
    const MkyPayload *a = msg->payloads->pdata[i];
    const MkyPayload *b = back->payloads->pdata[i];
    g_assert_cmpuint (a->offset, ==, b->offset);
    g_assert_cmpuint (a->length, ==, b->length);
    g_assert_true (payloads_equal (a, b));
  }
  g_assert_cmpuint (mky_message_hdr (back)->prf, ==, MKY_PRF_HMAC_SHA_256);
  g_assert_cmpuint (((MkyCsGeneric *) mky_message_hdr (back)->cs_generic->
          pdata[0])->session_data.len, ==, 10);
  p = mky_message_find (back, MKY_PT_T, 0);
  g_assert_cmphex (p->u.t.ts, ==, 0x7eadbeef);
  p = mky_message_find (back, MKY_PT_TR, 0);
  g_assert_cmphex (p->u.tr.ts, ==, G_GUINT64_CONSTANT (0x1122334455667788));
  p = mky_message_find (back, MKY_PT_TICKET, 0);
  g_assert_cmphex (p->u.ticket.flags, ==, 0x001);
  g_assert_cmpuint (p->u.ticket.init_data.len, ==, 2);
  p = mky_message_find (back, MKY_PT_TP, 0);
  g_assert_cmphex (p->u.ticket.flags, ==, 0xA5A);
  g_assert_cmpuint (p->u.ticket.prf, ==, 1);
  p = mky_message_find (back, MKY_PT_PKE, 0);
  g_assert_cmpuint (p->u.pke.c, ==, MKY_PKE_CACHE_CSB);
  g_assert_cmpuint (p->u.pke.data.len, ==, 256);
  p = mky_message_find (back, MKY_PT_SIGN, 0);
  g_assert_cmpuint (p->u.sign.s_type, ==, MKY_SIGN_RSA_PSS);
  g_assert_cmpuint (p->u.sign.signature.len, ==, 384);
  p = mky_message_find (back, MKY_PT_KEY_DATA, 0);
  g_assert_cmpuint (p->u.key_data.salt.len, ==, 14);
  g_assert_cmpuint (p->u.key_data.kv.spi.len, ==, 1);
  p = mky_message_find (back, MKY_PT_DH, 0);
  g_assert_cmpuint (p->u.dh.kv.valid_to.len, ==, 6);
  p = mky_message_find (back, MKY_PT_SP, 0);
  g_assert_cmpuint (p->u.sp.params->len, ==, 2);
  g_assert_cmpuint (mky_sp_find_param (&p->u.sp, MKY_SP_AEAD_TAG_LEN)->value.data[0], ==, 16);
}

/* Bit-packed fields land where the RFC puts them. */
static void
test_bit_layout (void)
{
  g_autoptr (MkyMessage) msg = mky_message_new (MKY_TYPE_PK_INIT, 0xAABBCCDD);
  g_autoptr (GBytes) raw = NULL;
  MkyPayload *p;
  const guint8 *d;
  static const guint8 data[0x123];

  mky_message_hdr (msg)->v = 1;
  mky_message_hdr (msg)->map_type = MKY_MAP_EMPTY;
  p = mky_message_add (msg, MKY_PT_PKE);
  p->u.pke.c = MKY_PKE_CACHE;
  mky_bytes_set (&p->u.pke.data, data, 100);
  p = mky_message_add (msg, MKY_PT_SIGN);
  p->u.sign.s_type = MKY_SIGN_RSA_PSS;
  mky_bytes_set (&p->u.sign.signature, data, 0x123);
  raw = mky_message_serialize (msg, NULL);
  d = g_bytes_get_data (raw, NULL);
  /* HDR: 01 02 02 80 AABBCCDD 00 01 */
  g_assert_cmphex (d[0], ==, 1);
  g_assert_cmphex (d[1], ==, 2);
  g_assert_cmphex (d[2], ==, MKY_PT_PKE);
  g_assert_cmphex (d[3], ==, 0x80);
  g_assert_cmphex (d[4], ==, 0xAA);
  g_assert_cmphex (d[9], ==, MKY_MAP_EMPTY);
  /* PKE: next=SIGN, C=1 in the top two bits, length 100 (GStreamer gets
   * this one wrong) */
  g_assert_cmphex (d[10], ==, MKY_PT_SIGN);
  g_assert_cmphex (d[11], ==, 0x40);
  g_assert_cmphex (d[12], ==, 100);
  /* SIGN: S type 1 in the top nibble, 12-bit length 0x123 */
  g_assert_cmphex (d[113], ==, 0x11);
  g_assert_cmphex (d[114], ==, 0x23);
  g_assert_cmpuint (g_bytes_get_size (raw), ==, 115 + 0x123);
}

static void
test_serialize_rejects_overflow (void)
{
  g_autoptr (MkyMessage) msg = mky_message_new (MKY_TYPE_PSK_INIT, 1);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) raw = NULL;
  MkyPayload *p = mky_message_add (msg, MKY_PT_RAND);
  static const guint8 big[300];

  mky_bytes_set (&p->u.rand.rand, big, 256);
  raw = mky_message_serialize (msg, &error);
  g_assert_error (error, MKY_ERROR, MKY_ERROR_TOO_LONG);
  g_assert_null (raw);
  g_clear_error (&error);

  p->u.rand.rand.len = 16;
  p = mky_message_add (msg, MKY_PT_KEMAC);
  p->u.kemac.mac_alg = MKY_MAC_HMAC_SHA_1_160;
  mky_bytes_set (&p->u.kemac.mac, big, 19);
  raw = mky_message_serialize (msg, &error);
  g_assert_error (error, MKY_ERROR, MKY_ERROR_BAD_LENGTH);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/codec/rfc4567/init", test_rfc4567_init);
  g_test_add_func ("/codec/rfc4567/resp", test_rfc4567_resp);
  g_test_add_func ("/codec/every-payload", test_every_payload_round_trip);
  g_test_add_func ("/codec/bit-layout", test_bit_layout);
  g_test_add_func ("/codec/serialize-overflow", test_serialize_rejects_overflow);
  return g_test_run ();
}
