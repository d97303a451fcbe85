/* mky: MIKEY protocol core
 * The payloads of every MIKEY extension, as C structures. Each has one
 * field description (mky-payload-desc.c) that parses, serializes, frees
 * and prints it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include "mky-enums.h"

G_BEGIN_DECLS

/* A byte string. @owned: @data is freed (and, for key material, wiped)
 * with its payload; a parsed message's payloads point into its wire form
 * instead. */
typedef struct {
  guint8 *data;
  gsize len;
  gboolean owned;
} MkyBytes;

/* Pointers to the elements of a repeated field. @alloc is 0 for an array
 * inside a parsed message (its memory belongs to the message). */
typedef struct {
  gpointer *pdata;
  guint len;
  guint alloc;
} MkyArray;

/* Append @item (g_malloc'ed, freed with the payload) to a built payload */
void mky_array_add (MkyArray **array, gpointer item);

void mky_bytes_set (MkyBytes *b, const guint8 *data, gsize len);
/* Replace @b with @len owned zero bytes, and return them */
guint8 *mky_bytes_alloc (MkyBytes *b, gsize len);
void mky_bytes_clear (MkyBytes *b, gboolean wipe);
gboolean mky_bytes_equal (const MkyBytes *a, const MkyBytes *b);

/* Key validity data, RFC 3830 §6.14: inside Key data, DH, ECCPT and SK. */
typedef struct {
  guint8 kv;                    /* MkyKvType */
  MkyBytes spi;                 /* KV SPI/MKI */
  MkyBytes valid_from;          /* KV Interval */
  MkyBytes valid_to;
} MkyKv;

/* RFC 3830 §6.1.1 */
typedef struct {
  guint8 policy;
  guint32 ssrc;
  guint32 roc;
} MkyCsSrtp;

/* RFC 6043 §6.1.1 */
typedef struct {
  guint8 cs_id;
  guint8 prot_type;
  guint8 s;                     /* ROC and SEQ present in session data */
  MkyBytes policies;            /* #P policy numbers */
  MkyBytes session_data;
  MkyBytes spi;
} MkyCsGeneric;

typedef struct {
  guint8 version;
  guint8 data_type;             /* MkyDataType */
  guint8 v;
  guint8 prf;                   /* MkyPrf */
  guint32 csb_id;
  guint8 n_cs;
  guint8 map_type;              /* MkyMapType */
  MkyArray *cs_srtp;            /* MkyCsSrtp, SRTP-ID map */
  MkyArray *cs_generic;         /* MkyCsGeneric, GENERIC-ID map */
} MkyHdr;

typedef struct {
  guint8 encr_alg;              /* MkyEncrAlg */
  MkyBytes encr_data;
  guint8 mac_alg;               /* MkyMacAlg */
  MkyBytes mac;
} MkyKemac;

typedef struct {
  guint8 c;                     /* MkyPkeCache */
  MkyBytes data;
} MkyPke;

typedef struct {
  guint8 group;                 /* MkyDhGroup */
  MkyBytes value;
  guint8 reserved;
  MkyKv kv;
} MkyDh;

typedef struct {
  guint8 s_type;                /* MkySignType */
  MkyBytes signature;
} MkySign;

typedef struct {
  guint8 ts_type;               /* MkyTsType */
  guint64 ts;                   /* 64 or 32 bits on the wire, by type */
} MkyT;

/* ID and CERT, RFC 3830 §6.7 */
typedef struct {
  guint8 type;                  /* MkyIdType or MkyCertType */
  MkyBytes data;
} MkyId;

typedef struct {
  guint8 hash_func;             /* MkyHashFunc */
  MkyBytes hash;
} MkyChash;

typedef struct {
  guint8 auth_alg;              /* MkyMacAlg */
  MkyBytes ver_data;
} MkyV;

typedef struct {
  guint8 type;                  /* MkySpParamType */
  MkyBytes value;
} MkySpParam;

typedef struct {
  guint8 policy_no;
  guint8 prot_type;             /* MkyProtType */
  MkyArray *params;             /* MkySpParam */
} MkySp;

typedef struct {
  MkyBytes rand;
} MkyRand;

typedef struct {
  guint8 err_no;                /* MkyErrNo */
  guint16 reserved;
} MkyErr;

typedef struct {
  guint8 type;                  /* MkyKeyDataType */
  MkyBytes key;
  MkyBytes salt;                /* for the +SALT types only */
  MkyKv kv;
} MkyKeyData;

typedef struct {
  guint8 type;                  /* MkyGenExtType */
  MkyBytes data;
} MkyGenExt;

/* RFC 6043 §6.4 */
typedef struct {
  guint8 role;
  guint8 ts_type;
  guint64 ts;
} MkyTr;

/* RFC 6043 §6.6 */
typedef struct {
  guint8 role;
  guint8 id_type;
  MkyBytes data;
} MkyIdr;

/* RFC 6043 §6.8 */
typedef struct {
  guint8 role;
  MkyBytes rand;
} MkyRandr;

/* TP and TICKET, RFC 6043 §6.10; init_data is TICKET only */
typedef struct {
  guint16 ticket_type;
  guint8 subtype;
  guint8 version;
  guint8 prf;
  guint16 flags;                /* D (MSB) .. O (LSB), 12 bits */
  guint8 reserved;
  MkyBytes tp_data;
  MkyBytes ticket_data;
  MkyBytes init_data;
} MkyTicket;

/* THDR (RFC 6043 App. A.3), IBAKE and ESK (RFC 6267 §6.1.1-2) */
typedef struct {
  MkyBytes data;
} MkyOpaque;

/* RFC 6267 §6.1.4 */
typedef struct {
  guint8 curve;
  MkyBytes point;               /* padded to a 32-bit boundary on the wire */
  guint8 auth_alg;
  guint16 tgk_len;
  guint8 reserved;
  MkyKv kv;
} MkyEccpt;

/* RFC 6267 §6.1.5 */
typedef struct {
  guint8 type;
  MkyBytes key;
  MkyKv kv;
} MkySk;

/* RFC 6509 §4.2 */
typedef struct {
  guint8 params;
  guint8 id_scheme;
  MkyBytes data;
} MkySakke;

typedef struct {
  guint type;                   /* MkyPayloadType */
  /* where the payload sits in the message it was parsed from or
   * serialized into; 0/0 for a payload not yet serialized */
  gsize offset;
  gsize length;
  /* private: lives in a parsed message's memory */
  gboolean in_message;
  union {
    MkyHdr hdr;
    MkyKemac kemac;
    MkyPke pke;
    MkyDh dh;
    MkySign sign;
    MkyT t;
    MkyId id;                   /* ID and CERT */
    MkyChash chash;
    MkyV v;
    MkySp sp;
    MkyRand rand;
    MkyErr err;
    MkyKeyData key_data;
    MkyGenExt gen_ext;
    MkyTr tr;
    MkyIdr idr;
    MkyRandr randr;
    MkyTicket ticket;           /* TP and TICKET */
    MkyOpaque opaque;           /* THDR, IBAKE, ESK */
    MkyEccpt eccpt;
    MkySk sk;
    MkySakke sakke;
  } u;
} MkyPayload;

/* Lengths a value implies on the wire; -1 for a value not known. */
gssize mky_mac_len (guint mac_alg);
gssize mky_dh_value_len (guint group);
gboolean mky_key_data_type_has_salt (guint type);

/* Payloads of a parsed message belong to it and live as long as it does;
 * only their integer fields may be changed: mky_payload_copy() one to keep
 * or edit it. */
MkyPayload *mky_payload_new (MkyPayloadType type);
void mky_payload_free (MkyPayload *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MkyPayload, mky_payload_free)
/* A deep copy, made through the payload's description. */
MkyPayload *mky_payload_copy (const MkyPayload *p);
const char *mky_payload_type_name (guint type);

/* Convenience for building: new SP parameter / CS entry / key data. */
void mky_sp_add_param (MkySp *sp, guint8 type, const guint8 *value, gsize len);
void mky_sp_add_param_u8 (MkySp *sp, guint8 type, guint8 value);
const MkySpParam *mky_sp_find_param (const MkySp *sp, guint8 type);
void mky_hdr_add_cs_srtp (MkyHdr *hdr, guint8 policy, guint32 ssrc, guint32 roc);
MkyCsGeneric *mky_hdr_add_cs_generic (MkyHdr *hdr);

/* Parse the chain of payloads at @data[@start_pos..] that starts with type
 * @first and ends with Last payload (0), or a SIGN payload, exactly at @len.
 * Used for messages and for the plaintext of a KEMAC (IDi || Key data...),
 * TICKET data and IBAKE. Offsets recorded in the payloads are into @data. */
GPtrArray *mky_payload_chain_parse (const guint8 *data, gsize len,
    gsize start_pos, guint first, GError **error);
/* Serialize the @n @payloads (MkyPayload) as a chain, appending to @out. */
gboolean mky_payload_chain_serialize (gpointer *payloads, guint n,
    GByteArray *out, GError **error);

G_END_DECLS
