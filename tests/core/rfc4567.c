/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* RFC 4567 tests: the §5.1 SDP bodies, key-mgmt attribute and KeyMgmt
 * header round trips, media/session precedence, the SDP IDs extension,
 * and malformed input refused with its specific code. */
#include <string.h>
#include <mky/mky.h>
#include "test-vectors.h"

/* RFC 4567 §5.1 */
#define ALICE_B64 TEST_RFC4567_INIT_B64
#define BOB_B64 TEST_RFC4567_RESP_B64

static const char alice_sdp[] =
    "v=0\r\n"
    "o=alice 2891092738 2891092738 IN IP4 w-land.example.com\r\n"
    "s=Cool stuff\r\n"
    "e=alice@w-land.example.com\r\n"
    "t=0 0\r\n"
    "c=IN IP4 w-land.example.com\r\n"
    "a=key-mgmt:mikey " ALICE_B64 "\r\n"
    "m=audio 49000 RTP/SAVP 98\r\n"
    "a=rtpmap:98 AMR/8000\r\n"
    "m=video 52230 RTP/SAVP 31\r\n"
    "a=rtpmap:31 H261/90000\r\n";

static const char bob_sdp[] =
    "v=0\r\n"
    "o=bob 2891092897 2891092897 IN IP4 foo.example.com\r\n"
    "s=Cool stuff\r\n"
    "e=bob@foo.example.com\r\n"
    "t=0 0\r\n"
    "c=IN IP4 foo.example.com\r\n"
    "a=key-mgmt:mikey " BOB_B64 "\r\n"
    "m=audio 49030 RTP/SAVP 98\r\n"
    "a=rtpmap:98 AMR/8000\r\n"
    "m=video 52230 RTP/SAVP 31\r\n"
    "a=rtpmap:31 H261/90000\r\n";

static void
assert_rfc_message (GBytes *raw, gsize len, MkyDataType type)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MkyMessage) msg = NULL;

  g_assert_nonnull (raw);
  g_assert_cmpuint (g_bytes_get_size (raw), ==, len);
  msg = mky_message_parse_bytes (raw, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (mky_message_hdr (msg)->data_type, ==, type);
  g_assert_cmphex (mky_message_hdr (msg)->csb_id, ==, 0xCD177E50);
}

static void
test_sdp_rfc_alice (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) session = mky_sdp_find_key_mgmt (alice_sdp, -1, &error);

  g_assert_no_error (error);
  assert_rfc_message (session, 132, MKY_TYPE_PSK_INIT);
  /* session level, so it covers both media */
  for (int i = 0; i < 2; i++) {
    g_autoptr (GBytes) media = mky_sdp_find_key_mgmt (alice_sdp, i, &error);
    g_assert_no_error (error);
    g_assert_true (g_bytes_equal (media, session));
  }
}

static void
test_sdp_rfc_bob (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) session = mky_sdp_find_key_mgmt (bob_sdp, -1, &error);

  g_assert_no_error (error);
  assert_rfc_message (session, 71, MKY_TYPE_PSK_VERIFY);
}

static void
test_sdp_attr_round_trip (void)
{
  g_autoptr (GBytes) msg = test_b64 (ALICE_B64);
  g_autofree char *attr = mky_sdp_key_mgmt_attr (msg);
  const char *forms[] = {
    "a=key-mgmt:mikey " ALICE_B64,
    "a=key-mgmt:mikey " ALICE_B64 "\r\n",
    "a=key-mgmt:mikey " ALICE_B64 "\n",
    "key-mgmt:mikey " ALICE_B64,
    "key-mgmt: mikey " ALICE_B64,       /* 0*1SP */
    "mikey " ALICE_B64,
    " mikey " ALICE_B64,
  };

  g_assert_cmpstr (attr, ==, "key-mgmt:mikey " ALICE_B64);
  for (guint i = 0; i < G_N_ELEMENTS (forms); i++) {
    g_autoptr (GError) error = NULL;
    g_autoptr (GBytes) back = mky_sdp_key_mgmt_parse (forms[i], &error);
    g_assert_no_error (error);
    g_assert_true (g_bytes_equal (back, msg));
  }
}

static void
test_sdp_attr_malformed (void)
{
  static const struct {
    const char *line;
    gint code;                  /* MkyErrorCode */
  } cases[] = {
    {"a=key-mgmt:mikey AQAF!M0X", MKY_ERROR_BAD_ENCODING},
    {"a=key-mgmt:mikey AQAFg", MKY_ERROR_BAD_ENCODING},
    {"a=key-mgmt:mikey AQAFgM=", MKY_ERROR_BAD_ENCODING},
    {"a=key-mgmt:mikey AQB=", MKY_ERROR_BAD_ENCODING},  /* bits after pad */
    {"a=key-mgmt:mikey AR==", MKY_ERROR_BAD_ENCODING},
    {"a=key-mgmt:mikey AQ==AQAA", MKY_ERROR_BAD_ENCODING},
    {"a=key-mgmt:mikey A===", MKY_ERROR_BAD_ENCODING},
    {"a=key-mgmt:mikey ====", MKY_ERROR_BAD_ENCODING},
    {"a=key-mgmt:mikey AQAA AQAA", MKY_ERROR_BAD_ENCODING},
    {"a=key-mgmt:mikey AQAA ", MKY_ERROR_BAD_ENCODING},
    {"a=key-mgmt:mikey ", MKY_ERROR_BAD_ENCODING},
    {"a=key-mgmt:mikey", MKY_ERROR_BAD_ENCODING},
    {"a=key-mgmt:mikeyAQAA", MKY_ERROR_BAD_ENCODING},
    {"a=key-mgmt:  mikey AQAA", MKY_ERROR_BAD_ENCODING},
    {"a=key-mgmt:mi-key AQAA", MKY_ERROR_BAD_ENCODING},
    {"a=rtpmap:98 AMR/8000", MKY_ERROR_BAD_ENCODING},
    {"", MKY_ERROR_BAD_ENCODING},
    {"a=key-mgmt:keyp1 AQAA", MKY_ERROR_UNSUPPORTED_VALUE},
    {"a=key-mgmt:MIKEY AQAA", MKY_ERROR_UNSUPPORTED_VALUE},
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (GError) error = NULL;
    g_autoptr (GBytes) msg = mky_sdp_key_mgmt_parse (cases[i].line, &error);
    g_test_message ("%s", cases[i].line);
    g_assert_error (error, MKY_ERROR, cases[i].code);
    g_assert_null (msg);
  }
}

/* Session level Alice; media 0 its own (Bob's); media 1 none; media 2 only
 * another protocol; media 3 the §4.1.4 list of three protocols */
static const char levels_sdp[] =
    "v=0\n"
    "o=alice 2891092738 2891092738 IN IP4 w-land.example.com\n"
    "s=Cool stuff\n"
    "t=0 0\n"
    "a=key-mgmt:mikey " ALICE_B64 "\n"
    "m=audio 49000 RTP/SAVP 98\n"
    "a=rtpmap:98 AMR/8000\n"
    "a=key-mgmt:mikey " BOB_B64 "\n"
    "m=video 52230 RTP/SAVP 31\n"
    "a=rtpmap:31 H261/90000\n"
    "m=video 52232 RTP/SAVP 31\n"
    "a=key-mgmt:keyp1 727gkdOshsuiSDF9sdhsdKnD/dhsoSJokdo7eWD...\n"
    "m=audio 39000 RTP/SAVP 98\n"
    "a=key-mgmt:keyp1 727gkdOshsuiSDF9sdhsdKnD/dhsoSJokdo7eWD...\n"
    "a=key-mgmt:mikey " BOB_B64 "\n"
    "a=key-mgmt:keyp2 DFsnuiSDSh9sdh Kksd/dhsoddo7eOok727gWsJD...\n";

static void
test_sdp_precedence (void)
{
  g_autoptr (GBytes) alice = test_b64 (ALICE_B64);
  g_autoptr (GBytes) bob = test_b64 (BOB_B64);
  static const struct {
    int media;
    const char *which;          /* NULL: none applies */
  } cases[] = {
    {-1, "alice"}, {0, "bob"}, {1, "alice"}, {2, NULL}, {3, "bob"},
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (GError) error = NULL;
    g_autoptr (GBytes) got = mky_sdp_find_key_mgmt (levels_sdp,
        cases[i].media, &error);

    if (cases[i].which == NULL) {
      g_assert_error (error, MKY_ERROR, MKY_ERROR_MISSING_PAYLOAD);
      g_assert_null (got);
    } else {
      g_assert_no_error (error);
      g_assert_true (g_bytes_equal (got, strcmp (cases[i].which, "bob") ?
              alice : bob));
    }
  }
}

static void
test_sdp_find_errors (void)
{
  /* RFC 4567 §5.4: media level only */
  static const char media_only[] =
      "v=0\r\nt=0 0\r\n"
      "m=audio 0 RTP/SAVP 98\r\n"
      "a=key-mgmt:mikey " ALICE_B64 "\r\n"
      "m=video 0 RTP/SAVP 31\r\n";
  static const char two_mikey[] =
      "v=0\r\n"
      "a=key-mgmt:mikey " ALICE_B64 "\r\n"
      "a=key-mgmt:mikey " BOB_B64 "\r\n";
  static const char two_in_media[] =
      "v=0\r\nm=audio 0 RTP/SAVP 98\r\n"
      "a=key-mgmt:mikey " ALICE_B64 "\r\n"
      "a=key-mgmt:mikey " BOB_B64 "\r\n";
  static const char bad_b64[] =
      "v=0\r\nm=audio 0 RTP/SAVP 98\r\na=key-mgmt:mikey AQAF%M0X\r\n";
  static const struct {
    const char *sdp;
    int media;
    gint code;                  /* MkyErrorCode */
  } cases[] = {
    {media_only, -1, MKY_ERROR_MISSING_PAYLOAD},
    {media_only, 1, MKY_ERROR_MISSING_PAYLOAD},
    {media_only, 2, MKY_ERROR_INVALID_ARGUMENT},
    {"v=0\r\n", -1, MKY_ERROR_MISSING_PAYLOAD},
    {"", 0, MKY_ERROR_INVALID_ARGUMENT},
    {two_mikey, -1, MKY_ERROR_BAD_ENCODING},
    {two_in_media, 0, MKY_ERROR_BAD_ENCODING},
    {bad_b64, 0, MKY_ERROR_BAD_ENCODING},
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) found = mky_sdp_find_key_mgmt (media_only, 0, &error);

  g_assert_no_error (error);
  assert_rfc_message (found, 132, MKY_TYPE_PSK_INIT);
  /* a bad attribute of a media not asked for does not matter */
  g_clear_pointer (&found, g_bytes_unref);
  found = mky_sdp_find_key_mgmt (bad_b64, -1, &error);
  g_assert_error (error, MKY_ERROR, MKY_ERROR_MISSING_PAYLOAD);
  g_clear_error (&error);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (GBytes) got = mky_sdp_find_key_mgmt (cases[i].sdp,
        cases[i].media, &error);
    g_assert_error (error, MKY_ERROR, cases[i].code);
    g_assert_null (got);
    g_clear_error (&error);
  }
}

static void
test_rtsp_header_round_trip (void)
{
  g_autoptr (GBytes) msg = test_b64 (BOB_B64);
  g_autofree char *with_uri = mky_rtsp_key_mgmt_header
      ("rtsp://movie.example.com/action", msg);
  g_autofree char *without = mky_rtsp_key_mgmt_header (NULL, msg);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) back = NULL;
  g_autofree char *uri = NULL;
  char *no_uri;

  g_assert_cmpstr (with_uri, ==, "prot=mikey; "
      "uri=\"rtsp://movie.example.com/action\"; data=\"" BOB_B64 "\"");
  back = mky_rtsp_key_mgmt_parse (with_uri, &uri, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (back, msg));
  g_assert_cmpstr (uri, ==, "rtsp://movie.example.com/action");
  assert_rfc_message (back, 71, MKY_TYPE_PSK_VERIFY);

  g_assert_cmpstr (without, ==, "prot=mikey; data=\"" BOB_B64 "\"");
  g_clear_pointer (&back, g_bytes_unref);
  no_uri = (char *) "stale";
  back = mky_rtsp_key_mgmt_parse (without, &no_uri, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (back, msg));
  g_assert_null (no_uri);
}

static void
test_rtsp_header_forms (void)
{
  static const struct {
    const char *value;
    const char *uri;
  } cases[] = {
    /* RFC 4567 §5.3, folded over two lines */
    {"keymgmt: prot=mikey; uri=\"rtsp://movie.example.com/action\";\r\n"
          "         data=\"" BOB_B64 "\"", "rtsp://movie.example.com/action"},
    {"KeyMgmt:prot=mikey; data=\"" BOB_B64 "\"", NULL},
    /* gst_sdp_make_keymgmt */
    {"prot=mikey;uri=\"rtsp://h/s\";data=\"" BOB_B64 "\"", "rtsp://h/s"},
    {"  prot = mikey ;  uri = \"rtsp://h/s\" ;data= \"" BOB_B64 "\" ;",
        "rtsp://h/s"},
    {"prot=mikey; data=" BOB_B64, NULL},
    {"prot=keyp1; data=\"727gkdOs\", prot=mikey; uri=\"rtsp://h/a,b;c\"; "
          "data=\"" BOB_B64 "\"", "rtsp://h/a,b;c"},
    {"prot=mikey; data=\"" BOB_B64 "\", prot=mikey; data=\"AQAA\"", NULL},
    {"prot=mikey; ext=\"x\"; data=\"" BOB_B64 "\"", NULL},
  };
  g_autoptr (GBytes) msg = test_b64 (BOB_B64);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (GError) error = NULL;
    g_autofree char *uri = NULL;
    g_autoptr (GBytes) back = NULL;

    g_test_message ("%s", cases[i].value);
    back = mky_rtsp_key_mgmt_parse (cases[i].value, &uri, &error);
    g_assert_no_error (error);
    g_assert_true (g_bytes_equal (back, msg));
    g_assert_cmpstr (uri, ==, cases[i].uri);
  }
}

static void
test_rtsp_header_malformed (void)
{
  static const struct {
    const char *value;
    gint code;                  /* MkyErrorCode */
  } cases[] = {
    {"prot=keyp1; data=\"AQAA\"", MKY_ERROR_UNSUPPORTED_VALUE},
    {"prot=MIKEY; data=\"AQAA\"", MKY_ERROR_UNSUPPORTED_VALUE},
    {"prot=mikey; uri=\"rtsp://h/s\"", MKY_ERROR_BAD_ENCODING},
    {"prot=mikey; data=\"AQAA", MKY_ERROR_BAD_ENCODING},
    {"prot=mikey; data=\"AQAA\"; data=\"AQAA\"", MKY_ERROR_BAD_ENCODING},
    {"prot=mikey; data=\"AQ A\"", MKY_ERROR_BAD_ENCODING},
    {"prot=mikey; data=\"AQB=\"", MKY_ERROR_BAD_ENCODING},
    {"prot=mikey; data=\"\"", MKY_ERROR_BAD_ENCODING},
    {"prot mikey; data=\"AQAA\"", MKY_ERROR_BAD_ENCODING},
    {"prot=mikey data=\"AQAA\"", MKY_ERROR_BAD_ENCODING},
    {"KeyMgmt prot=mikey; data=\"AQAA\"", MKY_ERROR_BAD_ENCODING},
    {"prot=mikey; data=\"AQAA\",", MKY_ERROR_BAD_ENCODING},
    {"prot=mi-key; data=\"AQAA\"", MKY_ERROR_BAD_ENCODING},
    {"data=\"AQAA\"", MKY_ERROR_BAD_ENCODING},
    {"", MKY_ERROR_BAD_ENCODING},
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (GError) error = NULL;
    char *uri = (char *) "untouched";
    g_autoptr (GBytes) back = NULL;

    g_test_message ("%s", cases[i].value);
    back = mky_rtsp_key_mgmt_parse (cases[i].value, &uri, &error);
    g_assert_error (error, MKY_ERROR, cases[i].code);
    g_assert_null (back);
    g_assert_cmpstr (uri, ==, "untouched");
  }
}

static void
test_sdp_ids (void)
{
  static const char *const ids[] = { "mikey", "keyp1", "keyp2", NULL };
  g_autoptr (MkyMessage) msg = mky_message_new (MKY_TYPE_PSK_INIT, 1);
  g_autoptr (MkyMessage) back = NULL;
  g_autoptr (GBytes) wire = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) got = NULL;
  MkyPayload *ext = mky_message_add (msg, MKY_PT_GEN_EXT);

  mky_sdp_ids_set (&ext->u.gen_ext, ids);
  g_assert_cmpuint (ext->u.gen_ext.type, ==, MKY_GEN_SDP_IDS);
  g_assert_cmpmem (ext->u.gen_ext.data.data, ext->u.gen_ext.data.len,
      "mikey;keyp1;keyp2", 17);

  wire = mky_message_serialize (msg, &error);
  g_assert_no_error (error);
  back = mky_message_parse_bytes (wire, &error);
  g_assert_no_error (error);
  got = mky_sdp_ids_get (&mky_message_find (back, MKY_PT_GEN_EXT,
          0)->u.gen_ext, &error);
  g_assert_no_error (error);
  g_assert_true (g_strv_equal ((const char *const *) got, ids));

  /* set again replaces */
  mky_sdp_ids_set (&ext->u.gen_ext, (const char *const[]) { "mikey", NULL });
  g_assert_cmpmem (ext->u.gen_ext.data.data, ext->u.gen_ext.data.len,
      "mikey", 5);
}

static void
test_sdp_ids_malformed (void)
{
  static const struct {
    const char *data;
    gsize len;
  } cases[] = {
    {"", 0}, {"mikey;", 6}, {";mikey", 6}, {"mikey;;keyp1", 12},
    {"mi key", 6}, {"mikey;key-p", 11}, {"mikey\0x", 7}, {"mikey\n", 6},
  };
  MkyGenExt ext = { MKY_GEN_SDP_IDS, {NULL, 0} };
  g_autoptr (GError) error = NULL;
  char **got;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    mky_bytes_set (&ext.data, (const guint8 *) cases[i].data, cases[i].len);
    got = mky_sdp_ids_get (&ext, &error);
    g_assert_error (error, MKY_ERROR, MKY_ERROR_BAD_ENCODING);
    g_assert_null (got);
    g_clear_error (&error);
  }

  mky_bytes_set (&ext.data, (const guint8 *) "mikey", 5);
  ext.type = MKY_GEN_VENDOR_ID;
  got = mky_sdp_ids_get (&ext, &error);
  g_assert_error (error, MKY_ERROR, MKY_ERROR_INVALID_ARGUMENT);
  g_assert_null (got);
  mky_bytes_clear (&ext.data, FALSE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/rfc4567/sdp/rfc-alice", test_sdp_rfc_alice);
  g_test_add_func ("/rfc4567/sdp/rfc-bob", test_sdp_rfc_bob);
  g_test_add_func ("/rfc4567/sdp/attr-round-trip", test_sdp_attr_round_trip);
  g_test_add_func ("/rfc4567/sdp/attr-malformed", test_sdp_attr_malformed);
  g_test_add_func ("/rfc4567/sdp/precedence", test_sdp_precedence);
  g_test_add_func ("/rfc4567/sdp/find-errors", test_sdp_find_errors);
  g_test_add_func ("/rfc4567/rtsp/round-trip", test_rtsp_header_round_trip);
  g_test_add_func ("/rfc4567/rtsp/forms", test_rtsp_header_forms);
  g_test_add_func ("/rfc4567/rtsp/malformed", test_rtsp_header_malformed);
  g_test_add_func ("/rfc4567/sdp-ids", test_sdp_ids);
  g_test_add_func ("/rfc4567/sdp-ids/malformed", test_sdp_ids_malformed);
  return g_test_run ();
}
