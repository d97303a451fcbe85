/* Diffie-Hellman (RFC 3830 §3.3, §4.2.7, §6.4): the OAKLEY groups' primes,
 * agreement of both sides, the TGK against an independent computation of
 * g^(xi*xr) mod p (GMP's plain mpz_powm with the product exponent, and
 * Python's pow() when python3 is on the PATH), and refused peer values.
 *
 * The primes are checked against the closed form of RFC 2409 §6.1/§6.2 and
 * RFC 3526 §2, p = 2^n - 2^(n-64) - 1 + 2^64 * (floor (2^(n-130) * pi) + k),
 * with pi computed here (Machin's formula), and for being safe primes with
 * 2 in the subgroup of prime order q = (p-1)/2.
 */
#include <string.h>
#include <gmp.h>
#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>
#include <mky/mky.h>
#include <mky/mky-dh.h>
#include "test-util.h"

static const struct {
  MkyDhGroup group;
  guint bits;
  guint k;                      /* the RFCs' offset to floor(2^(n-130) pi) */
} groups[] = {
  { MKY_DH_OAKLEY_1, 768, 149686 },     /* RFC 2409 §6.1 */
  { MKY_DH_OAKLEY_2, 1024, 129093 },    /* RFC 2409 §6.2 */
  { MKY_DH_OAKLEY_5, 1536, 741804 },    /* RFC 3526 §2 */
};

static void
get_prime (MkyDhGroup group, mpz_t p)
{
  MkyBytes b = { 0 };
  g_assert_true (mky_dh_group_get_prime (group, &b));
  mpz_import (p, b.len, 1, 1, 1, 0, b.data);
  mky_bytes_clear (&b, FALSE);
}

/* @z into @len bytes, big-endian, left-padded */
static void
mpz_to_bytes (const mpz_t z, guint8 *out, gsize len)
{
  gsize n = mpz_sgn (z) ? (mpz_sizeinbase (z, 2) + 7) / 8 : 0;
  size_t count;
  g_assert_cmpint (mpz_sgn (z), >=, 0);
  g_assert_cmpuint (n, <=, len);
  memset (out, 0, len);
  mpz_export (out + len - n, &count, 1, 1, 1, 0, z);
  g_assert_cmpuint (count, ==, n);
}

static gchar *
to_hex (const guint8 *b, gsize len)
{
  GString *s = g_string_sized_new (2 * len);
  for (gsize i = 0; i < len; i++)
    g_string_append_printf (s, "%02x", b[i]);
  return g_string_free (s, FALSE);
}

/* s += sum_k (-1)^k one / ((2k+1) x^(2k+1)), each term truncated */
static void
arctan_inv (mpz_t s, gulong x, const mpz_t one)
{
  mpz_t t, term;
  gulong k = 1;
  gboolean neg = FALSE;
  mpz_inits (t, term, NULL);
  mpz_tdiv_q_ui (t, one, x);
  while (mpz_sgn (t)) {
    mpz_tdiv_q_ui (term, t, k);
    if (neg)
      mpz_sub (s, s, term);
    else
      mpz_add (s, s, term);
    mpz_tdiv_q_ui (t, t, x * x);
    k += 2;
    neg = !neg;
  }
  mpz_clears (t, term, NULL);
}

/* floor (2^bits * pi), with 64 guard bits against the truncation errors */
static void
pi_floor (mpz_t out, guint bits)
{
  mpz_t one, a, b;
  mpz_inits (one, a, b, NULL);
  mpz_setbit (one, bits + 64);
  arctan_inv (a, 5, one);
  arctan_inv (b, 239, one);
  mpz_mul_ui (a, a, 16);
  mpz_submul_ui (a, b, 4);
  mpz_tdiv_q_2exp (out, a, 64);
  mpz_clears (one, a, b, NULL);
}

static void
test_group_params (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (groups); i++) {
    guint n = groups[i].bits;
    MkyBytes b = { 0 };
    mpz_t p, q, r, want;

    g_assert_cmpint (mky_dh_group_len (groups[i].group), ==, n / 8);
    g_assert_cmpint (mky_dh_value_len (groups[i].group), ==, n / 8);
    g_assert_true (mky_dh_group_get_prime (groups[i].group, &b));
    g_assert_cmpuint (b.len, ==, n / 8);
    /* the closed form fixes the top and bottom 64 bits to ones */
    for (guint j = 0; j < 8; j++) {
      g_assert_cmphex (b.data[j], ==, 0xff);
      g_assert_cmphex (b.data[b.len - 1 - j], ==, 0xff);
    }
    mky_bytes_clear (&b, FALSE);

    mpz_inits (p, q, r, want, NULL);
    get_prime (groups[i].group, p);
    g_assert_cmpuint (mpz_sizeinbase (p, 2), ==, n);
    /* the whole closed form */
    pi_floor (want, n - 130);
    mpz_add_ui (want, want, groups[i].k);
    mpz_mul_2exp (want, want, 64);
    mpz_setbit (r, n);
    mpz_add (want, want, r);
    mpz_set_ui (r, 0);
    mpz_setbit (r, n - 64);
    mpz_sub (want, want, r);
    mpz_sub_ui (want, want, 1);
    g_assert_true (mpz_cmp (p, want) == 0);
    /* a safe prime, p = 7 mod 8, 2 of order q */
    g_assert_cmpint (mpz_probab_prime_p (p, 40), >, 0);
    mpz_sub_ui (q, p, 1);
    mpz_tdiv_q_2exp (q, q, 1);
    g_assert_cmpint (mpz_probab_prime_p (q, 40), >, 0);
    g_assert_cmpuint (mpz_fdiv_ui (p, 8), ==, 7);
    mpz_set_ui (r, 2);
    mpz_powm (r, r, q, p);
    g_assert_cmpint (mpz_cmp_ui (r, 1), ==, 0);
    mpz_clears (p, q, r, want, NULL);
  }
  for (guint g = 3; g < 256; g++) {
    MkyBytes b = { 0 };
    g_autoptr (GError) err = NULL;
    g_assert_cmpint (mky_dh_group_len (g), ==, -1);
    g_assert_cmpint (mky_dh_value_len (g), ==, -1);
    g_assert_false (mky_dh_group_get_prime (g, &b));
    g_assert_null (mky_dh_key_generate (g, &err));
    g_assert_error (err, MKY_ERROR, MKY_ERROR_BAD_DH);
  }
}

/* x = 2 and x = 3 give 4 and 8 (g = 2), left-padded; x = 2 and x = 5 share
 * 2^10 = 0x0400, left-padded */
static void
test_small_exponents (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (groups); i++) {
    gsize len = groups[i].bits / 8;
    static const guint8 two = 2, three = 3, five = 5;
    g_autoptr (MkyDhKey) a = mky_dh_key_new_from_private (groups[i].group,
        &two, 1, NULL);
    g_autoptr (MkyDhKey) b = mky_dh_key_new_from_private (groups[i].group,
        &five, 1, NULL);
    g_autoptr (MkyDhKey) c = mky_dh_key_new_from_private (groups[i].group,
        &three, 1, NULL);
    MkyBytes pa = { 0 }, pb = { 0 }, pc = { 0 }, ta = { 0 }, tb = { 0 };
    g_autofree guint8 *want = g_malloc0 (len);

    g_assert_nonnull (a);
    g_assert_nonnull (b);
    g_assert_nonnull (c);
    g_assert_cmpint (mky_dh_key_get_group (a), ==, groups[i].group);
    mky_dh_key_get_public (a, &pa);
    mky_dh_key_get_public (b, &pb);
    mky_dh_key_get_public (c, &pc);
    want[len - 1] = 4;
    g_assert_cmpmem (pa.data, pa.len, want, len);
    want[len - 1] = 8;
    g_assert_cmpmem (pc.data, pc.len, want, len);
    want[len - 1] = 32;
    g_assert_cmpmem (pb.data, pb.len, want, len);

    g_assert_true (mky_dh_compute (a, pb.data, pb.len, &ta, NULL));
    g_assert_true (mky_dh_compute (b, pa.data, pa.len, &tb, NULL));
    want[len - 1] = 0;
    want[len - 2] = 4;
    g_assert_cmpmem (ta.data, ta.len, want, len);
    g_assert_cmpmem (tb.data, tb.len, want, len);
    mky_bytes_clear (&pa, FALSE);
    mky_bytes_clear (&pb, FALSE);
    mky_bytes_clear (&pc, FALSE);
    mky_bytes_clear (&ta, TRUE);
    mky_bytes_clear (&tb, TRUE);
  }
}

static gboolean
in_subgroup (const guint8 *v, gsize len, const mpz_t p)
{
  mpz_t y, q;
  gboolean ok;
  mpz_inits (y, q, NULL);
  mpz_import (y, len, 1, 1, 1, 0, v);
  mpz_sub_ui (q, p, 1);
  ok = mpz_cmp_ui (y, 1) > 0 && mpz_cmp (y, q) < 0;
  mpz_tdiv_q_2exp (q, q, 1);
  mpz_powm (y, y, q, p);
  ok = ok && mpz_cmp_ui (y, 1) == 0;
  mpz_clears (y, q, NULL);
  return ok;
}

static void
test_agree (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (groups); i++) {
    gsize len = groups[i].bits / 8;
    mpz_t p;
    mpz_init (p);
    get_prime (groups[i].group, p);
    for (guint round = 0; round < 4; round++) {
      g_autoptr (GError) err = NULL;
      g_autoptr (MkyDhKey) a = mky_dh_key_generate (groups[i].group, &err);
      g_autoptr (MkyDhKey) b = mky_dh_key_generate (groups[i].group, &err);
      g_autoptr (MkyDhKey) c = mky_dh_key_generate (groups[i].group, &err);
      MkyBytes pa = { 0 }, pb = { 0 }, pc = { 0 };
      MkyBytes ta = { 0 }, tb = { 0 }, ta2 = { 0 }, tc = { 0 };

      g_assert_no_error (err);
      mky_dh_key_get_public (a, &pa);
      mky_dh_key_get_public (b, &pb);
      mky_dh_key_get_public (c, &pc);
      g_assert_cmpuint (pa.len, ==, len);
      g_assert_cmpuint (pb.len, ==, len);
      g_assert_true (in_subgroup (pa.data, pa.len, p));
      g_assert_true (in_subgroup (pb.data, pb.len, p));
      g_assert_false (mky_bytes_equal (&pa, &pb));

      g_assert_true (mky_dh_compute (a, pb.data, pb.len, &ta, &err));
      g_assert_true (mky_dh_compute (b, pa.data, pa.len, &tb, &err));
      g_assert_no_error (err);
      g_assert_cmpuint (ta.len, ==, len);
      g_assert_cmpmem (ta.data, ta.len, tb.data, tb.len);
      g_assert_true (in_subgroup (ta.data, ta.len, p));
      /* a key serves again, with the same result; another peer differs */
      g_assert_true (mky_dh_compute (a, pb.data, pb.len, &ta2, &err));
      g_assert_cmpmem (ta2.data, ta2.len, ta.data, ta.len);
      g_assert_true (mky_dh_compute (a, pc.data, pc.len, &tc, &err));
      g_assert_false (mky_bytes_equal (&ta, &tc));
      g_assert_no_error (err);

      mky_bytes_clear (&pa, FALSE);
      mky_bytes_clear (&pb, FALSE);
      mky_bytes_clear (&pc, FALSE);
      mky_bytes_clear (&ta, TRUE);
      mky_bytes_clear (&tb, TRUE);
      mky_bytes_clear (&ta2, TRUE);
      mky_bytes_clear (&tc, TRUE);
    }
    mpz_clear (p);
  }
}

/* Random exponents: xi of 32 bytes (the generated size), xr of the full
 * modulus length below q, and both TGKs against pow (2, xi * xr, p). */
typedef struct {
  guint8 xi[32];
  guint8 *xr;
  gsize xr_len;
  MkyBytes pi, pr, tgk;
} Exchange;

static void
exchange_run (Exchange *e, guint i)
{
  gsize len = groups[i].bits / 8;
  g_autoptr (MkyDhKey) ki = NULL;
  g_autoptr (MkyDhKey) kr = NULL;
  MkyBytes t = { 0 };
  g_autoptr (GError) err = NULL;

  memset (e, 0, sizeof *e);
  e->xr_len = len;
  e->xr = g_malloc (len);
  g_assert_cmpint (gnutls_rnd (GNUTLS_RND_NONCE, e->xi, sizeof e->xi), ==, 0);
  g_assert_cmpint (gnutls_rnd (GNUTLS_RND_NONCE, e->xr, len), ==, 0);
  e->xi[0] |= 0x80;
  e->xr[0] = (e->xr[0] & 0x3f) | 0x20;       /* < 2^(n-2) < q */
  ki = mky_dh_key_new_from_private (groups[i].group, e->xi, sizeof e->xi, &err);
  g_assert_no_error (err);
  kr = mky_dh_key_new_from_private (groups[i].group, e->xr, len, &err);
  g_assert_no_error (err);
  mky_dh_key_get_public (ki, &e->pi);
  mky_dh_key_get_public (kr, &e->pr);
  g_assert_true (mky_dh_compute (ki, e->pr.data, e->pr.len, &e->tgk, &err));
  g_assert_true (mky_dh_compute (kr, e->pi.data, e->pi.len, &t, &err));
  g_assert_no_error (err);
  g_assert_cmpmem (e->tgk.data, e->tgk.len, t.data, t.len);
  mky_bytes_clear (&t, TRUE);
}

static void
exchange_clear (Exchange *e)
{
  g_free (e->xr);
  mky_bytes_clear (&e->pi, FALSE);
  mky_bytes_clear (&e->pr, FALSE);
  mky_bytes_clear (&e->tgk, TRUE);
}

static void
test_independent_gmp (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (groups); i++) {
    gsize len = groups[i].bits / 8;
    g_autofree guint8 *want = g_malloc (len);
    mpz_t p, xi, xr, v;
    Exchange e;

    exchange_run (&e, i);
    mpz_inits (p, xi, xr, v, NULL);
    get_prime (groups[i].group, p);
    mpz_import (xi, sizeof e.xi, 1, 1, 1, 0, e.xi);
    mpz_import (xr, e.xr_len, 1, 1, 1, 0, e.xr);

    mpz_set_ui (v, 2);
    mpz_powm (v, v, xi, p);
    mpz_to_bytes (v, want, len);
    g_assert_cmpmem (e.pi.data, e.pi.len, want, len);
    mpz_set_ui (v, 2);
    mpz_powm (v, v, xr, p);
    mpz_to_bytes (v, want, len);
    g_assert_cmpmem (e.pr.data, e.pr.len, want, len);

    mpz_mul (xi, xi, xr);
    mpz_set_ui (v, 2);
    mpz_powm (v, v, xi, p);
    mpz_to_bytes (v, want, len);
    g_assert_cmpmem (e.tgk.data, e.tgk.len, want, len);

    mpz_clears (p, xi, xr, v, NULL);
    exchange_clear (&e);
  }
}

static void
test_independent_python (void)
{
  static const char script[] =
      "import sys\n"
      "p, xi, xr = (int(v, 16) for v in sys.argv[1:4])\n"
      "w = len(sys.argv[1])\n"
      "for v in (pow(2, xi, p), pow(2, xr, p), pow(2, xi * xr, p)):\n"
      "    print('%0*x' % (w, v))\n";
  g_autofree gchar *python = g_find_program_in_path ("python3");

  if (python == NULL) {
    g_test_skip ("no python3");
    return;
  }
  for (guint i = 0; i < G_N_ELEMENTS (groups); i++) {
    MkyBytes pb = { 0 };
    Exchange e;
    g_autofree gchar *p_hex = NULL, *xi_hex = NULL, *xr_hex = NULL;
    g_autofree gchar *out = NULL, *want = NULL;
    g_autofree gchar *pi_hex = NULL, *pr_hex = NULL, *tgk_hex = NULL;
    g_autoptr (GError) err = NULL;
    gint status;

    exchange_run (&e, i);
    g_assert_true (mky_dh_group_get_prime (groups[i].group, &pb));
    p_hex = to_hex (pb.data, pb.len);
    xi_hex = to_hex (e.xi, sizeof e.xi);
    xr_hex = to_hex (e.xr, e.xr_len);
    {
      const gchar *argv[] = { python, "-c", script, p_hex, xi_hex, xr_hex,
        NULL };
      g_assert_true (g_spawn_sync (NULL, (gchar **) argv, NULL,
              G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out, NULL, &status,
              &err));
      g_assert_no_error (err);
      g_assert_true (g_spawn_check_wait_status (status, &err));
    }
    pi_hex = to_hex (e.pi.data, e.pi.len);
    pr_hex = to_hex (e.pr.data, e.pr.len);
    tgk_hex = to_hex (e.tgk.data, e.tgk.len);
    want = g_strdup_printf ("%s\n%s\n%s\n", pi_hex, pr_hex, tgk_hex);
    g_assert_cmpstr (out, ==, want);
    mky_bytes_clear (&pb, FALSE);
    exchange_clear (&e);
  }
}

static void
assert_refused (const MkyDhKey *key, const guint8 *v, gsize len)
{
  MkyBytes t = { 0 };
  guint8 *keep;
  g_autoptr (GError) err = NULL;

  keep = mky_bytes_alloc (&t, 3);
  memcpy (keep, "abc", 3);
  g_assert_false (mky_dh_compute (key, v, len, &t, &err));
  g_assert_error (err, MKY_ERROR, MKY_ERROR_BAD_DH);
  /* the output is left alone */
  g_assert_cmpmem (t.data, t.len, "abc", 3);
  mky_bytes_clear (&t, FALSE);
}

static void
assert_refused_mpz (const MkyDhKey *key, const mpz_t y, gsize len)
{
  g_autofree guint8 *v = g_malloc (len);
  mpz_to_bytes (y, v, len);
  assert_refused (key, v, len);
}

static void
test_bad_public (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (groups); i++) {
    gsize len = groups[i].bits / 8;
    g_autoptr (MkyDhKey) key = mky_dh_key_generate (groups[i].group, NULL);
    g_autoptr (MkyDhKey) peer = mky_dh_key_generate (groups[i].group, NULL);
    g_autofree guint8 *v = g_malloc (len + 1);
    MkyBytes pub = { 0 }, t = { 0 };
    mpz_t p, q, y, r;
    gulong small;

    mpz_inits (p, q, y, r, NULL);
    get_prime (groups[i].group, p);
    mpz_sub_ui (q, p, 1);
    mpz_tdiv_q_2exp (q, q, 1);

    /* 0, 1, p-1 (order 2), p, p+1 (fits: p's low 64 bits are ones) */
    mpz_set_ui (y, 0);
    assert_refused_mpz (key, y, len);
    mpz_set_ui (y, 1);
    assert_refused_mpz (key, y, len);
    mpz_sub_ui (y, p, 1);
    assert_refused_mpz (key, y, len);
    mpz_set (y, p);
    assert_refused_mpz (key, y, len);
    mpz_add_ui (y, p, 1);
    g_assert_cmpuint (mpz_sizeinbase (y, 2), ==, groups[i].bits);
    assert_refused_mpz (key, y, len);
    memset (v, 0xff, len);
    assert_refused (key, v, len);

    /* wrong lengths, for an otherwise good value */
    mky_dh_key_get_public (peer, &pub);
    assert_refused (key, NULL, 0);
    assert_refused (key, pub.data, 1);
    assert_refused (key, pub.data + 1, len - 1);
    v[0] = 0;
    memcpy (v + 1, pub.data, len);
    assert_refused (key, v, len + 1);
    g_assert_true (mky_dh_compute (key, pub.data, len, &t, NULL));
    /* a public value of a shorter group */
    if (i > 0)
      assert_refused (key, pub.data, groups[i - 1].bits / 8);

    /* outside the subgroup of order q: p-2 = -2 (2 is a square, -1 is
     * not), and the smallest non-square */
    mpz_sub_ui (y, p, 2);
    mpz_powm (r, y, q, p);
    g_assert_cmpint (mpz_cmp_ui (r, 1), !=, 0);
    assert_refused_mpz (key, y, len);
    for (small = 3;; small++) {
      mpz_set_ui (y, small);
      mpz_powm (r, y, q, p);
      if (mpz_cmp_ui (r, 1) != 0)
        break;
    }
    assert_refused_mpz (key, y, len);
    /* ... and its negation (p = 3 mod 4), which is a square: accepted */
    mpz_sub (y, p, y);
    mpz_to_bytes (y, v, len);
    g_assert_true (mky_dh_compute (key, v, len, &t, NULL));

    mky_bytes_clear (&pub, FALSE);
    mky_bytes_clear (&t, TRUE);
    mpz_clears (p, q, y, r, NULL);
  }
}

/* A tampered public value gives another TGK or is refused; one that stays
 * in the subgroup (multiplied by g) gives another TGK */
static void
test_tampered (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (groups); i++) {
    gsize len = groups[i].bits / 8;
    g_autoptr (MkyDhKey) a = mky_dh_key_generate (groups[i].group, NULL);
    g_autoptr (MkyDhKey) b = mky_dh_key_generate (groups[i].group, NULL);
    g_autofree guint8 *v = g_malloc (len);
    MkyBytes pb = { 0 }, t = { 0 }, t2 = { 0 };
    static const gsize pos[] = { 0, 1, 17, 95 };
    mpz_t p, y;

    mky_dh_key_get_public (b, &pb);
    g_assert_true (mky_dh_compute (a, pb.data, pb.len, &t, NULL));

    mpz_inits (p, y, NULL);
    get_prime (groups[i].group, p);
    mpz_import (y, len, 1, 1, 1, 0, pb.data);
    mpz_mul_2exp (y, y, 1);
    mpz_mod (y, y, p);
    mpz_to_bytes (y, v, len);
    g_assert_true (mky_dh_compute (a, v, len, &t2, NULL));
    g_assert_false (mky_bytes_equal (&t, &t2));
    mpz_clears (p, y, NULL);

    for (guint j = 0; j < G_N_ELEMENTS (pos); j++) {
      for (guint bit = 0; bit < 8; bit += 3) {
        g_autoptr (GError) err = NULL;
        gsize at = len - 1 - pos[j];
        memcpy (v, pb.data, len);
        v[at] ^= 1 << bit;
        if (mky_dh_compute (a, v, len, &t2, &err))
          g_assert_false (mky_bytes_equal (&t, &t2));
        else
          g_assert_error (err, MKY_ERROR, MKY_ERROR_BAD_DH);
      }
    }
    mky_bytes_clear (&pb, FALSE);
    mky_bytes_clear (&t, TRUE);
    mky_bytes_clear (&t2, TRUE);
  }
}

static void
test_bad_private (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (groups); i++) {
    gsize len = groups[i].bits / 8;
    g_autofree guint8 *x = g_malloc0 (len + 1);
    MkyBytes pb = { 0 };
    MkyDhKey *key;
    mpz_t p;
    g_autoptr (GError) err = NULL;

    mpz_init (p);
    get_prime (groups[i].group, p);
    g_assert_null (mky_dh_key_new_from_private (groups[i].group, x, 0, &err));
    g_assert_error (err, MKY_ERROR, MKY_ERROR_INVALID_ARGUMENT);
    g_clear_error (&err);
    /* 0 and 1 */
    for (guint j = 0; j < 2; j++) {
      x[0] = j;
      g_assert_null (mky_dh_key_new_from_private (groups[i].group, x, 1,
              &err));
      g_assert_error (err, MKY_ERROR, MKY_ERROR_INVALID_ARGUMENT);
      g_clear_error (&err);
    }
    /* q is refused, q - 1 taken */
    mpz_sub_ui (p, p, 1);
    mpz_tdiv_q_2exp (p, p, 1);
    mpz_to_bytes (p, x, len);
    g_assert_null (mky_dh_key_new_from_private (groups[i].group, x, len,
            &err));
    g_assert_error (err, MKY_ERROR, MKY_ERROR_INVALID_ARGUMENT);
    g_clear_error (&err);
    x[len - 1]--;
    key = mky_dh_key_new_from_private (groups[i].group, x, len, &err);
    g_assert_no_error (err);
    /* g^(q-1) = g^-1 = (p+1)/2 */
    mky_dh_key_get_public (key, &pb);
    mpz_add_ui (p, p, 1);
    mpz_to_bytes (p, x, len);
    g_assert_cmpmem (pb.data, pb.len, x, len);
    mky_dh_key_free (key);
    mky_bytes_clear (&pb, FALSE);
    /* longer than the modulus, even with a zero first byte */
    memset (x, 0, len + 1);
    x[len] = 7;
    g_assert_null (mky_dh_key_new_from_private (groups[i].group, x, len + 1,
            &err));
    g_assert_error (err, MKY_ERROR, MKY_ERROR_INVALID_ARGUMENT);
    g_clear_error (&err);
    /* unknown group */
    g_assert_null (mky_dh_key_new_from_private (3, x + len, 1, &err));
    g_assert_error (err, MKY_ERROR, MKY_ERROR_BAD_DH);
    mpz_clear (p);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/dh/group-params", test_group_params);
  g_test_add_func ("/dh/small-exponents", test_small_exponents);
  g_test_add_func ("/dh/agree", test_agree);
  g_test_add_func ("/dh/independent-gmp", test_independent_gmp);
  g_test_add_func ("/dh/independent-python", test_independent_python);
  g_test_add_func ("/dh/bad-public", test_bad_public);
  g_test_add_func ("/dh/tampered", test_tampered);
  g_test_add_func ("/dh/bad-private", test_bad_private);
  return g_test_run ();
}
