/* gst-mikey-1.0: the offline subcommands, decode, caps and derive
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdlib.h>
#include <string.h>

#include "gst-mikey.h"

#define MEDIA_HELP "SDP media whose key-mgmt to take (default: the first, " \
  "or the session level without media; -1: the session level)"
#define MEDIA_DEFAULT -2
#define MAX_OUT_BYTES 8192

/* Check the MAC of a PSK I_MESSAGE (or MIKEY-NULL, @psk NULL) and decrypt
 * its KEMAC: the Key data chain, offsets into the plaintext. Unlike
 * mky_psk_open() this takes keys of any SRTP policy, for inspection. */
static GPtrArray *
open_kemac (const MkyMessage *msg, GBytes *psk, GError **error)
{
  const MkyHdr *hdr = mky_message_hdr (msg);
  const MkyPayload *kemac = mky_message_find (msg, MKY_PT_KEMAC, 0);
  const MkyPayload *rand = mky_message_find (msg, MKY_PT_RAND, 0);
  const MkyPayload *t = mky_message_find (msg, MKY_PT_T, 0);
  GPtrArray *chain = NULL;
  MkyMsgKeys keys;
  gsize psk_len = psk ? g_bytes_get_size (psk) : 0;
  const guint8 *psk_data = psk ? g_bytes_get_data (psk, NULL) : NULL;

  if (hdr->data_type != MKY_TYPE_PSK_INIT || kemac == NULL || t == NULL) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_DATA_TYPE,
        "only a PSK I_MESSAGE (with T and KEMAC) can be opened");
    return NULL;
  }
  if (rand == NULL) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_MISSING_PAYLOAD,
        "no RAND: a CSB update, keyed by the RAND of an earlier message");
    return NULL;
  }
  if (mky_msg_keys_derive (&keys, hdr->prf, kemac->u.kemac.encr_alg,
          kemac->u.kemac.mac_alg, psk_data, psk_len, hdr->csb_id,
          rand->u.rand.rand.data, rand->u.rand.rand.len, error)
      && mky_message_verify_mac (msg, &keys, NULL, 0, error))
    chain = mky_kemac_open_data (&kemac->u.kemac, &keys, hdr->csb_id,
        mky_t_value64 (&t->u.t), MKY_PT_KEY_DATA, error);
  mky_msg_keys_clear (&keys);
  return chain;
}

/* MIKEY-NULL keys are in the clear: no PSK needed to show them */
static gboolean
is_mikey_null (const MkyMessage *msg)
{
  const MkyPayload *kemac = mky_message_find (msg, MKY_PT_KEMAC, 0);
  return mky_message_hdr (msg)->data_type == MKY_TYPE_PSK_INIT && kemac
      && kemac->u.kemac.encr_alg == MKY_ENCR_NULL
      && kemac->u.kemac.mac_alg == MKY_MAC_NULL;
}

int
tool_decode (int argc, char **argv)
{
  g_autofree char *psk_hex = NULL, *out = NULL, *dump = NULL, *keys = NULL;
  g_autoptr (GBytes) psk = NULL, raw = NULL;
  g_autoptr (MkyMessage) msg = NULL;
  g_autoptr (GPtrArray) chain = NULL;
  gboolean json = FALSE;
  int media = MEDIA_DEFAULT;
  GError *error = NULL;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON: {\"message\": "
        "the message, \"KEMAC plaintext\": its keys or null}", NULL },
    { "psk", 0, 0, G_OPTION_ARG_STRING, &psk_hex,
        "Pre-shared key: check the MAC, decrypt and print the keys", "HEX" },
    { "media", 0, 0, G_OPTION_ARG_INT, &media, MEDIA_HELP, "N" },
    G_OPTION_ENTRY_NULL
  };

  if (!tool_parse_options (&argc, &argv, "MESSAGE", 1,
          "Print MESSAGE field by field. MESSAGE is a file (binary or text), "
          "- for stdin, or the text itself: base64, hex, an SDP with "
          "a=key-mgmt:mikey or an RTSP KeyMgmt header.", entries, NULL, &error)
      || !tool_parse_hex ("--psk", psk_hex, &psk, &error)
      || !(raw = tool_load_message (argv[1], media, &error))
      || !(msg = mky_message_parse_bytes (raw, &error)))
    return tool_fail (error);

  if ((psk || is_mikey_null (msg)) && !(chain = open_kemac (msg, psk, &error)))
    return tool_fail (error);

  if (json) {
    dump = mky_dump_message_json (msg, MKY_DUMP_DEFAULT);
    keys = chain ? mky_dump_chain_json (chain, MKY_DUMP_SHOW_SECRETS)
        : g_strdup ("null");
    out = g_strdup_printf ("{\"message\":%s,\"KEMAC plaintext\":%s}\n", dump,
        keys);
  } else {
    dump = mky_dump_message (msg, MKY_DUMP_DEFAULT);
    keys = chain ? mky_dump_chain (chain, MKY_DUMP_SHOW_SECRETS) : NULL;
    out = g_strconcat (dump, keys ? "KEMAC plaintext:\n" : NULL, keys, NULL);
  }
  g_print ("%s", out);
  return EXIT_SUCCESS;
}

int
tool_caps (int argc, char **argv)
{
  g_autofree char *psk_hex = NULL;
  g_autoptr (GBytes) psk = NULL, raw = NULL;
  g_autoptr (MkyCsb) csb = NULL;
  MkyConfig cfg;
  int media = MEDIA_DEFAULT;
  GError *error = NULL;
  const GOptionEntry entries[] = {
    { "psk", 0, 0, G_OPTION_ARG_STRING, &psk_hex,
        "Pre-shared key (not needed for MIKEY-NULL)", "HEX" },
    { "media", 0, 0, G_OPTION_ARG_INT, &media, MEDIA_HELP, "N" },
    G_OPTION_ENTRY_NULL
  };

  if (!tool_parse_options (&argc, &argv, "MESSAGE", 1,
          "Print the srtpdec caps of each crypto session of a PSK or "
          "MIKEY-NULL I_MESSAGE, one line each (MESSAGE as for decode).",
          entries, NULL, &error)
      || !tool_parse_hex ("--psk", psk_hex, &psk, &error)
      || !(raw = tool_load_message (argv[1], media, &error)))
    return tool_fail (error);

  mky_config_init (&cfg);
  /* inspecting a message is not trusting it: MIKEY-NULL is shown too */
  cfg.allow_null = TRUE;
  if (psk)
    cfg.psk = g_bytes_ref (psk);
  csb = mky_psk_open (&cfg, raw, NULL, &error);
  mky_config_clear (&cfg);
  if (csb == NULL || !tool_print_caps (csb, &error))
    return tool_fail (error);
  return EXIT_SUCCESS;
}

static void
print_hex (const char *label, const guint8 *data, gsize len)
{
  if (label)
    g_print ("%s: ", label);
  for (gsize i = 0; i < len; i++)
    g_print ("%02x", data[i]);
  g_print ("\n");
}

int
tool_derive (int argc, char **argv)
{
  g_autofree char *prf_nick = NULL, *inkey_hex = NULL, *label_hex = NULL;
  g_autofree char *bits_text = NULL, *tgk_hex = NULL, *cs_id_text = NULL;
  g_autofree char *csb_id_text = NULL, *rand_hex = NULL;
  g_autofree char *key_len_text = NULL, *salt_len_text = NULL;
  g_autoptr (GBytes) inkey = NULL, label = NULL, tgk = NULL, rand = NULL;
  g_autofree guint8 *out = NULL;
  guint64 bits, cs_id, csb_id, key_len = 16, salt_len = 14;
  guint prf = MKY_PRF_MIKEY_1;
  gsize in_len, label_len, rand_len;
  const guint8 *in, *label_data, *rand_data;
  GError *error = NULL;
  const GOptionEntry entries[] = {
    { "prf", 0, 0, G_OPTION_ARG_STRING, &prf_nick,
        "mikey-1 (default) or hmac-sha-256", "PRF" },
    { "inkey", 0, 0, G_OPTION_ARG_STRING, &inkey_hex,
        "Raw PRF: the input key", "HEX" },
    { "label", 0, 0, G_OPTION_ARG_STRING, &label_hex,
        "Raw PRF: the label", "HEX" },
    { "bits", 0, 0, G_OPTION_ARG_STRING, &bits_text,
        "Raw PRF: output length, a multiple of 8", "N" },
    { "tgk", 0, 0, G_OPTION_ARG_STRING, &tgk_hex,
        "TEK and salt of a crypto session (RFC 3830 §4.1.3) from this TGK",
        "HEX" },
    { "cs-id", 0, 0, G_OPTION_ARG_STRING, &cs_id_text, "The CS ID", "N" },
    { "csb-id", 0, 0, G_OPTION_ARG_STRING, &csb_id_text, "The CSB ID", "HEX" },
    { "rand", 0, 0, G_OPTION_ARG_STRING, &rand_hex, "The RAND", "HEX" },
    { "key-len", 0, 0, G_OPTION_ARG_STRING, &key_len_text,
        "TEK bytes (default 16)", "N" },
    { "salt-len", 0, 0, G_OPTION_ARG_STRING, &salt_len_text,
        "Salt bytes (default 14)", "N" },
    G_OPTION_ENTRY_NULL
  };

  if (!tool_parse_options (&argc, &argv, NULL, 0,
          "Print PRF(inkey, label) in hex (--inkey --label --bits), or the TEK "
          "and salt a TGK gives one crypto session (--tgk --cs-id --csb-id "
          "--rand).", entries, NULL, &error)
      || !tool_parse_choice ("--prf", prf_nick, tool_prf_choices, &prf, &error)
      || !tool_parse_hex ("--inkey", inkey_hex, &inkey, &error)
      || !tool_parse_hex ("--label", label_hex, &label, &error)
      || !tool_parse_hex ("--tgk", tgk_hex, &tgk, &error)
      || !tool_parse_hex ("--rand", rand_hex, &rand, &error))
    return tool_fail (error);

  if (inkey && label && bits_text && !tgk && !cs_id_text && !csb_id_text
      && !rand) {
    if (!tool_parse_uint ("--bits", bits_text, FALSE, MAX_OUT_BYTES * 8,
            &bits, &error))
      return tool_fail (error);
    if (bits == 0 || bits % 8) {
      tool_usage_error (&error, "--bits: %" G_GUINT64_FORMAT " is not a "
          "positive multiple of 8", bits);
      return tool_fail (error);
    }
    in = g_bytes_get_data (inkey, &in_len);
    label_data = g_bytes_get_data (label, &label_len);
    out = g_malloc (bits / 8);
    mky_prf (prf, in, in_len, label_data, label_len, out, bits / 8);
    print_hex (NULL, out, bits / 8);
    return EXIT_SUCCESS;
  }

  if (((!tgk || !cs_id_text || !csb_id_text || !rand || inkey || label
              || bits_text)
          && !tool_usage_error (&error, "give either --inkey, --label and "
              "--bits, or --tgk, --cs-id, --csb-id and --rand"))
      || !tool_parse_uint ("--cs-id", cs_id_text, FALSE, G_MAXUINT8, &cs_id,
          &error)
      || !tool_parse_uint ("--csb-id", csb_id_text, TRUE, G_MAXUINT32, &csb_id,
          &error)
      || !tool_parse_uint ("--key-len", key_len_text, FALSE, MAX_OUT_BYTES,
          &key_len, &error)
      || !tool_parse_uint ("--salt-len", salt_len_text, FALSE, MAX_OUT_BYTES,
          &salt_len, &error))
    return tool_fail (error);
  rand_data = g_bytes_get_data (rand, &rand_len);
  if (rand_len > 255) {
    tool_usage_error (&error, "--rand: %" G_GSIZE_FORMAT " bytes, a RAND has "
        "at most 255", rand_len);
    return tool_fail (error);
  }
  in = g_bytes_get_data (tgk, &in_len);
  out = g_malloc (MAX (key_len, salt_len) + 1);
  mky_prf_derive (prf, in, in_len, MKY_CONST_TEK, cs_id, csb_id, rand_data,
      rand_len, out, key_len);
  print_hex ("tek", out, key_len);
  mky_prf_derive (prf, in, in_len, MKY_CONST_SALT, cs_id, csb_id, rand_data,
      rand_len, out, salt_len);
  print_hex ("salt", out, salt_len);
  return EXIT_SUCCESS;
}
