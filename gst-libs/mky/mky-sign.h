/* mky: MIKEY protocol core
 * Signed messages (RFC 3830 §5.2, §6.5): the SIGN payload is last and the
 * signature covers the whole message but the signature field itself (so
 * SIGN's S type and length are covered), followed by any extra data the
 * mode appends (RFC 4738 §3.6: IDi || IDr || T for SIGNr).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "mky-message.h"
#include "mky-pki.h"

G_BEGIN_DECLS

/* Append a SIGN payload of @type to @msg, sign, and return the wire form
 * (also in @msg->raw). */
GBytes *mky_message_seal_sign (MkyMessage *msg, MkyCredentials *creds,
    MkySignType type, const guint8 *extra, gsize extra_len, GError **error);
/* Check the SIGN payload ending parsed message @msg against @peer's key:
 * MKY_ERROR_MISSING_PAYLOAD without one, MKY_ERROR_BAD_SIGNATURE when it
 * does not verify. */
gboolean mky_message_verify_sign (const MkyMessage *msg, MkyPeer *peer,
    const guint8 *extra, gsize extra_len, GError **error);

G_END_DECLS
