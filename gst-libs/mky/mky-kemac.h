/* mky: MIKEY protocol core
 * Protection of MIKEY messages (RFC 3830 §4.1.4, §4.2.3, §4.2.4, §5.2):
 * keys derived from a pre-shared or envelope key, KEMAC encryption
 * (NULL, AES-CM-128, AES-KW-128, AES-CM-256) and MACs (NULL, HMAC-SHA-1-160,
 * HMAC-SHA-256-256), compared in constant time.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "mky-message.h"
#include "mky-prf.h"

G_BEGIN_DECLS

/* Keys protecting one message; wipe with mky_msg_keys_clear(). */
typedef struct {
  MkyEncrAlg encr_alg;
  MkyMacAlg mac_alg;
  guint8 encr_key[32];
  gsize encr_key_len;
  guint8 auth_key[32];
  gsize auth_key_len;
  guint8 salt_key[14];
  gsize salt_key_len;
} MkyMsgKeys;

/* RFC 3830 §4.1.4: encr_key, auth_key and salt_key from @inkey (PSK or
 * envelope key) for the sizes @encr and @mac need. */
gboolean mky_msg_keys_derive (MkyMsgKeys *keys, MkyPrf prf, MkyEncrAlg encr,
    MkyMacAlg mac, const guint8 *inkey, gsize inkey_len, guint32 csb_id,
    const guint8 *rand, gsize rand_len, GError **error);
/* The same from an inkey already prepared with mky_prf_key_init(), for a
 * Responder that derives from one PSK for every message. */
gboolean mky_msg_keys_derive_keyed (MkyMsgKeys *keys, const MkyPrfKey *inkey,
    MkyEncrAlg encr, MkyMacAlg mac, guint32 csb_id, const guint8 *rand,
    gsize rand_len, GError **error);
void mky_msg_keys_clear (MkyMsgKeys *keys);

/* The 64-bit timestamp value used in the AES-CM IV and in verification
 * MACs: COUNTER left-padded, NTP-UTC-32 widened (RFC 6043 §6.3). */
guint64 mky_t_value64 (const MkyT *t);

/* Encrypt or decrypt KEMAC Encr data. @ts is the Initiator's timestamp
 * (mky_t_value64). AES-KW-128 needs a multiple of 8 bytes, at least 16. */
gboolean mky_kemac_crypt (const MkyMsgKeys *keys, gboolean encrypt,
    guint32 csb_id, guint64 ts, const guint8 *in, gsize len, MkyBytes *out,
    GError **error);

/* Fill the KEMAC of @msg: encrypt @plain (a serialized sub-payload chain)
 * into it, with a MAC field of the right size. */
gboolean mky_kemac_seal_data (MkyKemac *kemac, const MkyMsgKeys *keys,
    guint32 csb_id, guint64 ts, GByteArray *plain, GError **error);

/* Decrypt the KEMAC and parse its plaintext chain starting with @first
 * (Key data in PSK mode, ID in PK modes). Returns MkyPayload list. */
GPtrArray *mky_kemac_open_data (const MkyKemac *kemac, const MkyMsgKeys *keys,
    guint32 csb_id, guint64 ts, guint first, GError **error);

/* MAC or verify (constant time) over @data[0..len) || @extra, with the
 * key and algorithm in @keys. */
void mky_mac_compute (const MkyMsgKeys *keys, const guint8 *data, gsize len,
    const guint8 *extra, gsize extra_len, guint8 *mac);
gboolean mky_mac_verify (const MkyMsgKeys *keys, const guint8 *data,
    gsize len, const guint8 *extra, gsize extra_len, const guint8 *mac,
    gsize mac_len, GError **error);

/* Serialize @msg, whose last payload is a KEMAC or V with a zero-filled MAC
 * field, compute the MAC over all of it but that field, followed by
 * @extra (RFC 3830 §5.2), and fill it in. Returns the wire form. */
GBytes *mky_message_seal_mac (MkyMessage *msg, const MkyMsgKeys *keys,
    const guint8 *extra, gsize extra_len, GError **error);
/* Verify the MAC ending parsed message @msg (last payload KEMAC or V). */
gboolean mky_message_verify_mac (const MkyMessage *msg,
    const MkyMsgKeys *keys, const guint8 *extra, gsize extra_len,
    GError **error);

G_END_DECLS
