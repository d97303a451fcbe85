/* mky: MIKEY protocol core
 * Diffie-Hellman over the OAKLEY MODP groups (RFC 3830 §3.3, §4.2.7, §6.4).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "mky-dh.h"
#include "mky-error.h"

#include <string.h>
#include <gmp.h>
#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>

/* Limbs and bytes are converted here, byte by byte, so that no secret goes
 * through GMP's mpz layer; that needs limbs without nail bits. */
G_STATIC_ASSERT (GMP_NAIL_BITS == 0);

/* Private exponent size of mky_dh_key_generate(), see mky-dh.h */
#define EXPONENT_BYTES 32

/* The primes as the RFCs print them. Each is
 *   p = 2^n - 2^(n-64) - 1 + 2^64 * (floor (2^(n-130) * pi) + k)
 * with k = 149686 (768), 129093 (1024), 741804 (1536); tests/core/dh.c
 * checks them against that formula and for being safe primes. */
static const struct {
  guint bits;
  const char *hex;
} groups[] = {
  /* OAKLEY 5: RFC 3526 §2, the 1536-bit MODP group */
  [MKY_DH_OAKLEY_5] = { 1536,
      "FFFFFFFF FFFFFFFF C90FDAA2 2168C234 C4C6628B 80DC1CD1"
      "29024E08 8A67CC74 020BBEA6 3B139B22 514A0879 8E3404DD"
      "EF9519B3 CD3A431B 302B0A6D F25F1437 4FE1356D 6D51C245"
      "E485B576 625E7EC6 F44C42E9 A637ED6B 0BFF5CB6 F406B7ED"
      "EE386BFB 5A899FA5 AE9F2411 7C4B1FE6 49286651 ECE45B3D"
      "C2007CB8 A163BF05 98DA4836 1C55D39A 69163FA8 FD24CF5F"
      "83655D23 DCA3AD96 1C62F356 208552BB 9ED52907 7096966D"
      "670C354E 4ABC9804 F1746C08 CA237327 FFFFFFFF FFFFFFFF" },
  /* OAKLEY 1: RFC 2409 §6.1, the First Oakley Default Group (768 bits) */
  [MKY_DH_OAKLEY_1] = { 768,
      "FFFFFFFF FFFFFFFF C90FDAA2 2168C234 C4C6628B 80DC1CD1"
      "29024E08 8A67CC74 020BBEA6 3B139B22 514A0879 8E3404DD"
      "EF9519B3 CD3A431B 302B0A6D F25F1437 4FE1356D 6D51C245"
      "E485B576 625E7EC6 F44C42E9 A63A3620 FFFFFFFF FFFFFFFF" },
  /* OAKLEY 2: RFC 2409 §6.2, the Second Oakley Group (1024 bits) */
  [MKY_DH_OAKLEY_2] = { 1024,
      "FFFFFFFF FFFFFFFF C90FDAA2 2168C234 C4C6628B 80DC1CD1"
      "29024E08 8A67CC74 020BBEA6 3B139B22 514A0879 8E3404DD"
      "EF9519B3 CD3A431B 302B0A6D F25F1437 4FE1356D 6D51C245"
      "E485B576 625E7EC6 F44C42E9 A637ED6B 0BFF5CB6 F406B7ED"
      "EE386BFB 5A899FA5 AE9F2411 7C4B1FE6 49286651 ECE65381"
      "FFFFFFFF FFFFFFFF" },
};

struct _MkyDhKey {
  MkyDhGroup group;
  gsize len;                    /* modulus length in bytes */
  mp_size_t n;                  /* ... in limbs */
  mp_limb_t *p;                 /* modulus, n limbs */
  mp_limb_t *x;                 /* private exponent, n limbs: secret */
  mp_bitcnt_t x_bits;           /* its size for mpn_sec_powm (public) */
  guint8 *pub;                  /* g^x mod p, len bytes */
};

gssize
mky_dh_group_len (guint group)
{
  if (group >= G_N_ELEMENTS (groups))
    return -1;
  return groups[group].bits / 8;
}

static void
hex_to_bytes (const char *hex, guint8 *out, gsize len)
{
  gsize i = 0;
  memset (out, 0, len);
  for (const char *s = hex; *s; s++) {
    if (*s == ' ')
      continue;
    g_assert (i < 2 * len && g_ascii_isxdigit (*s));
    out[i / 2] = out[i / 2] << 4 | g_ascii_xdigit_value (*s);
    i++;
  }
  g_assert (i == 2 * len);
}

gboolean
mky_dh_group_get_prime (guint group, MkyBytes *out)
{
  gssize len = mky_dh_group_len (group);
  g_return_val_if_fail (out != NULL, FALSE);
  if (len < 0)
    return FALSE;
  hex_to_bytes (groups[group].hex, mky_bytes_alloc (out, len), len);
  return TRUE;
}

/* Big-endian @b (@len <= n limbs' worth) to @n limbs, least significant
 * first; the loops do not depend on the values */
static void
bytes_to_limbs (const guint8 *b, gsize len, mp_limb_t *out, mp_size_t n)
{
  g_assert (len <= (gsize) n * sizeof (mp_limb_t));
  memset (out, 0, n * sizeof (mp_limb_t));
  for (gsize i = 0; i < len; i++)
    out[i / sizeof (mp_limb_t)] |=
        (mp_limb_t) b[len - 1 - i] << (8 * (i % sizeof (mp_limb_t)));
}

/* The low @len bytes of {l, n}, big-endian */
static void
limbs_to_bytes (const mp_limb_t *l, mp_size_t n, guint8 *out, gsize len)
{
  g_assert (len <= (gsize) n * sizeof (mp_limb_t));
  for (gsize i = 0; i < len; i++)
    out[len - 1 - i] = l[i / sizeof (mp_limb_t)] >> (8 * (i % sizeof (mp_limb_t)));
}

/* @out (key->len bytes) = {b, bn}^x mod p, with 0 < {b, bn} < p. All
 * scratch is ours, and wiped. */
static void
sec_powm (const MkyDhKey *key, const mp_limb_t *b, mp_size_t bn, guint8 *out)
{
  mp_size_t itch = mpn_sec_powm_itch (bn, key->x_bits, key->n);
  gsize size = (key->n + itch) * sizeof (mp_limb_t);
  mp_limb_t *r = g_malloc (size);

  /* the result is fully reduced: R < p */
  mpn_sec_powm (r, b, bn, key->x, key->x_bits, key->p, key->n, r + key->n);
  limbs_to_bytes (r, key->n, out, key->len);
  explicit_bzero (r, size);
  g_free (r);
}

static MkyDhKey *
key_new (MkyDhGroup group, GError **error)
{
  MkyDhKey *key;
  guint8 *p;
  gssize len = mky_dh_group_len (group);

  if (len < 0) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_DH, "unknown DH group %u",
        (guint) group);
    return NULL;
  }
  key = g_new0 (MkyDhKey, 1);
  key->group = group;
  key->len = len;
  key->n = (len + sizeof (mp_limb_t) - 1) / sizeof (mp_limb_t);
  key->p = g_new (mp_limb_t, key->n);
  key->x = g_new0 (mp_limb_t, key->n);
  key->pub = g_malloc (len);
  p = g_malloc (len);
  hex_to_bytes (groups[group].hex, p, len);
  bytes_to_limbs (p, len, key->p, key->n);
  g_free (p);
  return key;
}

static void
key_set_public (MkyDhKey *key)
{
  static const mp_limb_t g = 2;
  sec_powm (key, &g, 1, key->pub);
}

MkyDhKey *
mky_dh_key_generate (MkyDhGroup group, GError **error)
{
  guint8 x[EXPONENT_BYTES];
  MkyDhKey *key = key_new (group, error);
  int rc;

  if (key == NULL)
    return NULL;
  rc = gnutls_rnd (GNUTLS_RND_KEY, x, sizeof x);
  if (rc < 0) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_CRYPTO, "gnutls_rnd: %s",
        gnutls_strerror (rc));
    explicit_bzero (x, sizeof x);
    mky_dh_key_free (key);
    return NULL;
  }
  /* 2^255 <= x < 2^256 < q */
  x[0] |= 0x80;
  bytes_to_limbs (x, sizeof x, key->x, key->n);
  key->x_bits = 8 * sizeof x;
  explicit_bzero (x, sizeof x);
  key_set_public (key);
  return key;
}

MkyDhKey *
mky_dh_key_new_from_private (MkyDhGroup group, const guint8 *x, gsize len,
    GError **error)
{
  MkyDhKey *key = key_new (group, error);
  mpz_t xz, pz, q;
  gboolean ok;

  if (key == NULL)
    return NULL;
  if (len == 0 || len > key->len || x == NULL) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_INVALID_ARGUMENT,
        "DH private exponent of %" G_GSIZE_FORMAT " bytes", len);
    mky_dh_key_free (key);
    return NULL;
  }
  bytes_to_limbs (x, len, key->x, key->n);
  key->x_bits = 8 * len;
  /* read-only mpz over our limbs: nothing is copied into GMP's memory */
  mpz_roinit_n (xz, key->x, key->n);
  mpz_roinit_n (pz, key->p, key->n);
  mpz_init (q);
  mpz_tdiv_q_2exp (q, pz, 1);
  ok = mpz_cmp_ui (xz, 1) > 0 && mpz_cmp (xz, q) < 0;
  mpz_clear (q);
  if (!ok) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_INVALID_ARGUMENT,
        "DH private exponent not in 1 < x < q");
    mky_dh_key_free (key);
    return NULL;
  }
  key_set_public (key);
  return key;
}

void
mky_dh_key_free (MkyDhKey *key)
{
  if (key == NULL)
    return;
  explicit_bzero (key->x, key->n * sizeof (mp_limb_t));
  g_free (key->x);
  g_free (key->p);
  g_free (key->pub);
  explicit_bzero (key, sizeof *key);
  g_free (key);
}

MkyDhGroup
mky_dh_key_get_group (const MkyDhKey *key)
{
  g_return_val_if_fail (key != NULL, 0);
  return key->group;
}

void
mky_dh_key_get_public (const MkyDhKey *key, MkyBytes *out)
{
  g_return_if_fail (key != NULL && out != NULL);
  memcpy (mky_bytes_alloc (out, key->len), key->pub, key->len);
}

gboolean
mky_dh_compute (const MkyDhKey *key, const guint8 *peer_public, gsize len,
    MkyBytes *tgk_out, GError **error)
{
  mpz_t y, pz, pm1;
  gboolean ok = FALSE;

  g_return_val_if_fail (key != NULL && tgk_out != NULL, FALSE);
  g_return_val_if_fail (peer_public != NULL || len == 0, FALSE);

  if (len != key->len) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_DH,
        "DH value of %" G_GSIZE_FORMAT " bytes, group %u has %" G_GSIZE_FORMAT,
        len, (guint) key->group, key->len);
    return FALSE;
  }
  /* the peer value is public: mpz is fine for it */
  mpz_init (y);
  mpz_init (pm1);
  mpz_import (y, len, 1, 1, 1, 0, peer_public);
  mpz_roinit_n (pz, key->p, key->n);
  mpz_sub_ui (pm1, pz, 1);
  if (mpz_cmp_ui (y, 1) <= 0 || mpz_cmp (y, pm1) >= 0) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_DH,
        "DH value not in 1 < y < p-1");
  } else if (mpz_legendre (y, pz) != 1) {
    /* p = 2q + 1: the subgroup of order q is the quadratic residues */
    g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_DH,
        "DH value not in the prime-order subgroup");
  } else {
    /* 1 < y < p in a group of prime order q, 1 < x < q: y^x != 1 */
    sec_powm (key, mpz_limbs_read (y), mpz_size (y),
        mky_bytes_alloc (tgk_out, key->len));
    ok = TRUE;
  }
  mpz_clear (pm1);
  mpz_clear (y);
  return ok;
}
