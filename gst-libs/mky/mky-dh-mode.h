/* mky: MIKEY protocol core
 * The Diffie-Hellman exchanges, both on one code path:
 *  - DH mode (RFC 3830 §3.3), signed:
 *      I_MESSAGE = HDR (type 4), T, RAND, [IDi], CERTi, [IDr], {SP}, DHi, SIGNi
 *      R_MESSAGE = HDR (type 5), T, [IDr], CERTr, IDi, DHr, DHi, SIGNr
 *  - DH-HMAC (RFC 4650), authenticated with a MAC keyed from a PSK:
 *      I_MESSAGE = HDR (type 7), T, RAND, [IDi], IDr, {SP}, DHi, KEMAC
 *      R_MESSAGE = HDR (type 8), T, [IDr], IDi, DHr, DHi, KEMAC
 * Both sides end with TGK = g^(xi*xr) (mky-dh.h) as the bundle's TGK,
 * with the key validity of DHi (RFC 3830 §6.4: a KV SPI, for SRTP the MKI,
 * mky_dh_initiator_set_spi); the TEKs come from it per crypto session with
 * the I_MESSAGE's RAND (mky_csb_get_srtp). CSB updates (RFC 3830 §4.5, RFC
 * 4650 §3.1) carry no RAND and either a new DHi (a new TGK) or none
 * (policies and crypto sessions only; the TGK stays). A new TGK under an
 * SPI keeps the bundle's key under another SPI (of the same length) as the
 * second Key data, on both sides, until the next such update: SRTP
 * receivers then hold the key in use and the new one while the sender
 * switches (re-keying by MKI); without an SPI it replaces all.
 *
 * Signed mode uses MkyConfig's credentials (our certificate chain, sent in
 * every message we build), trust (the peer's chain, identity and policy,
 * checked at the caller's time) and sign_type (PKCS#1 v1.5 or PSS). A
 * bundle belongs to the party that set it up: updates (which may leave the
 * certificates out, RFC 3830 §4.5: the certificate accepted at setup then
 * checks them) and new initial messages for its CSB ID from anyone else
 * are refused (MKY_ERROR_BAD_ID, "Invalid ID"), as in PK mode.
 * DH-HMAC uses the PSK: auth_key = PRF (psk, 0x2D22AC75 || 0xFF || CSB ID
 * || RAND) (RFC 3830 §4.1.4), the KEMAC has NULL encryption (0) and no
 * Encr data, the MAC (HMAC-SHA-1-160 = 1 by default, mac_alg) covers the
 * whole message but the MAC field. Both: dh_group for the Initiator's DHi
 * (the Responder answers in the Initiator's group, any of the three),
 * ts_type, prf, id_i/id_r/id_type, skew_us, replay_capacity, max_csbs,
 * compat.
 *
 * Sans-I/O: messages and the current time in, messages and bundles out.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "mky-config.h"
#include "mky-csb.h"
#include "mky-replay.h"

G_BEGIN_DECLS

typedef enum {
  MKY_DH_MODE_SIGN = 0,         /* RFC 3830 §3.3, data types 4 and 5 */
  MKY_DH_MODE_HMAC = 1,         /* RFC 4650 DHHMAC, data types 7 and 8 */
} MkyDhMode;

/* ---- Initiator ---- */

typedef struct _MkyDhInitiator MkyDhInitiator;

MkyDhInitiator *mky_dh_initiator_new (const MkyConfig *cfg, MkyDhMode mode);
/* Wipes the DH private key of an exchange still under way */
void mky_dh_initiator_free (MkyDhInitiator *ini);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MkyDhInitiator, mky_dh_initiator_free)

/* The I_MESSAGE for @csb (its crypto session map and policies): an initial
 * one (new RAND, new DHi) while @csb has no RAND, else an update (same CSB
 * ID, new T, no RAND) with a new DHi when @rekey, without one otherwise.
 * @sdp_ids: the key management protocol IDs of the SDP offer in order
 * (e.g. { "mikey", "keyp1", NULL }; valid KMPIDs), sent in an SDP IDs
 * General Extension (RFC 4567 §4.1.4, RFC 4650 §4.4), or NULL.
 * The DH private key is kept until the answer has been processed (or the
 * next build, or free). MKY_ERROR_INVALID_ARGUMENT: signed mode without
 * credentials or trust, DH-HMAC without id_r (RFC 4650 §3: IDr SHALL be
 * sent) or without a PSK; MKY_ERROR_BAD_MAC_ALG: NULL MAC without
 * allow_null; MKY_ERROR_BAD_DH: unknown dh_group. */
GBytes *mky_dh_initiator_build (MkyDhInitiator *ini, MkyCsb *csb,
    gboolean rekey, const char *const *sdp_ids, gint64 now_us,
    GError **error);

/* The key validity of our DHi from the next build on (RFC 3830 §6.4,
 * §6.14): an SPI, for SRTP the MKI of the master keys derived from the
 * TGK, which both sides take (the Responder echoes DHi, and the answer
 * must echo it unchanged); NULL or @spi_len 0: none (KV Null). */
void mky_dh_initiator_set_spi (MkyDhInitiator *ini, const guint8 *spi,
    gsize spi_len);

/* Process the answer to the last I_MESSAGE (certificates are checked at
 * @now_us). TRUE: @csb's keys are now the new TGK (and the key kept
 * beside it, see above; for an update without DHi, unchanged). FALSE: the refusal, or MKY_ERROR_PEER_ERROR for
 * an Error message (its text says whether it was authenticated; only an
 * authenticated one ends the exchange, so a forgery cannot). Checked in
 * this order: data type, CSB ID, T echo (MKY_ERROR_TS_MISMATCH), payloads,
 * the Responder's certificate (mky_trust_verify's codes; MKY_ERROR_BAD_ID
 * also when an update is answered by another party than the initial
 * exchange) and SIGNr (MKY_ERROR_BAD_SIGNATURE), or the MAC
 * (MKY_ERROR_BAD_MAC), then identities (MKY_ERROR_BAD_ID), the echoed DHi
 * (with its KV) and DHr (MKY_ERROR_BAD_DH). */
gboolean mky_dh_initiator_handle_response (MkyDhInitiator *ini, MkyCsb *csb,
    GBytes *response, gint64 now_us, GError **error);

/* Signed mode: the Responder's certificate accepted for @csb_id (transfer
 * none), or NULL. */
MkyPeer *mky_dh_initiator_get_peer (MkyDhInitiator *ini, guint32 csb_id);

/* ---- Responder ---- */

typedef struct _MkyDhResponder MkyDhResponder;

/* @state_lost: started without the replay state of an earlier run, so
 * everything is refused until the skew has passed (RFC 3830 §5.4). */
MkyDhResponder *mky_dh_responder_new (const MkyConfig *cfg, MkyDhMode mode,
    gint64 now_us, gboolean state_lost);
void mky_dh_responder_free (MkyDhResponder *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MkyDhResponder, mky_dh_responder_free)

/* Process an I_MESSAGE in the order of RFC 3830 §5.3: payloads, timestamp
 * and replay cache, authentication (certificate chain, identity policy and
 * SIGNi, or the MAC), then contents (identities, SDP IDs, DHi, policies).
 * Returns the bundle set up or updated (its keys: the TGK) and the
 * R_MESSAGE in @reply; or NULL with @error set and in @reply the Error
 * message due, or NULL when the message is dropped silently (unparsable,
 * malformed, stale, replayed, update of an unknown bundle). Error messages
 * are authenticated (V) only in DH-HMAC after the MAC verified; in signed
 * mode they are never signed (an Error message carries no certificate to
 * check a SIGNr with), so the Initiator takes them as hints.
 * @sdp_ids: the KMPIDs of the SDP the message came in, in order, or NULL:
 * when given, the message must carry the same list in an SDP IDs General
 * Extension (MKY_ERROR_MISSING_PAYLOAD without one, MKY_ERROR_NOT_AUTHORIZED
 * for another list: RFC 4567 §7 bidding-down protection). Invalid public
 * values are MKY_ERROR_BAD_DH ("Invalid DH"); a DH group the codec does not
 * know cannot be parsed (its value length is implicit) and is dropped.
 * Only authenticated messages enter the replay cache. A bundle in use
 * belongs to the party that set it up (MKY_ERROR_BAD_ID). */
MkyCsb *mky_dh_responder_handle (MkyDhResponder *r, GBytes *message,
    const char *const *sdp_ids, gint64 now_us, GBytes **reply,
    GError **error);
const MkyReplayCache *mky_dh_responder_get_replay_cache (MkyDhResponder *r);
/* Signed mode: the Initiator's certificate accepted for @csb_id (transfer
 * none; its identity says who set the bundle up), or NULL. */
MkyPeer *mky_dh_responder_get_peer (MkyDhResponder *r, guint32 csb_id);

G_END_DECLS
