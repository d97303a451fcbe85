/* mky: MIKEY protocol core
 * A crypto session bundle (RFC 3830 §2.1): the state both ends share after
 * an exchange, and the SRTP keying it gives each crypto session
 * (RFC 3830 §4.1.3, App. A).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "mky-message.h"
#include "mky-srtp.h"

G_BEGIN_DECLS

typedef struct {
  guint32 csb_id;
  MkyPrf prf;
  guint8 map_type;              /* MkyMapType */
  /* read-only: change them with the functions below */
  MkyArray *cs;                 /* MkyCsSrtp: CS ID of entry i is i + 1 */
  MkyBytes rand;                /* RAND of the initial message */
  MkyArray *policies;           /* MkyPayload (SP) */
  MkyArray *keys;               /* MkyPayload (Key data), wiped on free */
  MkyT t;                       /* timestamp of the last message */
  /* private */
  gint ref_count;
  gpointer memory;              /* the message it shares payloads with */
  MkyArray arrays[3];           /* @cs, @policies, @keys */
  gpointer slots[3][4];         /* their first elements */
} MkyCsb;

MkyCsb *mky_csb_new (guint32 csb_id);
MkyCsb *mky_csb_ref (MkyCsb *csb);
void mky_csb_unref (MkyCsb *csb);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MkyCsb, mky_csb_unref)

/* Building (Initiator side) */
void mky_csb_add_cs (MkyCsb *csb, guint8 policy_no, guint32 ssrc,
    guint32 roc);
void mky_csb_clear_cs (MkyCsb *csb);
/* Take @sp (an SP payload), replacing the policy of the same number */
void mky_csb_take_policy (MkyCsb *csb, MkyPayload *sp);
/* Take @kd (a Key data payload), after the keys there */
void mky_csb_take_key (MkyCsb *csb, MkyPayload *kd);
void mky_csb_remove_key (MkyCsb *csb, guint index);
void mky_csb_set_policy (MkyCsb *csb, guint8 policy_no,
    const MkySrtpPolicy *policy, gboolean gstreamer_form);
/* Add key data; a NULL @key draws @key_len random bytes (GnuTLS key RNG),
 * a NULL @salt with @salt_len > 0 likewise. Returns the new payload. */
MkyKeyData *mky_csb_add_key (MkyCsb *csb, MkyKeyDataType type,
    const guint8 *key, gsize key_len, const guint8 *salt, gsize salt_len,
    const guint8 *mki, gsize mki_len);
void mky_csb_clear_keys (MkyCsb *csb);

/* Serialized Key data chain for a KEMAC (wipe with mky_secure_array_free). */
GByteArray *mky_csb_keys_serialize (const MkyCsb *csb, GError **error);
void mky_secure_array_free (GByteArray *a);

/* The SP payload for @policy_no, NULL if the bundle has none. */
const MkySp *mky_csb_find_policy (const MkyCsb *csb, guint8 policy_no);

#define MKY_SRTP_MAX_KEYS 16    /* srtpdec takes srtp-key .. srtp-key16 */

typedef struct {
  guint8 key[32];
  gsize key_len;
  guint8 salt[14];
  gsize salt_len;
  guint8 mki[128];              /* SRTP_MAX_MKI_LEN of libsrtp2 */
  gsize mki_len;
} MkySrtpMasterKey;

/* What srtpdec/srtpenc need for one crypto session. */
typedef struct {
  guint8 cs_id;
  guint32 ssrc;                 /* 0: not yet known */
  guint32 roc;
  guint8 policy_no;
  MkySrtpPolicy policy;
  guint n_keys;
  MkySrtpMasterKey keys[MKY_SRTP_MAX_KEYS];
} MkySrtpKeying;

guint mky_csb_n_sessions (const MkyCsb *csb);
/* SRTP keying of crypto session @index (0-based). A bundle with no CS map
 * (as GStreamer sends) has one session, of SSRC 0, keyed by TEK. */
gboolean mky_csb_get_srtp (const MkyCsb *csb, guint index,
    MkySpCompat compat, MkySrtpKeying *out, GError **error);
/* That every crypto session would give usable keying, without deriving */
gboolean mky_csb_check (const MkyCsb *csb, MkySpCompat compat, GError **error);
void mky_srtp_keying_clear (MkySrtpKeying *k);
/* The srtpdec caps of @k: mky_srtp_caps_string() for the first key, then
 * srtp-key2/mki2 ... for the others (MKI selects among them). */
char *mky_srtp_keying_caps_string (const MkySrtpKeying *k, GError **error);

G_END_DECLS
