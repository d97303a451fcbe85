/* mky: MIKEY protocol core
 * Payloads and chains of payloads, on top of the descriptions.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "mky-desc.h"
#include "mky-error.h"

MkyPayload *
mky_payload_new (MkyPayloadType type)
{
  MkyPayload *p;
  g_return_val_if_fail (mky_desc_for_type (type) != NULL, NULL);
  p = g_new0 (MkyPayload, 1);
  p->type = type;
  if (type == MKY_PT_HDR)
    p->u.hdr.version = MKY_VERSION_1;
  return p;
}

void
mky_payload_free (MkyPayload *p)
{
  /* a parsed message's payloads go with its memory */
  if (p == NULL || p->in_message)
    return;
  mky_desc_clear (mky_desc_for_type (p->type), &p->u);
  g_free (p);
}

MkyPayload *
mky_payload_copy (const MkyPayload *p)
{
  MkyPayload *copy = g_new0 (MkyPayload, 1);
  copy->type = p->type;
  copy->offset = p->offset;
  copy->length = p->length;
  mky_desc_copy (mky_desc_for_type (p->type), &copy->u, &p->u);
  return copy;
}

void
mky_sp_add_param (MkySp *sp, guint8 type, const guint8 *value, gsize len)
{
  MkySpParam *param = g_new0 (MkySpParam, 1);
  param->type = type;
  mky_bytes_set (&param->value, value, len);
  mky_array_add (&sp->params, param);
}

void
mky_sp_add_param_u8 (MkySp *sp, guint8 type, guint8 value)
{
  mky_sp_add_param (sp, type, &value, 1);
}

const MkySpParam *
mky_sp_find_param (const MkySp *sp, guint8 type)
{
  for (guint i = 0; sp->params && i < sp->params->len; i++) {
    const MkySpParam *param = sp->params->pdata[i];
    if (param->type == type)
      return param;
  }
  return NULL;
}

void
mky_hdr_add_cs_srtp (MkyHdr *hdr, guint8 policy, guint32 ssrc, guint32 roc)
{
  MkyCsSrtp *cs = g_new0 (MkyCsSrtp, 1);
  cs->policy = policy;
  cs->ssrc = ssrc;
  cs->roc = roc;
  mky_array_add (&hdr->cs_srtp, cs);
  hdr->n_cs = hdr->cs_srtp->len;
}

MkyCsGeneric *
mky_hdr_add_cs_generic (MkyHdr *hdr)
{
  MkyCsGeneric *cs = g_new0 (MkyCsGeneric, 1);
  mky_array_add (&hdr->cs_generic, cs);
  hdr->n_cs = hdr->cs_generic->len;
  return cs;
}

GPtrArray *
mky_payload_chain_parse (const guint8 *data, gsize len, gsize start_pos,
    guint first, GError **error)
{
  MkyArray *a = mky_payload_chain_parse_in (data, len, start_pos, first, NULL,
      error);
  return a ? mky_array_to_ptr_array (a, NULL) : NULL;
}

GPtrArray *
mky_array_to_ptr_array (MkyArray *a, MkyArena *memory)
{
  GPtrArray *out = g_ptr_array_new_full (a->len,
      (GDestroyNotify) mky_payload_free);
  for (guint i = 0; i < a->len; i++)
    g_ptr_array_add (out, a->pdata[i]);
  if (memory == NULL) {
    g_free (a->pdata);
    g_free (a);
  }
  return out;
}

gboolean
mky_payload_chain_serialize (gpointer *payloads, guint n, GByteArray *out,
    GError **error)
{
  for (guint i = 0; i < n; i++) {
    MkyPayload *p = payloads[i];
    guint next = i + 1 < n ? ((MkyPayload *) payloads[i + 1])->type
        : MKY_PT_LAST;
    gsize start = out->len;

    if (p->type == MKY_PT_SIGN && next != MKY_PT_LAST) {
      g_set_error (error, MKY_ERROR, MKY_ERROR_INVALID_ARGUMENT,
          "SIGN must be the last payload");
      return FALSE;
    }
    if (!mky_desc_serialize (mky_desc_for_type (p->type), &p->u, next, out,
            error))
      return FALSE;
    p->offset = start;
    p->length = out->len - start;
  }
  return TRUE;
}
