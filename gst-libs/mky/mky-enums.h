/* mky: MIKEY protocol core
 * Registered values of the MIKEY name spaces (IANA "MIKEY Payload Name
 * Spaces", 2019-02-15), with the RFC that defines each group.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define MKY_VERSION_1 1

/* HDR data type, RFC 3830 §6.1, 4650, 4738, 6043, 6267, 6509 */
typedef enum {
  MKY_TYPE_PSK_INIT = 0,
  MKY_TYPE_PSK_VERIFY = 1,
  MKY_TYPE_PK_INIT = 2,
  MKY_TYPE_PK_VERIFY = 3,
  MKY_TYPE_DH_INIT = 4,
  MKY_TYPE_DH_RESP = 5,
  MKY_TYPE_ERROR = 6,
  MKY_TYPE_DHHMAC_INIT = 7,
  MKY_TYPE_DHHMAC_RESP = 8,
  MKY_TYPE_RSA_R_INIT = 9,
  MKY_TYPE_RSA_R_RESP = 10,
  MKY_TYPE_REQUEST_INIT_PSK = 11,
  MKY_TYPE_REQUEST_INIT_PK = 12,
  MKY_TYPE_REQUEST_RESP = 13,
  MKY_TYPE_TRANSFER_INIT = 14,
  MKY_TYPE_TRANSFER_RESP = 15,
  MKY_TYPE_RESOLVE_INIT_PSK = 16,
  MKY_TYPE_RESOLVE_INIT_PK = 17,
  MKY_TYPE_RESOLVE_RESP = 18,
  MKY_TYPE_REQUEST_KEY_PSK = 19,
  MKY_TYPE_REQUEST_KEY_PKE = 20,
  MKY_TYPE_REQUEST_KEY_RESP = 21,
  MKY_TYPE_I_MESSAGE_1 = 22,
  MKY_TYPE_R_MESSAGE_1 = 23,
  MKY_TYPE_I_MESSAGE_2 = 24,
  MKY_TYPE_R_MESSAGE_2 = 25,
  MKY_TYPE_SAKKE = 26,
} MkyDataType;

/* Next payload, RFC 3830 §6.1 Table 6.1.b and later RFCs */
typedef enum {
  MKY_PT_LAST = 0,
  MKY_PT_KEMAC = 1,
  MKY_PT_PKE = 2,
  MKY_PT_DH = 3,
  MKY_PT_SIGN = 4,
  MKY_PT_T = 5,
  MKY_PT_ID = 6,
  MKY_PT_CERT = 7,
  MKY_PT_CHASH = 8,
  MKY_PT_V = 9,
  MKY_PT_SP = 10,
  MKY_PT_RAND = 11,
  MKY_PT_ERR = 12,
  MKY_PT_TR = 13,
  MKY_PT_IDR = 14,
  MKY_PT_RANDR = 15,
  MKY_PT_TP = 16,
  MKY_PT_TICKET = 17,
  MKY_PT_KEY_DATA = 20,
  MKY_PT_GEN_EXT = 21,
  MKY_PT_IBAKE = 22,
  MKY_PT_ESK = 23,
  MKY_PT_SK = 24,
  MKY_PT_ECCPT = 25,
  MKY_PT_SAKKE = 26,
  /* Not a wire value: RFC 6043 App. A.3 registers no number for the
   * ticket header, which only ever opens a base ticket's Ticket Data. */
  MKY_PT_THDR = 256,
  /* Not a wire value: the common header. */
  MKY_PT_HDR = 257,
} MkyPayloadType;

typedef enum {
  MKY_PRF_MIKEY_1 = 0,          /* HMAC-SHA-1, RFC 3830 §4.1.2 */
  MKY_PRF_HMAC_SHA_256 = 1,     /* RFC 6043 §6.1 */
} MkyPrf;

typedef enum {
  MKY_MAP_SRTP_ID = 0,          /* RFC 3830 §6.1.1 */
  MKY_MAP_EMPTY = 1,            /* RFC 4563 §5 */
  MKY_MAP_GENERIC_ID = 2,       /* RFC 6043 §6.1.1 */
} MkyMapType;

typedef enum {
  MKY_ENCR_NULL = 0,
  MKY_ENCR_AES_CM_128 = 1,
  MKY_ENCR_AES_KW_128 = 2,
  MKY_ENCR_AES_CM_256 = 3,      /* RFC 6043 §6.2 */
} MkyEncrAlg;

typedef enum {
  MKY_MAC_NULL = 0,
  MKY_MAC_HMAC_SHA_1_160 = 1,
  MKY_MAC_HMAC_SHA_256_256 = 2, /* RFC 6043 §6.2 */
} MkyMacAlg;

typedef enum {
  MKY_PKE_NO_CACHE = 0,
  MKY_PKE_CACHE = 1,
  MKY_PKE_CACHE_CSB = 2,
} MkyPkeCache;

typedef enum {
  MKY_DH_OAKLEY_5 = 0,
  MKY_DH_OAKLEY_1 = 1,
  MKY_DH_OAKLEY_2 = 2,
} MkyDhGroup;

typedef enum {
  MKY_SIGN_RSA_PKCS1 = 0,
  MKY_SIGN_RSA_PSS = 1,
  MKY_SIGN_ECCSI = 2,           /* RFC 6509 §4.3 */
} MkySignType;

typedef enum {
  MKY_TS_NTP_UTC = 0,
  MKY_TS_NTP = 1,
  MKY_TS_COUNTER = 2,
  MKY_TS_NTP_UTC_32 = 3,        /* RFC 6043 §6.3 */
} MkyTsType;

typedef enum {
  MKY_ID_NAI = 0,
  MKY_ID_URI = 1,
  MKY_ID_BYTE_STRING = 2,       /* RFC 6043 §6.5 */
} MkyIdType;

typedef enum {
  MKY_CERT_X509V3 = 0,
  MKY_CERT_X509V3_URL = 1,
  MKY_CERT_X509V3_SIGN = 2,
  MKY_CERT_X509V3_ENCR = 3,
} MkyCertType;

typedef enum {
  MKY_HASH_SHA_1 = 0,
  MKY_HASH_MD5 = 1,
  MKY_HASH_SHA_256 = 2,         /* RFC 6043 §6.7 */
} MkyHashFunc;

typedef enum {
  MKY_PROT_SRTP = 0,
  MKY_PROT_TESLA = 1,
} MkyProtType;

/* SRTP policy parameter types, RFC 3830 §6.10.1, 4771, 7714 */
typedef enum {
  MKY_SP_ENCR_ALG = 0,
  MKY_SP_ENCR_KEY_LEN = 1,
  MKY_SP_AUTH_ALG = 2,
  MKY_SP_AUTH_KEY_LEN = 3,
  MKY_SP_SALT_KEY_LEN = 4,
  MKY_SP_PRF = 5,
  MKY_SP_KDR = 6,
  MKY_SP_SRTP_ENCR = 7,
  MKY_SP_SRTCP_ENCR = 8,
  MKY_SP_FEC_ORDER = 9,
  MKY_SP_SRTP_AUTH = 10,
  MKY_SP_AUTH_TAG_LEN = 11,
  MKY_SP_PREFIX_LEN = 12,
  MKY_SP_ROC_RATE = 13,
  MKY_SP_SRTP_AUTH_ALG = 14,
  MKY_SP_SRTCP_AUTH_ALG = 15,
  MKY_SP_SRTP_AUTH_KEY_LEN = 16,
  MKY_SP_SRTCP_AUTH_KEY_LEN = 17,
  MKY_SP_SRTP_AUTH_TAG_LEN = 18,
  MKY_SP_SRTCP_AUTH_TAG_LEN = 19,
  MKY_SP_AEAD_TAG_LEN = 20,
} MkySpParamType;

typedef enum {
  MKY_SRTP_ENCR_NULL = 0,
  MKY_SRTP_ENCR_AES_CM = 1,
  MKY_SRTP_ENCR_AES_F8 = 2,
  MKY_SRTP_ENCR_SEED_CTR = 3,
  MKY_SRTP_ENCR_SEED_CCM = 4,
  MKY_SRTP_ENCR_SEED_GCM = 5,
  MKY_SRTP_ENCR_AES_GCM = 6,
  MKY_SRTP_ENCR_ARIA_CTR = 7,
  MKY_SRTP_ENCR_ARIA_GCM = 8,
} MkySrtpEncrAlg;

typedef enum {
  MKY_SRTP_AUTH_ALG_NULL = 0,
  MKY_SRTP_AUTH_ALG_HMAC_SHA_1 = 1,
  MKY_SRTP_AUTH_ALG_RCCM1 = 2,
  MKY_SRTP_AUTH_ALG_RCCM2 = 3,
  MKY_SRTP_AUTH_ALG_RCCM3 = 4,
} MkySrtpAuthAlg;

typedef enum {
  MKY_SRTP_PRF_AES_CM = 0,
  MKY_SRTP_PRF_SEED_CTR = 1,
  MKY_SRTP_PRF_ARIA_CTR = 2,
} MkySrtpPrf;

/* ERR payload Error no, RFC 3830 §6.12, 4738 §3.9.2, 6043 §6.12 */
typedef enum {
  MKY_ERR_AUTH_FAILURE = 0,
  MKY_ERR_INVALID_TS = 1,
  MKY_ERR_INVALID_PRF = 2,
  MKY_ERR_INVALID_MAC = 3,
  MKY_ERR_INVALID_EA = 4,
  MKY_ERR_INVALID_HA = 5,
  MKY_ERR_INVALID_DH = 6,
  MKY_ERR_INVALID_ID = 7,
  MKY_ERR_INVALID_CERT = 8,
  MKY_ERR_INVALID_SP = 9,
  MKY_ERR_INVALID_SPPAR = 10,
  MKY_ERR_INVALID_DT = 11,
  MKY_ERR_UNSPECIFIED = 12,
  MKY_ERR_UNSUPPORTED_MESSAGE = 13,
  MKY_ERR_INVALID_TICKET = 14,
  MKY_ERR_INVALID_TPPAR = 15,
} MkyErrNo;

typedef enum {
  MKY_KD_TGK = 0,
  MKY_KD_TGK_SALT = 1,
  MKY_KD_TEK = 2,
  MKY_KD_TEK_SALT = 3,
  MKY_KD_GTGK = 4,              /* RFC 6043 */
  MKY_KD_GTGK_SALT = 5,
  MKY_KD_MPK = 6,
  MKY_KD_K_PR = 7,              /* RFC 6267 */
} MkyKeyDataType;

typedef enum {
  MKY_KV_NULL = 0,
  MKY_KV_SPI = 1,
  MKY_KV_INTERVAL = 2,
} MkyKvType;

typedef enum {
  MKY_GEN_VENDOR_ID = 0,
  MKY_GEN_SDP_IDS = 1,          /* RFC 4567 §4.1.4 */
  MKY_GEN_TESLA_I_KEY = 2,      /* RFC 4442 */
  MKY_GEN_KEY_ID = 3,           /* RFC 4563 */
  MKY_GEN_CSB_ID = 4,           /* RFC 4738 §3.2 */
  MKY_GEN_OMA_BCAST = 5,        /* RFC 4909, 5410 */
} MkyGenExtType;

G_END_DECLS
