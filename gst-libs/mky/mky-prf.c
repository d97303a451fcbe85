/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>
#include <gnutls/crypto.h>

#include "mky-prf.h"

#define MAX_HASH 32

/* P(s, label, m) of RFC 3830 §4.1.2, XORed into @out */
static void
p_xor (gnutls_mac_algorithm_t alg, gsize hlen, const guint8 *s, gsize s_len,
    const guint8 *label, gsize label_len, guint8 *out, gsize out_len)
{
  guint8 a[MAX_HASH], block[MAX_HASH];
  gnutls_hmac_hd_t h;
  gsize done = 0;

  /* A_1 = HMAC (s, label) */
  gnutls_hmac_fast (alg, s, s_len, label, label_len, a);
  gnutls_hmac_init (&h, alg, s, s_len);
  while (done < out_len) {
    gsize n = MIN (hlen, out_len - done);
    gnutls_hmac (h, a, hlen);
    gnutls_hmac (h, label, label_len);
    gnutls_hmac_output (h, block);
    for (gsize i = 0; i < n; i++)
      out[done + i] ^= block[i];
    done += n;
    if (done < out_len) {
      gnutls_hmac (h, a, hlen);
      gnutls_hmac_output (h, a);
    }
  }
  gnutls_hmac_deinit (h, NULL);
  explicit_bzero (a, sizeof a);
  explicit_bzero (block, sizeof block);
}

gboolean
mky_prf (MkyPrf prf, const guint8 *inkey, gsize inkey_len,
    const guint8 *label, gsize label_len, guint8 *out, gsize out_len)
{
  gnutls_mac_algorithm_t alg;
  gsize hlen;

  switch (prf) {
    case MKY_PRF_MIKEY_1:
      alg = GNUTLS_MAC_SHA1;
      hlen = 20;
      break;
    case MKY_PRF_HMAC_SHA_256:
      alg = GNUTLS_MAC_SHA256;
      hlen = 32;
      break;
    default:
      return FALSE;
  }
  if (inkey_len == 0)
    return FALSE;

  memset (out, 0, out_len);
  /* inkey = s_1 || ... || s_n, 256-bit pieces, the last one possibly
   * shorter: a whole multiple of 32 bytes has no empty last piece. */
  for (gsize off = 0; off < inkey_len; off += 32)
    p_xor (alg, hlen, inkey + off, MIN (32, inkey_len - off), label,
        label_len, out, out_len);
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
