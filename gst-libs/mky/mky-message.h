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
  /* MkyPayload, in wire order after HDR; change them with
   * mky_message_add/insert/remove */
  MkyArray *payloads;
  /* private */
  GBytes *raw;                  /* wire form, after serialize or parse_bytes */
  const guint8 *wire;           /* wire form, after parse (in @memory) */
  gsize wire_len;
  gpointer memory;              /* where a parsed message lives */
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

/* Serializes, keeps the result as the message's wire form and returns a
 * new ref to it. */
GBytes *mky_message_serialize (MkyMessage *msg, GError **error);
/* The wire form the message was parsed from or last serialized to; NULL if
 * it has none */
const guint8 *mky_message_get_wire (const MkyMessage *msg, gsize *len);
/* Replace the wire form (the message takes @raw) */
void mky_message_set_wire (MkyMessage *msg, GBytes *raw);

/* Append a new empty payload of @type (before a trailing SIGN, if any). */
MkyPayload *mky_message_add (MkyMessage *msg, MkyPayloadType type);
/* Insert @p (the message takes it) at @index (<= number of payloads) */
void mky_message_insert (MkyMessage *msg, guint index, MkyPayload *p);
/* Remove and free the payload at @index */
void mky_message_remove (MkyMessage *msg, guint index);
MkyPayload *mky_message_find (const MkyMessage *msg, guint type, guint nth);
guint mky_message_count (const MkyMessage *msg, guint type);

static inline MkyHdr *
mky_message_hdr (const MkyMessage *msg)
{
  return &msg->hdr->u.hdr;
}

G_END_DECLS
