/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "mky-prf.h"
#include "mky-hmac.h"

/* P(s, label, m) of RFC 3830 §4.1.2, XORed into @out */
static void
p_xor (gboolean sha256, const guint8 *s, gsize s_len, const guint8 *label,
    gsize label_len, guint8 *out, gsize out_len)
{
  guint8 a[MKY_HMAC_MAX], block[MKY_HMAC_MAX];
  MkyHmac h;
  gsize hlen = mky_hmac_init (&h, sha256, s, s_len);

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
mky_prf (MkyPrf prf, const guint8 *inkey, gsize inkey_len,
    const guint8 *label, gsize label_len, guint8 *out, gsize out_len)
{
  if ((prf != MKY_PRF_MIKEY_1 && prf != MKY_PRF_HMAC_SHA_256) || inkey_len == 0)
    return FALSE;

  memset (out, 0, out_len);
  /* inkey = s_1 || ... || s_n, 256-bit pieces, the last one possibly
   * shorter: a whole multiple of 32 bytes has no empty last piece. */
  for (gsize off = 0; off < inkey_len; off += 32)
    p_xor (prf == MKY_PRF_HMAC_SHA_256, inkey + off, MIN (32, inkey_len - off),
        label, label_len, out, out_len);
  return TRUE;
}

gboolean
mky_prf_derive (MkyPrf prf, const guint8 *inkey, gsize inkey_len,
    guint32 constant, guint8 id, guint32 csb_id, const guint8 *rand,
    gsize rand_len, guint8 *out, gsize out_len)
{
  guint8 label[9 + 255];

  g_return_val_if_fail (rand_len <= 255, FALSE);
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
  return mky_prf (prf, inkey, inkey_len, label, 9 + rand_len, out, out_len);
}
