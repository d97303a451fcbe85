/* mky: MIKEY protocol core
 * Pre-shared key mode (RFC 3830 §3.1), with CSB updates (§4.5), error
 * messages (§5.1.2), the Responder processing of §5.3 and MIKEY-NULL (NULL
 * encryption and MAC, as GStreamer, live555 and ONVIF cameras use it).
 * Sans-I/O: messages and the current time go in, messages and results out.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "mky-config.h"
#include "mky-csb.h"
#include "mky-kemac.h"
#include "mky-replay.h"

G_BEGIN_DECLS

typedef struct _MkyPskInitiator MkyPskInitiator;

MkyPskInitiator *mky_psk_initiator_new (const MkyConfig *cfg);
void mky_psk_initiator_free (MkyPskInitiator *ini);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MkyPskInitiator, mky_psk_initiator_free)

/* The I_MESSAGE for @csb: an initial one (a new RAND) while @csb has no
 * RAND, else an update (same CSB ID, new T, no RAND, RFC 3830 §4.5) with
 * the keys, policies and map @csb holds now. */
GBytes *mky_psk_initiator_build (MkyPskInitiator *ini, MkyCsb *csb,
    gboolean want_verify, gint64 now_us, GError **error);
/* The answer to the last I_MESSAGE: a verification message (TRUE), or an
 * Error message (FALSE, MKY_ERROR_PEER_ERROR; the text says whether it was
 * authenticated). */
gboolean mky_psk_initiator_handle_response (MkyPskInitiator *ini,
    MkyCsb *csb, GBytes *response, GError **error);

typedef struct _MkyPskResponder MkyPskResponder;

/* @state_lost: started without the replay state of an earlier run, so
 * everything is refused until the skew has passed (RFC 3830 §5.4). */
MkyPskResponder *mky_psk_responder_new (const MkyConfig *cfg,
    gint64 now_us, gboolean state_lost);
void mky_psk_responder_free (MkyPskResponder *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MkyPskResponder, mky_psk_responder_free)

/* Process an I_MESSAGE. Returns the bundle it set up or updated, or NULL
 * with @error set. @reply receives the verification message when the
 * Initiator asked for one, or the Error message RFC 3830 §5.1.2 calls for
 * (unauthenticated after an authentication failure); NULL when the message
 * is to be dropped silently (unparsable, stale, replayed). */
MkyCsb *mky_psk_responder_handle (MkyPskResponder *r, GBytes *message,
    gint64 now_us, GBytes **reply, GError **error);
const MkyReplayCache *mky_psk_responder_get_replay_cache (MkyPskResponder *r);

/* Verify and decrypt a PSK I_MESSAGE (or MIKEY-NULL) without the clock and
 * replay checks, for tools that inspect captured messages. @previous is the
 * bundle an update refers to (NULL for an initial message). */
MkyCsb *mky_psk_open (const MkyConfig *cfg, GBytes *message,
    const MkyCsb *previous, GError **error);

G_END_DECLS
