/* mky: MIKEY protocol core
 * Public-key mode (RFC 3830 §3.2): the Initiator draws an envelope key,
 * sends it encrypted to the Responder's public key (PKE), protects the
 * TGKs/TEKs with keys derived from it (KEMAC = E(encr_key, IDi || {TGK})
 * || MAC) and signs the whole message (SIGNi). The Responder answers with
 * a verification message (HDR, T, [IDr], V) when asked to.
 *
 * Envelope-key caching (PKE C field, RFC 3830 §3.2, §4.5, §6.3): with C =
 * 1 or 2 both ends keep the envelope key for the life of the bundle, and
 * every later update of that bundle is a pre-shared-key message (data type
 * 0, MkyPskInitiator / mky_psk_open) with the envelope key as the PSK; its
 * verification message is a PSK one (data type 1). Without caching an
 * update is a PK message again, with a new envelope key in a new PKE.
 *
 * Sans-I/O: messages and the current time go in, messages and results out.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "mky-config.h"
#include "mky-csb.h"
#include "mky-pki.h"
#include "mky-replay.h"

G_BEGIN_DECLS

/* Envelope keys are this long (RFC 3830 fixes no length) */
#define MKY_PK_ENV_KEY_LEN 32

typedef struct _MkyPkInitiator MkyPkInitiator;

/* @cfg: credentials (to sign), sign_type, encr_alg, mac_alg, prf, ts_type,
 * id_i (else the certificate's identity), id_r, id_type, max_csbs (bundles
 * whose envelope key is cached). @responder: the Responder's certificate,
 * as mky_trust_verify (..., MKY_KEY_USAGE_ENCRYPT, ...) or
 * mky_peer_new_from_der() gave it; it must carry @cfg->id_r when that is
 * set (MKY_ERROR_BAD_ID). MKY_ERROR_INVALID_ARGUMENT without credentials
 * or without an identity for the encrypted IDi. */
MkyPkInitiator *mky_pk_initiator_new (const MkyConfig *cfg,
    MkyPeer *responder, GError **error);
void mky_pk_initiator_free (MkyPkInitiator *ini);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MkyPkInitiator, mky_pk_initiator_free)

/* PKE C field of the PK messages built from now on (default
 * MKY_PKE_NO_CACHE). */
void mky_pk_initiator_set_cache (MkyPkInitiator *ini, MkyPkeCache cache);
/* Send CHASH (RFC 3830 §6.8) with the hash of the Responder's certificate
 * (@func: SHA-1, MD5 or SHA-256), or not (@enable FALSE, the default). */
void mky_pk_initiator_set_chash (MkyPkInitiator *ini, gboolean enable,
    MkyHashFunc func);
/* Forget the cached envelope key of bundle @csb_id (the next update is a
 * PK message with a new envelope key). */
void mky_pk_initiator_uncache (MkyPkInitiator *ini, guint32 csb_id);
/* Whether bundle @csb_id has a cached envelope key */
gboolean mky_pk_initiator_is_cached (MkyPkInitiator *ini, guint32 csb_id);

/* The I_MESSAGE for @csb: an initial one (new RAND) while @csb has no RAND,
 * else an update (RFC 3830 §4.5): a PSK message under the cached envelope
 * key if there is one, else a PK message with a new envelope key. */
GBytes *mky_pk_initiator_build (MkyPkInitiator *ini, MkyCsb *csb,
    gboolean want_verify, gint64 now_us, GError **error);
/* The answer to the last I_MESSAGE: a verification message (TRUE), or an
 * Error message (FALSE, MKY_ERROR_PEER_ERROR; the text says whether it was
 * authenticated; an unauthenticated one leaves the request pending). */
gboolean mky_pk_initiator_handle_response (MkyPkInitiator *ini, MkyCsb *csb,
    GBytes *response, GError **error);

typedef struct _MkyPkResponder MkyPkResponder;

/* @cfg: credentials (to decrypt PKE), trust (to verify the Initiator's
 * certificate), skew_us, replay_capacity, max_csbs, compat, allow_null,
 * id_i/id_r (required to match when set), id_type.
 * @state_lost as for mky_psk_responder_new(). */
MkyPkResponder *mky_pk_responder_new (const MkyConfig *cfg, gint64 now_us,
    gboolean state_lost);
void mky_pk_responder_free (MkyPkResponder *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MkyPkResponder, mky_pk_responder_free)

/* Another key pair of ours, chosen by an I_MESSAGE whose CHASH names its
 * certificate. Without CHASH the configuration's credentials decrypt. */
void mky_pk_responder_add_credentials (MkyPkResponder *r,
    MkyCredentials *creds);

/* Process an I_MESSAGE: a PK one (data type 2), or a PSK update (data type
 * 0) of a bundle whose envelope key is cached. Returns the bundle it set up
 * or updated, or NULL with @error set. @reply as for
 * mky_psk_responder_handle(): the verification message (PK or PSK, as the
 * request), an Error message (authenticated once the KEMAC has verified),
 * or NULL when the message is dropped silently (unparsable, stale,
 * replayed, update of an unknown bundle). Refusals:
 *   MKY_ERROR_CERT_*, MKY_ERROR_BAD_ID, MKY_ERROR_NOT_AUTHORIZED  from
 *       mky_trust_verify() on CERTi bound to IDi
 *   MKY_ERROR_BAD_SIGNATURE  SIGNi does not verify
 *   MKY_ERROR_BAD_MAC        the KEMAC does not verify, or the PKE does not
 *                            decrypt (the two are not told apart)
 *   MKY_ERROR_BAD_ID         the encrypted IDi is not the expected IDi, or
 *                            an update comes from another identity
 *   MKY_ERROR_CERT_UNTRUSTED CHASH names none of our certificates
 *   MKY_ERROR_MISSING_PAYLOAD no PKE/SIGN/KEMAC, or no certificate
 *   MKY_ERROR_REPLAY, MKY_ERROR_TS_*  time and replay cache */
MkyCsb *mky_pk_responder_handle (MkyPkResponder *r, GBytes *message,
    gint64 now_us, GBytes **reply, GError **error);
const MkyReplayCache *mky_pk_responder_get_replay_cache (MkyPkResponder *r);
/* The identity the Initiator of bundle @csb_id was authenticated as, and
 * whether its envelope key is cached; NULL for an unknown bundle. */
const char *mky_pk_responder_get_peer_identity (MkyPkResponder *r,
    guint32 csb_id, gboolean *cached);

G_END_DECLS
