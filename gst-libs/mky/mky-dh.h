/* mky: MIKEY protocol core
 * Diffie-Hellman for the DH mode (RFC 3830 §3.3): the MODP groups of
 * §4.2.7/§6.4, a key pair per side, and TGK = g^(xi*xr) mod p.
 *
 *   DH-Group 0  OAKLEY 5  1536-bit MODP group, RFC 3526 §2
 *   DH-Group 1  OAKLEY 1   768-bit MODP group, RFC 2409 §6.1
 *   DH-Group 2  OAKLEY 2  1024-bit MODP group, RFC 2409 §6.2
 *
 * All three are safe primes p = 2q + 1 with generator g = 2, which
 * generates the subgroup of prime order q (p = 7 mod 8, so 2 is a square).
 *
 * Encodings (readings of RFC 3830, which fixes none of them beyond the
 * implicit DH-value length of §6.4):
 *  - a public value is big-endian, left-padded with zeros to the length of
 *    the modulus (96/128/192 bytes), which is the DH payload's implicit
 *    DH-value length (mky_dh_value_len());
 *  - the TGK (§3.3, §4.4: "g^(xi*xr)") is the shared value encoded the same
 *    way: big-endian, left-padded to the modulus length, so its length
 *    (inkey_len of the §4.1.3 PRF) depends on the group only.
 *
 * Private exponents are 256 random bits (the top bit set, so 255 bits of
 * entropy, from gnutls_rnd (GNUTLS_RND_KEY)): at least twice the security
 * strength of each group (RFC 3526 §8 puts 1536 bits at 90-120 bits, the
 * smaller groups lower), which is the exponent size RFC 3526 §8 asks for.
 * Short exponents are safe here because peer values are checked to lie in
 * the prime-order subgroup.
 *
 * Peer values are refused (MKY_ERROR_BAD_DH) unless their length is the
 * modulus length, 1 < y < p-1, and y lies in the subgroup of order q
 * (y^q = 1 mod p, tested as the Legendre symbol (y|p) = 1, which is the
 * same by Euler's criterion). RFC 3830 asks for none of this; without the
 * subgroup test a value of order 2q would reveal the low bit of our exponent.
 *
 * Secrets: the exponentiations with a private exponent use mpn_sec_powm
 * (time and memory access independent of the exponent's value) with scratch
 * space allocated here, and every buffer that held the exponent, the shared
 * value or intermediate powers is wiped (explicit_bzero) before it is freed.
 * No secret is copied into an mpz_t: GMP's mpz functions (mpz_powm_sec
 * included) reallocate and take temporaries from the stack or from GMP's
 * allocator, which do not wipe (the range check of an imported exponent
 * reads our own limbs through mpz_roinit_n, which copies nothing). What
 * stays unwiped are a few exponent bits in registers or on the stack inside
 * mpn_sec_powm.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include "mky-enums.h"
#include "mky-payload.h"

G_BEGIN_DECLS

/* Length in bytes of the modulus of @group, which is the length of its
 * public values and of the TGK (96, 128, 192), or -1 for a group this
 * library does not know. Agrees with mky_dh_value_len(). */
gssize mky_dh_group_len (guint group);

/* The prime modulus of @group, big-endian (mky_dh_group_len() bytes), into
 * @out. FALSE for an unknown group. The generator is 2 for all groups. */
gboolean mky_dh_group_get_prime (guint group, MkyBytes *out);

typedef struct _MkyDhKey MkyDhKey;

/* A fresh key pair: a random private exponent and its public value.
 * MKY_ERROR_BAD_DH for an unknown group, MKY_ERROR_CRYPTO when the random
 * generator fails. */
MkyDhKey *mky_dh_key_generate (MkyDhGroup group, GError **error);

/* A key pair with a given private exponent @x (big-endian, 1..modulus length
 * bytes, 1 < x < q), for known-answer and interoperability tests; real keys
 * come from mky_dh_key_generate(). The exponentiations take time that
 * depends on @len, not on the value. MKY_ERROR_BAD_DH for an unknown group,
 * MKY_ERROR_INVALID_ARGUMENT for an exponent out of range. */
MkyDhKey *mky_dh_key_new_from_private (MkyDhGroup group, const guint8 *x,
    gsize len, GError **error);

/* Wipes the private exponent */
void mky_dh_key_free (MkyDhKey *key);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MkyDhKey, mky_dh_key_free)

MkyDhGroup mky_dh_key_get_group (const MkyDhKey *key);

/* Our public value g^x mod p into @out (replacing its contents): big-endian,
 * left-padded to mky_dh_group_len() bytes: the DH-value of our DH payload. */
void mky_dh_key_get_public (const MkyDhKey *key, MkyBytes *out);

/* The shared value peer_public^x mod p, as the TGK, into @tgk_out
 * (replacing its contents; clear it with mky_bytes_clear (tgk_out, TRUE)):
 * big-endian, left-padded to mky_dh_group_len() bytes. The peer value is
 * validated first (see above); on failure @tgk_out is left as it was and the
 * error is MKY_ERROR_BAD_DH. A key may be used for several computations. */
gboolean mky_dh_compute (const MkyDhKey *key, const guint8 *peer_public,
    gsize len, MkyBytes *tgk_out, GError **error);

G_END_DECLS
