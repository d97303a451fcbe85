/* Helpers shared by the tests. */
#pragma once

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
 * back to exactly @data. Its parsed wire form is dropped first, so that
 * serialize really rebuilds it. */
static inline void
test_assert_reserializes (MkyMessage *msg, const guint8 *data, gsize len)
{
  g_autoptr (GBytes) again = NULL;
  g_autoptr (GError) error = NULL;

  g_clear_pointer (&msg->raw, g_bytes_unref);
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

/* A copy of @b with the byte @from_end bytes before its end XORed with
 * @mask */
static inline GBytes *
test_bytes_flip (GBytes *b, gsize from_end, guint8 mask)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (b, &len);
  guint8 *d = g_memdup2 (data, len);

  d[len - from_end] ^= mask;
  return g_bytes_new_take (d, len);
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
