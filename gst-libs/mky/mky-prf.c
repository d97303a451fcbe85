/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "mky-prf.h"
#include "mky-hmac.h"

/* P(s, label, m) of RFC 3830 §4.1.2 with the keyed HMAC of s, XORed
 * into @out */
static void
p_xor (const MkyHmac *keyed, const guint8 *label, gsize label_len,
    guint8 *out, gsize out_len)
{
  guint8 a[MKY_HMAC_MAX], block[MKY_HMAC_MAX];
  MkyHmac h = *keyed;
  gsize hlen = mky_hmac_len (&h);

  /* A_1 = HMAC (s, label) */
  mky_hmac_update (&h, label, label_len);
  mky_hmac_digest (&h, a);
  for (gsize done = 0; done < out_len; done += hlen) {
    mky_hmac_update (&h, a, hlen);
    mky_hmac_update (&h, label, label_len);
    mky_hmac_digest (&h, block);
    for (gsize i = 0; i < MIN (hlen, out_len - done); i++)
      out[done + i] ^= block[i];
    if (done + hlen < out_len) {
      mky_hmac_update (&h, a, hlen);
      mky_hmac_digest (&h, a);
    }
  }
  mky_hmac_clear (&h);
  explicit_bzero (a, sizeof a);
  explicit_bzero (block, sizeof block);
}

gboolean
mky_prf_key_init (MkyPrfKey *key, MkyPrf prf, const guint8 *inkey,
    gsize inkey_len)
{
  MkyHmac *pieces;

  memset (key, 0, sizeof *key);
  if ((prf != MKY_PRF_MIKEY_1 && prf != MKY_PRF_HMAC_SHA_256) || inkey_len == 0)
    return FALSE;
  /* inkey = s_1 || ... || s_n, 256-bit pieces, the last one possibly
   * shorter: a whole multiple of 32 bytes has no empty last piece. */
  key->prf = prf;
  key->n_pieces = (inkey_len + 31) / 32;
  pieces = g_new (MkyHmac, key->n_pieces);
  for (guint i = 0; i < key->n_pieces; i++)
    mky_hmac_init (&pieces[i], prf == MKY_PRF_HMAC_SHA_256, inkey + 32 * i,
        MIN (32, inkey_len - 32 * i));
  key->pieces = pieces;
  return TRUE;
}

void
mky_prf_key_clear (MkyPrfKey *key)
{
  if (key->pieces) {
    explicit_bzero (key->pieces, key->n_pieces * sizeof (MkyHmac));
    g_free (key->pieces);
  }
  memset (key, 0, sizeof *key);
}

static void
prf_keyed (const MkyPrfKey *key, const guint8 *label, gsize label_len,
    guint8 *out, gsize out_len)
{
  memset (out, 0, out_len);
  for (guint i = 0; i < key->n_pieces; i++)
    p_xor (&((const MkyHmac *) key->pieces)[i], label, label_len, out, out_len);
}

gboolean
mky_prf (MkyPrf prf, const guint8 *inkey, gsize inkey_len,
    const guint8 *label, gsize label_len, guint8 *out, gsize out_len)
{
  MkyPrfKey key;
  if (!mky_prf_key_init (&key, prf, inkey, inkey_len))
    return FALSE;
  prf_keyed (&key, label, label_len, out, out_len);
  mky_prf_key_clear (&key);
  return TRUE;
}

void
mky_prf_key_derive (const MkyPrfKey *key, guint32 constant, guint8 id,
    guint32 csb_id, const guint8 *rand, gsize rand_len, guint8 *out,
    gsize out_len)
{
  guint8 label[9 + 255];

  g_return_if_fail (rand_len <= 255);
  label[0] = constant >> 24;
  label[1] = constant >> 16;
  label[2] = constant >> 8;
  label[3] = constant;
  label[4] = id;
  label[5] = csb_id >> 24;
  label[6] = csb_id >> 16;
  label[7] = csb_id >> 8;
  label[8] = csb_id;
  if (rand_len)
    memcpy (label + 9, rand, rand_len);
  prf_keyed (key, label, 9 + rand_len, out, out_len);
}

gboolean
mky_prf_derive (MkyPrf prf, const guint8 *inkey, gsize inkey_len,
    guint32 constant, guint8 id, guint32 csb_id, const guint8 *rand,
    gsize rand_len, guint8 *out, gsize out_len)
{
  MkyPrfKey key;
  if (rand_len > 255 || !mky_prf_key_init (&key, prf, inkey, inkey_len))
    return FALSE;
  mky_prf_key_derive (&key, constant, id, csb_id, rand, rand_len, out, out_len);
  mky_prf_key_clear (&key);
  return TRUE;
}
