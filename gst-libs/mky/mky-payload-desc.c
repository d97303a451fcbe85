/* mky: MIKEY protocol core
 * One description per payload (layouts from RFC 3830 §6, 4738, 6043 §6,
 * 6267 §6.1, 6509 §4). Parse, serialize, free and print all read these.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "mky-desc.h"
#include "mky-error.h"

/* ---- value names (for printing) ---- */

const MkyValueName mky_data_type_names[] = {
  {0, "Pre-shared"}, {1, "PSK ver msg"}, {2, "Public key"}, {3, "PK ver msg"},
  {4, "D-H init"}, {5, "D-H resp"}, {6, "Error"}, {7, "DHHMAC init"},
  {8, "DHHMAC resp"}, {9, "RSA-R I_MSG"}, {10, "RSA-R R_MSG"},
  {11, "REQUEST_INIT_PSK"}, {12, "REQUEST_INIT_PK"}, {13, "REQUEST_RESP"},
  {14, "TRANSFER_INIT"}, {15, "TRANSFER_RESP"}, {16, "RESOLVE_INIT_PSK"},
  {17, "RESOLVE_INIT_PK"}, {18, "RESOLVE_RESP"}, {19, "REQUEST_KEY_PSK"},
  {20, "REQUEST_KEY_PKE"}, {21, "REQUEST_KEY_RESP"}, {22, "I_MESSAGE_1"},
  {23, "R_MESSAGE_1"}, {24, "I_MESSAGE_2"}, {25, "R_MESSAGE_2"},
  {26, "SAKKE msg"}, {0, NULL}
};

static const MkyValueName payload_names[] = {
  {0, "Last payload"}, {1, "KEMAC"}, {2, "PKE"}, {3, "DH"}, {4, "SIGN"},
  {5, "T"}, {6, "ID"}, {7, "CERT"}, {8, "CHASH"}, {9, "V"}, {10, "SP"},
  {11, "RAND"}, {12, "ERR"}, {13, "TR"}, {14, "IDR"}, {15, "RANDR"},
  {16, "TP"}, {17, "TICKET"}, {20, "Key data"}, {21, "General Ext."},
  {22, "IBAKE"}, {23, "ESK"}, {24, "SK"}, {25, "ECCPT"}, {26, "SAKKE"},
  {MKY_PT_THDR, "THDR"}, {MKY_PT_HDR, "HDR"}, {0, NULL}
};

static const MkyValueName prf_names[] = {
  {0, "MIKEY-1"}, {1, "PRF-HMAC-SHA-256"}, {0, NULL}
};
static const MkyValueName map_names[] = {
  {0, "SRTP-ID"}, {1, "Empty map"}, {2, "GENERIC-ID"}, {0, NULL}
};
static const MkyValueName encr_names[] = {
  {0, "NULL"}, {1, "AES-CM-128"}, {2, "AES-KW-128"}, {3, "AES-CM-256"},
  {0, NULL}
};
const MkyValueName mky_mac_names[] = {
  {0, "NULL"}, {1, "HMAC-SHA-1-160"}, {2, "HMAC-SHA-256-256"}, {0, NULL}
};
static const MkyValueName pke_c_names[] = {
  {0, "No cache"}, {1, "Cache"}, {2, "Cache for CSB"}, {0, NULL}
};
static const MkyValueName dh_names[] = {
  {0, "OAKLEY 5"}, {1, "OAKLEY 1"}, {2, "OAKLEY 2"}, {0, NULL}
};
static const MkyValueName sign_names[] = {
  {0, "RSA/PKCS#1/1.5"}, {1, "RSA/PSS"}, {2, "ECCSI"}, {0, NULL}
};
static const MkyValueName ts_names[] = {
  {0, "NTP-UTC"}, {1, "NTP"}, {2, "COUNTER"}, {3, "NTP-UTC-32"}, {0, NULL}
};
static const MkyValueName id_names[] = {
  {0, "NAI"}, {1, "URI"}, {2, "Byte string"}, {0, NULL}
};
static const MkyValueName cert_names[] = {
  {0, "X.509v3"}, {1, "X.509v3 URL"}, {2, "X.509v3 Sign"},
  {3, "X.509v3 Encr"}, {0, NULL}
};
static const MkyValueName hash_names[] = {
  {0, "SHA-1"}, {1, "MD5"}, {2, "SHA-256"}, {0, NULL}
};
static const MkyValueName prot_names[] = {
  {0, "SRTP"}, {1, "TESLA"}, {0, NULL}
};
const MkyValueName mky_sp_param_names[] = {
  {0, "Encryption algorithm"}, {1, "Session Encr. key length"},
  {2, "Authentication algorithm"}, {3, "Session Auth. key length"},
  {4, "Session Salt key length"}, {5, "SRTP Pseudo Random Function"},
  {6, "Key derivation rate"}, {7, "SRTP encryption off/on"},
  {8, "SRTCP encryption off/on"}, {9, "sender's FEC order"},
  {10, "SRTP authentication off/on"}, {11, "Authentication tag length"},
  {12, "SRTP prefix length"}, {13, "ROC transmission rate"},
  {14, "SRTP Auth. algorithm"}, {15, "SRTCP Auth. algorithm"},
  {16, "SRTP Session Auth. key length"}, {17, "SRTCP Session Auth. key length"},
  {18, "SRTP Authentication tag length"}, {19, "SRTCP Authentication tag length"},
  {20, "AEAD authentication tag length"}, {0, NULL}
};
static const MkyValueName err_names[] = {
  {0, "Auth failure"}, {1, "Invalid TS"}, {2, "Invalid PRF"},
  {3, "Invalid MAC"}, {4, "Invalid EA"}, {5, "Invalid HA"}, {6, "Invalid DH"},
  {7, "Invalid ID"}, {8, "Invalid Cert"}, {9, "Invalid SP"},
  {10, "Invalid SPpar"}, {11, "Invalid DT"}, {12, "Unspecified error"},
  {13, "Unsupported message type"}, {14, "Invalid TICKET"},
  {15, "Invalid TPpar"}, {0, NULL}
};
static const MkyValueName kd_names[] = {
  {0, "TGK"}, {1, "TGK+SALT"}, {2, "TEK"}, {3, "TEK+SALT"}, {4, "GTGK"},
  {5, "GTGK+SALT"}, {6, "MPK"}, {7, "K_PR"}, {0, NULL}
};
static const MkyValueName kv_names[] = {
  {0, "Null"}, {1, "SPI/MKI"}, {2, "Interval"}, {0, NULL}
};
static const MkyValueName gen_names[] = {
  {0, "Vendor ID"}, {1, "SDP IDs"}, {2, "TESLA I-Key"}, {3, "Key ID"},
  {4, "CSB_ID"}, {5, "OMA BCAST"}, {0, NULL}
};
static const MkyValueName ts_role_names[] = {
  {1, "TRi"}, {2, "TRs"}, {3, "TRe"}, {4, "TRr"}, {0, NULL}
};
static const MkyValueName id_role_names[] = {
  {1, "IDRi"}, {2, "IDRr"}, {3, "IDRkms"}, {4, "IDRpsk"}, {5, "IDRapp"},
  {6, "IDRkmsi"}, {7, "IDRkmsr"}, {0, NULL}
};
static const MkyValueName rand_role_names[] = {
  {1, "RANDRi"}, {2, "RANDRr"}, {3, "RANDRkms"}, {0, NULL}
};
static const MkyValueName ticket_names[] = {
  {1, "MIKEY base ticket"}, {2, "3GPP base ticket"}, {0, NULL}
};
static const MkyValueName curve_names[] = {
  {1, "P-192"}, {2, "B-163"}, {3, "K-163"}, {4, "sect163r1"}, {5, "P-224"},
  {6, "B-233"}, {7, "K-233"}, {8, "P-256"}, {9, "B-283"}, {10, "K-283"},
  {11, "P-384"}, {12, "B-409"}, {13, "K-409"}, {14, "P-521"}, {15, "B-571"},
  {16, "K-571"}, {0, NULL}
};
static const MkyValueName sakke_param_names[] = {
  {1, "Parameter Set 1"}, {0, NULL}
};
static const MkyValueName sakke_id_names[] = {
  {1, "tel URI with monthly keys"}, {2, "3GPP MCX hashed UID"}, {0, NULL}
};

const char *
mky_payload_type_name (guint type)
{
  return mky_value_name (payload_names, type);
}

/* ---- lengths implied by an algorithm ---- */

gssize
mky_mac_len (guint alg)
{
  switch (alg) {
    case MKY_MAC_NULL: return 0;
    case MKY_MAC_HMAC_SHA_1_160: return 20;
    case MKY_MAC_HMAC_SHA_256_256: return 32;
    default: return -1;
  }
}

static gssize
kemac_mac_len (const void *s)
{
  return mky_mac_len (((const MkyKemac *) s)->mac_alg);
}

static gssize
v_len (const void *s)
{
  return mky_mac_len (((const MkyV *) s)->auth_alg);
}

gssize
mky_dh_value_len (guint group)
{
  switch (group) {
    case MKY_DH_OAKLEY_5: return 192;
    case MKY_DH_OAKLEY_1: return 96;
    case MKY_DH_OAKLEY_2: return 128;
    default: return -1;
  }
}

static gssize
dh_len (const void *s)
{
  return mky_dh_value_len (((const MkyDh *) s)->group);
}

static gssize
chash_len (const void *s)
{
  switch (((const MkyChash *) s)->hash_func) {
    case MKY_HASH_SHA_1: return 20;
    case MKY_HASH_MD5: return 16;
    case MKY_HASH_SHA_256: return 32;
    default: return -1;
  }
}

/* RFC 6267 §6.1.4: the point is an uncompressed octet string (reading:
 * the only form whose length the curve alone fixes), padded so that the
 * payload, which starts with two octets, ends on a 32-bit boundary. */
static gssize
eccpt_len (const void *s)
{
  static const guint16 bits[] = { 0, 192, 163, 163, 163, 224, 233, 233, 256,
    283, 283, 384, 409, 409, 521, 571, 571 };
  guint curve = ((const MkyEccpt *) s)->curve;
  gsize point;
  if (curve == 0 || curve >= G_N_ELEMENTS (bits))
    return -1;
  point = 1 + 2 * ((bits[curve] + 7) / 8);
  return ((2 + point + 3) & ~(gsize) 3) - 2;
}

/* ---- conditions and checks ---- */

static gboolean
check_version (const void *s, GError **error)
{
  guint v = ((const MkyHdr *) s)->version;
  if (v == MKY_VERSION_1)
    return TRUE;
  g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_VERSION,
      "version %u, only version 1 exists", v);
  return FALSE;
}

static gboolean
check_map (const void *s, GError **error)
{
  guint m = ((const MkyHdr *) s)->map_type;
  if (m <= MKY_MAP_GENERIC_ID)
    return TRUE;
  g_set_error (error, MKY_ERROR, MKY_ERROR_UNSUPPORTED_VALUE,
      "CS ID map type %u unknown", m);
  return FALSE;
}

static gboolean
map_srtp (const void *s)
{
  return ((const MkyHdr *) s)->map_type == MKY_MAP_SRTP_ID;
}

static gboolean
map_generic (const void *s)
{
  return ((const MkyHdr *) s)->map_type == MKY_MAP_GENERIC_ID;
}

static gboolean
check_ts (guint type, GError **error)
{
  if (type <= MKY_TS_NTP_UTC_32)
    return TRUE;
  g_set_error (error, MKY_ERROR, MKY_ERROR_UNSUPPORTED_VALUE,
      "TS type %u unknown", type);
  return FALSE;
}

static gboolean
check_t (const void *s, GError **error)
{
  return check_ts (((const MkyT *) s)->ts_type, error);
}

static gboolean
t_64 (const void *s)
{
  return ((const MkyT *) s)->ts_type <= MKY_TS_NTP;
}

static gboolean
t_32 (const void *s)
{
  return !t_64 (s);
}

static gboolean
check_tr (const void *s, GError **error)
{
  return check_ts (((const MkyTr *) s)->ts_type, error);
}

static gboolean
tr_64 (const void *s)
{
  return ((const MkyTr *) s)->ts_type <= MKY_TS_NTP;
}

static gboolean
tr_32 (const void *s)
{
  return !tr_64 (s);
}

static gboolean
check_kv (const void *s, GError **error)
{
  guint kv = ((const MkyKv *) s)->kv;
  if (kv <= MKY_KV_INTERVAL)
    return TRUE;
  g_set_error (error, MKY_ERROR, MKY_ERROR_UNSUPPORTED_VALUE,
      "KV type %u unknown", kv);
  return FALSE;
}

static gboolean
kv_spi (const void *s)
{
  return ((const MkyKv *) s)->kv == MKY_KV_SPI;
}

static gboolean
kv_interval (const void *s)
{
  return ((const MkyKv *) s)->kv == MKY_KV_INTERVAL;
}

gboolean
mky_key_data_type_has_salt (guint type)
{
  return type == MKY_KD_TGK_SALT || type == MKY_KD_TEK_SALT
      || type == MKY_KD_GTGK_SALT;
}

static gboolean
key_data_salt (const void *s)
{
  return mky_key_data_type_has_salt (((const MkyKeyData *) s)->type);
}

/* ---- descriptions ---- */

static const MkyField kv_fields[] = {
  MKY_CHECK (check_kv),
  MKY_LEN_IF ("SPI Length", 8, kv_spi),
  MKY_BYTES_IF (MkyKv, spi, "SPI", 1, 0, kv_spi),
  MKY_LEN_IF ("VF Length", 8, kv_interval),
  MKY_BYTES_IF (MkyKv, valid_from, "Valid From", 3, 0, kv_interval),
  MKY_LEN_IF ("VT Length", 8, kv_interval),
  MKY_BYTES_IF (MkyKv, valid_to, "Valid To", 5, 0, kv_interval),
};
static const MkyDesc kv_desc = MKY_DESC (MkyKv, "KV data", kv_fields);

static const MkyField cs_srtp_fields[] = {
  MKY_UINT (MkyCsSrtp, policy, "Policy_no", 8, NULL),
  MKY_UINT (MkyCsSrtp, ssrc, "SSRC", 32, NULL),
  MKY_UINT (MkyCsSrtp, roc, "ROC", 32, NULL),
};
static const MkyDesc cs_srtp_desc =
    MKY_DESC (MkyCsSrtp, "SRTP-ID", cs_srtp_fields);

static const MkyField cs_generic_fields[] = {
  MKY_UINT (MkyCsGeneric, cs_id, "CS ID", 8, NULL),
  MKY_UINT (MkyCsGeneric, prot_type, "Prot type", 8, prot_names),
  MKY_UINT (MkyCsGeneric, s, "S", 1, NULL),
  MKY_LEN ("#P", 7),
  MKY_BYTES (MkyCsGeneric, policies, "Ps", 3, 0),
  MKY_LEN ("Session Data Length", 16),
  MKY_BYTES (MkyCsGeneric, session_data, "Session Data", 5, 0),
  MKY_LEN ("SPI Length", 8),
  MKY_BYTES (MkyCsGeneric, spi, "SPI", 7, 0),
};
static const MkyDesc cs_generic_desc =
    MKY_DESC (MkyCsGeneric, "GENERIC-ID", cs_generic_fields);

static const MkyField hdr_fields[] = {
  MKY_UINT (MkyHdr, version, "version", 8, NULL),
  MKY_CHECK (check_version),
  MKY_UINT (MkyHdr, data_type, "data type", 8, mky_data_type_names),
  MKY_NEXT_FIELD,
  MKY_UINT (MkyHdr, v, "V", 1, NULL),
  MKY_UINT (MkyHdr, prf, "PRF func", 7, prf_names),
  MKY_UINT (MkyHdr, csb_id, "CSB ID", 32, NULL),
  MKY_UINT (MkyHdr, n_cs, "#CS", 8, NULL),
  MKY_UINT (MkyHdr, map_type, "CS ID map type", 8, map_names),
  MKY_CHECK (check_map),
  MKY_REPEAT_IF (MkyHdr, cs_srtp, "CS ID map info", 7, &cs_srtp_desc, map_srtp),
  MKY_REPEAT_IF (MkyHdr, cs_generic, "CS ID map info", 7, &cs_generic_desc,
      map_generic),
};

static const MkyField kemac_fields[] = {
  MKY_NEXT_FIELD,
  MKY_UINT (MkyKemac, encr_alg, "Encr alg", 8, encr_names),
  MKY_LEN ("Encr data len", 16),
  MKY_BYTES (MkyKemac, encr_data, "Encr data", 2, MKY_FF_SECRET),
  MKY_UINT (MkyKemac, mac_alg, "Mac alg", 8, mky_mac_names),
  MKY_BYTES_FN (MkyKemac, mac, "MAC", kemac_mac_len, 0),
};

static const MkyField pke_fields[] = {
  MKY_NEXT_FIELD,
  MKY_UINT (MkyPke, c, "C", 2, pke_c_names),
  MKY_LEN ("Data len", 14),
  MKY_BYTES (MkyPke, data, "Data", 2, 0),
};

static const MkyField dh_fields[] = {
  MKY_NEXT_FIELD,
  MKY_UINT (MkyDh, group, "DH-Group", 8, dh_names),
  MKY_BYTES_FN (MkyDh, value, "DH-value", dh_len, 0),
  MKY_RESERVED (MkyDh, reserved, "Reserv", 4),
  MKY_UINT (MkyDh, kv.kv, "KV", 4, kv_names),
  MKY_STRUCT (MkyDh, kv, "KV data", &kv_desc),
};

static const MkyField sign_fields[] = {
  MKY_UINT (MkySign, s_type, "S type", 4, sign_names),
  MKY_LEN ("Signature len", 12),
  MKY_BYTES (MkySign, signature, "Signature", 1, 0),
};

static const MkyField t_fields[] = {
  MKY_NEXT_FIELD,
  MKY_UINT (MkyT, ts_type, "TS type", 8, ts_names),
  MKY_CHECK (check_t),
  MKY_UINT_IF (MkyT, ts, "TS value", 64, t_64),
  MKY_UINT_IF (MkyT, ts, "TS value", 32, t_32),
};

static const MkyField id_fields[] = {
  MKY_NEXT_FIELD,
  MKY_UINT (MkyId, type, "ID Type", 8, id_names),
  MKY_LEN ("ID len", 16),
  MKY_BYTES (MkyId, data, "ID data", 2, MKY_FF_TEXT),
};

static const MkyField cert_fields[] = {
  MKY_NEXT_FIELD,
  MKY_UINT (MkyId, type, "Cert Type", 8, cert_names),
  MKY_LEN ("Cert len", 16),
  MKY_BYTES (MkyId, data, "Cert data", 2, 0),
};

static const MkyField chash_fields[] = {
  MKY_NEXT_FIELD,
  MKY_UINT (MkyChash, hash_func, "Hash func", 8, hash_names),
  MKY_BYTES_FN (MkyChash, hash, "Hash", chash_len, 0),
};

static const MkyField v_fields[] = {
  MKY_NEXT_FIELD,
  MKY_UINT (MkyV, auth_alg, "Auth alg", 8, mky_mac_names),
  MKY_BYTES_FN (MkyV, ver_data, "Ver data", v_len, 0),
};

static const MkyField sp_param_fields[] = {
  MKY_UINT (MkySpParam, type, "Type", 8, mky_sp_param_names),
  MKY_LEN ("Length", 8),
  MKY_BYTES (MkySpParam, value, "Value", 1, 0),
};
static const MkyDesc sp_param_desc =
    MKY_DESC (MkySpParam, "Policy param", sp_param_fields);

static const MkyField sp_fields[] = {
  MKY_NEXT_FIELD,
  MKY_UINT (MkySp, policy_no, "Policy no", 8, NULL),
  MKY_UINT (MkySp, prot_type, "Prot type", 8, prot_names),
  MKY_LEN ("Policy param length", 16),
  MKY_LIST (MkySp, params, "Policy param", 3, &sp_param_desc),
};

static const MkyField rand_fields[] = {
  MKY_NEXT_FIELD,
  MKY_LEN ("RAND len", 8),
  MKY_BYTES (MkyRand, rand, "RAND", 1, 0),
};

static const MkyField err_fields[] = {
  MKY_NEXT_FIELD,
  MKY_UINT (MkyErr, err_no, "Error no", 8, err_names),
  MKY_RESERVED (MkyErr, reserved, "Reserved", 16),
};

static const MkyField key_data_fields[] = {
  MKY_NEXT_FIELD,
  MKY_UINT (MkyKeyData, type, "Type", 4, kd_names),
  MKY_UINT (MkyKeyData, kv.kv, "KV", 4, kv_names),
  MKY_LEN ("Key data len", 16),
  MKY_BYTES (MkyKeyData, key, "Key data", 3, MKY_FF_SECRET),
  MKY_LEN_IF ("Salt len", 16, key_data_salt),
  MKY_BYTES_IF (MkyKeyData, salt, "Salt data", 5, MKY_FF_SECRET,
      key_data_salt),
  MKY_STRUCT (MkyKeyData, kv, "KV data", &kv_desc),
};

static const MkyField gen_ext_fields[] = {
  MKY_NEXT_FIELD,
  MKY_UINT (MkyGenExt, type, "Type", 8, gen_names),
  MKY_LEN ("Length", 16),
  MKY_BYTES (MkyGenExt, data, "Data", 2, MKY_FF_TEXT),
};

static const MkyField tr_fields[] = {
  MKY_NEXT_FIELD,
  MKY_UINT (MkyTr, role, "TS Role", 8, ts_role_names),
  MKY_UINT (MkyTr, ts_type, "TS type", 8, ts_names),
  MKY_CHECK (check_tr),
  MKY_UINT_IF (MkyTr, ts, "TS value", 64, tr_64),
  MKY_UINT_IF (MkyTr, ts, "TS value", 32, tr_32),
};

static const MkyField idr_fields[] = {
  MKY_NEXT_FIELD,
  MKY_UINT (MkyIdr, role, "ID Role", 8, id_role_names),
  MKY_UINT (MkyIdr, id_type, "ID Type", 8, id_names),
  MKY_LEN ("ID len", 16),
  MKY_BYTES (MkyIdr, data, "ID data", 3, MKY_FF_TEXT),
};

static const MkyField randr_fields[] = {
  MKY_NEXT_FIELD,
  MKY_UINT (MkyRandr, role, "RAND Role", 8, rand_role_names),
  MKY_LEN ("RAND len", 8),
  MKY_BYTES (MkyRandr, rand, "RAND", 2, 0),
};

/* TP and TICKET share their first fields, RFC 6043 §6.10 */
#define TICKET_POLICY_FIELDS \
  MKY_NEXT_FIELD, \
  MKY_UINT (MkyTicket, ticket_type, "Ticket Type", 16, ticket_names), \
  MKY_UINT (MkyTicket, subtype, "Subtype", 8, NULL), \
  MKY_UINT (MkyTicket, version, "Version", 8, NULL), \
  MKY_UINT (MkyTicket, prf, "PRF Func", 7, prf_names), \
  MKY_UINT (MkyTicket, flags, "Flags D-O", 12, NULL), \
  MKY_RESERVED (MkyTicket, reserved, "Reserv", 5), \
  MKY_LEN ("TP Data length", 16), \
  MKY_BYTES (MkyTicket, tp_data, "TP Data", 7, 0)

static const MkyField tp_fields[] = {
  TICKET_POLICY_FIELDS,
};

static const MkyField ticket_fields[] = {
  TICKET_POLICY_FIELDS,
  MKY_LEN ("Ticket Data length", 16),
  MKY_BYTES (MkyTicket, ticket_data, "Ticket Data", 9, 0),
  MKY_LEN ("Initiator Data length", 16),
  MKY_BYTES (MkyTicket, init_data, "Initiator Data", 11, 0),
};

static const MkyField opaque_fields[] = {
  MKY_NEXT_FIELD,
  MKY_LEN ("Data length", 16),
  MKY_BYTES (MkyOpaque, data, "Data", 1, 0),
};

static const MkyField eccpt_fields[] = {
  MKY_NEXT_FIELD,
  MKY_UINT (MkyEccpt, curve, "ECC Curve", 8, curve_names),
  MKY_BYTES_FN (MkyEccpt, point, "ECC Point", eccpt_len, 0),
  MKY_UINT (MkyEccpt, auth_alg, "Auth alg", 8, mky_mac_names),
  MKY_UINT (MkyEccpt, tgk_len, "TGK len", 16, NULL),
  MKY_RESERVED (MkyEccpt, reserved, "Reserv", 4),
  MKY_UINT (MkyEccpt, kv.kv, "KV", 4, kv_names),
  MKY_STRUCT (MkyEccpt, kv, "KV data", &kv_desc),
};

static const MkyField sk_fields[] = {
  MKY_NEXT_FIELD,
  MKY_UINT (MkySk, type, "Type", 4, NULL),
  MKY_UINT (MkySk, kv.kv, "KV", 4, kv_names),
  MKY_LEN ("Key data len", 16),
  MKY_BYTES (MkySk, key, "Key data", 3, MKY_FF_SECRET),
  MKY_STRUCT (MkySk, kv, "KV data", &kv_desc),
};

static const MkyField sakke_fields[] = {
  MKY_NEXT_FIELD,
  MKY_UINT (MkySakke, params, "SAKKE params", 8, sakke_param_names),
  MKY_UINT (MkySakke, id_scheme, "ID scheme", 8, sakke_id_names),
  MKY_LEN ("SAKKE data length", 16),
  MKY_BYTES (MkySakke, data, "SAKKE data", 3, 0),
};

static const MkyDesc descs[] = {
  [MKY_PT_KEMAC] = MKY_DESC (MkyKemac, "KEMAC", kemac_fields),
  [MKY_PT_PKE] = MKY_DESC (MkyPke, "PKE", pke_fields),
  [MKY_PT_DH] = MKY_DESC (MkyDh, "DH", dh_fields),
  [MKY_PT_SIGN] = MKY_DESC (MkySign, "SIGN", sign_fields),
  [MKY_PT_T] = MKY_DESC (MkyT, "T", t_fields),
  [MKY_PT_ID] = MKY_DESC (MkyId, "ID", id_fields),
  [MKY_PT_CERT] = MKY_DESC (MkyId, "CERT", cert_fields),
  [MKY_PT_CHASH] = MKY_DESC (MkyChash, "CHASH", chash_fields),
  [MKY_PT_V] = MKY_DESC (MkyV, "V", v_fields),
  [MKY_PT_SP] = MKY_DESC (MkySp, "SP", sp_fields),
  [MKY_PT_RAND] = MKY_DESC (MkyRand, "RAND", rand_fields),
  [MKY_PT_ERR] = MKY_DESC (MkyErr, "ERR", err_fields),
  [MKY_PT_TR] = MKY_DESC (MkyTr, "TR", tr_fields),
  [MKY_PT_IDR] = MKY_DESC (MkyIdr, "IDR", idr_fields),
  [MKY_PT_RANDR] = MKY_DESC (MkyRandr, "RANDR", randr_fields),
  [MKY_PT_TP] = MKY_DESC (MkyTicket, "TP", tp_fields),
  [MKY_PT_TICKET] = MKY_DESC (MkyTicket, "TICKET", ticket_fields),
  [MKY_PT_KEY_DATA] = MKY_DESC (MkyKeyData, "Key data", key_data_fields),
  [MKY_PT_GEN_EXT] = MKY_DESC (MkyGenExt, "General Ext.", gen_ext_fields),
  [MKY_PT_IBAKE] = MKY_DESC (MkyOpaque, "IBAKE", opaque_fields),
  [MKY_PT_ESK] = MKY_DESC (MkyOpaque, "ESK", opaque_fields),
  [MKY_PT_SK] = MKY_DESC (MkySk, "SK", sk_fields),
  [MKY_PT_ECCPT] = MKY_DESC (MkyEccpt, "ECCPT", eccpt_fields),
  [MKY_PT_SAKKE] = MKY_DESC (MkySakke, "SAKKE", sakke_fields),
};
static const MkyDesc thdr_desc = MKY_DESC (MkyOpaque, "THDR", opaque_fields);
static const MkyDesc hdr_desc = MKY_DESC (MkyHdr, "HDR", hdr_fields);

const MkyDesc *
mky_desc_for_payload (guint type)
{
  if (type < G_N_ELEMENTS (descs) && descs[type].name)
    return &descs[type];
  return NULL;
}

const MkyDesc *
mky_desc_for_type (guint type)
{
  if (type == MKY_PT_HDR)
    return &hdr_desc;
  if (type == MKY_PT_THDR)
    return &thdr_desc;
  return mky_desc_for_payload (type);
}
