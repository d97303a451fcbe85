/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>
#include <nettle/aes.h>
#include <nettle/ctr.h>
#include <nettle/memops.h>
#include <nettle/nist-keywrap.h>

#include "mky-kemac.h"
#include "mky-exchange.h"
#include "mky-error.h"
#include "mky-prf.h"
#include "mky-hmac.h"

static gboolean
encr_sizes (MkyEncrAlg alg, gsize *key, gsize *salt)
{
  switch (alg) {
    case MKY_ENCR_NULL: *key = 0; *salt = 0; return TRUE;
    case MKY_ENCR_AES_CM_128: *key = 16; *salt = 14; return TRUE;
    case MKY_ENCR_AES_KW_128: *key = 16; *salt = 8; return TRUE;
    case MKY_ENCR_AES_CM_256: *key = 32; *salt = 14; return TRUE;
    default: return FALSE;
  }
}

static gboolean
check_algs (MkyEncrAlg encr, MkyMacAlg mac, gsize *ek, gsize *sk,
    GError **error)
{
  if (!encr_sizes (encr, ek, sk)) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_ENCR,
        "KEMAC encryption algorithm %u not supported", encr);
    return FALSE;
  }
  if (mky_mac_len (mac) < 0) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_MAC_ALG,
        "MAC algorithm %u not supported", mac);
    return FALSE;
  }
  return TRUE;
}

gboolean
mky_msg_keys_derive_keyed (MkyMsgKeys *keys, const MkyPrfKey *inkey,
    MkyEncrAlg encr, MkyMacAlg mac, guint32 csb_id, const guint8 *rand,
    gsize rand_len, GError **error)
{
  gsize ek, sk;

  memset (keys, 0, sizeof *keys);
  if (!check_algs (encr, mac, &ek, &sk, error))
    return FALSE;
  if (rand_len > 255) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_INVALID_ARGUMENT, "RAND too long");
    return FALSE;
  }
  keys->encr_alg = encr;
  keys->mac_alg = mac;
  keys->encr_key_len = ek;
  keys->salt_key_len = sk;
  /* the MAC key is as long as the MAC (RFC 3830 §4.2.4, RFC 6043 §6.2) */
  keys->auth_key_len = mky_mac_len (mac);
  if (ek)
    mky_prf_key_derive (inkey, MKY_CONST_MSG_ENCR, MKY_LABEL_MSG_KEYS, csb_id,
        rand, rand_len, keys->encr_key, ek);
  if (sk)
    mky_prf_key_derive (inkey, MKY_CONST_MSG_SALT, MKY_LABEL_MSG_KEYS, csb_id,
        rand, rand_len, keys->salt_key, sk);
  if (keys->auth_key_len)
    mky_prf_key_derive (inkey, MKY_CONST_MSG_AUTH, MKY_LABEL_MSG_KEYS, csb_id,
        rand, rand_len, keys->auth_key, keys->auth_key_len);
  return TRUE;
}

gboolean
mky_msg_keys_derive (MkyMsgKeys *keys, MkyPrf prf, MkyEncrAlg encr,
    MkyMacAlg mac, const guint8 *inkey, gsize inkey_len, guint32 csb_id,
    const guint8 *rand, gsize rand_len, GError **error)
{
  MkyPrfKey key;
  gsize ek, sk;
  gboolean ok;

  memset (keys, 0, sizeof *keys);
  if (!check_algs (encr, mac, &ek, &sk, error))
    return FALSE;
  if (prf != MKY_PRF_MIKEY_1 && prf != MKY_PRF_HMAC_SHA_256) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_PRF,
        "PRF %u not supported", prf);
    return FALSE;
  }
  if (ek == 0 && mky_mac_len (mac) == 0) {
    /* MIKEY-NULL: nothing to derive, and no key needed */
    keys->encr_alg = encr;
    keys->mac_alg = mac;
    return TRUE;
  }
  if (!mky_prf_key_init (&key, prf, inkey, inkey_len)) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_INVALID_ARGUMENT,
        "no pre-shared or envelope key");
    return FALSE;
  }
  ok = mky_msg_keys_derive_keyed (keys, &key, encr, mac, csb_id, rand,
      rand_len, error);
  mky_prf_key_clear (&key);
  return ok;
}

void
mky_msg_keys_clear (MkyMsgKeys *keys)
{
  explicit_bzero (keys, sizeof *keys);
}

guint64
mky_t_value64 (const MkyT *t)
{
  /* NTP-UTC-32 carries the seconds only: a 64-bit NTP value with a zero
   * fraction (RFC 6043 §6.3); COUNTER is left-padded (RFC 3830 §6.6). */
  if (t->ts_type == MKY_TS_NTP_UTC_32)
    return t->ts << 32;
  return t->ts;
}

/* RFC 3830 §4.2.3: IV = (S XOR (0x0000 || CSB ID || T)) || 0x0000 */
static void
aes_cm_iv (const MkyMsgKeys *keys, guint32 csb_id, guint64 ts, guint8 iv[16])
{
  memcpy (iv, keys->salt_key, 14);
  for (int i = 0; i < 4; i++)
    iv[2 + i] ^= csb_id >> (24 - 8 * i);
  for (int i = 0; i < 8; i++)
    iv[6 + i] ^= ts >> (56 - 8 * i);
  iv[14] = iv[15] = 0;
}

gboolean
mky_kemac_crypt (const MkyMsgKeys *keys, gboolean encrypt, guint32 csb_id,
    guint64 ts, const guint8 *in, gsize len, MkyBytes *out, GError **error)
{
  guint8 iv[16];

  mky_bytes_clear (out, TRUE);
  switch (keys->encr_alg) {
    case MKY_ENCR_NULL:
      mky_bytes_set (out, in, len);
      return TRUE;

    case MKY_ENCR_AES_CM_128:
    case MKY_ENCR_AES_CM_256: {
      /* the 16-bit block counter limits the data to 2^23 bits */
      if (len > (1 << 20)) {
        g_set_error (error, MKY_ERROR, MKY_ERROR_TOO_LONG,
            "KEMAC data too long for AES-CM");
        return FALSE;
      }
      aes_cm_iv (keys, csb_id, ts, iv);
      mky_bytes_alloc (out, len);
      if (keys->encr_alg == MKY_ENCR_AES_CM_128) {
        struct aes128_ctx ctx;
        aes128_set_encrypt_key (&ctx, keys->encr_key);
        ctr_crypt (&ctx, (nettle_cipher_func *) aes128_encrypt,
            AES_BLOCK_SIZE, iv, len, out->data, in);
        explicit_bzero (&ctx, sizeof ctx);
      } else {
        struct aes256_ctx ctx;
        aes256_set_encrypt_key (&ctx, keys->encr_key);
        ctr_crypt (&ctx, (nettle_cipher_func *) aes256_encrypt,
            AES_BLOCK_SIZE, iv, len, out->data, in);
        explicit_bzero (&ctx, sizeof ctx);
      }
      return TRUE;
    }

    case MKY_ENCR_AES_KW_128: {
      struct aes128_ctx ctx;
      gboolean ok = TRUE;
      gsize in_min = encrypt ? 16 : 24;
      if (len % 8 != 0 || len < in_min) {
        g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_KEY_DATA,
            "AES-KW-128 needs a multiple of 8 bytes, at least %" G_GSIZE_FORMAT
            " (got %" G_GSIZE_FORMAT ")", in_min, len);
        return FALSE;
      }
      /* RFC 3830 §4.2.3: the 64-bit salt_key is the key-wrap IV */
      if (encrypt) {
        aes128_set_encrypt_key (&ctx, keys->encr_key);
        mky_bytes_alloc (out, len + 8);
        nist_keywrap16 (&ctx, (nettle_cipher_func *) aes128_encrypt,
            keys->salt_key, out->len, out->data, in);
      } else {
        aes128_set_decrypt_key (&ctx, keys->encr_key);
        mky_bytes_alloc (out, len - 8);
        ok = nist_keyunwrap16 (&ctx, (nettle_cipher_func *) aes128_decrypt,
            keys->salt_key, out->len, out->data, in);
      }
      explicit_bzero (&ctx, sizeof ctx);
      if (!ok) {
        mky_bytes_clear (out, TRUE);
        /* the integrity check of key wrap failed: as good as a bad MAC */
        g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_MAC,
            "AES-KW-128 integrity check failed");
      }
      return ok;
    }

    default:
      g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_ENCR,
          "KEMAC encryption algorithm %u not supported", keys->encr_alg);
      return FALSE;
  }
}

gboolean
mky_kemac_seal_data (MkyKemac *kemac, const MkyMsgKeys *keys, guint32 csb_id,
    guint64 ts, GByteArray *plain, GError **error)
{
  kemac->encr_alg = keys->encr_alg;
  kemac->mac_alg = keys->mac_alg;
  if (!mky_kemac_crypt (keys, TRUE, csb_id, ts, plain->data, plain->len,
          &kemac->encr_data, error))
    return FALSE;
  mky_bytes_alloc (&kemac->mac, keys->auth_key_len);
  return TRUE;
}

GPtrArray *
mky_kemac_open_data (const MkyKemac *kemac, const MkyMsgKeys *keys,
    guint32 csb_id, guint64 ts, guint first, GError **error)
{
  return mky_kemac_open_data_in (kemac, keys, csb_id, ts, first, NULL, error);
}

GPtrArray *
mky_kemac_open_data_in (const MkyKemac *kemac, const MkyMsgKeys *keys,
    guint32 csb_id, guint64 ts, guint first, MkyArena *memory, GError **error)
{
  MkyBytes plain = { 0 };
  MkyArray *a;
  const guint8 *data;

  if (kemac->encr_alg != keys->encr_alg) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_ENCR,
        "KEMAC encryption algorithm %u, keys are for %u", kemac->encr_alg,
        keys->encr_alg);
    return NULL;
  }
  if (!mky_kemac_crypt (keys, FALSE, csb_id, ts, kemac->encr_data.data,
          kemac->encr_data.len, &plain, error))
    return NULL;
  data = plain.data;
  if (memory) {
    /* the payloads point into the plaintext, wiped with the memory */
    mky_arena_set_secret (memory);
    data = memcpy (mky_arena_alloc (memory, MAX (plain.len, 1)), plain.data,
        plain.len);
  }
  /* an update may carry no keys at all (RFC 3830 §4.5) */
  a = mky_payload_chain_parse_in (data, plain.len, 0,
      plain.len ? first : MKY_PT_LAST, memory, error);
  mky_bytes_clear (&plain, TRUE);
  if (a == NULL) {
    g_prefix_error (error, "KEMAC plaintext: ");
    return NULL;
  }
  return mky_array_to_ptr_array (a, memory);
}

void
mky_mac_compute (const MkyMsgKeys *keys, const guint8 *data, gsize len,
    const guint8 *extra, gsize extra_len, guint8 *mac)
{
  MkyHmac h;

  if (keys->mac_alg == MKY_MAC_NULL)
    return;
  mky_hmac_init (&h, keys->mac_alg == MKY_MAC_HMAC_SHA_256_256, keys->auth_key,
      keys->auth_key_len);
  mky_hmac_update (&h, data, len);
  mky_hmac_update (&h, extra, extra_len);
  mky_hmac_digest (&h, mac);
  mky_hmac_clear (&h);
}

gboolean
mky_mac_verify (const MkyMsgKeys *keys, const guint8 *data, gsize len,
    const guint8 *extra, gsize extra_len, const guint8 *mac, gsize mac_len,
    GError **error)
{
  guint8 want[32];

  if (mac_len != keys->auth_key_len) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_MAC,
        "MAC is %" G_GSIZE_FORMAT " bytes, %" G_GSIZE_FORMAT " expected",
        mac_len, keys->auth_key_len);
    return FALSE;
  }
  mky_mac_compute (keys, data, len, extra, extra_len, want);
  if (mac_len && !memeql_sec (want, mac, mac_len)) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_MAC, "MAC does not verify");
    return FALSE;
  }
  return TRUE;
}

/* The MAC field of the last payload: the KEMAC's or the V payload's */
static MkyBytes *
last_mac_field (const MkyMessage *msg)
{
  MkyPayload *last = msg->payloads->len
      ? msg->payloads->pdata[msg->payloads->len - 1] : NULL;
  if (last && last->type == MKY_PT_KEMAC)
    return &last->u.kemac.mac;
  if (last && last->type == MKY_PT_V)
    return &last->u.v.ver_data;
  return NULL;
}

GBytes *
mky_message_seal_mac (MkyMessage *msg, const MkyMsgKeys *keys,
    const guint8 *extra, gsize extra_len, GError **error)
{
  MkyBytes *field = last_mac_field (msg);
  MkyPayload *last;
  g_autoptr (GBytes) raw = NULL;
  gsize len;
  const guint8 *data;

  if (field == NULL) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_INVALID_ARGUMENT,
        "the message does not end with a KEMAC or V payload");
    return NULL;
  }
  last = msg->payloads->pdata[msg->payloads->len - 1];
  if (last->type == MKY_PT_V)
    last->u.v.auth_alg = keys->mac_alg;
  else
    last->u.kemac.mac_alg = keys->mac_alg;
  mky_bytes_alloc (field, keys->auth_key_len);

  raw = mky_message_serialize (msg, error);
  if (raw == NULL)
    return NULL;
  data = g_bytes_get_data (raw, &len);
  mky_mac_compute (keys, data, len - field->len, extra, extra_len,
      field->data);
  {
    guint8 *out = g_memdup2 (data, len);
    memcpy (out + len - field->len, field->data, field->len);
    g_bytes_unref (raw);
    raw = g_bytes_new_take (out, len);
  }
  mky_message_set_wire (msg, g_bytes_ref (raw));
  return g_steal_pointer (&raw);
}

gboolean
mky_message_verify_mac (const MkyMessage *msg, const MkyMsgKeys *keys,
    const guint8 *extra, gsize extra_len, GError **error)
{
  const MkyBytes *field = last_mac_field (msg);
  const MkyPayload *last;
  guint alg;
  gsize len;
  const guint8 *data;

  data = mky_message_get_wire (msg, &len);
  if (field == NULL || data == NULL) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_MISSING_PAYLOAD,
        "no KEMAC or V payload ends the message");
    return FALSE;
  }
  last = msg->payloads->pdata[msg->payloads->len - 1];
  alg = last->type == MKY_PT_V ? last->u.v.auth_alg : last->u.kemac.mac_alg;
  if (alg != keys->mac_alg) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_MAC_ALG,
        "MAC algorithm %u, keys are for %u", alg, keys->mac_alg);
    return FALSE;
  }
  return mky_mac_verify (keys, data, len - field->len, extra, extra_len,
      field->data, field->len, error);
}
