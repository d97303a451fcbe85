/* mky: MIKEY protocol core
 * The MIKEY PRFs (RFC 3830 §4.1.2 MIKEY-1, RFC 6043 §6.1 PRF-HMAC-SHA-256)
 * and the key derivations built on them (RFC 3830 §4.1.3, §4.1.4).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include "mky-enums.h"

G_BEGIN_DECLS

/* Constants of RFC 3830 §4.1.3: keys from a TGK for one crypto session */
#define MKY_CONST_TEK  0x2AD01C64u
#define MKY_CONST_AUTH 0x1B5C7973u
#define MKY_CONST_ENCR 0x15798CEFu
#define MKY_CONST_SALT 0x39A2C14Bu
/* Constants of RFC 3830 §4.1.4: keys protecting MIKEY messages */
#define MKY_CONST_MSG_ENCR 0x150533E1u
#define MKY_CONST_MSG_AUTH 0x2D22AC75u
#define MKY_CONST_MSG_SALT 0x29B88916u

/* The id byte of the label for message keys (RFC 3830 §4.1.4) */
#define MKY_LABEL_MSG_KEYS 0xFF

/* An inkey prepared once for several derivations: its HMAC key schedules
 * (one per 256-bit piece). Wipe with mky_prf_key_clear(). */
typedef struct {
  MkyPrf prf;
  guint n_pieces;
  gpointer pieces;              /* private */
} MkyPrfKey;

/* FALSE for an unknown @prf or an empty @inkey */
gboolean mky_prf_key_init (MkyPrfKey *key, MkyPrf prf, const guint8 *inkey,
    gsize inkey_len);
void mky_prf_key_clear (MkyPrfKey *key);
void mky_prf_key_derive (const MkyPrfKey *key, guint32 constant, guint8 id,
    guint32 csb_id, const guint8 *rand, gsize rand_len, guint8 *out,
    gsize out_len);

/* PRF(inkey, label) truncated to @out_len bytes. FALSE only for an unknown
 * @prf or an empty @inkey. */
gboolean mky_prf (MkyPrf prf, const guint8 *inkey, gsize inkey_len,
    const guint8 *label, gsize label_len, guint8 *out, gsize out_len);

/* PRF with the RFC 3830 label constant(32) || @id(8) || csb_id(32) || RAND,
 * where @id is the CS ID (§4.1.3) or MKY_LABEL_MSG_KEYS (§4.1.4). */
gboolean mky_prf_derive (MkyPrf prf, const guint8 *inkey, gsize inkey_len,
    guint32 constant, guint8 id, guint32 csb_id, const guint8 *rand,
    gsize rand_len, guint8 *out, gsize out_len);

G_END_DECLS
