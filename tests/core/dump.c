/* Dump tests: the RFC 4567 §5.1 messages printed field by field under their
 * RFC names, secrets hidden unless asked for, and JSON that parses.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>
#include <mky/mky.h>
#include "test-vectors.h"

static char *
hex (const MkyBytes *b)
{
  GString *s = g_string_new (NULL);
  for (gsize i = 0; i < b->len; i++)
    g_string_append_printf (s, "%02x", b->data[i]);
  return g_string_free (s, FALSE);
}

/* The Encr data (or @mac: the MAC) of the KEMAC of @msg in hex */
static char *
kemac_hex (const MkyMessage *msg, gboolean mac)
{
  const MkyKemac *k = &mky_message_find (msg, MKY_PT_KEMAC, 0)->u.kemac;
  return hex (mac ? &k->mac : &k->encr_data);
}

/* ---- a minimal JSON (RFC 8259) validator: json-glib is not a dependency */

static gboolean json_value (const char **p, guint depth);

/* Step over @c if it comes next; never past the end of the text */
static gboolean
accept (const char **p, char c)
{
  if (**p != c || c == '\0')
    return FALSE;
  (*p)++;
  return TRUE;
}

static void
skip_ws (const char **p)
{
  while (accept (p, ' ') || accept (p, '\t') || accept (p, '\n')
      || accept (p, '\r'))
    ;
}

static gboolean
json_string (const char **p)
{
  if (!accept (p, '"'))
    return FALSE;
  while (!accept (p, '"')) {
    if ((guchar) **p < 0x20)    /* the end, or a raw control character */
      return FALSE;
    if (accept (p, '\\')) {
      if (accept (p, 'u')) {
        for (int i = 0; i < 4; i++, (*p)++)
          if (!g_ascii_isxdigit (**p))
            return FALSE;
      } else if (**p && strchr ("\"\\/bfnrt", **p)) {
        (*p)++;
      } else {
        return FALSE;
      }
    } else {
      (*p)++;
    }
  }
  return TRUE;
}

static void
digits (const char **p)
{
  while (g_ascii_isdigit (**p))
    (*p)++;
}

static gboolean
json_number (const char **p)
{
  accept (p, '-');
  if (!accept (p, '0')) {
    if (!g_ascii_isdigit (**p))
      return FALSE;
    digits (p);
  }
  if (accept (p, '.')) {
    if (!g_ascii_isdigit (**p))
      return FALSE;
    digits (p);
  }
  if (accept (p, 'e') || accept (p, 'E')) {
    if (!accept (p, '+'))
      accept (p, '-');
    if (!g_ascii_isdigit (**p))
      return FALSE;
    digits (p);
  }
  return TRUE;
}

/* { "key": value, ... } or [ value, ... ] */
static gboolean
json_container (const char **p, guint depth, char end)
{
  (*p)++;
  skip_ws (p);
  if (accept (p, end))
    return TRUE;
  for (;;) {
    if (end == '}') {
      if (!json_string (p))
        return FALSE;
      skip_ws (p);
      if (!accept (p, ':'))
        return FALSE;
    }
    if (!json_value (p, depth + 1))
      return FALSE;
    skip_ws (p);
    if (accept (p, end))
      return TRUE;
    if (!accept (p, ','))
      return FALSE;
    skip_ws (p);
  }
}

static gboolean
json_value (const char **p, guint depth)
{
  if (depth > 64)
    return FALSE;
  skip_ws (p);
  switch (**p) {
    case '{': return json_container (p, depth, '}');
    case '[': return json_container (p, depth, ']');
    case '"': return json_string (p);
    case 't': return g_str_has_prefix (*p, "true") && (*p += 4);
    case 'f': return g_str_has_prefix (*p, "false") && (*p += 5);
    case 'n': return g_str_has_prefix (*p, "null") && (*p += 4);
    default: return json_number (p);
  }
}

static void
assert_json (const char *text)
{
  const char *p = text;
  gboolean ok = json_value (&p, 0);
  if (ok) {
    skip_ws (&p);
    ok = *p == '\0';
  }
  if (!ok)
    g_error ("invalid JSON at offset %td: %s", p - text, text);
}

static void
test_validator (void)
{
  static const char *good[] = { "{}", "[]",
    ("{\"a\":[1,-2.5e3,\"x\\n\\u00e9\"," "true,false,null,{}]}"), " 0 " };
  static const char *bad[] = { "{", "{\"a\"}", "[1,]", "{\"a\":1,}", "01",
    "\"\x01\"", "[1 2]", "{a:1}", "-", "1.", "\"a", "\"\\", "\"\\u12",
    "[", "{\"a\":", "1e", "tru" };
  for (guint i = 0; i < G_N_ELEMENTS (good); i++) {
    const char *p = good[i];
    g_assert_true (json_value (&p, 0));
  }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    const char *p = bad[i];
    gboolean ok = json_value (&p, 0);
    skip_ws (&p);
    g_assert_false (ok && *p == '\0');
  }
}

/* ---- dumps ---- */

static void
test_init_text (void)
{
  g_autoptr (MkyMessage) msg = test_parse_b64 (TEST_RFC4567_INIT_B64);
  g_autofree char *text = mky_dump_message (msg, MKY_DUMP_DEFAULT);
  g_autofree char *encr = kemac_hex (msg, FALSE);
  g_autofree char *mac = kemac_hex (msg, TRUE);

  g_test_message ("%s", text);
  g_assert_true (g_str_has_prefix (text, "HDR (offset 0, length 19)\n"
          "  version: 1\n"
          "  data type: 0 (Pre-shared)\n"
          "  Next payload: 5 (T)\n"
          "  V: 1\n"
          "  PRF func: 0 (MIKEY-1)\n"
          "  CSB ID: 0xcd177e50\n"
          "  #CS: 1\n"
          "  CS ID map type: 0 (SRTP-ID)\n"
          "  CS ID map info:\n"
          "    [0]\n"
          "      Policy_no: 0\n"
          "      SSRC: 0x00000000\n"
          "      ROC: 0x00000000\n"
          "T (offset 19, length 10)\n"
          "  Next payload: 11 (RAND)\n"
          "  TS type: 0 (NTP-UTC)\n"
          "  TS value: 0xc8e350ea00000000\n"
          "RAND (offset 29, length 18)\n"));
  g_assert_nonnull (strstr (text, "ID (offset 47, length 19)\n"
          "  Next payload: 10 (SP)\n"
          "  ID Type: 0 (NAI)\n"
          "  ID data: 646f6e616c64406475636b2e636f6d \"donald@duck.com\"\n"));
  g_assert_nonnull (strstr (text, "  Policy param: (none)\n"));
  g_assert_nonnull (strstr (text, "KEMAC (offset 71, length 61)\n"
          "  Next payload: 0 (Last payload)\n"
          "  Encr alg: 1 (AES-CM-128)\n"
          "  Encr data: <hidden, 36 bytes>\n"
          "  Mac alg: 1 (HMAC-SHA-1-160)\n"));
  g_assert_nonnull (strstr (text, mac));
  /* secrets and implied lengths stay out */
  g_assert_null (strstr (text, encr));
  g_assert_null (strstr (text, "Encr data len"));
  g_assert_null (strstr (text, "ID len"));
  g_assert_null (strstr (text, "RAND len"));
  g_assert_null (strstr (text, "Policy param length"));
}

static void
test_init_secrets (void)
{
  g_autoptr (MkyMessage) msg = test_parse_b64 (TEST_RFC4567_INIT_B64);
  g_autofree char *text = mky_dump_message (msg, MKY_DUMP_SHOW_SECRETS);
  g_autofree char *json = mky_dump_message_json (msg, MKY_DUMP_SHOW_SECRETS);
  g_autofree char *encr = kemac_hex (msg, FALSE);
  g_autofree char *line = g_strdup_printf ("  Encr data: %s\n", encr);
  g_autofree char *member = g_strdup_printf ("\"Encr data\":{\"len\":36,"
      "\"hex\":\"%s\"}", encr);

  g_assert_nonnull (strstr (text, line));
  g_assert_null (strstr (text, "hidden"));
  assert_json (json);
  g_assert_nonnull (strstr (json, member));
}

static void
test_init_json (void)
{
  g_autoptr (MkyMessage) msg = test_parse_b64 (TEST_RFC4567_INIT_B64);
  g_autofree char *json = mky_dump_message_json (msg, MKY_DUMP_DEFAULT);
  g_autofree char *encr = kemac_hex (msg, FALSE);

  g_test_message ("%s", json);
  assert_json (json);
  g_assert_true (g_str_has_prefix (json, "{\"hdr\":{\"type\":\"HDR\","
          "\"offset\":0,\"length\":19,\"fields\":{\"version\":1,"
          "\"data type\":{\"value\":0,\"name\":\"Pre-shared\"},"
          "\"Next payload\":{\"value\":5,\"name\":\"T\"},\"V\":1,"
          "\"PRF func\":{\"value\":0,\"name\":\"MIKEY-1\"},"
          "\"CSB ID\":\"0xcd177e50\",\"#CS\":1,"
          "\"CS ID map type\":{\"value\":0,\"name\":\"SRTP-ID\"},"
          "\"CS ID map info\":[{\"Policy_no\":0,\"SSRC\":\"0x00000000\","
          "\"ROC\":\"0x00000000\"}]}},\"payloads\":[{\"type\":\"T\","
          "\"offset\":19,\"length\":10,"));
  g_assert_nonnull (strstr (json, "\"TS value\":\"0xc8e350ea00000000\""));
  g_assert_nonnull (strstr (json, "\"ID data\":{\"len\":15,"
          "\"hex\":\"646f6e616c64406475636b2e636f6d\","
          "\"text\":\"donald@duck.com\"}"));
  g_assert_nonnull (strstr (json, "\"Policy param\":[]"));
  g_assert_nonnull (strstr (json, "\"Encr data\":{\"len\":36,\"hidden\":true}"));
  g_assert_null (strstr (json, encr));
}

static void
test_resp (void)
{
  g_autoptr (MkyMessage) msg = test_parse_b64 (TEST_RFC4567_RESP_B64);
  g_autofree char *text = mky_dump_message (msg, MKY_DUMP_DEFAULT);
  g_autofree char *json = mky_dump_message_json (msg, MKY_DUMP_DEFAULT);

  g_assert_nonnull (strstr (text, "  data type: 1 (PSK ver msg)\n"));
  g_assert_nonnull (strstr (text, "  ID data: 6d69636b6579406d6f7573652e636f6d "
          "\"mickey@mouse.com\"\n"));
  g_assert_nonnull (strstr (text, "V (offset 49, length 22)\n"
          "  Next payload: 0 (Last payload)\n"
          "  Auth alg: 1 (HMAC-SHA-1-160)\n"
          "  Ver data: 9fc1dd184e413035c522e18481afbad80818e5c7\n"));
  assert_json (json);
}

/* The structures the RFC 4567 messages lack: a GENERIC-ID map, an SP with
 * parameters, key validity data, a SIGN (no Next payload field), odd text. */
static void
test_structures (void)
{
  g_autoptr (MkyMessage) msg = mky_message_new (MKY_TYPE_DH_INIT, 0x01020304);
  g_autoptr (GBytes) raw = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL, *json = NULL;
  MkyHdr *hdr = mky_message_hdr (msg);
  MkyCsGeneric *cs = g_new0 (MkyCsGeneric, 1);
  MkyPayload *p;
  static const guint8 x[192] = { 0xab, 0xcd };

  hdr->map_type = MKY_MAP_GENERIC_ID;
  cs->cs_id = 1;
  mky_bytes_set (&cs->policies, x, 2);
  mky_array_add (&hdr->cs_generic, cs);
  hdr->n_cs = 1;
  p = mky_message_add (msg, MKY_PT_ID);
  p->u.id.type = MKY_ID_URI;
  mky_bytes_set (&p->u.id.data, (const guint8 *) "a\"b\\c", 5);
  p = mky_message_add (msg, MKY_PT_ID);
  mky_bytes_set (&p->u.id.data, (const guint8 *) "a\nb", 3);
  p = mky_message_add (msg, MKY_PT_SP);
  mky_sp_add_param_u8 (&p->u.sp, MKY_SP_ENCR_ALG, MKY_SRTP_ENCR_AES_CM);
  mky_sp_add_param_u8 (&p->u.sp, 200, 7);
  p = mky_message_add (msg, MKY_PT_DH);
  p->u.dh.group = MKY_DH_OAKLEY_1;
  mky_bytes_set (&p->u.dh.value, x, 96);
  p->u.dh.kv.kv = MKY_KV_INTERVAL;
  mky_bytes_set (&p->u.dh.kv.valid_from, x, 2);
  mky_bytes_set (&p->u.dh.kv.valid_to, x + 1, 1);
  p = mky_message_add (msg, MKY_PT_SIGN);
  p->u.sign.s_type = MKY_SIGN_RSA_PSS;
  mky_bytes_set (&p->u.sign.signature, x, 3);
  raw = mky_message_serialize (msg, &error);
  g_assert_no_error (error);

  text = mky_dump_message (msg, MKY_DUMP_DEFAULT);
  g_test_message ("%s", text);
  g_assert_nonnull (strstr (text, "  CS ID map info:\n"
          "    [0]\n"
          "      CS ID: 1\n"
          "      Prot type: 0 (SRTP)\n"
          "      S: 0\n"
          "      Ps: abcd\n"
          "      Session Data: (empty)\n"
          "      SPI: (empty)\n"));
  g_assert_nonnull (strstr (text, "  ID data: 6122625c63 \"a\\\"b\\\\c\"\n"));
  g_assert_nonnull (strstr (text, "  ID data: 610a62\n"));
  g_assert_nonnull (strstr (text, "  Policy param:\n"
          "    [0]\n"
          "      Type: 0 (Encryption algorithm)\n"
          "      Value: 01\n"
          "    [1]\n"
          "      Type: 200\n"
          "      Value: 07\n"));
  g_assert_nonnull (strstr (text, "  KV: 2 (Interval)\n"
          "  KV data:\n"
          "    Valid From: abcd\n"
          "    Valid To: cd\n"));
  g_assert_true (g_str_has_suffix (text, "SIGN (offset 149, length 5)\n"
          "  S type: 1 (RSA/PSS)\n"
          "  Signature: abcd00\n"));

  json = mky_dump_message_json (msg, MKY_DUMP_DEFAULT);
  assert_json (json);
  g_assert_nonnull (strstr (json, "\"text\":\"a\\\"b\\\\c\""));
  g_assert_nonnull (strstr (json, "{\"len\":3,\"hex\":\"610a62\"}"));
  g_assert_nonnull (strstr (json, "{\"Type\":{\"value\":200,\"name\":null},"
          "\"Value\":{\"len\":1,\"hex\":\"07\"}}"));
  g_assert_nonnull (strstr (json, "\"KV data\":{\"Valid From\":{\"len\":2,"
          "\"hex\":\"abcd\"},\"Valid To\":{\"len\":1,\"hex\":\"cd\"}}"));
}

/* Decrypted KEMAC contents: a chain of Key data, keys hidden by default */
static void
test_chain (void)
{
  g_autoptr (GPtrArray) chain = NULL;
  g_autoptr (GByteArray) wire = g_byte_array_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL, *shown = NULL, *json = NULL, *json_shown = NULL;
  g_autofree char *fresh = NULL;
  MkyPayload *p = mky_payload_new (MKY_PT_KEY_DATA);
  static const guint8 key[16] = { 0x11, 0x22, 0x33 }, salt[14] = { 0x44 };

  p->u.key_data.type = MKY_KD_TGK_SALT;
  mky_bytes_set (&p->u.key_data.key, key, sizeof key);
  mky_bytes_set (&p->u.key_data.salt, salt, sizeof salt);
  p->u.key_data.kv.kv = MKY_KV_SPI;
  mky_bytes_set (&p->u.key_data.kv.spi, (const guint8 *) "\x01", 1);
  chain = g_ptr_array_new_with_free_func ((GDestroyNotify) mky_payload_free);
  g_ptr_array_add (chain, p);

  /* never serialized: no offset */
  fresh = mky_dump_chain (chain, MKY_DUMP_DEFAULT);
  g_assert_true (g_str_has_prefix (fresh, "Key data\n"));

  g_assert_true (mky_payload_chain_serialize (chain->pdata, chain->len, wire, &error));
  g_assert_no_error (error);
  text = mky_dump_chain (chain, MKY_DUMP_DEFAULT);
  g_test_message ("%s", text);
  g_assert_cmpstr (text, ==, "Key data (offset 0, length 38)\n"
      "  Next payload: 0 (Last payload)\n"
      "  Type: 1 (TGK+SALT)\n"
      "  KV: 1 (SPI/MKI)\n"
      "  Key data: <hidden, 16 bytes>\n"
      "  Salt data: <hidden, 14 bytes>\n"
      "  KV data:\n"
      "    SPI: 01\n");
  shown = mky_dump_chain (chain, MKY_DUMP_SHOW_SECRETS);
  g_assert_nonnull (strstr (shown, "  Key data: 11223300000000000000000000000000\n"
          "  Salt data: 4400000000000000000000000000\n"));

  json = mky_dump_chain_json (chain, MKY_DUMP_DEFAULT);
  assert_json (json);
  g_assert_true (g_str_has_prefix (json, "{\"payloads\":[{\"type\":\"Key data\","
          "\"offset\":0,\"length\":38,"));
  g_assert_null (strstr (json, "112233"));
  json_shown = mky_dump_chain_json (chain, MKY_DUMP_SHOW_SECRETS);
  assert_json (json_shown);
  g_assert_nonnull (strstr (json_shown, "\"hex\":\"112233"));

  g_ptr_array_set_size (chain, 0);
  g_free (json);
  json = mky_dump_chain_json (chain, MKY_DUMP_DEFAULT);
  g_assert_cmpstr (json, ==, "{\"payloads\":[]}");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/dump/json-validator", test_validator);
  g_test_add_func ("/dump/rfc4567/init/text", test_init_text);
  g_test_add_func ("/dump/rfc4567/init/secrets", test_init_secrets);
  g_test_add_func ("/dump/rfc4567/init/json", test_init_json);
  g_test_add_func ("/dump/rfc4567/resp", test_resp);
  g_test_add_func ("/dump/structures", test_structures);
  g_test_add_func ("/dump/chain", test_chain);
  return g_test_run ();
}
