/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>
#include <gnutls/crypto.h>

#include "mky-csb.h"
#include "mky-desc.h"
#include "mky-error.h"
#include "mky-prf.h"

enum { CS, POLICIES, KEYS };

/* A bundle's arrays start in its own slots: a typical one allocates
 * nothing for them */
static void
array_add (MkyCsb *csb, guint which, gpointer item)
{
  MkyArray *a = &csb->arrays[which];
  gpointer *slots = csb->slots[which];
  guint room = a->pdata == slots ? G_N_ELEMENTS (csb->slots[0]) : a->alloc;

  if (a->len == room) {
    gpointer *grown = g_new (gpointer, 2 * room);
    memcpy (grown, a->pdata, a->len * sizeof *grown);
    if (a->pdata != slots)
      g_free (a->pdata);
    a->pdata = grown;
    a->alloc = 2 * room;
  }
  a->pdata[a->len++] = item;
}

static void
item_free (guint which, gpointer item)
{
  if (which == CS)
    g_free (item);
  else
    mky_payload_free (item);
}

static void
array_remove (MkyCsb *csb, guint which, guint index)
{
  MkyArray *a = &csb->arrays[which];
  gpointer item = a->pdata[index];

  a->len--;
  memmove (a->pdata + index, a->pdata + index + 1,
      (a->len - index) * sizeof *a->pdata);
  item_free (which, item);
}

static void
array_clear (MkyCsb *csb, guint which)
{
  MkyArray *a = &csb->arrays[which];
  while (a->len)
    item_free (which, a->pdata[--a->len]);
}

MkyCsb *
mky_csb_new (guint32 csb_id)
{
  MkyCsb *csb = g_new0 (MkyCsb, 1);
  csb->ref_count = 1;
  /* RFC 3830 §6.1: RECOMMENDED random */
  while (csb_id == 0)
    gnutls_rnd (GNUTLS_RND_NONCE, &csb_id, sizeof csb_id);
  csb->csb_id = csb_id;
  csb->map_type = MKY_MAP_SRTP_ID;
  for (guint i = 0; i < G_N_ELEMENTS (csb->arrays); i++)
    csb->arrays[i].pdata = csb->slots[i];
  csb->cs = &csb->arrays[CS];
  csb->policies = &csb->arrays[POLICIES];
  csb->keys = &csb->arrays[KEYS];
  return csb;
}

MkyCsb *
mky_csb_ref (MkyCsb *csb)
{
  g_atomic_int_inc (&csb->ref_count);
  return csb;
}

void
mky_csb_unref (MkyCsb *csb)
{
  if (csb == NULL || !g_atomic_int_dec_and_test (&csb->ref_count))
    return;
  for (guint i = 0; i < G_N_ELEMENTS (csb->arrays); i++) {
    array_clear (csb, i);
    if (csb->arrays[i].pdata != csb->slots[i])
      g_free (csb->arrays[i].pdata);
  }
  mky_bytes_clear (&csb->rand, FALSE);
  mky_arena_unref (csb->memory);
  g_free (csb);
}

void
mky_csb_add_cs (MkyCsb *csb, guint8 policy_no, guint32 ssrc, guint32 roc)
{
  MkyCsSrtp *cs = g_new0 (MkyCsSrtp, 1);
  cs->policy = policy_no;
  cs->ssrc = ssrc;
  cs->roc = roc;
  array_add (csb, CS, cs);
}

void
mky_csb_clear_cs (MkyCsb *csb)
{
  array_clear (csb, CS);
}

void
mky_csb_take_policy (MkyCsb *csb, MkyPayload *sp)
{
  for (guint i = 0; i < csb->policies->len; i++)
    if (((MkyPayload *) csb->policies->pdata[i])->u.sp.policy_no
        == sp->u.sp.policy_no)
      array_remove (csb, POLICIES, i--);
  array_add (csb, POLICIES, sp);
}

void
mky_csb_take_key (MkyCsb *csb, MkyPayload *kd)
{
  array_add (csb, KEYS, kd);
}

void
mky_csb_remove_key (MkyCsb *csb, guint index)
{
  g_return_if_fail (index < csb->keys->len);
  array_remove (csb, KEYS, index);
}

const MkySp *
mky_csb_find_policy (const MkyCsb *csb, guint8 policy_no)
{
  for (guint i = 0; i < csb->policies->len; i++) {
    const MkyPayload *p = csb->policies->pdata[i];
    if (p->u.sp.policy_no == policy_no)
      return &p->u.sp;
  }
  return NULL;
}

void
mky_csb_set_policy (MkyCsb *csb, guint8 policy_no, const MkySrtpPolicy *policy,
    gboolean gstreamer_form)
{
  MkyPayload *p = mky_payload_new (MKY_PT_SP);

  p->u.sp.policy_no = policy_no;
  p->u.sp.prot_type = MKY_PROT_SRTP;
  mky_srtp_policy_to_sp (policy, gstreamer_form, &p->u.sp);
  mky_csb_take_policy (csb, p);
}

static void
set_or_draw (MkyBytes *b, const guint8 *data, gsize len)
{
  if (data) {
    mky_bytes_set (b, data, len);
    return;
  }
  gnutls_rnd (GNUTLS_RND_KEY, mky_bytes_alloc (b, len), len);
}

MkyKeyData *
mky_csb_add_key (MkyCsb *csb, MkyKeyDataType type, const guint8 *key,
    gsize key_len, const guint8 *salt, gsize salt_len, const guint8 *mki,
    gsize mki_len)
{
  MkyPayload *p = mky_payload_new (MKY_PT_KEY_DATA);
  MkyKeyData *kd = &p->u.key_data;

  kd->type = type;
  set_or_draw (&kd->key, key, key_len);
  if (mky_key_data_type_has_salt (type))
    set_or_draw (&kd->salt, salt, salt_len);
  if (mki_len) {
    kd->kv.kv = MKY_KV_SPI;
    mky_bytes_set (&kd->kv.spi, mki, mki_len);
  }
  array_add (csb, KEYS, p);
  return kd;
}

void
mky_csb_clear_keys (MkyCsb *csb)
{
  array_clear (csb, KEYS);
}

void
mky_secure_array_free (GByteArray *a)
{
  if (a == NULL)
    return;
  if (a->len)
    explicit_bzero (a->data, a->len);
  g_byte_array_unref (a);
}

GByteArray *
mky_csb_keys_serialize (const MkyCsb *csb, GError **error)
{
  GByteArray *out = g_byte_array_new ();
  if (!mky_payload_chain_serialize (csb->keys->pdata, csb->keys->len, out,
          error)) {
    mky_secure_array_free (out);
    return NULL;
  }
  return out;
}

guint
mky_csb_n_sessions (const MkyCsb *csb)
{
  return MAX (csb->cs->len, 1);
}

/* Wipe what get_srtp may have written: the fixed part and the keys up to
 * the one it was working on. */
void
mky_srtp_keying_clear (MkySrtpKeying *k)
{
  guint n = MIN (k->n_keys + 1, MKY_SRTP_MAX_KEYS);
  explicit_bzero (k, offsetof (MkySrtpKeying, keys) + n * sizeof k->keys[0]);
}

static gsize
mki_len (const MkyKeyData *kd)
{
  return kd->kv.kv == MKY_KV_SPI ? kd->kv.spi.len : 0;
}

/* Master key and salt of one crypto session from one Key data sub-payload:
 * RFC 3830 §4.1.3 for a TGK, App. A.1 for a TEK. A carried salt SHALL be
 * used; without one a TGK gives the salt through the PRF. With @mk NULL,
 * only check that it would work. */
static gboolean
master_key (const MkyCsb *csb, const MkyKeyData *kd, guint8 cs_id,
    const MkySrtpPolicy *pol, MkySpCompat compat, MkySrtpMasterKey *mk,
    GError **error)
{
  gboolean carried_salt = mky_key_data_type_has_salt (kd->type);

  switch (kd->type) {
    case MKY_KD_TGK:
    case MKY_KD_TGK_SALT:
      if (csb->cs->len == 0) {
        g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_KEY_DATA,
            "a TGK needs a crypto session map to derive keys for");
        return FALSE;
      }
      if (kd->key.len == 0) {
        g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_KEY_DATA, "empty TGK");
        return FALSE;
      }
      if (csb->prf != MKY_PRF_MIKEY_1 && csb->prf != MKY_PRF_HMAC_SHA_256) {
        g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_PRF, "PRF %u unknown",
            csb->prf);
        return FALSE;
      }
      if (mk) {
        MkyPrfKey tgk;
        mky_prf_key_init (&tgk, csb->prf, kd->key.data, kd->key.len);
        mky_prf_key_derive (&tgk, MKY_CONST_TEK, cs_id, csb->csb_id,
            csb->rand.data, csb->rand.len, mk->key, pol->key_len);
        if (!carried_salt)
          mky_prf_key_derive (&tgk, MKY_CONST_SALT, cs_id, csb->csb_id,
              csb->rand.data, csb->rand.len, mk->salt, pol->salt_len);
        mky_prf_key_clear (&tgk);
      }
      break;

    case MKY_KD_TEK:
    case MKY_KD_TEK_SALT:
      if (kd->key.len == pol->key_len && carried_salt) {
        if (mk)
          memcpy (mk->key, kd->key.data, pol->key_len);
      } else if (kd->type == MKY_KD_TEK && compat == MKY_SP_COMPAT_ACCEPT_GSTREAMER
          && kd->key.len == pol->key_len + pol->salt_len) {
        /* GStreamer, live555 and ONVIF cameras send key || salt as one TEK */
        if (mk) {
          memcpy (mk->key, kd->key.data, pol->key_len);
          memcpy (mk->salt, kd->key.data + pol->key_len, pol->salt_len);
        }
      } else {
        g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_KEY_DATA,
            "TEK of %" G_GSIZE_FORMAT " bytes%s does not fit a %u-byte key and "
            "%u-byte salt", kd->key.len,
            carried_salt ? " with salt" : " without salt", pol->key_len,
            pol->salt_len);
        return FALSE;
      }
      break;

    default:
      g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_KEY_DATA,
          "key data type %u does not key SRTP", kd->type);
      return FALSE;
  }
  if (carried_salt) {
    if (kd->salt.len != pol->salt_len) {
      g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_KEY_DATA,
          "salt of %" G_GSIZE_FORMAT " bytes, the policy needs %u",
          kd->salt.len, pol->salt_len);
      return FALSE;
    }
    if (mk)
      memcpy (mk->salt, kd->salt.data, pol->salt_len);
  }
  if (kd->kv.kv == MKY_KV_SPI && kd->kv.spi.len > sizeof mk->mki) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_KEY_DATA,
        "MKI of %" G_GSIZE_FORMAT " bytes", kd->kv.spi.len);
    return FALSE;
  }
  if (mk) {
    mk->key_len = pol->key_len;
    mk->salt_len = pol->salt_len;
    mk->mki_len = mki_len (kd);
    if (mk->mki_len)
      memcpy (mk->mki, kd->kv.spi.data, mk->mki_len);
  }
  return TRUE;
}

/* Session @index's policy and keys; with @out->keys not to be filled
 * (@derive FALSE) only the checks run, no key is derived. */
static gboolean
session_keying (const MkyCsb *csb, guint index, MkySpCompat compat,
    gboolean derive, MkySrtpKeying *out, GError **error)
{
  const MkySp *sp;
  gsize mki0;

  memset (out, 0, offsetof (MkySrtpKeying, keys));
  if (index >= mky_csb_n_sessions (csb)) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_INVALID_ARGUMENT,
        "no crypto session %u", index);
    return FALSE;
  }
  if (csb->cs->len) {
    const MkyCsSrtp *cs = csb->cs->pdata[index];
    out->cs_id = index + 1;
    out->ssrc = cs->ssrc;
    out->roc = cs->roc;
    out->policy_no = cs->policy;
  }
  sp = mky_csb_find_policy (csb, out->policy_no);
  /* with no SP at all, every parameter takes its SRTP default */
  if (sp == NULL && csb->policies->len) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_UNSUPPORTED_SP,
        "no security policy number %u", out->policy_no);
    return FALSE;
  }
  if (!mky_srtp_policy_from_sp (sp, compat, &out->policy, error))
    return FALSE;

  if (csb->keys->len == 0 || csb->keys->len > MKY_SRTP_MAX_KEYS) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_KEY_DATA,
        "%u keys (1 to %u needed)", csb->keys->len, MKY_SRTP_MAX_KEYS);
    return FALSE;
  }
  mki0 = mki_len (&((MkyPayload *) csb->keys->pdata[0])->u.key_data);
  for (guint i = 0; i < csb->keys->len; i++) {
    const MkyKeyData *kd = &((MkyPayload *) csb->keys->pdata[i])->u.key_data;

    /* srtpdec tells several keys apart only by MKIs of one length */
    if (csb->keys->len > 1 && (mki_len (kd) == 0 || mki_len (kd) != mki0)) {
      g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_KEY_DATA,
          "several keys need MKIs (KV SPI) of one length");
      return FALSE;
    }
    if (!master_key (csb, kd, out->cs_id, &out->policy, compat,
            derive ? &out->keys[i] : NULL, error))
      return FALSE;
    if (derive)
      out->n_keys++;
  }
  return TRUE;
}

gboolean
mky_csb_get_srtp (const MkyCsb *csb, guint index, MkySpCompat compat,
    MkySrtpKeying *out, GError **error)
{
  if (session_keying (csb, index, compat, TRUE, out, error))
    return TRUE;
  mky_srtp_keying_clear (out);
  return FALSE;
}

gboolean
mky_csb_check (const MkyCsb *csb, MkySpCompat compat, GError **error)
{
  MkySrtpKeying k;
  for (guint i = 0; i < mky_csb_n_sessions (csb); i++)
    if (!session_keying (csb, i, compat, FALSE, &k, error))
      return FALSE;
  return TRUE;
}

static void
append_hex_field (GString *s, const char *name, guint n, const guint8 *a,
    gsize a_len, const guint8 *b, gsize b_len)
{
  g_string_append_printf (s, ", %s%u=(buffer)", name, n);
  for (gsize i = 0; i < a_len; i++)
    g_string_append_printf (s, "%02x", a[i]);
  for (gsize i = 0; i < b_len; i++)
    g_string_append_printf (s, "%02x", b[i]);
}

char *
mky_srtp_keying_caps_string (const MkySrtpKeying *k, GError **error)
{
  const MkySrtpMasterKey *mk = &k->keys[0];
  g_autofree char *first = NULL;
  GString *s;

  if (k->n_keys == 0) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_KEY_DATA, "no keys");
    return NULL;
  }
  first = mky_srtp_caps_string (&k->policy, k->ssrc, k->roc, mk->key,
      mk->key_len, mk->salt, mk->salt_len, mk->mki, mk->mki_len, error);
  if (first == NULL)
    return NULL;
  s = g_string_new (first);
  explicit_bzero (first, strlen (first));
  for (guint i = 1; i < k->n_keys; i++) {
    mk = &k->keys[i];
    append_hex_field (s, "srtp-key", i + 1, mk->key, mk->key_len, mk->salt,
        mk->salt_len);
    append_hex_field (s, "mki", i + 1, mk->mki, mk->mki_len, NULL, 0);
  }
  return g_string_free (s, FALSE);
}
