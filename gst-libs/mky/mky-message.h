/* mky: MIKEY protocol core
 * A MIKEY message: the common header and its chain of payloads, with the
 * wire form they were parsed from or serialized to.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "mky-payload.h"

G_BEGIN_DECLS

typedef struct {
  MkyPayload *hdr;              /* type MKY_PT_HDR */
  GPtrArray *payloads;          /* MkyPayload, in wire order after HDR */
  GBytes *raw;                  /* wire form, after parse or serialize */
  gpointer memory;              /* private: where a parsed message lives */
} MkyMessage;

MkyMessage *mky_message_new (MkyDataType type, guint32 csb_id);
void mky_message_free (MkyMessage *msg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MkyMessage, mky_message_free)

/* Strict: every length checked, nothing after the last payload, payloads
 * that may occur once per message occur at most once. The payloads point
 * into the message's copy of the wire form (parse_bytes keeps a reference
 * to @bytes instead of copying). */
MkyMessage *mky_message_parse (const guint8 *data, gsize len, GError **error);
MkyMessage *mky_message_parse_bytes (GBytes *bytes, GError **error);

/* Serializes, stores the result in @msg->raw and returns a new ref to it. */
GBytes *mky_message_serialize (MkyMessage *msg, GError **error);

/* Append a new empty payload of @type (before a trailing SIGN, if any). */
MkyPayload *mky_message_add (MkyMessage *msg, MkyPayloadType type);
MkyPayload *mky_message_find (const MkyMessage *msg, guint type, guint nth);
guint mky_message_count (const MkyMessage *msg, guint type);

static inline MkyHdr *
mky_message_hdr (const MkyMessage *msg)
{
  return &msg->hdr->u.hdr;
}

G_END_DECLS
