/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SRTP policy tests: every SP mapping and refusal, nick policies, both SP
 * forms round-tripped, and the srtpdec caps string with its key checks. */
#include <string.h>
#include <mky/mky.h>

typedef struct {
  guint8 type;
  guint8 len;                   /* 0 ends the list */
  guint8 v[4];
} Param;

#define U8(t, x) { t, 1, { x } }
#define END { 0, 0, { 0 } }

/* A new SP of prot type SRTP holding @params */
static MkyPayload *
make_sp (const Param *params)
{
  MkyPayload *p = mky_payload_new (MKY_PT_SP);
  p->u.sp.prot_type = MKY_PROT_SRTP;
  for (const Param *q = params; q->len; q++)
    mky_sp_add_param (&p->u.sp, q->type, q->v, q->len);
  return p;
}

static void
assert_policy (const MkySrtpPolicy *p, const char *srtp_cipher,
    const char *srtp_auth, const char *srtcp_cipher, const char *srtcp_auth,
    gsize master_len, guint tag_len)
{
  g_assert_cmpstr (mky_srtp_cipher_nick (p->srtp_cipher), ==, srtp_cipher);
  g_assert_cmpstr (mky_srtp_auth_nick (p->srtp_auth), ==, srtp_auth);
  g_assert_cmpstr (mky_srtp_cipher_nick (p->srtcp_cipher), ==, srtcp_cipher);
  g_assert_cmpstr (mky_srtp_auth_nick (p->srtcp_auth), ==, srtcp_auth);
  g_assert_cmpuint (mky_srtp_policy_master_len (p), ==, master_len);
  g_assert_cmpuint (p->tag_len, ==, tag_len);
}

typedef struct {
  const char *name;
  Param params[12];
  MkySpCompat compat;
  const char *srtp_cipher, *srtp_auth, *srtcp_cipher, *srtcp_auth;
  gsize master_len;
  guint tag_len;
} MapCase;

#define STRICT MKY_SP_COMPAT_STRICT
#define GST MKY_SP_COMPAT_ACCEPT_GSTREAMER
#define ICM128 "aes-128-icm"
#define ICM256 "aes-256-icm"
#define H80 "hmac-sha1-80"
#define H32 "hmac-sha1-32"

static const MapCase map_cases[] = {
  {"empty: RFC 3711 defaults", {END}, STRICT,
      ICM128, H80, ICM128, H80, 30, 10},
  {"AES-CM 128 spelled out", {U8 (0, 1), U8 (1, 16), U8 (2, 1), U8 (3, 20),
          U8 (4, 14), U8 (5, 0), U8 (7, 1), U8 (8, 1), U8 (10, 1),
          U8 (11, 10), END}, STRICT, ICM128, H80, ICM128, H80, 30, 10},
  {"RFC 6188 AES-CM 256", {U8 (0, 1), U8 (1, 32), END}, STRICT,
      ICM256, H80, ICM256, H80, 46, 10},
  {"tag length 4", {U8 (11, 4), END}, STRICT, ICM128, H32, ICM128, H32, 30,
      4},
  {"RFC 7714 AES-GCM 128", {U8 (0, 6), END}, STRICT,
      "aes-128-gcm", "null", "aes-128-gcm", "null", 28, 16},
  {"RFC 7714 AES-GCM 256 spelled out", {U8 (0, 6), U8 (1, 32), U8 (2, 0),
          U8 (4, 12), U8 (7, 1), U8 (8, 1), U8 (10, 1), U8 (20, 16), END},
      STRICT, "aes-256-gcm", "null", "aes-256-gcm", "null", 44, 16},
  {"SRTCP encryption off", {U8 (8, 0), END}, STRICT,
      ICM128, H80, "null", H80, 30, 10},
  {"SRTP authentication off", {U8 (10, 0), END}, STRICT,
      ICM128, "null", ICM128, H80, 30, 0},
  {"NULL cipher and auth", {U8 (0, 0), U8 (2, 0), END}, STRICT,
      "null", "null", "null", "null", 0, 0},
  {"every flag off", {U8 (2, 0), U8 (7, 0), U8 (8, 0), U8 (10, 0), END},
      STRICT, "null", "null", "null", "null", 0, 0},
  {"RFC 4771 SRTCP tag", {U8 (11, 4), U8 (19, 10), END}, STRICT,
      ICM128, H32, ICM128, H80, 30, 4},
  {"RFC 4771 SRTP tag", {U8 (18, 4), END}, STRICT,
      ICM128, H32, ICM128, H80, 30, 4},
  {"RFC 4771 SRTCP auth NULL, SRTCP encryption off",
      {U8 (8, 0), U8 (15, 0), END}, STRICT, ICM128, H80, "null", "null", 30,
      10},
  {"RFC 4771 per-direction HMAC", {U8 (2, 0), U8 (14, 1), U8 (15, 1),
          U8 (16, 20), U8 (17, 20), U8 (18, 10), U8 (19, 4), END}, STRICT,
      ICM128, H80, ICM128, H32, 30, 10},
  {"defaults of the fixed parameters", {U8 (5, 0), U8 (6, 0), U8 (9, 0),
          U8 (12, 0), {13, 2, {0, 1}}, END}, STRICT,
      ICM128, H80, ICM128, H80, 30, 10},
  {"KDR 0 as 32 bits", {{6, 4, {0, 0, 0, 0}}, END}, STRICT,
      ICM128, H80, ICM128, H80, 30, 10},
  {"GStreamer form, tag 4", {U8 (0, 1), U8 (1, 16), U8 (2, 1), U8 (3, 4),
          U8 (7, 1), U8 (8, 1), U8 (10, 1), END}, GST,
      ICM128, H32, ICM128, H32, 30, 4},
  {"GStreamer form, AES-256, tag 10", {U8 (0, 1), U8 (1, 32), U8 (2, 1),
          U8 (3, 10), U8 (7, 1), U8 (8, 1), U8 (10, 1), END}, GST,
      ICM256, H80, ICM256, H80, 46, 10},
  {"GStreamer compat keeps RFC 4771 SRTP tag", {U8 (3, 4), U8 (18, 10), END},
      GST, ICM128, H80, ICM128, H32, 30, 10},
  {"RFC form read in GStreamer compat", {U8 (3, 20), U8 (11, 4), END}, GST,
      ICM128, H32, ICM128, H32, 30, 4},
};

static void
test_from_sp_map (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (map_cases); i++) {
    const MapCase *c = &map_cases[i];
    g_autoptr (MkyPayload) sp = make_sp (c->params);
    g_autoptr (GError) error = NULL;
    MkySrtpPolicy p;

    g_test_message ("%s", c->name);
    g_assert_true (mky_srtp_policy_from_sp (&sp->u.sp, c->compat, &p,
            &error));
    g_assert_no_error (error);
    assert_policy (&p, c->srtp_cipher, c->srtp_auth, c->srtcp_cipher,
        c->srtcp_auth, c->master_len, c->tag_len);
  }
}

static void
test_from_sp_defaults (void)
{
  g_autoptr (GError) error = NULL;
  MkySrtpPolicy p;

  g_assert_true (mky_srtp_policy_from_sp (NULL, STRICT, &p, &error));
  g_assert_no_error (error);
  assert_policy (&p, ICM128, H80, ICM128, H80, 30, 10);
  g_assert_cmpuint (p.key_len, ==, 16);
  g_assert_cmpuint (p.salt_len, ==, 14);
  g_assert_cmpuint (p.auth_key_len, ==, 20);
}

typedef struct {
  const char *name;
  Param params[6];
  MkySpCompat compat;
  const char *needle;           /* the parameter the message names */
} RefuseCase;

static const RefuseCase refuse_cases[] = {
  {"AES-F8", {U8 (0, 2), END}, GST, "(Encryption algorithm): AES-F8"},
  {"SEED-CTR", {U8 (0, 3), END}, GST, "(Encryption algorithm): SEED-CTR"},
  {"SEED-CCM", {U8 (0, 4), END}, GST, "(Encryption algorithm): SEED-CCM"},
  {"SEED-GCM", {U8 (0, 5), END}, GST, "(Encryption algorithm): SEED-GCM"},
  {"ARIA-CTR", {U8 (0, 7), END}, GST, "(Encryption algorithm): ARIA-CTR"},
  {"ARIA-GCM", {U8 (0, 8), END}, GST, "(Encryption algorithm): ARIA-GCM"},
  {"unknown cipher", {U8 (0, 9), END}, GST, "(Encryption algorithm)"},
  {"AES-192", {U8 (1, 24), END}, GST, "(Session Encr. key length): 24"},
  {"AES key 20", {U8 (1, 20), END}, GST, "(Session Encr. key length)"},
  {"GCM key 24", {U8 (0, 6), U8 (1, 24), END}, GST,
      "(Session Encr. key length)"},
  {"AES-CM salt 12", {U8 (4, 12), END}, GST, "(Session Salt key length)"},
  {"GCM salt 14", {U8 (0, 6), U8 (4, 14), END}, GST,
      "(Session Salt key length)"},
  {"SEED PRF", {U8 (5, 1), END}, GST, "(SRTP Pseudo Random Function)"},
  {"ARIA PRF", {U8 (5, 2), END}, GST, "(SRTP Pseudo Random Function)"},
  {"KDR 1", {U8 (6, 1), END}, GST, "(Key derivation rate)"},
  {"KDR 2^8 in 32 bits", {{6, 4, {0, 0, 1, 0}}, END}, GST,
      "(Key derivation rate)"},
  {"FEC order", {U8 (9, 1), END}, GST, "(sender's FEC order)"},
  {"prefix", {U8 (12, 4), END}, GST, "(SRTP prefix length)"},
  {"ROC rate 2", {{13, 2, {0, 2}}, END}, GST, "(ROC transmission rate)"},
  {"ROC rate 0", {{13, 2, {0, 0}}, END}, GST, "(ROC transmission rate)"},
  {"RCCm1", {U8 (2, 2), END}, GST, "(Authentication algorithm): RCCm1"},
  {"RCCm2", {U8 (2, 3), END}, GST, "(Authentication algorithm): RCCm2"},
  {"RCCm3", {U8 (2, 4), END}, GST, "(Authentication algorithm): RCCm3"},
  {"unknown auth", {U8 (2, 5), END}, GST, "(Authentication algorithm)"},
  {"SRTP RCC", {U8 (14, 2), END}, GST, "(SRTP Auth. algorithm)"},
  {"SRTCP RCC", {U8 (15, 3), END}, GST, "(SRTCP Auth. algorithm)"},
  {"auth key 16", {U8 (3, 16), END}, GST, "(Session Auth. key length)"},
  {"GStreamer form when strict", {U8 (3, 10), END}, STRICT,
      "(Session Auth. key length): 10"},
  {"GStreamer form with type 11", {U8 (3, 10), U8 (11, 10), END}, GST,
      "(Session Auth. key length): 10"},
  {"SRTP auth key 10", {U8 (16, 10), END}, GST,
      "(SRTP Session Auth. key length)"},
  {"SRTCP auth key 32", {U8 (17, 32), END}, GST,
      "(SRTCP Session Auth. key length)"},
  {"tag 8", {U8 (11, 8), END}, GST, "(Authentication tag length): 8"},
  {"SRTP tag 16", {U8 (18, 16), END}, GST,
      "(SRTP Authentication tag length)"},
  {"SRTCP tag 0", {U8 (19, 0), END}, GST,
      "(SRTCP Authentication tag length)"},
  {"AEAD tag 8", {U8 (0, 6), U8 (20, 8), END}, GST,
      "(AEAD authentication tag length)"},
  {"GCM with HMAC", {U8 (0, 6), U8 (2, 1), END}, GST,
      "(Authentication algorithm): HMAC-SHA-1"},
  {"GCM with SRTP HMAC", {U8 (0, 6), U8 (14, 1), END}, GST,
      "(SRTP Auth. algorithm)"},
  {"GCM, SRTP encryption off", {U8 (0, 6), U8 (7, 0), END}, GST,
      "(SRTP encryption off/on)"},
  {"GCM, SRTCP encryption off", {U8 (0, 6), U8 (8, 0), END}, GST,
      "(SRTCP encryption off/on)"},
  {"GCM, SRTP authentication off", {U8 (0, 6), U8 (10, 0), END}, GST,
      "(SRTP authentication off/on)"},
  {"flag 2", {U8 (7, 2), END}, GST, "(SRTP encryption off/on)"},
  {"unknown type 21", {U8 (21, 0), END}, GST, "parameter 21"},
  {"unknown type 200", {U8 (200, 0), END}, GST, "parameter 200"},
  {"16-bit cipher", {{0, 2, {0, 1}}, END}, GST, "(Encryption algorithm)"},
  {"8-bit ROC rate", {U8 (13, 1), END}, GST, "(ROC transmission rate)"},
  {"16-bit tag", {{11, 2, {0, 10}}, END}, GST, "(Authentication tag length)"},
  {"repeated cipher", {U8 (0, 1), U8 (0, 1), END}, GST,
      "(Encryption algorithm): given twice"},
  {"SRTCP auth NULL, SRTCP encrypted", {U8 (15, 0), END}, GST,
      "srtcp-auth null"},
  {"auth NULL, AES-CM", {U8 (2, 0), END}, GST, "srtcp-auth null"},
  {"NULL cipher with HMAC", {U8 (0, 0), END}, GST, "srtp-cipher null"},
  {"SRTP encryption off", {U8 (7, 0), END}, GST, "srtp-cipher null"},
};

static void
test_from_sp_refuse (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (refuse_cases); i++) {
    const RefuseCase *c = &refuse_cases[i];
    g_autoptr (MkyPayload) sp = make_sp (c->params);
    g_autoptr (GError) error = NULL;
    MkySrtpPolicy p, untouched;

    g_test_message ("%s", c->name);
    memset (&p, 0xA5, sizeof p);
    untouched = p;
    g_assert_false (mky_srtp_policy_from_sp (&sp->u.sp, c->compat, &p,
            &error));
    g_assert_error (error, MKY_ERROR, MKY_ERROR_UNSUPPORTED_SP);
    if (strstr (error->message, c->needle) == NULL)
      g_error ("'%s' does not name '%s'", error->message, c->needle);
    g_assert_cmpmem (&p, sizeof p, &untouched, sizeof untouched);
  }
}

static void
test_from_sp_prot_type (void)
{
  g_autoptr (MkyPayload) sp = make_sp ((Param[]) { END });
  g_autoptr (GError) error = NULL;
  MkySrtpPolicy p;

  sp->u.sp.prot_type = MKY_PROT_TESLA;
  g_assert_false (mky_srtp_policy_from_sp (&sp->u.sp, GST, &p, &error));
  g_assert_error (error, MKY_ERROR, MKY_ERROR_UNSUPPORTED_SP);
  g_assert_nonnull (strstr (error->message, "Prot type 1"));
}

static void
test_nicks (void)
{
  MkySrtpCipher c;
  MkySrtpAuth a;

  for (guint i = MKY_SRTP_CIPHER_NULL; i <= MKY_SRTP_CIPHER_AES_256_GCM; i++) {
    g_assert_true (mky_srtp_cipher_from_nick (mky_srtp_cipher_nick (i), &c));
    g_assert_cmpuint (c, ==, i);
  }
  for (guint i = MKY_SRTP_AUTH_NULL; i <= MKY_SRTP_AUTH_HMAC_SHA1_80; i++) {
    g_assert_true (mky_srtp_auth_from_nick (mky_srtp_auth_nick (i), &a));
    g_assert_cmpuint (a, ==, i);
  }
  g_assert_cmpstr (mky_srtp_cipher_nick (MKY_SRTP_CIPHER_AES_256_ICM), ==,
      "aes-256-icm");
  g_assert_cmpstr (mky_srtp_cipher_nick (MKY_SRTP_CIPHER_AES_128_GCM), ==,
      "aes-128-gcm");
  g_assert_cmpstr (mky_srtp_auth_nick (MKY_SRTP_AUTH_HMAC_SHA1_32), ==,
      "hmac-sha1-32");
  g_assert_null (mky_srtp_cipher_nick (5));
  g_assert_null (mky_srtp_auth_nick (3));
  g_assert_false (mky_srtp_cipher_from_nick ("aes-192-icm", &c));
  g_assert_false (mky_srtp_cipher_from_nick (NULL, &c));
  g_assert_false (mky_srtp_auth_from_nick ("HMAC-SHA1-80", &a));
}

static void
test_from_nicks (void)
{
  static const struct {
    const char *nicks[4];
    const char *needle;         /* NULL: accepted */
  } cases[] = {
    {{ICM128, H80, ICM128, H80}, NULL},
    {{"aes-256-gcm", "null", "aes-256-gcm", "null"}, NULL},
    {{ICM256, H32, "null", H80}, NULL},
    {{"null", "null", "null", "null"}, NULL},
    {{"aes-192-icm", H80, ICM128, H80}, "srtp-cipher 'aes-192-icm'"},
    {{ICM128, "sha", ICM128, H80}, "srtp-auth 'sha'"},
    {{ICM128, H80, NULL, H80}, "srtcp-cipher '(none)'"},
    {{ICM128, H80, ICM128, ""}, "srtcp-auth ''"},
    {{ICM128, H80, ICM256, H80}, "differ"},
    {{"aes-128-gcm", H80, "aes-128-gcm", "null"}, "aes-128-gcm needs"},
    {{"aes-128-gcm", "null", "null", "null"}, "aes-128-gcm needs"},
    {{"null", H80, "null", H80}, "srtp-cipher null"},
    {{"null", "null", ICM128, H80}, "srtp-cipher null"},
    {{ICM128, H80, ICM128, "null"}, "srtcp-auth null"},
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    const char *const *n = cases[i].nicks;
    g_autoptr (GError) error = NULL;
    MkySrtpPolicy p;
    gboolean ok = mky_srtp_policy_from_nicks (n[0], n[1], n[2], n[3], &p,
        &error);

    if (cases[i].needle == NULL) {
      g_assert_no_error (error);
      g_assert_true (ok);
      g_assert_cmpstr (mky_srtp_cipher_nick (p.srtp_cipher), ==, n[0]);
      g_assert_cmpstr (mky_srtp_auth_nick (p.srtp_auth), ==, n[1]);
      g_assert_cmpstr (mky_srtp_cipher_nick (p.srtcp_cipher), ==, n[2]);
      g_assert_cmpstr (mky_srtp_auth_nick (p.srtcp_auth), ==, n[3]);
    } else {
      g_assert_false (ok);
      g_assert_error (error, MKY_ERROR, MKY_ERROR_UNSUPPORTED_SP);
      if (strstr (error->message, cases[i].needle) == NULL)
        g_error ("'%s' does not name '%s'", error->message, cases[i].needle);
    }
  }
}

static void
test_lengths (void)
{
  static const struct {
    const char *nicks[4];
    guint key_len, salt_len, auth_key_len, tag_len;
    gsize master_len;
  } cases[] = {
    {{ICM128, H80, ICM128, H80}, 16, 14, 20, 10, 30},
    {{ICM256, H32, ICM256, H32}, 32, 14, 20, 4, 46},
    {{"aes-128-gcm", "null", "aes-128-gcm", "null"}, 16, 12, 0, 16, 28},
    {{"aes-256-gcm", "null", "aes-256-gcm", "null"}, 32, 12, 0, 16, 44},
    {{ICM128, "null", ICM128, H80}, 16, 14, 20, 0, 30},
    {{ICM256, H80, "null", "null"}, 32, 14, 20, 10, 46},
    {{"null", "null", "null", "null"}, 0, 0, 0, 0, 0},
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    const char *const *n = cases[i].nicks;
    g_autoptr (GError) error = NULL;
    MkySrtpPolicy p;

    g_assert_true (mky_srtp_policy_from_nicks (n[0], n[1], n[2], n[3], &p,
            &error));
    g_assert_no_error (error);
    g_assert_cmpuint (p.key_len, ==, cases[i].key_len);
    g_assert_cmpuint (p.salt_len, ==, cases[i].salt_len);
    g_assert_cmpuint (p.auth_key_len, ==, cases[i].auth_key_len);
    g_assert_cmpuint (p.tag_len, ==, cases[i].tag_len);
    g_assert_cmpuint (mky_srtp_policy_master_len (&p), ==,
        cases[i].master_len);
  }
}

/* Every policy the nicks can name that an SP can carry */
static GArray *
all_policies (void)
{
  GArray *all = g_array_new (FALSE, FALSE, sizeof (MkySrtpPolicy));

  for (guint i = 0; i < 5 * 3 * 5 * 3; i++) {
    MkySrtpPolicy p;
    if (mky_srtp_policy_from_nicks (mky_srtp_cipher_nick (i % 5),
            mky_srtp_auth_nick (i / 5 % 3), mky_srtp_cipher_nick (i / 15 % 5),
            mky_srtp_auth_nick (i / 75), &p, NULL))
      g_array_append_val (all, p);
  }
  /* all NULL; 2 AES-CM x 3 SRTP auths x (2 + 3 SRTCP); 2 GCM */
  g_assert_cmpuint (all->len, ==, 1 + 2 * 3 * 5 + 2);
  return all;
}

static void
assert_round_trip (const MkySrtpPolicy *p, gboolean gstreamer_form,
    MkySpCompat compat)
{
  g_autoptr (MkyPayload) sp = mky_payload_new (MKY_PT_SP);
  g_autoptr (GError) error = NULL;
  MkySrtpPolicy back;

  mky_srtp_policy_to_sp (p, gstreamer_form, &sp->u.sp);
  g_assert_cmpuint (sp->u.sp.prot_type, ==, MKY_PROT_SRTP);
  g_assert_true (mky_srtp_policy_from_sp (&sp->u.sp, compat, &back,
          &error));
  g_assert_no_error (error);
  g_assert_cmpmem (&back, sizeof back, p, sizeof *p);
}

static void
test_rfc_round_trip (void)
{
  g_autoptr (GArray) all = all_policies ();

  for (guint i = 0; i < all->len; i++) {
    const MkySrtpPolicy *p = &g_array_index (all, MkySrtpPolicy, i);
    assert_round_trip (p, FALSE, STRICT);
    assert_round_trip (p, FALSE, GST);
  }
}

static void
test_gstreamer_round_trip (void)
{
  g_autoptr (GArray) all = all_policies ();
  guint n = 0;

  for (guint i = 0; i < all->len; i++) {
    const MkySrtpPolicy *p = &g_array_index (all, MkySrtpPolicy, i);
    /* one tag length field: SRTCP's own auth is lost */
    if (p->srtp_auth != MKY_SRTP_AUTH_NULL && p->srtp_auth != p->srtcp_auth)
      continue;
    assert_round_trip (p, TRUE, GST);
    n++;
  }
  g_assert_cmpuint (n, ==, 1 + 2 * (5 + 2 + 2) + 2);
}

static void
assert_params (const MkySp *sp, const Param *want)
{
  guint n = 0;

  for (const Param *q = want; q->len; q++, n++) {
    const MkySpParam *got = sp->params->pdata[n];
    g_assert_cmpuint (got->type, ==, q->type);
    g_assert_cmpmem (got->value.data, got->value.len, q->v, q->len);
  }
  g_assert_cmpuint (sp->params->len, ==, n);
}

static void
test_to_sp (void)
{
  static const struct {
    const char *nicks[4];
    gboolean gstreamer_form;
    Param want[12];
  } cases[] = {
    /* gst_mikey_message_new_from_caps, gstreamer-notes §3.2 [verified] */
    {{ICM128, H80, ICM128, H80}, TRUE, {U8 (0, 1), U8 (1, 16), U8 (2, 1),
            U8 (3, 10), U8 (7, 1), U8 (8, 1), U8 (10, 1), END}},
    {{ICM256, H32, ICM256, H32}, TRUE, {U8 (0, 1), U8 (1, 32), U8 (2, 1),
            U8 (3, 4), U8 (7, 1), U8 (8, 1), U8 (10, 1), END}},
    {{ICM128, H80, ICM128, H80}, FALSE, {U8 (0, 1), U8 (1, 16), U8 (2, 1),
            U8 (3, 20), U8 (4, 14), U8 (7, 1), U8 (8, 1), U8 (10, 1),
            U8 (11, 10), END}},
    {{"aes-128-gcm", "null", "aes-128-gcm", "null"}, FALSE, {U8 (0, 6),
            U8 (1, 16), U8 (2, 0), U8 (4, 12), U8 (7, 1), U8 (8, 1),
            U8 (10, 1), U8 (20, 16), END}},
    {{ICM256, "null", "null", H32}, FALSE, {U8 (0, 1), U8 (1, 32), U8 (2, 1),
            U8 (3, 20), U8 (4, 14), U8 (7, 1), U8 (8, 0), U8 (10, 0),
            U8 (11, 4), END}},
    {{ICM128, H32, ICM128, H80}, FALSE, {U8 (0, 1), U8 (1, 16), U8 (2, 1),
            U8 (3, 20), U8 (4, 14), U8 (7, 1), U8 (8, 1), U8 (10, 1),
            U8 (11, 4), U8 (19, 10), END}},
    {{ICM128, H80, "null", "null"}, FALSE, {U8 (0, 1), U8 (1, 16), U8 (2, 1),
            U8 (3, 20), U8 (4, 14), U8 (7, 1), U8 (8, 0), U8 (10, 1),
            U8 (11, 10), U8 (15, 0), END}},
    {{"null", "null", "null", "null"}, FALSE, {U8 (0, 0), U8 (2, 0),
            U8 (7, 0), U8 (8, 0), U8 (10, 0), END}},
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    const char *const *n = cases[i].nicks;
    g_autoptr (MkyPayload) sp = mky_payload_new (MKY_PT_SP);
    MkySrtpPolicy p;

    g_assert_true (mky_srtp_policy_from_nicks (n[0], n[1], n[2], n[3], &p,
            NULL));
    mky_srtp_policy_to_sp (&p, cases[i].gstreamer_form, &sp->u.sp);
    assert_params (&sp->u.sp, cases[i].want);
  }
}

/* The SP survives the codec inside a message */
static void
test_to_sp_wire (void)
{
  g_autoptr (MkyMessage) msg = mky_message_new (MKY_TYPE_PSK_INIT, 1);
  g_autoptr (MkyMessage) back = NULL;
  g_autoptr (GBytes) wire = NULL;
  g_autoptr (GError) error = NULL;
  MkySrtpPolicy p, q;

  g_assert_true (mky_srtp_policy_from_nicks (ICM256, H32, ICM256, H80, &p,
          NULL));
  mky_srtp_policy_to_sp (&p, FALSE, &mky_message_add (msg, MKY_PT_SP)->u.sp);
  wire = mky_message_serialize (msg, &error);
  g_assert_no_error (error);
  back = mky_message_parse_bytes (wire, &error);
  g_assert_no_error (error);
  g_assert_true (mky_srtp_policy_from_sp (&mky_message_find (back, MKY_PT_SP,
              0)->u.sp, STRICT, &q, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (&q, sizeof q, &p, sizeof p);
}

static const guint8 key32[32] = {
  0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b,
  0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
  0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
};

static const guint8 salt14[14] = {
  0xe0, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xeb,
  0xec, 0xed,
};

static MkySrtpPolicy
policy (const char *cipher, const char *auth, const char *srtcp_cipher,
    const char *srtcp_auth)
{
  MkySrtpPolicy p;
  g_assert_true (mky_srtp_policy_from_nicks (cipher, auth, srtcp_cipher,
          srtcp_auth, &p, NULL));
  return p;
}

static void
test_caps_string (void)
{
  MkySrtpPolicy p = policy (ICM128, H80, ICM128, H80);
  g_autoptr (GError) error = NULL;
  g_autofree char *caps = NULL;
  g_autofree char *joined = NULL;
  guint8 key_salt[30];

  caps = mky_srtp_caps_string (&p, 1234, 0, key32, 16, salt14, 14, NULL, 0,
      &error);
  g_assert_no_error (error);
  g_assert_cmpstr (caps, ==, "application/x-srtp, ssrc=(uint)1234, "
      "roc=(uint)0, srtp-key=(buffer)000102030405060708090a0b0c0d0e0f"
      "e0e1e2e3e4e5e6e7e8e9eaebeced, srtp-cipher=(string)aes-128-icm, "
      "srtp-auth=(string)hmac-sha1-80, srtcp-cipher=(string)aes-128-icm, "
      "srtcp-auth=(string)hmac-sha1-80");

  /* GStreamer-style TEK: key || salt in one */
  memcpy (key_salt, key32, 16);
  memcpy (key_salt + 16, salt14, 14);
  joined = mky_srtp_caps_string (&p, 1234, 0, key_salt, 30, NULL, 0, NULL, 0,
      &error);
  g_assert_no_error (error);
  g_assert_cmpstr (joined, ==, caps);
}

static void
test_caps_string_mki_roc (void)
{
  MkySrtpPolicy p = policy (ICM256, H32, "null", H80);
  static const guint8 mki[] = { 0xde, 0xad, 0xbe, 0xef };
  g_autoptr (GError) error = NULL;
  g_autofree char *caps = mky_srtp_caps_string (&p, 0xffffffffu, 7, key32,
      32, salt14, 14, mki, sizeof mki, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (caps, ==, "application/x-srtp, ssrc=(uint)4294967295, "
      "roc=(uint)7, srtp-key=(buffer)000102030405060708090a0b0c0d0e0f"
      "101112131415161718191a1b1c1d1e1fe0e1e2e3e4e5e6e7e8e9eaebeced, "
      "srtp-cipher=(string)aes-256-icm, srtp-auth=(string)hmac-sha1-32, "
      "srtcp-cipher=(string)null, srtcp-auth=(string)hmac-sha1-80, "
      "mki=(buffer)deadbeef");
}

static void
test_caps_string_null (void)
{
  MkySrtpPolicy p = policy ("null", "null", "null", "null");
  g_autoptr (GError) error = NULL;
  g_autofree char *caps = mky_srtp_caps_string (&p, 5, 0, NULL, 0, NULL, 0,
      NULL, 0, &error);
  g_autofree char *zeros = g_strnfill (60, '0');
  g_autofree char *want = g_strdup_printf ("application/x-srtp, "
      "ssrc=(uint)5, roc=(uint)0, srtp-key=(buffer)%s, "
      "srtp-cipher=(string)null, srtp-auth=(string)null, "
      "srtcp-cipher=(string)null, srtcp-auth=(string)null", zeros);

  g_assert_no_error (error);
  g_assert_cmpstr (caps, ==, want);
}

static void
test_caps_string_key_len (void)
{
  static const struct {
    const char *cipher, *auth;
    gsize key_len, salt_len;
    gboolean ok;
  } cases[] = {
    {ICM128, H80, 16, 14, TRUE},
    {ICM128, H80, 30, 0, TRUE},
    {ICM128, H80, 16, 0, FALSE},        /* GStreamer 1.22.0's salt-less TEK */
    {ICM128, H80, 32, 14, FALSE},
    {ICM256, H80, 32, 14, TRUE},
    {ICM256, H80, 16, 14, FALSE},
    {"aes-128-gcm", "null", 16, 12, TRUE},
    {"aes-128-gcm", "null", 16, 14, FALSE},
    {"aes-256-gcm", "null", 32, 12, TRUE},
    {"aes-256-gcm", "null", 32, 14, FALSE},
    {"null", "null", 16, 14, FALSE},
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    MkySrtpPolicy p = policy (cases[i].cipher, cases[i].auth,
        cases[i].cipher, cases[i].auth);
    g_autoptr (GError) error = NULL;
    g_autofree char *caps = mky_srtp_caps_string (&p, 1, 0, key32,
        cases[i].key_len, salt14, cases[i].salt_len, NULL, 0, &error);

    if (cases[i].ok) {
      g_assert_no_error (error);
      g_assert_nonnull (caps);
    } else {
      g_assert_error (error, MKY_ERROR, MKY_ERROR_BAD_KEY_DATA);
      g_assert_null (caps);
    }
  }
}

static void
test_caps_string_mki_too_long (void)
{
  MkySrtpPolicy p = policy (ICM128, H80, ICM128, H80);
  guint8 mki[129] = { 0, };
  g_autoptr (GError) error = NULL;
  g_autofree char *ok = mky_srtp_caps_string (&p, 1, 0, key32, 16, salt14,
      14, mki, 128, &error);
  g_autofree char *bad = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (ok);
  bad = mky_srtp_caps_string (&p, 1, 0, key32, 16, salt14, 14, mki, 129,
      &error);
  g_assert_error (error, MKY_ERROR, MKY_ERROR_BAD_KEY_DATA);
  g_assert_null (bad);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/srtp/from-sp/map", test_from_sp_map);
  g_test_add_func ("/srtp/from-sp/defaults", test_from_sp_defaults);
  g_test_add_func ("/srtp/from-sp/refuse", test_from_sp_refuse);
  g_test_add_func ("/srtp/from-sp/prot-type", test_from_sp_prot_type);
  g_test_add_func ("/srtp/nicks", test_nicks);
  g_test_add_func ("/srtp/from-nicks", test_from_nicks);
  g_test_add_func ("/srtp/lengths", test_lengths);
  g_test_add_func ("/srtp/to-sp", test_to_sp);
  g_test_add_func ("/srtp/to-sp/wire", test_to_sp_wire);
  g_test_add_func ("/srtp/round-trip/rfc", test_rfc_round_trip);
  g_test_add_func ("/srtp/round-trip/gstreamer", test_gstreamer_round_trip);
  g_test_add_func ("/srtp/caps", test_caps_string);
  g_test_add_func ("/srtp/caps/mki-roc", test_caps_string_mki_roc);
  g_test_add_func ("/srtp/caps/null", test_caps_string_null);
  g_test_add_func ("/srtp/caps/key-len", test_caps_string_key_len);
  g_test_add_func ("/srtp/caps/mki-too-long", test_caps_string_mki_too_long);
  return g_test_run ();
}
