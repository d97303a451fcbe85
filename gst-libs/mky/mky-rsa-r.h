/* mky: MIKEY protocol core
 * MIKEY-RSA-R (RFC 4738): the Initiator sends a signed request with its
 * certificate, the Responder chooses the keys and sends them back
 * encrypted to the Initiator's public key, signed with its own.
 *
 *   I_MESSAGE = HDR, T, [RAND], [IDi|CERTi], [IDr], {SP}, SIGNi
 *   R_MESSAGE = HDR, [GenExt(CSB_ID)], T, [RAND], [IDr|CERTr], [SP],
 *               KEMAC, PKE, SIGNr
 *
 * Unicast: the Responder draws a TGK per request; exactly one of the two
 * messages carries the RAND; an offered SP is answered with exactly one of
 * the offered policies. Group mode (§3.2): the Responder is the group key
 * server; it holds the group's bundle (CSB ID, RAND, CS map with SSRCs,
 * SP, and TGK generations told apart by KV SPI = MKI) and answers every
 * member its certificate policy (MkyTrust) admits with that same bundle,
 * the group CSB ID in a General Extension (type CSB_ID). Every member
 * derives the same SRTP keys per crypto session.
 *
 * Sans-I/O: messages and the current time go in, messages and bundles
 * come out. Neither object is thread-safe; a group bundle may be changed
 * (mky_rsa_r_group_add_tgk, _retire) between calls.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "mky-config.h"
#include "mky-csb.h"
#include "mky-pki.h"
#include "mky-replay.h"

G_BEGIN_DECLS

typedef enum {
  MKY_RSA_R_UNICAST,
  MKY_RSA_R_GROUP,
} MkyRsaRMode;

/* Which Responder an Initiator accepts (RFC 4738 §5: the Responder may
 * turn out to be another party than the one asked, e.g. after call
 * forwarding). Every policy needs the Responder's certificate to pass
 * cfg->trust (its anchors, CRLs, and its allow/deny lists and check
 * function when set) for the identity its IDr payload claims. */
typedef enum {
  /* any Responder cfg->trust accepts: retargeting allowed */
  MKY_RSA_R_RESPONDER_ANY,
  /* only the identity the Initiator sent as IDr (cfg->id_r, required;
   * RFC 4738 §3.4: then it MUST send IDr) */
  MKY_RSA_R_RESPONDER_SENT_IDR,
  /* the identity sent as IDr, or another one that the @retarget MkyTrust
   * (anchors and allow/deny lists of acceptable forwarding targets) also
   * accepts */
  MKY_RSA_R_RESPONDER_LISTED,
} MkyRsaRResponderPolicy;

/* ---------------------------------------------------------------------
 * Initiator (a unicast caller, or a member joining a group) */
typedef struct _MkyRsaRInitiator MkyRsaRInitiator;

/* @cfg: credentials (required: they sign the request and decrypt the
 * envelope key), trust (required unless a Responder peer is pinned),
 * sign_type, prf, ts_type, id_i (default: the certificate's identity),
 * id_r (the Responder asked for, optional), allow_null, compat. */
MkyRsaRInitiator *mky_rsa_r_initiator_new (const MkyConfig *cfg,
    MkyRsaRMode mode);
void mky_rsa_r_initiator_free (MkyRsaRInitiator *ini);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MkyRsaRInitiator, mky_rsa_r_initiator_free)

/* Default MKY_RSA_R_RESPONDER_ANY. @retarget (referenced) only for
 * MKY_RSA_R_RESPONDER_LISTED. */
void mky_rsa_r_initiator_set_responder_policy (MkyRsaRInitiator *ini,
    MkyRsaRResponderPolicy policy, MkyTrust *retarget);
/* A Responder certificate known out of band (referenced; NULL to unset):
 * used for an R_MESSAGE without CERTr, and to authenticate a signed Error
 * message (which carries no certificate). */
void mky_rsa_r_initiator_set_responder_peer (MkyRsaRInitiator *ini,
    MkyPeer *peer);

/* The I_MESSAGE asking for @request's keys: its CSB ID (random if it was
 * made with 0), its CS map (the SSRCs this end originates; none for a
 * listen-only member, RFC 4738 §3.4) and, in unicast, its SP payloads as
 * the policies offered (a group request carries none:
 * MKY_ERROR_INVALID_ARGUMENT). @send_rand: unicast SHOULD (the Initiator's entropy); in a
 * group the Responder ignores it. A new request replaces a pending one. */
GBytes *mky_rsa_r_initiator_build (MkyRsaRInitiator *ini,
    const MkyCsb *request, gboolean send_rand, gint64 now_us,
    GError **error);

/* The answer to the pending request. Returns the bundle (unicast: the
 * request's CSB ID; group: the group CSB ID from the General Extension)
 * with the TGKs, RAND, CS map and SP, ready for mky_csb_get_srtp(); and
 * in @responder (optional) the authenticated Responder. NULL with @error
 * when the message is discarded; the request then stays pending, so a
 * forged answer cannot end the exchange. @now_us: for the certificate
 * validity. Errors:
 *   MKY_ERROR_PEER_ERROR          an Error message (the text says whether
 *                                 it was authenticated; only then does the
 *                                 request end)
 *   MKY_ERROR_CSB_MISMATCH        no request pending for this CSB ID, or the
 *                                 map leaves out our streams
 *   MKY_ERROR_TS_MISMATCH         T does not echo the request's
 *   MKY_ERROR_UNEXPECTED_PAYLOAD  RAND in both messages (unicast), a
 *                                 General Extension CSB_ID in unicast, a
 *                                 payload RSA-R does not have
 *   MKY_ERROR_MISSING_PAYLOAD     RAND in neither (unicast) or not in the
 *                                 R_MESSAGE (group); no CSB_ID or no SP in
 *                                 group mode; no SP answering an offer
 *   MKY_ERROR_UNSUPPORTED_SP      an SP that was not offered
 *   MKY_ERROR_CERT_*, BAD_ID      the Responder's certificate (MkyTrust)
 *   MKY_ERROR_BAD_SIGNATURE       SIGNr does not verify
 *   MKY_ERROR_NOT_AUTHORIZED      the responder policy refuses the identity
 *   MKY_ERROR_BAD_MAC             the envelope key or the KEMAC MAC
 *   MKY_ERROR_BAD_ID              the IDr in the KEMAC is not the signer's
 *   MKY_ERROR_BAD_KEY_DATA, BAD_ENCR, BAD_MAC_ALG, BAD_PRF  the keys */
MkyCsb *mky_rsa_r_initiator_handle_response (MkyRsaRInitiator *ini,
    GBytes *response, gint64 now_us, MkyPeer **responder, GError **error);

/* ---------------------------------------------------------------------
 * Responder (a unicast callee, or the group key server) */
typedef struct _MkyRsaRResponder MkyRsaRResponder;

/* @cfg: credentials (required), trust (required: it decides which
 * Initiators are served), sign_type, encr_alg/mac_alg (KEMAC), id_r (our
 * identity; default: the certificate's), id_i (when set, the only
 * Initiator identity accepted), skew_us, replay_capacity, allow_null,
 * compat. @state_lost: as mky_psk_responder_new(). */
MkyRsaRResponder *mky_rsa_r_responder_new (const MkyConfig *cfg,
    gint64 now_us, gboolean state_lost);
void mky_rsa_r_responder_free (MkyRsaRResponder *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MkyRsaRResponder, mky_rsa_r_responder_free)

/* Group mode: answer every request with @group (referenced, not copied:
 * changes to it take effect with the next answer). It must have a RAND,
 * a CS map, keys that mky_csb_check() accepts and, for several keys,
 * MKIs. NULL returns to unicast. */
gboolean mky_rsa_r_responder_set_group (MkyRsaRResponder *r, MkyCsb *group,
    GError **error);
/* Unicast: answer every request with the Key data and CS map of @keys
 * (referenced, not copied: changes take effect with the next answer)
 * instead of a TGK drawn per request: e.g. the TEK and salt (KV SPI = MKI)
 * an SRTP sender already uses, which keys all its receivers alike. Its CS
 * entries are our streams as they are (SSRC 0 stays 0: the receiver binds
 * it to the first SSRC it sees, RFC 3830 §6.1.1), in place of those of
 * mky_rsa_r_responder_add_stream(). A request with crypto sessions of its
 * own is refused (keys for the Initiator's streams are not ours to give):
 * Initiators listen only (RFC 4738 §3.4). The policy is chosen as without
 * keys, so add the keys' policy with mky_rsa_r_responder_add_policy() (and
 * no other). With AES-KW-128 the keys must fill whole blocks, as in group
 * mode. @keys needs a CS map and keys that mky_csb_check() accepts; NULL
 * returns to drawing a TGK. */
gboolean mky_rsa_r_responder_set_unicast_keys (MkyRsaRResponder *r,
    MkyCsb *keys, GError **error);
/* Unicast: an SRTP policy we accept, in order of preference; the first is
 * the one we answer a request offering none with. With none added, every
 * policy srtpdec can honour is accepted and a request without SP gets no
 * SP (RFC 3711 defaults). */
void mky_rsa_r_responder_add_policy (MkyRsaRResponder *r,
    const MkySrtpPolicy *policy);
/* Unicast: a stream we originate, added to every answer's CS map after
 * the Initiator's (@ssrc 0: drawn at random, like the Initiator's SSRC 0
 * entries, RFC 3830 §6.1.1). */
void mky_rsa_r_responder_add_stream (MkyRsaRResponder *r, guint32 ssrc,
    guint32 roc);
/* An identical I_MESSAGE arriving again within @window_us of our answer
 * (its sender lost the R_MESSAGE) is still refused as a replay, but
 * gets the same R_MESSAGE again, at most @max_repeats times: no signature
 * check, no new keys. Default 10 s, MKY_RSA_R_MAX_REPEATS times; 0 turns
 * it off. An Initiator whose request went out more often than that without
 * an answer makes a new one. */
#define MKY_RSA_R_MAX_REPEATS 3
void mky_rsa_r_responder_set_retransmit (MkyRsaRResponder *r,
    gint64 window_us, guint max_repeats);

/* Process an I_MESSAGE (RFC 3830 §5.3 order: structure, time and replay
 * cache, certificate and SIGNi, then contents). Returns the bundle the
 * R_MESSAGE in @reply keys (unicast: a new one; group: the group bundle),
 * and the authenticated Initiator in @initiator (optional). NULL with
 * @error otherwise, and in @reply:
 *   - an Error message "Unsupported message type" (13), not
 *     authenticated, for what cannot be parsed as an I_MESSAGE (RFC 4738
 *     §3.5), "Invalid DT" (11) for another message type;
 *   - nothing for a stale, future or replayed message (MKY_ERROR_TS_*,
 *     MKY_ERROR_REPLAY), except the repeated answer above;
 *   - an Error message, not authenticated, when the certificate or SIGNi
 *     is refused ("Invalid Cert" 8 for CERT_*; "Auth failure" 0 for
 *     BAD_SIGNATURE and NOT_AUTHORIZED; "Invalid ID" 7 for BAD_ID);
 *   - an Error message signed by us (trailer IDi || T) after
 *     authentication: "Invalid SPpar" (10) with our SP when no offered
 *     policy is acceptable (or an SP in a group request), "Invalid Cert"
 *     when the certificate may not encrypt, "Invalid PRF".
 * A request refused for its certificate or signature is remembered (by
 * digest, bounded): the same bytes again are refused with the same error
 * and no reply, without another signature check. */
MkyCsb *mky_rsa_r_responder_handle (MkyRsaRResponder *r, GBytes *message,
    gint64 now_us, GBytes **reply, MkyPeer **initiator, GError **error);
const MkyReplayCache *mky_rsa_r_responder_get_replay_cache (
    MkyRsaRResponder *r);

typedef struct {
  guint64 requests;             /* messages handled */
  guint64 signature_checks;     /* SIGNi verifications attempted */
  guint64 answered;             /* R_MESSAGEs made */
  guint64 repeated;             /* R_MESSAGEs repeated to a retransmission */
  guint64 refused_cached;       /* refused again from the failure cache */
} MkyRsaRStats;

void mky_rsa_r_responder_get_stats (MkyRsaRResponder *r, MkyRsaRStats *out);

/* ---------------------------------------------------------------------
 * Group state (the key server's bundle) */

/* A group bundle: @csb_id (random if 0), @prf, a fresh 16-byte RAND; add
 * the CS map (mky_csb_add_cs), the SP (mky_csb_set_policy) and TGKs. */
MkyCsb *mky_rsa_r_group_new (guint32 csb_id, MkyPrf prf);
/* A TGK generation with MKI @mki (4 bytes, big-endian): @tgk of @tgk_len
 * bytes, random when NULL. Add the next generation ahead of the switch:
 * members that join from then on get both. */
MkyKeyData *mky_rsa_r_group_add_tgk (MkyCsb *group, const guint8 *tgk,
    gsize tgk_len, guint32 mki);
/* Drop the generation of MKI @mki; FALSE if there is none. */
gboolean mky_rsa_r_group_retire (MkyCsb *group, guint32 mki);

G_END_DECLS
