/* Helpers shared by the tests. */
#pragma once

#include <string.h>
#include <glib.h>
#include <mky/mky.h>

/* Hex string (spaces allowed) to bytes; aborts the test on bad input. */
static inline GBytes *
test_hex (const char *hex)
{
  GByteArray *a = g_byte_array_new ();
  for (const char *p = hex; *p;) {
    guint8 b;
    if (g_ascii_isspace (*p)) {
      p++;
      continue;
    }
    g_assert_true (g_ascii_isxdigit (p[0]) && g_ascii_isxdigit (p[1]));
    b = g_ascii_xdigit_value (p[0]) << 4 | g_ascii_xdigit_value (p[1]);
    g_byte_array_append (a, &b, 1);
    p += 2;
  }
  return g_byte_array_free_to_bytes (a);
}

#define test_assert_bytes(data, len, hex) G_STMT_START { \
    g_autoptr (GBytes) _want = test_hex (hex); \
    g_assert_cmpmem ((data), (len), g_bytes_get_data (_want, NULL), \
        g_bytes_get_size (_want)); \
  } G_STMT_END

/* The codec's wire form is canonical: @msg, parsed from @data, serializes
 * back to exactly @data. */
static inline void
test_assert_reserializes (MkyMessage *msg, const guint8 *data, gsize len)
{
  g_autoptr (GBytes) again = NULL;
  g_autoptr (GError) error = NULL;

  again = mky_message_serialize (msg, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (again, NULL), g_bytes_get_size (again),
      data, len);
}

/* Any input is either refused, FALSE with @error set, or parses into a
 * message that serializes back to exactly the input (TRUE). */
static inline gboolean
test_parse_canonical (const guint8 *data, gsize len, GError **error)
{
  g_autoptr (MkyMessage) msg = mky_message_parse (data, len, error);

  if (msg == NULL) {
    g_assert_nonnull (*error);
    return FALSE;
  }
  test_assert_reserializes (msg, data, len);
  return TRUE;
}

/* A copy of @b with @len bytes at @off replaced by @data */
static inline GBytes *
test_bytes_patch (GBytes *b, gsize off, const guint8 *data, gsize len)
{
  gsize size;
  const guint8 *data0 = g_bytes_get_data (b, &size);
  guint8 *d = g_memdup2 (data0, size);

  g_assert_cmpuint (off + len, <=, size);
  memcpy (d + off, data, len);
  return g_bytes_new_take (d, size);
}

/* A copy of @b with the byte at @off XORed with @mask */
static inline GBytes *
test_bytes_xor (GBytes *b, gsize off, guint8 mask)
{
  guint8 byte = ((const guint8 *) g_bytes_get_data (b, NULL))[off] ^ mask;

  return test_bytes_patch (b, off, &byte, 1);
}

/* A copy of @b with the byte @from_end bytes before its end XORed with
 * @mask */
static inline GBytes *
test_bytes_flip (GBytes *b, gsize from_end, guint8 mask)
{
  return test_bytes_xor (b, g_bytes_get_size (b) - from_end, mask);
}

/* A copy of message @m to edit: its HDR and its payloads but those of type
 * @drop (0: none) */
static inline MkyMessage *
test_message_copy (GBytes *m, guint drop)
{
  g_autoptr (MkyMessage) in = mky_message_parse_bytes (m, NULL);
  MkyMessage *out = mky_message_new (0, 0);

  g_assert_nonnull (in);
  mky_payload_free (out->hdr);
  out->hdr = mky_payload_copy (in->hdr);
  for (guint i = 0; i < in->payloads->len; i++) {
    const MkyPayload *p = in->payloads->pdata[i];
    if (p->type != drop)
      mky_message_insert (out, out->payloads->len, mky_payload_copy (p));
  }
  return out;
}

/* @reply is an Error message carrying @err_no; returned parsed */
static inline MkyMessage *
test_error_reply (GBytes *reply, MkyErrNo err_no)
{
  g_autoptr (GError) error = NULL;
  MkyMessage *m;
  const MkyPayload *err;

  g_assert_nonnull (reply);
  m = mky_message_parse_bytes (reply, &error);
  g_assert_no_error (error);
  g_assert_nonnull (m);
  g_assert_cmpuint (mky_message_hdr (m)->data_type, ==, MKY_TYPE_ERROR);
  err = mky_message_find (m, MKY_PT_ERR, 0);
  g_assert_nonnull (err);
  g_assert_cmpuint (err->u.err.err_no, ==, err_no);
  return m;
}

/* A bundle (CSB ID @csb_id, 0: random) with two crypto sessions: SSRC
 * 0x11111111 (ROC 0) and 0x22222222 (ROC 7) */
static inline MkyCsb *
test_csb_new (guint32 csb_id)
{
  MkyCsb *csb = mky_csb_new (csb_id);

  mky_csb_add_cs (csb, 0, 0x11111111, 0);
  mky_csb_add_cs (csb, 0, 0x22222222, 7);
  return csb;
}

/* An SP that @csb offers and the library refuses: AES-f8 */
static inline void
test_csb_add_unsupported_sp (MkyCsb *csb)
{
  MkyPayload *sp = mky_payload_new (MKY_PT_SP);

  sp->u.sp.prot_type = MKY_PROT_SRTP;
  mky_sp_add_param_u8 (&sp->u.sp, MKY_SP_ENCR_ALG, MKY_SRTP_ENCR_AES_F8);
  mky_csb_take_policy (csb, sp);
}

/* Crypto session @index of @csb is keyed as RFC 3830 §4.1.3 derives it with
 * @prf from @tgk, CSB ID @csb_id and @rand: its master key and salt are the
 * TEK and the salt key (16 and 14 bytes). Its keying in @k (clear it). */
static inline void
test_assert_tgk_keying (const MkyCsb *csb, guint index, MkyPrf prf,
    const guint8 *tgk, gsize tgk_len, guint32 csb_id, const MkyBytes *rand,
    MkySrtpKeying *k)
{
  guint8 tek[16], salt[14];

  g_assert_true (mky_prf_derive (prf, tgk, tgk_len, MKY_CONST_TEK, index + 1,
          csb_id, rand->data, rand->len, tek, sizeof tek));
  g_assert_true (mky_prf_derive (prf, tgk, tgk_len, MKY_CONST_SALT, index + 1,
          csb_id, rand->data, rand->len, salt, sizeof salt));
  g_assert_true (mky_csb_get_srtp (csb, index, MKY_SP_COMPAT_STRICT, k, NULL));
  g_assert_cmpuint (k->cs_id, ==, index + 1);
  g_assert_cmpmem (k->keys[0].key, k->keys[0].key_len, tek, sizeof tek);
  g_assert_cmpmem (k->keys[0].salt, k->keys[0].salt_len, salt, sizeof salt);
}

/* Every crypto session of @a and @b gives the same SRTP keying: stream,
 * master keys and salts, policy (the srtpdec caps of each) */
static inline void
test_assert_same_keying (const MkyCsb *a, const MkyCsb *b)
{
  g_assert_cmpuint (mky_csb_n_sessions (a), ==, mky_csb_n_sessions (b));
  for (guint i = 0; i < mky_csb_n_sessions (a); i++) {
    MkySrtpKeying ka, kb;
    g_autofree char *ca = NULL, *cb = NULL;
    g_autoptr (GError) err = NULL;

    g_assert_true (mky_csb_get_srtp (a, i, MKY_SP_COMPAT_STRICT, &ka, &err));
    g_assert_no_error (err);
    g_assert_true (mky_csb_get_srtp (b, i, MKY_SP_COMPAT_STRICT, &kb, &err));
    g_assert_no_error (err);
    g_assert_cmpuint (ka.ssrc, ==, kb.ssrc);
    g_assert_cmpuint (ka.n_keys, >=, 1);
    g_assert_cmpuint (ka.n_keys, ==, kb.n_keys);
    g_assert_cmpmem (ka.keys[0].key, ka.keys[0].key_len, kb.keys[0].key,
        kb.keys[0].key_len);
    g_assert_cmpmem (ka.keys[0].salt, ka.keys[0].salt_len, kb.keys[0].salt,
        kb.keys[0].salt_len);
    ca = mky_srtp_keying_caps_string (&ka, NULL);
    cb = mky_srtp_keying_caps_string (&kb, NULL);
    g_assert_nonnull (ca);
    g_assert_cmpstr (ca, ==, cb);
    mky_srtp_keying_clear (&ka);
    mky_srtp_keying_clear (&kb);
  }
}

/* A PSK configuration with @psk (NULL: none) and these KEMAC algorithms,
 * NULL protection allowed when either is NULL */
static inline void
test_psk_config (MkyConfig *cfg, const guint8 *psk, gsize psk_len,
    MkyEncrAlg encr, MkyMacAlg mac)
{
  mky_config_init (cfg);
  if (psk)
    mky_config_set_psk (cfg, psk, psk_len);
  cfg->encr_alg = encr;
  cfg->mac_alg = mac;
  cfg->allow_null = encr == MKY_ENCR_NULL || mac == MKY_MAC_NULL;
}

/* One PSK exchange in memory, every step of which must succeed: the
 * Responder's bundle. With @verify the Initiator asks for, and accepts, the
 * verification message. */
static inline MkyCsb *
test_psk_exchange (MkyPskInitiator *ini, MkyPskResponder *resp, MkyCsb *csb,
    gint64 now, gboolean verify)
{
  g_autoptr (GBytes) init = NULL;
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (GError) error = NULL;
  MkyCsb *got;

  init = mky_psk_initiator_build (ini, csb, verify, now, &error);
  g_assert_no_error (error);
  got = mky_psk_responder_handle (resp, init, now, &reply, &error);
  g_assert_no_error (error);
  g_assert_nonnull (got);
  if (verify) {
    g_assert_nonnull (reply);
    g_assert_true (mky_psk_initiator_handle_response (ini, csb, reply,
            &error));
    g_assert_no_error (error);
  } else {
    g_assert_null (reply);
  }
  return got;
}
