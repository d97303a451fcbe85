/* mky: MIKEY protocol core (private)
 * What the exchange modes (PSK, PK, DH, DH-HMAC, RSA-R) share: building
 * messages, identities and certificates, the verification MAC's trailer,
 * the checks an Initiator makes of an answer, how far a Responder got with
 * an I_MESSAGE and the Error message that calls for, unique timestamps, the
 * bundle an accepted message leaves, the envelope key and KEMAC of the
 * public-key modes, and a table of per-bundle state.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "mky-config.h"
#include "mky-csb.h"
#include "mky-desc.h"
#include "mky-kemac.h"
#include "mky-replay.h"

G_BEGIN_DECLS

/* mky_kemac_open_data(), the payloads in @memory when not NULL (which then
 * holds the plaintext, and is wiped when freed) */
GPtrArray *mky_kemac_open_data_in (const MkyKemac *kemac,
    const MkyMsgKeys *keys, guint32 csb_id, guint64 ts, guint first,
    MkyArena *memory, GError **error);


#define MKY_EXCHANGE_RAND_LEN 16  /* RFC 3830 §6.11: SHOULD be at least 16 */

/* ---- building messages ---- */

/* A message of @type for bundle @csb_id: HDR with @prf and the crypto
 * session map of @cs (MkyCsSrtp), T = @t, and RAND = @rand unless that is
 * NULL. V is 0. */
MkyMessage *mky_exchange_message_new (guint type, guint32 csb_id, MkyPrf prf,
    const MkyArray *cs, const MkyT *t, const MkyBytes *rand);
/* A new RAND (MKY_EXCHANGE_RAND_LEN bytes) in @rand */
void mky_exchange_new_rand (MkyBytes *rand);
void mky_exchange_add_id (MkyMessage *msg, MkyIdType type, const char *id);
/* CERT payloads for the chain of @creds, leaf first */
/* Our chain as CERT payloads, leaf first; or, with @cert_url, one CERT
 * payload of type X.509v3 URL */
void mky_exchange_add_certs (MkyMessage *msg, MkyCredentials *creds,
    const char *cert_url);
/* IDi (when @id_i is set), the CERT payloads of @certs (when not NULL),
 * IDr (when @id_r is set). With @idr_second, as PSK and RSA-R messages are
 * read, IDr is the second ID payload: an empty IDi (of @type_r) stands
 * before it when there is no IDi. */
void mky_exchange_add_ids (MkyMessage *msg, MkyIdType type_i,
    const char *id_i, MkyCredentials *certs, const char *cert_url,
    MkyIdType type_r, const char *id_r, gboolean idr_second);
/* Copies of @policies (SP payloads) */
void mky_exchange_add_policies (MkyMessage *msg, const MkyArray *policies);
/* An SP payload (policy number 0) for @policy; NULL: the default policy,
 * the one an "Invalid SPpar" Error message offers as what we support
 * (RFC 3830 §5.1.1) */
MkyPayload *mky_exchange_sp_payload (const MkySrtpPolicy *policy);

/* ---- identities ---- */

/* Our identity: @configured (of cfg->id_type), else the first name of our
 * certificate (may be NULL) */
const char *mky_exchange_own_identity (const MkyConfig *cfg,
    const char *configured, MkyIdType *type);
/* The data of the @nth ID payload (IDi first, IDr second), or NULL */
const MkyBytes *mky_exchange_id (const MkyMessage *msg, guint nth);
gboolean mky_exchange_id_matches (const char *want, const MkyBytes *got);
/* ID data as a string; NULL (MKY_ERROR_BAD_ID) when it holds a NUL byte,
 * which would make the claimed name shorter than the one signed */
char *mky_exchange_id_string (const MkyBytes *id, GError **error);
/* The CERT payloads of @msg as a chain for mky_trust_verify() */
GPtrArray *mky_exchange_certs (const MkyMessage *msg);

/* ---- verification and Error messages ---- */

/* Identity_i || Identity_r || Timestamp following a verification or error
 * message under its MAC (RFC 3830 §5.2) */
GByteArray *mky_exchange_verify_extra (const MkyBytes *idi,
    const MkyBytes *idr, const MkyT *t);
/* HDR, T (echoed), [IDr], V: the verification message (of @type) answering
 * @req, for bundle @csb, under @keys; IDr is cfg->id_r, the trailer's
 * Identity_r that or else @idr_req */
GBytes *mky_exchange_verify_message (guint type, const MkyConfig *cfg,
    const MkyHdr *req, const MkyT *t, const MkyCsb *csb,
    const MkyBytes *idi, const MkyBytes *idr_req, const MkyMsgKeys *keys,
    GError **error);
/* HDR, T (echoed), ERR, [SP], [V]: RFC 3830 §5.1.2; @keys NULL: not
 * authenticated */
GBytes *mky_exchange_error (const MkyHdr *req, const MkyT *t, MkyErrNo err_no,
    const MkyPayload *offer, const MkyMsgKeys *keys, const MkyBytes *idi,
    const MkyBytes *idr);

/* ---- Initiator ---- */

gboolean mky_exchange_unique_time (MkyT *t, const MkyT *last, MkyTsType type,
    gint64 now_us, GError **error);
/* The checks of an answer before any cryptography: its data type is @type
 * or Error (else MKY_ERROR_BAD_DATA_TYPE, "data type N is not @what"), it
 * is for @csb_id while @pending, a request awaits an answer
 * (MKY_ERROR_CSB_MISMATCH), and it echoes @sent, the request's timestamp,
 * which makes it fresh (RFC 3830 §5.4; MKY_ERROR_TS_MISMATCH). Returns its
 * T, or NULL. */
const MkyT *mky_exchange_check_answer (const MkyMessage *msg, guint type,
    const char *what, gboolean pending, guint32 csb_id, const MkyT *sent,
    GError **error);
/* The V payload ending answer @msg (of data type @verify_type, or an Error
 * message), under @keys with the trailer @idi || IDr || @t, IDr the
 * answer's or else @idr_sent. FALSE when it does not verify, or when a
 * verification message has none (MKY_ERROR_MISSING_PAYLOAD); @authentic:
 * whether a V verified. */
gboolean mky_exchange_check_v (const MkyMessage *msg, guint verify_type,
    const MkyMsgKeys *keys, const MkyBytes *idi, const MkyBytes *idr_sent,
    const MkyT *t, gboolean *authentic, GError **error);
/* Error message @msg answering our request: MKY_ERROR_PEER_ERROR naming its
 * Error no. and whether it was @authentic (an unauthenticated one is only a
 * hint, RFC 3830 §5.1.2). Returns FALSE. */
gboolean mky_exchange_peer_error (const MkyMessage *msg, gboolean authentic,
    GError **error);

/* ---- Responder ---- */

/* How far a Responder got with an I_MESSAGE, for the answer RFC 3830
 * §5.1.2 wants */
typedef struct {
  gboolean reply;               /* an Error message is due */
  MkyErrNo err_no;
  gboolean authentic;           /* signed or MACed: into the replay cache */
  MkyReplayTicket ticket;       /* for the replay cache once authentic */
  gboolean keyed;               /* @keys protect the answer */
  MkyMsgKeys keys;
} MkyOpened;

/* An Error message with @err_no is due; FALSE, for returning */
gboolean mky_opened_refuse (MkyOpened *o, MkyErrNo err_no);
/* Only authenticated messages enter the replay cache (RFC 3830 §5.3) */
void mky_opened_add_replay (const MkyOpened *o, MkyReplayCache *replay,
    gint64 now_us);
/* The Error message due for refused @msg, NULL if none: authenticated when
 * @o is keyed, with @idi || @idr in the trailer; "Invalid SPpar" offers our
 * default policy */
GBytes *mky_opened_error (const MkyOpened *o, const MkyMessage *msg,
    const MkyBytes *idi, const MkyBytes *idr);
void mky_opened_clear (MkyOpened *o);

/* MKY_ERROR_BAD_DATA_TYPE ("data type N is not @what") unless @hdr is of
 * @type */
gboolean mky_exchange_check_data_type (const MkyHdr *hdr, guint type,
    const char *what, GError **error);
/* MKY_ERROR_BAD_PRF for a PRF we do not know */
gboolean mky_exchange_check_prf (const MkyHdr *hdr, GError **error);
/* The RAND @hdr's keys derive from: @rand, the message's own (an initial
 * message: *@old becomes NULL), or without one that of *@old, the bundle
 * of its CSB ID, if that has the same PRF; else NULL
 * (MKY_ERROR_CSB_MISMATCH) */
const MkyBytes *mky_exchange_keying_rand (const MkyHdr *hdr,
    const MkyBytes *rand, const MkyCsb **old, GError **error);
/* MKY_ERROR_BAD_KEY_DATA unless @chain[@from..] holds Key data only;
 * @where follows "KEMAC holds a ... payload" in the message */
gboolean mky_exchange_check_key_data (const GPtrArray *chain, guint from,
    const char *where, GError **error);
/* The bundle an accepted message leaves: new, or @old updated; @keys (Key
 * data payloads, owned by the caller's array, allocated or opened in
 * @msg's memory) are moved into it. It keeps @msg's memory when it takes
 * payloads from there. */
MkyCsb *mky_exchange_apply (const MkyCsb *old, const MkyMessage *msg,
    GPtrArray *keys);
MkyErrNo mky_exchange_keying_err_no (const GError *error);

/* ---- the public-key modes' envelope key and KEMAC ---- */

/* NULL encryption only where allowed (MIKEY-NULL); a NULL MAC also with
 * AES-KW, whose integrity check protects the KEMAC (RFC 3830 §4.2.3). With
 * AES-CM a NULL MAC would let a man in the middle who re-signs the message
 * flip the encrypted identity into his own, which is what it and the MAC
 * are there to prevent (RFC 3830 §3.2). */
gboolean mky_exchange_check_pk_algs (gboolean allow_null, guint encr,
    guint mac, GError **error);
/* Decrypt the envelope key in @pke with @creds. A failure (or a key too
 * short to be one) gives a random key, so that it ends where a bad MAC
 * ends, with the same error (no padding oracle, RFC 3218): FALSE then. */
gboolean mky_exchange_open_envelope (MkyCredentials *creds,
    const MkyPke *pke, MkyBytes *env_key);
/* ID || {Key data}: the KEMAC plaintext of the public-key modes (RFC 3830
 * §3.2, RFC 4738 §3.6); wipe with mky_secure_array_free() */
GByteArray *mky_exchange_kemac_plain (MkyIdType type, const char *id,
    const MkyArray *keys, GError **error);
/* RFC 3830 §5.2: the KEMAC MAC of a public-key message covers the KEMAC
 * payload alone, its Next payload field taken as 0, up to the MAC field,
 * as in @msg's wire form */
void mky_exchange_kemac_mac (const MkyMsgKeys *keys, const MkyMessage *msg,
    MkyPayload *kemac);
gboolean mky_exchange_kemac_mac_verify (const MkyMsgKeys *keys,
    const MkyMessage *msg, const MkyPayload *kemac, GError **error);

/* ---- per-bundle state ---- */

/* Values by CSB ID, bounded: when full the oldest stored leaves */
typedef struct {
  GHashTable *values;
  GQueue order;
  guint max;
} MkyTable;

void mky_table_init (MkyTable *t, guint max, GDestroyNotify free_value);
void mky_table_clear (MkyTable *t);
gpointer mky_table_lookup (MkyTable *t, guint32 csb_id);
void mky_table_remove (MkyTable *t, guint32 csb_id);
/* Store @value (taken) for @csb_id. Replacing an entry while full also
 * makes room as if it were a new one: the oldest other entry leaves. */
void mky_table_store (MkyTable *t, guint32 csb_id, gpointer value);

G_END_DECLS
