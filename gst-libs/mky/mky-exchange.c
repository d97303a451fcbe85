/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "mky-exchange.h"
#include "mky-error.h"
#include "mky-time.h"

/* Identity_i || Identity_r || Timestamp that follows a verification or
 * error message under its MAC (RFC 3830 §5.2). Reading: the identities are
 * the ID data (not whole payloads, as RFC 6043 §5.5 words it) and the
 * timestamp the TS value as transported. */
GByteArray *
mky_exchange_verify_extra (const MkyBytes *idi, const MkyBytes *idr, const MkyT *t)
{
  GByteArray *a = g_byte_array_new ();
  guint8 ts[8];
  gsize ts_len = t->ts_type <= MKY_TS_NTP ? 8 : 4;

  if (idi && idi->len)
    g_byte_array_append (a, idi->data, idi->len);
  if (idr && idr->len)
    g_byte_array_append (a, idr->data, idr->len);
  for (gsize i = 0; i < ts_len; i++)
    ts[i] = t->ts >> (8 * (ts_len - 1 - i));
  g_byte_array_append (a, ts, ts_len);
  return a;
}

void
mky_exchange_add_id (MkyMessage *msg, MkyIdType type, const char *id)
{
  MkyPayload *p = mky_message_add (msg, MKY_PT_ID);
  p->u.id.type = type;
  mky_bytes_set (&p->u.id.data, (const guint8 *) id, strlen (id));
}

void
mky_exchange_copy_map (MkyHdr *hdr, GPtrArray *cs)
{
  hdr->map_type = MKY_MAP_SRTP_ID;
  for (guint i = 0; i < cs->len; i++) {
    const MkyCsSrtp *c = cs->pdata[i];
    mky_hdr_add_cs_srtp (hdr, c->policy, c->ssrc, c->roc);
  }
}

/* HDR, T (echoed), {ERR}, {SP}, [V]: RFC 3830 §5.1.2. With @keys NULL the
 * message is not authenticated, as after an authentication failure. */
GBytes *
mky_exchange_error (const MkyHdr *req, const MkyT *t, MkyErrNo err_no,
    const MkyPayload *offer, const MkyMsgKeys *keys, const MkyBytes *idi,
    const MkyBytes *idr)
{
  g_autoptr (MkyMessage) msg = mky_message_new (MKY_TYPE_ERROR, req->csb_id);
  MkyPayload *p;
  GBytes *out;

  mky_message_hdr (msg)->prf = req->prf <= MKY_PRF_HMAC_SHA_256 ? req->prf : 0;
  mky_message_hdr (msg)->map_type = MKY_MAP_EMPTY;
  p = mky_message_add (msg, MKY_PT_T);
  p->u.t = *t;
  p = mky_message_add (msg, MKY_PT_ERR);
  p->u.err.err_no = err_no;
  if (offer)
    g_ptr_array_add (msg->payloads, mky_payload_copy (offer));
  if (keys && keys->mac_alg != MKY_MAC_NULL) {
    g_autoptr (GByteArray) extra = mky_exchange_verify_extra (idi, idr, t);
    mky_message_add (msg, MKY_PT_V);
    out = mky_message_seal_mac (msg, keys, extra->data, extra->len, NULL);
  } else {
    out = mky_message_serialize (msg, NULL);
  }
  return out;
}

/* Every Initiator message needs a timestamp of its own (RFC 3830 §5.2):
 * two in one clock tick get consecutive values. */
gboolean
mky_exchange_unique_time (MkyT *t, const MkyT *last, MkyTsType type, gint64 now_us,
    GError **error)
{
  if (!mky_t_set_time (t, type, now_us, error))
    return FALSE;
  if (last->ts_type == t->ts_type && t->ts <= last->ts)
    t->ts = last->ts + 1;
  return TRUE;
}

const MkyBytes *
mky_exchange_id (const MkyMessage *msg, guint nth)
{
  const MkyPayload *p = mky_message_find (msg, MKY_PT_ID, nth);
  return p ? &p->u.id.data : NULL;
}

gboolean
mky_exchange_id_matches (const char *want, const MkyBytes *got)
{
  return want == NULL || (got && got->len == strlen (want)
      && memcmp (got->data, want, got->len) == 0);
}

/* The bundle an authenticated I_MESSAGE leaves: a new one, or @old with the
 * update applied (RFC 3830 §4.5: new keys, policies or map replace the old). */
MkyCsb *
mky_exchange_apply (const MkyCsb *old, const MkyMessage *msg, GPtrArray *keys)
{
  const MkyHdr *hdr = mky_message_hdr (msg);
  const MkyPayload *rand = mky_message_find (msg, MKY_PT_RAND, 0);
  MkyCsb *csb = mky_csb_new (hdr->csb_id);

  csb->prf = hdr->prf;
  csb->t = mky_message_find (msg, MKY_PT_T, 0)->u.t;
  if (old && !rand) {
    mky_bytes_set (&csb->rand, old->rand.data, old->rand.len);
    for (guint i = 0; i < old->cs->len; i++)
      g_ptr_array_add (csb->cs, g_memdup2 (old->cs->pdata[i], sizeof (MkyCsSrtp)));
    for (guint i = 0; i < old->policies->len; i++)
      g_ptr_array_add (csb->policies, mky_payload_copy (old->policies->pdata[i]));
    if (keys->len == 0)
      for (guint i = 0; i < old->keys->len; i++)
        g_ptr_array_add (csb->keys, mky_payload_copy (old->keys->pdata[i]));
  } else {
    mky_bytes_set (&csb->rand, rand->u.rand.rand.data, rand->u.rand.rand.len);
  }
  if (hdr->n_cs && hdr->cs_srtp) {
    g_ptr_array_set_size (csb->cs, 0);
    for (guint i = 0; i < hdr->cs_srtp->len; i++)
      g_ptr_array_add (csb->cs, g_memdup2 (hdr->cs_srtp->pdata[i], sizeof (MkyCsSrtp)));
  }
  for (guint i = 0; i < msg->payloads->len; i++) {
    const MkyPayload *p = msg->payloads->pdata[i];
    if (p->type == MKY_PT_SP) {
      for (guint k = 0; k < csb->policies->len; k++)
        if (((MkyPayload *) csb->policies->pdata[k])->u.sp.policy_no == p->u.sp.policy_no)
          g_ptr_array_remove_index (csb->policies, k--);
      /* the bundle outlives the message, whose memory the SP shares */
      g_ptr_array_add (csb->policies, mky_payload_copy (p));
    }
  }
  while (keys->len)
    g_ptr_array_add (csb->keys, g_ptr_array_steal_index (keys, 0));
  return csb;
}

MkyErrNo
mky_exchange_keying_err_no (const GError *error)
{
  return g_error_matches (error, MKY_ERROR, MKY_ERROR_UNSUPPORTED_SP)
      ? MKY_ERR_INVALID_SPPAR : MKY_ERR_UNSPECIFIED;
}

void
mky_csb_table_init (MkyCsbTable *t, guint max)
{
  t->csbs = g_hash_table_new_full (NULL, NULL, NULL,
      (GDestroyNotify) mky_csb_unref);
  g_queue_init (&t->order);
  t->max = MAX (max, 1);
}

void
mky_csb_table_clear (MkyCsbTable *t)
{
  g_clear_pointer (&t->csbs, g_hash_table_unref);
  g_queue_clear (&t->order);
}

MkyCsb *
mky_csb_table_lookup (MkyCsbTable *t, guint32 csb_id)
{
  return g_hash_table_lookup (t->csbs, GUINT_TO_POINTER (csb_id));
}

/* Keep @csb (a new ref) for later updates; the oldest goes when full */
void
mky_csb_table_store (MkyCsbTable *t, MkyCsb *csb)
{
  gpointer key = GUINT_TO_POINTER (csb->csb_id);
  if (g_hash_table_contains (t->csbs, key))
    g_queue_remove (&t->order, key);
  while (g_hash_table_size (t->csbs) >= t->max)
    g_hash_table_remove (t->csbs, g_queue_pop_head (&t->order));
  g_hash_table_replace (t->csbs, key, mky_csb_ref (csb));
  g_queue_push_tail (&t->order, key);
}
