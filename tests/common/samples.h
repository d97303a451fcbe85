/* Valid MIKEY messages, built with the library: the one builder of the
 * tests. The fuzz seed corpus (tests/fuzz/gen-corpus.c), the codec tests
 * (tests/core/codec.c, codec-negative.c) and the tshark messages
 * (tests/interop/gen-messages.c) start from these; the RFC 4567 messages
 * are in test-vectors.h. */
#pragma once

#include <mky/mky.h>

/* Every payload type the codec knows, in the order sample_all() uses:
 * SIGN has to be last. */
static const MkyPayloadType sample_types[] = {
  MKY_PT_GEN_EXT, MKY_PT_T, MKY_PT_TR, MKY_PT_RAND, MKY_PT_RANDR, MKY_PT_ID,
  MKY_PT_IDR, MKY_PT_CERT, MKY_PT_CHASH, MKY_PT_SP, MKY_PT_ERR, MKY_PT_DH,
  MKY_PT_PKE, MKY_PT_TP, MKY_PT_TICKET, MKY_PT_IBAKE, MKY_PT_ESK,
  MKY_PT_ECCPT, MKY_PT_SK, MKY_PT_KEY_DATA, MKY_PT_V, MKY_PT_SAKKE,
  MKY_PT_KEMAC, MKY_PT_SIGN,
};

/* The bytes payload data is taken from */
static const guint8 sample_bytes[600] = { 0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5,
  0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf };

/* Give a payload of any type small, valid contents. */
static inline void
sample_fill (MkyPayload *p)
{
  const guint8 *x = sample_bytes;

  switch (p->type) {
    case MKY_PT_KEMAC:
      p->u.kemac.encr_alg = MKY_ENCR_AES_CM_128;
      mky_bytes_set (&p->u.kemac.encr_data, x, 20);
      p->u.kemac.mac_alg = MKY_MAC_HMAC_SHA_1_160;
      mky_bytes_set (&p->u.kemac.mac, x + 1, 20);
      break;
    case MKY_PT_PKE:
      p->u.pke.c = MKY_PKE_CACHE;
      mky_bytes_set (&p->u.pke.data, x, 20);
      break;
    case MKY_PT_DH:
      p->u.dh.group = MKY_DH_OAKLEY_1;
      mky_bytes_set (&p->u.dh.value, x, 96);
      p->u.dh.kv.kv = MKY_KV_INTERVAL;
      mky_bytes_set (&p->u.dh.kv.valid_from, x, 6);
      mky_bytes_set (&p->u.dh.kv.valid_to, x + 2, 6);
      break;
    case MKY_PT_SIGN:
      p->u.sign.s_type = MKY_SIGN_ECCSI;
      mky_bytes_set (&p->u.sign.signature, x, 16);
      break;
    case MKY_PT_T:
      p->u.t.ts_type = MKY_TS_COUNTER;
      p->u.t.ts = 0x7eadbeef;
      break;
    case MKY_PT_ID:
      p->u.id.type = MKY_ID_URI;
      mky_bytes_set (&p->u.id.data, (const guint8 *) "sip:alice@a.example", 19);
      break;
    case MKY_PT_CERT:
      p->u.id.type = MKY_CERT_X509V3_URL;
      mky_bytes_set (&p->u.id.data, (const guint8 *) "http://c.example/c", 18);
      break;
    case MKY_PT_CHASH:
      p->u.chash.hash_func = MKY_HASH_SHA_1;
      mky_bytes_set (&p->u.chash.hash, x, 20);
      break;
    case MKY_PT_V:
      p->u.v.auth_alg = MKY_MAC_HMAC_SHA_256_256;
      mky_bytes_set (&p->u.v.ver_data, x, 32);
      break;
    case MKY_PT_SP:
      p->u.sp.policy_no = 1;
      mky_sp_add_param_u8 (&p->u.sp, MKY_SP_ENCR_ALG, MKY_SRTP_ENCR_AES_CM);
      mky_sp_add_param_u8 (&p->u.sp, MKY_SP_ENCR_KEY_LEN, 16);
      break;
    case MKY_PT_RAND:
      mky_bytes_set (&p->u.rand.rand, x, 16);
      break;
    case MKY_PT_ERR:
      p->u.err.err_no = MKY_ERR_INVALID_SP;
      break;
    case MKY_PT_TR:
      p->u.tr.role = 1;
      p->u.tr.ts_type = MKY_TS_NTP_UTC;
      p->u.tr.ts = G_GUINT64_CONSTANT (0xC8E350EA00000000);
      break;
    case MKY_PT_IDR:
      p->u.idr.role = 3;
      p->u.idr.id_type = MKY_ID_NAI;
      mky_bytes_set (&p->u.idr.data, (const guint8 *) "kms@k.example", 13);
      break;
    case MKY_PT_RANDR:
      p->u.randr.role = 1;
      mky_bytes_set (&p->u.randr.rand, x + 3, 16);
      break;
    case MKY_PT_TP:
    case MKY_PT_TICKET:
      p->u.ticket.ticket_type = 1;
      p->u.ticket.subtype = 1;
      p->u.ticket.version = 1;
      p->u.ticket.prf = MKY_PRF_HMAC_SHA_256;
      p->u.ticket.flags = 0x821;
      mky_bytes_set (&p->u.ticket.tp_data, x, 3);
      if (p->type == MKY_PT_TICKET) {
        mky_bytes_set (&p->u.ticket.ticket_data, x, 12);
        mky_bytes_set (&p->u.ticket.init_data, x, 2);
      }
      break;
    case MKY_PT_KEY_DATA:
      p->u.key_data.type = MKY_KD_TGK_SALT;
      mky_bytes_set (&p->u.key_data.key, x, 16);
      mky_bytes_set (&p->u.key_data.salt, x + 4, 14);
      p->u.key_data.kv.kv = MKY_KV_SPI;
      mky_bytes_set (&p->u.key_data.kv.spi, x, 2);
      break;
    case MKY_PT_GEN_EXT:
      p->u.gen_ext.type = MKY_GEN_SDP_IDS;
      mky_bytes_set (&p->u.gen_ext.data, x, 4);
      break;
    case MKY_PT_IBAKE:
    case MKY_PT_ESK:
      mky_bytes_set (&p->u.opaque.data, x, p->type == MKY_PT_IBAKE ? 12 : 8);
      break;
    case MKY_PT_SK:
      p->u.sk.type = 1;
      mky_bytes_set (&p->u.sk.key, x, 16);
      break;
    case MKY_PT_ECCPT:
      p->u.eccpt.curve = 8;     /* P-256: 65-byte point padded to 66 */
      mky_bytes_set (&p->u.eccpt.point, x, 66);
      p->u.eccpt.kv.kv = MKY_KV_SPI;
      mky_bytes_set (&p->u.eccpt.kv.spi, x, 4);
      break;
    case MKY_PT_SAKKE:
      p->u.sakke.params = 1;
      p->u.sakke.id_scheme = 1;
      mky_bytes_set (&p->u.sakke.data, x, 20);
      break;
    default:
      g_assert_not_reached ();
  }
}

/* Add one payload of each of @types, filled by sample_fill(). */
static inline void
sample_add (MkyMessage *msg, const MkyPayloadType *types, guint n_types)
{
  for (guint i = 0; i < n_types; i++)
    sample_fill (mky_message_add (msg, types[i]));
}

/* Lengths of more than 8 bits in the length fields that are wider: PKE
 * data (14 bits), SIGN (12 bits), CERT and SAKKE data (16 bits). */
static inline void
sample_widen (MkyMessage *msg)
{
  for (guint i = 0; i < msg->payloads->len; i++) {
    MkyPayload *p = msg->payloads->pdata[i];

    switch (p->type) {
      case MKY_PT_PKE:
        mky_bytes_set (&p->u.pke.data, sample_bytes, 256);
        break;
      case MKY_PT_SIGN:
        mky_bytes_set (&p->u.sign.signature, sample_bytes, 384);
        break;
      case MKY_PT_CERT:
        mky_bytes_set (&p->u.id.data, sample_bytes, 300);
        break;
      case MKY_PT_SAKKE:
        mky_bytes_set (&p->u.sakke.data, sample_bytes, 273);
        break;
      default:
        break;
    }
  }
}

/* A PSK I_MESSAGE of the RFC 3830 §3.1 shape: T, RAND, IDi, SP, KEMAC,
 * with two SRTP-ID crypto sessions. */
static inline MkyMessage *
sample_psk (void)
{
  static const MkyPayloadType types[] = {
    MKY_PT_T, MKY_PT_RAND, MKY_PT_ID, MKY_PT_SP, MKY_PT_KEMAC
  };
  MkyMessage *msg = mky_message_new (MKY_TYPE_PSK_INIT, 0x1234abcd);

  mky_message_hdr (msg)->v = 1;
  mky_hdr_add_cs_srtp (mky_message_hdr (msg), 1, 0x11223344, 0);
  mky_hdr_add_cs_srtp (mky_message_hdr (msg), 1, 0x55667788, 7);
  sample_add (msg, types, G_N_ELEMENTS (types));
  return msg;
}

/* One of every payload type, under a GENERIC-ID map (RFC 6043 §6.1.1). */
static inline MkyMessage *
sample_all (void)
{
  static const guint8 policies[] = { 1 };
  static const guint8 session[] = { 0x11, 0x22, 0x33, 0x44, 0, 0, 0, 5, 0, 9 };
  static const guint8 spi[] = { 0xde, 0xad, 0xbe, 0xef };
  MkyMessage *msg = mky_message_new (MKY_TYPE_TRANSFER_INIT, 0xfeedf00d);
  MkyHdr *hdr = mky_message_hdr (msg);
  MkyCsGeneric *cs = g_new0 (MkyCsGeneric, 1);

  hdr->prf = MKY_PRF_HMAC_SHA_256;
  hdr->map_type = MKY_MAP_GENERIC_ID;
  cs->cs_id = 1;
  cs->prot_type = MKY_PROT_SRTP;
  cs->s = 1;
  mky_bytes_set (&cs->policies, policies, sizeof policies);
  mky_bytes_set (&cs->session_data, session, sizeof session);
  mky_bytes_set (&cs->spi, spi, sizeof spi);
  mky_array_add (&hdr->cs_generic, cs);
  hdr->n_cs = 1;
  sample_add (msg, sample_types, G_N_ELEMENTS (sample_types));
  return msg;
}

/* A message holding just @type, under an Empty map. */
static inline MkyMessage *
sample_single (MkyPayloadType type)
{
  MkyMessage *msg = mky_message_new (MKY_TYPE_PSK_INIT, 0x0a0b0c0d);

  mky_message_hdr (msg)->map_type = MKY_MAP_EMPTY;
  sample_fill (mky_message_add (msg, type));
  return msg;
}
