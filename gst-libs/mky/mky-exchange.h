/* mky: MIKEY protocol core (private)
 * What the exchange modes (PSK, PK, DH, DH-HMAC, RSA-R) share: identities,
 * the verification MAC's trailer, error messages, unique timestamps, the
 * bundle an accepted message leaves, and a Responder's table of bundles.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "mky-csb.h"
#include "mky-kemac.h"

G_BEGIN_DECLS

/* Identity_i || Identity_r || Timestamp following a verification or error
 * message under its MAC (RFC 3830 §5.2) */
GByteArray *mky_exchange_verify_extra (const MkyBytes *idi,
    const MkyBytes *idr, const MkyT *t);
void mky_exchange_add_id (MkyMessage *msg, MkyIdType type, const char *id);
void mky_exchange_copy_map (MkyHdr *hdr, GPtrArray *cs);
/* HDR, T (echoed), ERR, [SP], [V]: RFC 3830 §5.1.2; @keys NULL: not
 * authenticated */
GBytes *mky_exchange_error (const MkyHdr *req, const MkyT *t, MkyErrNo err_no,
    const MkyPayload *offer, const MkyMsgKeys *keys, const MkyBytes *idi,
    const MkyBytes *idr);
gboolean mky_exchange_unique_time (MkyT *t, const MkyT *last, MkyTsType type,
    gint64 now_us, GError **error);
/* The data of the @nth ID payload (IDi first, IDr second), or NULL */
const MkyBytes *mky_exchange_id (const MkyMessage *msg, guint nth);
gboolean mky_exchange_id_matches (const char *want, const MkyBytes *got);
/* The bundle an accepted message leaves: new, or @old updated; @keys (Key
 * data payloads, owned by the caller's array) are moved into it */
MkyCsb *mky_exchange_apply (const MkyCsb *old, const MkyMessage *msg,
    GPtrArray *keys);
MkyErrNo mky_exchange_keying_err_no (const GError *error);

/* A Responder's bundles by CSB ID, bounded */
typedef struct {
  GHashTable *csbs;
  GQueue order;
  guint max;
} MkyCsbTable;

void mky_csb_table_init (MkyCsbTable *t, guint max);
void mky_csb_table_clear (MkyCsbTable *t);
MkyCsb *mky_csb_table_lookup (MkyCsbTable *t, guint32 csb_id);
void mky_csb_table_store (MkyCsbTable *t, MkyCsb *csb);

G_END_DECLS
