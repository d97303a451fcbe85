/* The MIKEY PRFs (RFC 3830 §4.1.2, RFC 6043 §6.1) and derivations. RFC 3830
 * has no test vectors: PRF-HMAC-SHA-256 is P_SHA256 of TLS 1.2, checked
 * against the published TLS 1.2 PRF vector, and the MIKEY-1 values come from
 * an independent Python implementation of §4.1.2:
 *
 *   def P(h, s, label, n):
 *       out, a = b'', label
 *       while len(out) < n:
 *           a = hmac.new(s, a, h).digest(); out += hmac.new(s, a + label, h).digest()
 *       return out[:n]
 *   def prf(h, inkey, label, n):   # 256-bit pieces, outputs XORed
 *       r = bytes(n)
 *       for i in range(0, len(inkey), 32):
 *           r = bytes(x ^ y for x, y in zip(r, P(h, inkey[i:i+32], label, n)))
 *       return r
 */
#include <string.h>
#include <mky/mky.h>
#include "test-util.h"

static void
test_tls12_vector (void)
{
  g_autoptr (GBytes) secret = test_hex ("9bbe436ba940f017b17652849a71db35");
  g_autoptr (GBytes) seed = test_hex ("a0ba9f936cda311827a6f796ffd5198c");
  GByteArray *label = g_byte_array_new ();
  guint8 out[100];

  g_byte_array_append (label, (const guint8 *) "test label", 10);
  g_byte_array_append (label, g_bytes_get_data (seed, NULL), 16);
  g_assert_true (mky_prf (MKY_PRF_HMAC_SHA_256, g_bytes_get_data (secret, NULL),
          16, label->data, label->len, out, sizeof out));
  test_assert_bytes (out, sizeof out,
      "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a"
      "6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab"
      "4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff701"
      "87347b66");
  g_byte_array_unref (label);
}

static void
test_mikey1_msg_key (void)
{
  guint8 inkey[40], rand[16], out[20];
  for (int i = 0; i < 40; i++)
    inkey[i] = i + 1;
  for (int i = 0; i < 16; i++)
    rand[i] = 0xa0 + i;
  /* auth_key label 0x2D22AC75 || 0xFF || csb_id || RAND; 40-byte inkey is
   * two pieces, 32 + 8 bytes */
  g_assert_true (mky_prf_derive (MKY_PRF_MIKEY_1, inkey, 40, MKY_CONST_MSG_AUTH,
          MKY_LABEL_MSG_KEYS, 0x01020304, rand, 16, out, 20));
  test_assert_bytes (out, 20, "7dc6deefed921b68d1fc941c28ef15c6cbd7f02d");
}

static void
test_mikey1_tek_salt (void)
{
  guint8 tgk[16], rand[16], tek[16], salt[14];
  for (int i = 0; i < 16; i++) {
    tgk[i] = 0x10 + i;
    rand[i] = i;
  }
  g_assert_true (mky_prf_derive (MKY_PRF_MIKEY_1, tgk, 16, MKY_CONST_TEK, 1,
          0xCD177E50, rand, 16, tek, 16));
  g_assert_true (mky_prf_derive (MKY_PRF_MIKEY_1, tgk, 16, MKY_CONST_SALT, 1,
          0xCD177E50, rand, 16, salt, 14));
  test_assert_bytes (tek, 16, "5a2a3ec51949da69fa803c1ad568d871");
  test_assert_bytes (salt, 14, "fb03a435f26c7fff26b87f1625f4");
}

/* An inkey of exactly 64 bytes is two 256-bit pieces, not three (minisip
 * adds an empty one): PRF(s1 || s2) = PRF(s1) XOR PRF(s2). */
static void
test_inkey_split (void)
{
  static const guint8 label[] = "label";
  for (MkyPrf prf = MKY_PRF_MIKEY_1; prf <= MKY_PRF_HMAC_SHA_256; prf++) {
    for (gsize len = 32; len <= 97; len += 32) {
      guint8 key[97], whole[50], part[50], xored[50] = { 0 };
      for (gsize i = 0; i < len; i++)
        key[i] = i * 7 + 3;
      g_assert_true (mky_prf (prf, key, len, label, 5, whole, 50));
      for (gsize off = 0; off < len; off += 32) {
        g_assert_true (mky_prf (prf, key + off, MIN (32, len - off), label, 5,
                part, 50));
        for (int i = 0; i < 50; i++)
          xored[i] ^= part[i];
      }
      g_assert_cmpmem (whole, 50, xored, 50);
    }
  }
}

/* Output longer than one hash block, truncated to the bits asked for */
static void
test_lengths (void)
{
  guint8 a[64], b[7];
  static const guint8 key[] = { 1, 2, 3 };
  g_assert_true (mky_prf (MKY_PRF_MIKEY_1, key, 3, key, 3, a, 64));
  g_assert_true (mky_prf (MKY_PRF_MIKEY_1, key, 3, key, 3, b, 7));
  g_assert_cmpmem (a, 7, b, 7);
  g_assert_false (mky_prf (MKY_PRF_MIKEY_1, key, 0, key, 3, b, 7));
  g_assert_false (mky_prf (7, key, 3, key, 3, b, 7));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/prf/tls12-p-sha256", test_tls12_vector);
  g_test_add_func ("/prf/mikey-1/msg-key", test_mikey1_msg_key);
  g_test_add_func ("/prf/mikey-1/tek-salt", test_mikey1_tek_salt);
  g_test_add_func ("/prf/inkey-split", test_inkey_split);
  g_test_add_func ("/prf/lengths", test_lengths);
  return g_test_run ();
}
