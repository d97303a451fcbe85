/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "mky-message.h"
#include "mky-desc.h"
#include "mky-error.h"

MkyMessage *
mky_message_new (MkyDataType type, guint32 csb_id)
{
  MkyMessage *msg = g_new0 (MkyMessage, 1);
  msg->hdr = mky_payload_new (MKY_PT_HDR);
  msg->hdr->u.hdr.data_type = type;
  msg->hdr->u.hdr.csb_id = csb_id;
  msg->payloads = g_new0 (MkyArray, 1);
  return msg;
}

void
mky_message_free (MkyMessage *msg)
{
  MkyArena *memory;
  MkyArray *a;

  if (msg == NULL)
    return;
  memory = msg->memory;
  a = msg->payloads;
  mky_payload_free (msg->hdr);
  /* a parsed message's payloads and array live in its memory, unless the
   * array was changed (@alloc set) */
  if (a && a->alloc) {
    for (guint i = 0; i < a->len; i++)
      mky_payload_free (a->pdata[i]);
    g_free (a->pdata);
  }
  g_clear_pointer (&msg->raw, g_bytes_unref);
  if (memory) {
    mky_arena_unref (memory);
  } else {
    g_free (a);
    g_free (msg);
  }
}

const guint8 *
mky_message_get_wire (const MkyMessage *msg, gsize *len)
{
  if (msg->raw)
    return g_bytes_get_data (msg->raw, len);
  *len = msg->wire_len;
  return msg->wire;
}

void
mky_message_set_wire (MkyMessage *msg, GBytes *raw)
{
  g_clear_pointer (&msg->raw, g_bytes_unref);
  msg->raw = raw;
  msg->wire = NULL;
  msg->wire_len = 0;
}

/* Payloads no exchange carries twice (RFC 3830 §3, 4738 §3, 6043 §4.2,
 * 6267 §4.2, 6509 §2.1). SP, ERR, ID, CERT, DH, IDR, RANDR, TR, General
 * Ext. and Key data may repeat. */
static gboolean
at_most_once (guint type)
{
  switch (type) {
    case MKY_PT_KEMAC: case MKY_PT_PKE: case MKY_PT_SIGN: case MKY_PT_T:
    case MKY_PT_CHASH: case MKY_PT_V: case MKY_PT_RAND: case MKY_PT_TP:
    case MKY_PT_TICKET: case MKY_PT_IBAKE: case MKY_PT_ESK:
    case MKY_PT_SAKKE:
      return TRUE;
    default:
      return FALSE;
  }
}

/* Room for the structures of a typical message of @len bytes (more comes
 * in further chunks): about 690 bytes for the 112 of a MIKEY-NULL message
 * as GStreamer makes them (the block, with the copy, stays within the
 * sizes glibc's malloc serves from its per-thread cache), 1,010 for the
 * 172 of a PSK one */
#define MEMORY_SIZE(len) (256 + 5 * MIN ((len), 65536))

/* Parses @data[0..@len), which lives as long as @memory (consumed), into
 * a message in @memory */
static MkyMessage *
parse_in (MkyArena *memory, const guint8 *data, gsize len, GError **error)
{
  MkyMessage *msg = mky_arena_alloc (memory, sizeof *msg);
  const MkyDesc *hdr_desc = mky_desc_for_type (MKY_PT_HDR);
  gsize pos = 0;
  guint first = MKY_PT_LAST;
  guint32 seen = 0;

  msg->memory = memory;
  msg->wire = data;
  msg->wire_len = len;
  /* a payload in a message takes only its own member of the union */
  msg->hdr = mky_arena_alloc (memory,
      G_STRUCT_OFFSET (MkyPayload, u) + hdr_desc->struct_size);
  msg->hdr->type = MKY_PT_HDR;
  msg->hdr->in_message = TRUE;
  if (!mky_desc_parse (hdr_desc, &msg->hdr->u, data, len, &pos, &first,
          memory, error))
    goto fail;
  msg->hdr->length = pos;

  msg->payloads = mky_payload_chain_parse_in (data, len, pos, first, memory,
      error);
  if (msg->payloads == NULL)
    goto fail;

  for (guint i = 0; i < msg->payloads->len; i++) {
    const MkyPayload *p = msg->payloads->pdata[i];
    if (at_most_once (p->type)) {
      if (seen & (1u << p->type)) {
        g_set_error (error, MKY_ERROR, MKY_ERROR_DUPLICATE_PAYLOAD,
            "%s payload occurs twice", mky_payload_type_name (p->type));
        goto fail;
      }
      seen |= 1u << p->type;
    }
  }
  return msg;

fail:
  mky_message_free (msg);
  return NULL;
}

MkyMessage *
mky_message_parse (const guint8 *data, gsize len, GError **error)
{
  /* the message, its structures and its copy of @data in one block */
  const guint8 *copy;
  MkyArena *memory = mky_arena_new_copy (MEMORY_SIZE (len), data, len, &copy);
  return parse_in (memory, copy, len, error);
}

MkyMessage *
mky_message_parse_bytes (GBytes *bytes, GError **error)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  MkyArena *memory = mky_arena_new (MEMORY_SIZE (len));
  MkyMessage *msg;

  /* the payloads point into it, whatever later happens to msg->raw */
  mky_arena_keep (memory, bytes);
  msg = parse_in (memory, data, len, error);
  if (msg)
    msg->raw = g_bytes_ref (bytes);
  return msg;
}

GBytes *
mky_message_serialize (MkyMessage *msg, GError **error)
{
  GByteArray *out = g_byte_array_new ();
  MkyArray *a = msg->payloads;
  guint first = a->len ? ((MkyPayload *) a->pdata[0])->type : MKY_PT_LAST;

  if (!mky_desc_serialize (mky_desc_for_type (MKY_PT_HDR), &msg->hdr->u, first,
          out, error)
      || !mky_payload_chain_serialize (a->pdata, a->len, out, error)) {
    g_byte_array_unref (out);
    return NULL;
  }
  msg->hdr->length = a->len ? ((MkyPayload *) a->pdata[0])->offset : out->len;
  mky_message_set_wire (msg, g_byte_array_free_to_bytes (out));
  return g_bytes_ref (msg->raw);
}

/* Room for one more payload in an array the message owns: a parsed
 * message's array (@alloc 0) moves out of its memory */
static void
reserve_one (MkyArray *a)
{
  guint alloc;
  gpointer *grown;

  if (a->len < a->alloc)
    return;
  alloc = MAX (8, 2 * a->len);
  grown = g_new (gpointer, alloc);
  if (a->len)
    memcpy (grown, a->pdata, a->len * sizeof *grown);
  if (a->alloc)
    g_free (a->pdata);
  a->pdata = grown;
  a->alloc = alloc;
}

void
mky_message_insert (MkyMessage *msg, guint index, MkyPayload *p)
{
  MkyArray *a = msg->payloads;

  g_return_if_fail (index <= a->len);
  reserve_one (a);
  memmove (a->pdata + index + 1, a->pdata + index,
      (a->len - index) * sizeof *a->pdata);
  a->pdata[index] = p;
  a->len++;
}

void
mky_message_remove (MkyMessage *msg, guint index)
{
  MkyArray *a = msg->payloads;
  MkyPayload *p;

  g_return_if_fail (index < a->len);
  p = a->pdata[index];
  reserve_one (a);
  a->len--;
  memmove (a->pdata + index, a->pdata + index + 1,
      (a->len - index) * sizeof *a->pdata);
  mky_payload_free (p);
}

MkyPayload *
mky_message_add (MkyMessage *msg, MkyPayloadType type)
{
  MkyPayload *p = mky_payload_new (type);
  guint n = msg->payloads->len;
  if (n && ((MkyPayload *) msg->payloads->pdata[n - 1])->type == MKY_PT_SIGN)
    mky_message_insert (msg, n - 1, p);
  else
    mky_message_insert (msg, n, p);
  return p;
}

MkyPayload *
mky_message_find (const MkyMessage *msg, guint type, guint nth)
{
  for (guint i = 0; i < msg->payloads->len; i++) {
    MkyPayload *p = msg->payloads->pdata[i];
    if (p->type == type && nth-- == 0)
      return p;
  }
  return NULL;
}

guint
mky_message_count (const MkyMessage *msg, guint type)
{
  guint n = 0;
  for (guint i = 0; i < msg->payloads->len; i++)
    n += ((MkyPayload *) msg->payloads->pdata[i])->type == type;
  return n;
}
