/* KEMAC protection: each cipher against its published vectors, MACs, and
 * sealing/verifying whole messages. */
#include <string.h>
#include <mky/mky.h>
#include "test-util.h"

static void
set_key (MkyMsgKeys *k, MkyEncrAlg encr, const char *key_hex,
    const char *salt_hex)
{
  g_autoptr (GBytes) key = test_hex (key_hex);
  g_autoptr (GBytes) salt = test_hex (salt_hex);
  memset (k, 0, sizeof *k);
  k->encr_alg = encr;
  k->encr_key_len = g_bytes_get_size (key);
  memcpy (k->encr_key, g_bytes_get_data (key, NULL), k->encr_key_len);
  k->salt_key_len = g_bytes_get_size (salt);
  memcpy (k->salt_key, g_bytes_get_data (salt, NULL), k->salt_key_len);
}

/* With CSB ID 0 and T 0 the RFC 3830 §4.2.3 IV is the salt itself, so the
 * keystream is SRTP's AES-CM (RFC 3711 App. B.2, RFC 6188 §7.1). */
static void
test_aes_cm (gconstpointer data)
{
  gboolean is256 = GPOINTER_TO_INT (data);
  MkyMsgKeys k;
  guint8 zeros[48] = { 0 };
  MkyBytes out = { 0 }, back = { 0 };

  if (is256)
    set_key (&k, MKY_ENCR_AES_CM_256,
        "57f82fe3613fd170a85ec93c40b1f0922ec4cb0dc025b58272147cc438944a98",
        "f0f1f2f3f4f5f6f7f8f9fafbfcfd");
  else
    set_key (&k, MKY_ENCR_AES_CM_128, "2B7E151628AED2A6ABF7158809CF4F3C",
        "F0F1F2F3F4F5F6F7F8F9FAFBFCFD");
  g_assert_true (mky_kemac_crypt (&k, TRUE, 0, 0, zeros, 48, &out, NULL));
  if (is256)
    test_assert_bytes (out.data, out.len,
        "92bdd28a93c3f52511c677d08b5515a4 9da71b2378a854f67050756ded165bac"
        "63c4868b7096d88421b563b8c94c9a31");
  else
    test_assert_bytes (out.data, out.len,
        "E03EAD0935C95E80E166B16DD92B4EB4 D23513162B02D0F72A43A2FE4A5F97AB"
        "41E95B3BB0A2E8DD477901E4FCA894C0");
  g_assert_true (mky_kemac_crypt (&k, FALSE, 0, 0, out.data, out.len, &back,
          NULL));
  g_assert_cmpmem (back.data, back.len, zeros, 48);
  mky_bytes_clear (&out, TRUE);

  /* the CSB ID and timestamp enter the IV: bytes 2-5 and 6-13 */
  g_assert_true (mky_kemac_crypt (&k, TRUE, 0x01000000, 0, zeros, 16, &out,
          NULL));
  g_assert_cmpint (memcmp (out.data, back.data, 16) != 0 ? 1 : 0, ==, 1);
  mky_bytes_clear (&out, TRUE);
  mky_bytes_clear (&back, TRUE);
}

/* RFC 3394 §4.1 with the default IV as salt_key */
static void
test_aes_kw (void)
{
  g_autoptr (GBytes) data = test_hex ("00112233445566778899AABBCCDDEEFF");
  MkyMsgKeys k;
  MkyBytes out = { 0 }, back = { 0 };
  g_autoptr (GError) error = NULL;

  set_key (&k, MKY_ENCR_AES_KW_128, "000102030405060708090A0B0C0D0E0F",
      "A6A6A6A6A6A6A6A6");
  g_assert_true (mky_kemac_crypt (&k, TRUE, 1, 2, g_bytes_get_data (data,
              NULL), 16, &out, NULL));
  test_assert_bytes (out.data, out.len,
      "1FA68B0A8112B447 AEF34BD8FB5A7B82 9D3E862371D2CFE5");
  g_assert_true (mky_kemac_crypt (&k, FALSE, 1, 2, out.data, out.len, &back,
          NULL));
  g_assert_cmpmem (back.data, back.len, g_bytes_get_data (data, NULL), 16);

  /* a flipped bit fails the integrity check */
  out.data[5] ^= 1;
  g_assert_false (mky_kemac_crypt (&k, FALSE, 1, 2, out.data, out.len, &back,
          &error));
  g_assert_error (error, MKY_ERROR, MKY_ERROR_BAD_MAC);
  g_clear_error (&error);
  /* key wrap takes whole 64-bit blocks only */
  g_assert_false (mky_kemac_crypt (&k, TRUE, 1, 2, out.data, 20, &back,
          &error));
  g_assert_error (error, MKY_ERROR, MKY_ERROR_BAD_KEY_DATA);
  mky_bytes_clear (&out, TRUE);
  mky_bytes_clear (&back, TRUE);
}

/* RFC 2202 test 2 and RFC 4231 test 2 */
static void
test_hmac (void)
{
  MkyMsgKeys k = { .mac_alg = MKY_MAC_HMAC_SHA_1_160, .auth_key_len = 4 };
  guint8 mac[32];
  static const char what[] = "what do ya want for nothing?";
  g_autoptr (GError) error = NULL;

  memcpy (k.auth_key, "Jefe", 4);
  /* data and the appended extra are one MAC input */
  mky_mac_compute (&k, (const guint8 *) what, 16, (const guint8 *) what + 16,
      12, mac);
  test_assert_bytes (mac, 20, "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
  k.mac_alg = MKY_MAC_HMAC_SHA_256_256;
  mky_mac_compute (&k, (const guint8 *) what, 28, NULL, 0, mac);
  test_assert_bytes (mac, 32,
      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");

  k.auth_key_len = 32;
  mky_mac_compute (&k, (const guint8 *) what, 28, NULL, 0, mac);
  g_assert_true (mky_mac_verify (&k, (const guint8 *) what, 28, NULL, 0, mac,
          32, NULL));
  mac[31] ^= 0x80;
  g_assert_false (mky_mac_verify (&k, (const guint8 *) what, 28, NULL, 0, mac,
          32, &error));
  g_assert_error (error, MKY_ERROR, MKY_ERROR_BAD_MAC);
}

/* Key sizes of RFC 3830 §4.2.3-4 and RFC 6043 §6.2, derived as §4.1.4 says */
static void
test_msg_keys (void)
{
  static const guint8 psk[] = "0123456789abcdef";
  static const guint8 rand[16] = { 9 };
  MkyMsgKeys k;
  guint8 want[32];
  g_autoptr (GError) error = NULL;

  g_assert_true (mky_msg_keys_derive (&k, MKY_PRF_MIKEY_1, MKY_ENCR_AES_CM_256,
          MKY_MAC_HMAC_SHA_256_256, psk, 16, 0x11223344, rand, 16, NULL));
  g_assert_cmpuint (k.encr_key_len, ==, 32);
  g_assert_cmpuint (k.salt_key_len, ==, 14);
  g_assert_cmpuint (k.auth_key_len, ==, 32);
  mky_prf_derive (MKY_PRF_MIKEY_1, psk, 16, 0x150533E1, 0xFF, 0x11223344,
      rand, 16, want, 32);
  g_assert_cmpmem (k.encr_key, 32, want, 32);
  mky_prf_derive (MKY_PRF_MIKEY_1, psk, 16, 0x2D22AC75, 0xFF, 0x11223344,
      rand, 16, want, 32);
  g_assert_cmpmem (k.auth_key, 32, want, 32);
  mky_prf_derive (MKY_PRF_MIKEY_1, psk, 16, 0x29B88916, 0xFF, 0x11223344,
      rand, 16, want, 14);
  g_assert_cmpmem (k.salt_key, 14, want, 14);

  g_assert_true (mky_msg_keys_derive (&k, MKY_PRF_MIKEY_1, MKY_ENCR_AES_KW_128,
          MKY_MAC_HMAC_SHA_1_160, psk, 16, 1, rand, 16, NULL));
  g_assert_cmpuint (k.encr_key_len, ==, 16);
  g_assert_cmpuint (k.salt_key_len, ==, 8);
  g_assert_cmpuint (k.auth_key_len, ==, 20);

  g_assert_false (mky_msg_keys_derive (&k, MKY_PRF_MIKEY_1, 4,
          MKY_MAC_HMAC_SHA_1_160, psk, 16, 1, rand, 16, &error));
  g_assert_error (error, MKY_ERROR, MKY_ERROR_BAD_ENCR);
  g_clear_error (&error);
  g_assert_false (mky_msg_keys_derive (&k, MKY_PRF_MIKEY_1, 1, 3, psk, 16, 1,
          rand, 16, &error));
  g_assert_error (error, MKY_ERROR, MKY_ERROR_BAD_MAC_ALG);
  g_clear_error (&error);
  g_assert_false (mky_msg_keys_derive (&k, 5, 1, 1, psk, 16, 1, rand, 16,
          &error));
  g_assert_error (error, MKY_ERROR, MKY_ERROR_BAD_PRF);
}

/* Seal a message with a KEMAC: the MAC covers all but the MAC field; any
 * changed byte, including the MAC algorithm byte, breaks it. */
static void
test_seal_verify (void)
{
  static const guint8 psk[] = "secret secret secret";
  static const guint8 rand[16] = { 1, 2, 3 };
  g_autoptr (MkyMessage) msg = mky_message_new (MKY_TYPE_PSK_INIT, 42);
  g_autoptr (GBytes) raw = NULL;
  g_autoptr (GByteArray) plain = g_byte_array_new ();
  g_autoptr (GPtrArray) chain = NULL;
  g_autoptr (GError) error = NULL;
  MkyMsgKeys k;
  MkyPayload *p, *kd;
  gsize len;

  p = mky_message_add (msg, MKY_PT_T);
  p->u.t.ts = G_GUINT64_CONSTANT (0xE000000012345678);
  p = mky_message_add (msg, MKY_PT_RAND);
  mky_bytes_set (&p->u.rand.rand, rand, 16);
  p = mky_message_add (msg, MKY_PT_KEMAC);

  kd = mky_payload_new (MKY_PT_KEY_DATA);
  kd->u.key_data.type = MKY_KD_TGK;
  mky_bytes_set (&kd->u.key_data.key, psk, 16);
  {
    g_autoptr (GPtrArray) one =
        g_ptr_array_new_with_free_func ((GDestroyNotify) mky_payload_free);
    g_ptr_array_add (one, kd);
    g_assert_true (mky_payload_chain_serialize (one->pdata, one->len, plain, NULL));
  }
  g_assert_true (mky_msg_keys_derive (&k, MKY_PRF_MIKEY_1, MKY_ENCR_AES_CM_128,
          MKY_MAC_HMAC_SHA_1_160, psk, 20, 42, rand, 16, NULL));
  g_assert_true (mky_kemac_seal_data (&p->u.kemac, &k, 42,
          G_GUINT64_CONSTANT (0xE000000012345678), plain, NULL));
  /* the key is not in the clear on the wire */
  g_assert_null (memmem (p->u.kemac.encr_data.data, p->u.kemac.encr_data.len,
          psk, 16));
  raw = mky_message_seal_mac (msg, &k, NULL, 0, &error);
  g_assert_no_error (error);

  len = g_bytes_get_size (raw);
  for (gsize i = 0; i < len; i++) {
    g_autofree guint8 *bad = g_memdup2 (g_bytes_get_data (raw, NULL), len);
    g_autoptr (GBytes) b = NULL;
    g_autoptr (MkyMessage) m = NULL;
    g_autoptr (GError) e = NULL;
    bad[i] ^= 0x01;
    b = g_bytes_new (bad, len);
    m = mky_message_parse_bytes (b, NULL);
    /* a flip that still parses must fail the MAC */
    if (m)
      g_assert_false (mky_message_verify_mac (m, &k, NULL, 0, &e));
  }
  {
    g_autoptr (MkyMessage) good = mky_message_parse_bytes (raw, NULL);
    g_assert_true (mky_message_verify_mac (good, &k, NULL, 0, &error));
    chain = mky_kemac_open_data (&mky_message_find (good, MKY_PT_KEMAC, 0)->
        u.kemac, &k, 42, G_GUINT64_CONSTANT (0xE000000012345678),
        MKY_PT_KEY_DATA, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (chain->len, ==, 1);
    kd = chain->pdata[0];
    g_assert_cmpmem (kd->u.key_data.key.data, 16, psk, 16);
    /* a wrong timestamp gives a wrong IV, so garbage, caught by parsing or
     * at least not the key */
    g_clear_pointer (&chain, g_ptr_array_unref);
    chain = mky_kemac_open_data (&mky_message_find (good, MKY_PT_KEMAC, 0)->
        u.kemac, &k, 42, 1, MKY_PT_KEY_DATA, NULL);
    g_assert_true (chain == NULL || memcmp (((MkyPayload *) chain->pdata[0])->
            u.key_data.key.data, psk, 16) != 0);
  }
  mky_msg_keys_clear (&k);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_data_func ("/kemac/aes-cm-128", GINT_TO_POINTER (0), test_aes_cm);
  g_test_add_data_func ("/kemac/aes-cm-256", GINT_TO_POINTER (1), test_aes_cm);
  g_test_add_func ("/kemac/aes-kw-128", test_aes_kw);
  g_test_add_func ("/kemac/hmac", test_hmac);
  g_test_add_func ("/kemac/msg-keys", test_msg_keys);
  g_test_add_func ("/kemac/seal-verify", test_seal_verify);
  return g_test_run ();
}
