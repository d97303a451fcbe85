/* Codec tests: RFC 4567 §5.1 messages byte-exact, a round trip of every
 * payload the codec knows, and strict rejection of malformed input. */
#include <string.h>
#include <mky/mky.h>
#include "mky-desc.h"
#include "test-util.h"
#include "test-vectors.h"
#include "samples.h"

static void
assert_reserializes (MkyMessage *msg, GBytes *orig)
{
  test_assert_reserializes (msg, g_bytes_get_data (orig, NULL),
      g_bytes_get_size (orig));
}

static void
test_rfc4567_init (void)
{
  g_autoptr (GBytes) raw = test_b64 (TEST_RFC4567_INIT_B64);
  g_autoptr (MkyMessage) msg = test_parse (raw);
  MkyHdr *hdr;
  MkyPayload *p;

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
  g_autoptr (GBytes) raw = test_b64 (TEST_RFC4567_RESP_B64);
  g_autoptr (MkyMessage) msg = test_parse (raw);
  MkyPayload *p;

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

/* A message holding every payload type the codec knows (lengths past 8 bits
 * where the field allows them): serialize, parse, and compare both the bytes
 * and the values. */
static void
test_every_payload_round_trip (void)
{
  g_autoptr (MkyMessage) msg = sample_all ();
  g_autoptr (MkyMessage) back = NULL;
  g_autoptr (GBytes) raw = NULL;
  g_autoptr (GError) error = NULL;
  const MkyPayload *p;

  sample_widen (msg);
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
  g_assert_cmphex (p->u.tr.ts, ==, G_GUINT64_CONSTANT (0xC8E350EA00000000));
  p = mky_message_find (back, MKY_PT_TICKET, 0);
  g_assert_cmphex (p->u.ticket.flags, ==, 0x821);
  g_assert_cmpuint (p->u.ticket.init_data.len, ==, 2);
  p = mky_message_find (back, MKY_PT_TP, 0);
  g_assert_cmphex (p->u.ticket.flags, ==, 0x821);
  g_assert_cmpuint (p->u.ticket.prf, ==, MKY_PRF_HMAC_SHA_256);
  p = mky_message_find (back, MKY_PT_PKE, 0);
  g_assert_cmpuint (p->u.pke.c, ==, MKY_PKE_CACHE);
  g_assert_cmpuint (p->u.pke.data.len, ==, 256);
  p = mky_message_find (back, MKY_PT_SIGN, 0);
  g_assert_cmpuint (p->u.sign.s_type, ==, MKY_SIGN_ECCSI);
  g_assert_cmpuint (p->u.sign.signature.len, ==, 384);
  p = mky_message_find (back, MKY_PT_KEY_DATA, 0);
  g_assert_cmpuint (p->u.key_data.salt.len, ==, 14);
  g_assert_cmpuint (p->u.key_data.kv.spi.len, ==, 2);
  p = mky_message_find (back, MKY_PT_DH, 0);
  g_assert_cmpuint (p->u.dh.kv.valid_to.len, ==, 6);
  p = mky_message_find (back, MKY_PT_SP, 0);
  g_assert_cmpuint (p->u.sp.params->len, ==, 2);
  g_assert_cmpuint (mky_sp_find_param (&p->u.sp,
          MKY_SP_ENCR_KEY_LEN)->value.data[0], ==, 16);
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

/* An empty datagram: a GBytes without data pointer */
static void
test_empty (void)
{
  g_autoptr (GBytes) empty = g_bytes_new (NULL, 0);
  g_autoptr (GError) error = NULL;
  g_autoptr (MkyMessage) msg = mky_message_parse_bytes (empty, &error);
  g_autoptr (GPtrArray) chain = NULL;

  g_assert_null (msg);
  g_assert_error (error, MKY_ERROR, MKY_ERROR_TRUNCATED);
  g_clear_error (&error);
  chain = mky_payload_chain_parse (NULL, 0, 0, MKY_PT_KEY_DATA, &error);
  g_assert_null (chain);
  g_assert_error (error, MKY_ERROR, MKY_ERROR_TRUNCATED);
}

/* A parsed message edited in place: its payloads live in its memory, the
 * ones added do not, and both kinds must serialize and free */
static void
test_edit_parsed (void)
{
  g_autoptr (GBytes) raw = test_b64 (TEST_RFC4567_INIT_B64);
  gsize len;
  const guint8 *wire;
  g_autoptr (MkyMessage) msg = mky_message_parse (g_bytes_get_data (raw, NULL),
      g_bytes_get_size (raw), NULL);
  g_autoptr (MkyPayload) id = NULL;
  g_autoptr (GBytes) without = NULL;
  g_autoptr (MkyMessage) reparsed = NULL;
  MkyPayload *ext;

  g_assert_nonnull (msg);
  /* the message keeps its own copy of the wire form */
  wire = mky_message_get_wire (msg, &len);
  g_assert_true (wire != g_bytes_get_data (raw, NULL));
  g_assert_cmpmem (wire, len, g_bytes_get_data (raw, NULL),
      g_bytes_get_size (raw));

  /* drop the ID: 4 payloads, the ID gone from the wire form */
  g_assert_cmpuint (((MkyPayload *) msg->payloads->pdata[2])->type, ==,
      MKY_PT_ID);
  id = mky_payload_copy (msg->payloads->pdata[2]);
  mky_message_remove (msg, 2);
  without = mky_message_serialize (msg, NULL);
  g_assert_nonnull (without);
  g_assert_cmpuint (g_bytes_get_size (without), ==,
      g_bytes_get_size (raw) - id->length);
  wire = mky_message_get_wire (msg, &len);
  g_assert_true (wire == g_bytes_get_data (without, NULL));
  reparsed = mky_message_parse_bytes (without, NULL);
  g_assert_nonnull (reparsed);
  g_assert_cmpuint (reparsed->payloads->len, ==, 4);
  g_assert_null (mky_message_find (reparsed, MKY_PT_ID, 0));

  /* an allocated payload among parsed ones, then the ID back: the
   * original bytes again */
  ext = mky_payload_new (MKY_PT_GEN_EXT);
  ext->u.gen_ext.type = MKY_GEN_SDP_IDS;
  mky_message_insert (msg, 0, ext);
  mky_message_insert (msg, 3, g_steal_pointer (&id));
  g_assert_cmpuint (msg->payloads->len, ==, 6);
  mky_message_remove (msg, 0);
  assert_reserializes (msg, raw);
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
  g_test_add_func ("/codec/empty", test_empty);
  g_test_add_func ("/codec/edit-parsed", test_edit_parsed);
  return g_test_run ();
}
