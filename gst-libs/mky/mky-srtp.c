/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "mky-srtp.h"
#include <string.h>

#include "mky-desc.h"
#include "mky-error.h"

#define N_SP_TYPES (MKY_SP_AEAD_TAG_LEN + 1)
#define HMAC_SHA1_KEY_LEN 20
#define GCM_TAG_LEN 16
#define MAX_MKI_LEN 128         /* libsrtp2 SRTP_MAX_MKI_LEN */
#define NULL_KEY_LEN 30         /* srtp-key given when no key is needed */

static const char *const cipher_nicks[] = {
  "null", "aes-128-icm", "aes-256-icm", "aes-128-gcm", "aes-256-gcm",
};

static const char *const auth_nicks[] = {
  "null", "hmac-sha1-32", "hmac-sha1-80",
};

/* master key and salt bytes of each MkySrtpCipher (RFC 3711, 6188, 7714) */
static const struct {
  guint8 key, salt;
} cipher_sizes[] = { {0, 0}, {16, 14}, {32, 14}, {16, 12}, {32, 12} };

/* tag bytes of each MkySrtpAuth */
static const guint8 auth_tags[] = { 0, 4, 10 };

/* Values of SRTP policy parameters (RFC 3830 §6.10.1 and RFCs 4771, 5669,
 * 7714, 8269), for errors; the parameters' names are mky_sp_param_names */
static const MkyValueName encr_names[] = {
  {0, "NULL"}, {1, "AES-CM"}, {2, "AES-F8"}, {3, "SEED-CTR"}, {4, "SEED-CCM"},
  {5, "SEED-GCM"}, {6, "AES-GCM"}, {7, "ARIA-CTR"}, {8, "ARIA-GCM"}, {0, NULL}
};
static const MkyValueName auth_names[] = {
  {0, "NULL"}, {1, "HMAC-SHA-1"}, {2, "RCCm1"}, {3, "RCCm2"}, {4, "RCCm3"},
  {0, NULL}
};
static const MkyValueName prf_names[] = {
  {0, "AES-CM"}, {1, "SEED-CTR"}, {2, "ARIA-CTR"}, {0, NULL}
};

static const char *
value_name (const MkyValueName *names, guint value)
{
  const char *name = mky_value_name (names, value);
  return name ? name : "unknown";
}

static gboolean
nick_index (const char *const *nicks, guint n, const char *nick, guint *out)
{
  for (guint i = 0; nick != NULL && i < n; i++) {
    if (strcmp (nicks[i], nick) == 0) {
      *out = i;
      return TRUE;
    }
  }
  return FALSE;
}

const char *
mky_srtp_cipher_nick (MkySrtpCipher cipher)
{
  return (guint) cipher < G_N_ELEMENTS (cipher_nicks) ?
      cipher_nicks[cipher] : NULL;
}

const char *
mky_srtp_auth_nick (MkySrtpAuth auth)
{
  return (guint) auth < G_N_ELEMENTS (auth_nicks) ? auth_nicks[auth] : NULL;
}

gboolean
mky_srtp_cipher_from_nick (const char *nick, MkySrtpCipher *out)
{
  guint i;
  if (!nick_index (cipher_nicks, G_N_ELEMENTS (cipher_nicks), nick, &i))
    return FALSE;
  *out = i;
  return TRUE;
}

gboolean
mky_srtp_auth_from_nick (const char *nick, MkySrtpAuth *out)
{
  guint i;
  if (!nick_index (auth_nicks, G_N_ELEMENTS (auth_nicks), nick, &i))
    return FALSE;
  *out = i;
  return TRUE;
}

static gboolean
is_gcm (MkySrtpCipher c)
{
  return c == MKY_SRTP_CIPHER_AES_128_GCM || c == MKY_SRTP_CIPHER_AES_256_GCM;
}

static gboolean G_GNUC_PRINTF (3, 4)
refuse (GError **error, guint type, const char *fmt, ...)
{
  g_autofree char *why = NULL;
  va_list args;

  va_start (args, fmt);
  why = g_strdup_vprintf (fmt, args);
  va_end (args);
  g_set_error (error, MKY_ERROR, MKY_ERROR_UNSUPPORTED_SP,
      "SRTP policy parameter %u (%s): %s", type,
      value_name (mky_sp_param_names, type), why);
  return FALSE;
}

/* Refusals of nick combinations, shared by both constructors */
static gboolean G_GNUC_PRINTF (2, 3)
refuse_combination (GError **error, const char *fmt, ...)
{
  g_autofree char *why = NULL;
  va_list args;

  va_start (args, fmt);
  why = g_strdup_vprintf (fmt, args);
  va_end (args);
  g_set_error (error, MKY_ERROR, MKY_ERROR_UNSUPPORTED_SP, "SRTP policy: %s",
      why);
  return FALSE;
}

/* Refuse what no SP can carry or srtpdec would not run, then fill in the
 * lengths the nicks imply. */
static gboolean
policy_finish (MkySrtpPolicy *p, GError **error)
{
  MkySrtpCipher c = p->srtp_cipher ? p->srtp_cipher : p->srtcp_cipher;
  gboolean gcm = is_gcm (p->srtp_cipher) || is_gcm (p->srtcp_cipher);

  if (p->srtp_cipher && p->srtcp_cipher && p->srtp_cipher != p->srtcp_cipher)
    return refuse_combination (error, "srtp-cipher %s and srtcp-cipher %s "
        "differ: one SP has one cipher", cipher_nicks[p->srtp_cipher],
        cipher_nicks[p->srtcp_cipher]);
  if (gcm && (p->srtp_cipher != p->srtcp_cipher || p->srtp_auth
          || p->srtcp_auth))
    return refuse_combination (error, "%s needs the same cipher both ways "
        "and null auth (its AEAD tag authenticates)", cipher_nicks[c]);
  /* GStreamer 1.22 gives libsrtp a key length of 0 for the NULL cipher,
   * and libsrtp keys its KDF with the SRTP cipher's share of the master
   * key only: every session key would come from zeros. */
  if (p->srtp_cipher == MKY_SRTP_CIPHER_NULL && (p->srtp_auth
          || p->srtcp_cipher || p->srtcp_auth))
    return refuse_combination (error, "srtp-cipher null with srtp-auth %s, "
        "srtcp-cipher %s, srtcp-auth %s: libsrtp through GStreamer 1.22 "
        "would derive the keys from an all-zero master key",
        auth_nicks[p->srtp_auth], cipher_nicks[p->srtcp_cipher],
        auth_nicks[p->srtcp_auth]);
  if (p->srtcp_cipher && !gcm && p->srtcp_auth == MKY_SRTP_AUTH_NULL)
    return refuse_combination (error, "srtcp-auth null with srtcp-cipher %s: "
        "srtpdec refuses it", cipher_nicks[p->srtcp_cipher]);

  p->key_len = cipher_sizes[c].key;
  p->salt_len = cipher_sizes[c].salt;
  p->auth_key_len = p->srtp_auth || p->srtcp_auth ? HMAC_SHA1_KEY_LEN : 0;
  p->tag_len = gcm ? GCM_TAG_LEN : auth_tags[p->srtp_auth];
  return TRUE;
}

gboolean
mky_srtp_policy_from_nicks (const char *srtp_cipher, const char *srtp_auth,
    const char *srtcp_cipher, const char *srtcp_auth, MkySrtpPolicy *out,
    GError **error)
{
  MkySrtpPolicy p = { 0, };

  if (!mky_srtp_cipher_from_nick (srtp_cipher, &p.srtp_cipher))
    return refuse_combination (error, "srtp-cipher '%s' unknown",
        srtp_cipher ? srtp_cipher : "(none)");
  if (!mky_srtp_auth_from_nick (srtp_auth, &p.srtp_auth))
    return refuse_combination (error, "srtp-auth '%s' unknown",
        srtp_auth ? srtp_auth : "(none)");
  if (!mky_srtp_cipher_from_nick (srtcp_cipher, &p.srtcp_cipher))
    return refuse_combination (error, "srtcp-cipher '%s' unknown",
        srtcp_cipher ? srtcp_cipher : "(none)");
  if (!mky_srtp_auth_from_nick (srtcp_auth, &p.srtcp_auth))
    return refuse_combination (error, "srtcp-auth '%s' unknown",
        srtcp_auth ? srtcp_auth : "(none)");
  if (!policy_finish (&p, error))
    return FALSE;
  *out = p;
  return TRUE;
}

/* The one-byte value of @type, or @def when the SP leaves it out */
static guint8
u8_or (const MkySpParam *const *by_type, guint type, guint8 def)
{
  return by_type[type] ? by_type[type]->value.data[0] : def;
}

/* Index the parameters by type, refusing unknown types, repeats and
 * values of the wrong width. */
static gboolean
collect_params (const MkySp *sp, const MkySpParam **by_type, GError **error)
{
  for (guint i = 0; sp->params && i < sp->params->len; i++) {
    const MkySpParam *param = sp->params->pdata[i];
    gsize want;

    if (param->type >= N_SP_TYPES) {
      g_set_error (error, MKY_ERROR, MKY_ERROR_UNSUPPORTED_SP,
          "SRTP policy parameter %u: unknown type", param->type);
      return FALSE;
    }
    if (by_type[param->type])
      return refuse (error, param->type, "given twice");
    /* RFC 3830 leaves the KDR's width open; RFC 4771 makes R 16-bit */
    if (param->type == MKY_SP_KDR)
      want = param->value.len;
    else if (param->type == MKY_SP_ROC_RATE)
      want = 2;
    else
      want = 1;
    if (param->value.len != want)
      return refuse (error, param->type, "value of %zu bytes, not %zu",
          param->value.len, want);
    by_type[param->type] = param;
  }
  return TRUE;
}

/* Parameters libsrtp has no choice for: each must be absent or its
 * RFC 3711 default. */
static gboolean
check_fixed (const MkySpParam *const *by_type, GError **error)
{
  const MkySpParam *kdr = by_type[MKY_SP_KDR];
  guint8 v;

  v = u8_or (by_type, MKY_SP_PRF, MKY_SRTP_PRF_AES_CM);
  if (v != MKY_SRTP_PRF_AES_CM)
    return refuse (error, MKY_SP_PRF, "%s (%u) not supported, libsrtp has "
        "AES-CM only", value_name (prf_names, v), v);
  /* libsrtp2 has no key derivation rate: only 0 (derive once) works */
  for (gsize i = 0; kdr && i < kdr->value.len; i++) {
    if (kdr->value.data[i] != 0)
      return refuse (error, MKY_SP_KDR, "not 0: libsrtp derives keys once");
  }
  v = u8_or (by_type, MKY_SP_FEC_ORDER, 0);
  if (v != 0)
    return refuse (error, MKY_SP_FEC_ORDER, "%u not supported, only "
        "FEC-SRTP (0)", v);
  v = u8_or (by_type, MKY_SP_PREFIX_LEN, 0);
  if (v != 0)
    return refuse (error, MKY_SP_PREFIX_LEN, "%u not supported, only 0", v);
  if (by_type[MKY_SP_ROC_RATE]) {
    const guint8 *d = by_type[MKY_SP_ROC_RATE]->value.data;
    guint r = d[0] << 8 | d[1];
    if (r != 1)
      return refuse (error, MKY_SP_ROC_RATE, "%u not supported, only 1 "
          "(no RCC)", r);
  }
  v = u8_or (by_type, MKY_SP_AEAD_TAG_LEN, GCM_TAG_LEN);
  if (v != GCM_TAG_LEN)
    return refuse (error, MKY_SP_AEAD_TAG_LEN, "%u not supported, only %u",
        v, GCM_TAG_LEN);
  return TRUE;
}

static gboolean
get_flag (const MkySpParam *const *by_type, guint type, gboolean *on,
    GError **error)
{
  guint8 v = u8_or (by_type, type, 1);
  if (v > 1)
    return refuse (error, type, "%u is neither 0 (off) nor 1 (on)", v);
  *on = v;
  return TRUE;
}

/* The cipher of Encryption algorithm and Session Encr. key length */
static gboolean
get_cipher (const MkySpParam *const *by_type, MkySrtpCipher *out,
    GError **error)
{
  guint8 alg = u8_or (by_type, MKY_SP_ENCR_ALG, MKY_SRTP_ENCR_AES_CM);
  gboolean gcm = alg == MKY_SRTP_ENCR_AES_GCM;
  guint8 key_len, salt_len;

  if (alg == MKY_SRTP_ENCR_NULL) {
    /* no key is used: its lengths do not matter */
    *out = MKY_SRTP_CIPHER_NULL;
    return TRUE;
  }
  if (alg != MKY_SRTP_ENCR_AES_CM && !gcm)
    return refuse (error, MKY_SP_ENCR_ALG, "%s (%u) not supported by "
        "libsrtp through GStreamer", value_name (encr_names, alg), alg);

  /* RFC 6188 and 7714 §15: the key length picks AES-128 or AES-256 */
  key_len = u8_or (by_type, MKY_SP_ENCR_KEY_LEN, 16);
  if (key_len == 16)
    *out = gcm ? MKY_SRTP_CIPHER_AES_128_GCM : MKY_SRTP_CIPHER_AES_128_ICM;
  else if (key_len == 32)
    *out = gcm ? MKY_SRTP_CIPHER_AES_256_GCM : MKY_SRTP_CIPHER_AES_256_ICM;
  else if (key_len == 24)
    return refuse (error, MKY_SP_ENCR_KEY_LEN, "24 (AES-192) has no "
        "srtpenc/srtpdec cipher");
  else
    return refuse (error, MKY_SP_ENCR_KEY_LEN, "%u not supported for %s, "
        "only 16 or 32", key_len, value_name (encr_names, alg));

  salt_len = u8_or (by_type, MKY_SP_SALT_KEY_LEN, cipher_sizes[*out].salt);
  if (salt_len != cipher_sizes[*out].salt)
    return refuse (error, MKY_SP_SALT_KEY_LEN, "%u, %s needs %u", salt_len,
        value_name (encr_names, alg), cipher_sizes[*out].salt);
  return TRUE;
}

/* HMAC auth of one direction: its own parameter of RFC 4771 (@alg_type,
 * @key_type, @tag_type) or else the general one (2, 3, 11). */
static gboolean
get_auth (const MkySpParam *const *by_type, MkySpCompat compat,
    guint alg_type, guint key_type, guint tag_type, MkySrtpAuth *out,
    GError **error)
{
  guint8 alg, key_len, tag_len;

  if (!by_type[alg_type])
    alg_type = MKY_SP_AUTH_ALG;
  if (!by_type[key_type])
    key_type = MKY_SP_AUTH_KEY_LEN;
  if (!by_type[tag_type])
    tag_type = MKY_SP_AUTH_TAG_LEN;

  alg = u8_or (by_type, alg_type, MKY_SRTP_AUTH_ALG_HMAC_SHA_1);
  if (alg == MKY_SRTP_AUTH_ALG_NULL) {
    *out = MKY_SRTP_AUTH_NULL;
    return TRUE;
  }
  if (alg != MKY_SRTP_AUTH_ALG_HMAC_SHA_1)
    return refuse (error, alg_type, "%s (%u) not supported by libsrtp "
        "through GStreamer", value_name (auth_names, alg), alg);

  key_len = u8_or (by_type, key_type, HMAC_SHA1_KEY_LEN);
  tag_len = u8_or (by_type, tag_type, 10);
  /* gst_mikey_message_new_from_caps writes the HMAC tag length (4 or 10)
   * in Session Auth. key length (type 3) and never sends type 11, and
   * gst_mikey_message_to_caps reads it back from there. HMAC-SHA-1 keys
   * are 20 bytes, so 4 or 10 there can only mean that. */
  if (compat == MKY_SP_COMPAT_ACCEPT_GSTREAMER
      && key_type == MKY_SP_AUTH_KEY_LEN && !by_type[MKY_SP_AUTH_TAG_LEN]
      && (key_len == 4 || key_len == 10)) {
    if (tag_type == MKY_SP_AUTH_TAG_LEN)
      tag_len = key_len;
    key_len = HMAC_SHA1_KEY_LEN;
  }
  if (key_len != HMAC_SHA1_KEY_LEN)
    return refuse (error, key_type, "%u, HMAC-SHA-1 in libsrtp needs %u",
        key_len, HMAC_SHA1_KEY_LEN);
  if (tag_len == 4)
    *out = MKY_SRTP_AUTH_HMAC_SHA1_32;
  else if (tag_len == 10)
    *out = MKY_SRTP_AUTH_HMAC_SHA1_80;
  else
    return refuse (error, tag_type, "%u not supported, srtpdec has 4 "
        "(hmac-sha1-32) or 10 (hmac-sha1-80)", tag_len);
  return TRUE;
}

gboolean
mky_srtp_policy_from_sp (const MkySp *sp, MkySpCompat compat,
    MkySrtpPolicy *out, GError **error)
{
  const MkySpParam *by_type[N_SP_TYPES] = { NULL, };
  MkySrtpPolicy p = { 0, };
  MkySrtpCipher cipher = MKY_SRTP_CIPHER_NULL;
  MkySrtpAuth srtp_auth, srtcp_auth;
  gboolean srtp_encr = FALSE, srtcp_encr = FALSE, srtp_auth_on = FALSE;

  if (sp && sp->prot_type != MKY_PROT_SRTP) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_UNSUPPORTED_SP,
        "SP Prot type %u is not SRTP", sp->prot_type);
    return FALSE;
  }
  if (sp && !collect_params (sp, by_type, error))
    return FALSE;
  if (!check_fixed (by_type, error)
      || !get_cipher (by_type, &cipher, error)
      || !get_flag (by_type, MKY_SP_SRTP_ENCR, &srtp_encr, error)
      || !get_flag (by_type, MKY_SP_SRTCP_ENCR, &srtcp_encr, error)
      || !get_flag (by_type, MKY_SP_SRTP_AUTH, &srtp_auth_on, error))
    return FALSE;

  if (is_gcm (cipher)) {
    /* RFC 7714: the AEAD tag is the authentication; libsrtp has no GCM
     * mode without encryption and no HMAC on top of GCM */
    static const guint8 auth_types[] = {
      MKY_SP_AUTH_ALG, MKY_SP_SRTP_AUTH_ALG, MKY_SP_SRTCP_AUTH_ALG,
    };
    if (!srtp_encr)
      return refuse (error, MKY_SP_SRTP_ENCR, "off with AES-GCM");
    if (!srtcp_encr)
      return refuse (error, MKY_SP_SRTCP_ENCR, "off with AES-GCM");
    if (!srtp_auth_on)
      return refuse (error, MKY_SP_SRTP_AUTH, "off with AES-GCM");
    for (guint i = 0; i < G_N_ELEMENTS (auth_types); i++) {
      guint8 v = u8_or (by_type, auth_types[i], MKY_SRTP_AUTH_ALG_NULL);
      if (v != MKY_SRTP_AUTH_ALG_NULL)
        return refuse (error, auth_types[i], "%s (%u) with AES-GCM, whose "
            "AEAD tag authenticates", value_name (auth_names, v), v);
    }
    srtp_auth = srtcp_auth = MKY_SRTP_AUTH_NULL;
  } else if (!get_auth (by_type, compat, MKY_SP_SRTP_AUTH_ALG,
          MKY_SP_SRTP_AUTH_KEY_LEN, MKY_SP_SRTP_AUTH_TAG_LEN, &srtp_auth,
          error)
      || !get_auth (by_type, compat, MKY_SP_SRTCP_AUTH_ALG,
          MKY_SP_SRTCP_AUTH_KEY_LEN, MKY_SP_SRTCP_AUTH_TAG_LEN, &srtcp_auth,
          error)) {
    return FALSE;
  }

  p.srtp_cipher = srtp_encr ? cipher : MKY_SRTP_CIPHER_NULL;
  p.srtcp_cipher = srtcp_encr ? cipher : MKY_SRTP_CIPHER_NULL;
  p.srtp_auth = srtp_auth_on ? srtp_auth : MKY_SRTP_AUTH_NULL;
  p.srtcp_auth = srtcp_auth;
  if (!policy_finish (&p, error))
    return FALSE;
  *out = p;
  return TRUE;
}

void
mky_srtp_policy_to_sp (const MkySrtpPolicy *p, gboolean gstreamer_form,
    MkySp *sp)
{
  MkySrtpCipher c = p->srtp_cipher ? p->srtp_cipher : p->srtcp_cipher;
  MkySrtpAuth a = p->srtp_auth ? p->srtp_auth : p->srtcp_auth;
  gboolean gcm = is_gcm (c);

  g_return_if_fail ((guint) c < G_N_ELEMENTS (cipher_sizes));
  g_return_if_fail ((guint) p->srtp_auth < G_N_ELEMENTS (auth_tags));
  g_return_if_fail ((guint) p->srtcp_auth < G_N_ELEMENTS (auth_tags));

  sp->prot_type = MKY_PROT_SRTP;
  mky_sp_add_param_u8 (sp, MKY_SP_ENCR_ALG, c == MKY_SRTP_CIPHER_NULL ?
      MKY_SRTP_ENCR_NULL : gcm ? MKY_SRTP_ENCR_AES_GCM : MKY_SRTP_ENCR_AES_CM);
  /* GStreamer writes 0 for a cipher it has no length for */
  if (gstreamer_form || c != MKY_SRTP_CIPHER_NULL)
    mky_sp_add_param_u8 (sp, MKY_SP_ENCR_KEY_LEN, cipher_sizes[c].key);
  mky_sp_add_param_u8 (sp, MKY_SP_AUTH_ALG, a == MKY_SRTP_AUTH_NULL ?
      MKY_SRTP_AUTH_ALG_NULL : MKY_SRTP_AUTH_ALG_HMAC_SHA_1);
  /* GStreamer's tag length in the key length (see get_auth) */
  if (gstreamer_form)
    mky_sp_add_param_u8 (sp, MKY_SP_AUTH_KEY_LEN, auth_tags[a]);
  else if (a != MKY_SRTP_AUTH_NULL)
    mky_sp_add_param_u8 (sp, MKY_SP_AUTH_KEY_LEN, HMAC_SHA1_KEY_LEN);
  if (!gstreamer_form && c != MKY_SRTP_CIPHER_NULL)
    mky_sp_add_param_u8 (sp, MKY_SP_SALT_KEY_LEN, cipher_sizes[c].salt);
  mky_sp_add_param_u8 (sp, MKY_SP_SRTP_ENCR,
      p->srtp_cipher != MKY_SRTP_CIPHER_NULL);
  mky_sp_add_param_u8 (sp, MKY_SP_SRTCP_ENCR,
      p->srtcp_cipher != MKY_SRTP_CIPHER_NULL);
  mky_sp_add_param_u8 (sp, MKY_SP_SRTP_AUTH,
      p->srtp_auth != MKY_SRTP_AUTH_NULL || gcm);
  if (gstreamer_form)
    return;

  if (a != MKY_SRTP_AUTH_NULL)
    mky_sp_add_param_u8 (sp, MKY_SP_AUTH_TAG_LEN, auth_tags[a]);
  /* RFC 4771 §4: SRTCP's own auth where it differs from SRTP's */
  if (p->srtp_auth && p->srtcp_auth == MKY_SRTP_AUTH_NULL)
    mky_sp_add_param_u8 (sp, MKY_SP_SRTCP_AUTH_ALG, MKY_SRTP_AUTH_ALG_NULL);
  else if (p->srtp_auth && p->srtcp_auth != p->srtp_auth)
    mky_sp_add_param_u8 (sp, MKY_SP_SRTCP_AUTH_TAG_LEN,
        auth_tags[p->srtcp_auth]);
  if (gcm)
    mky_sp_add_param_u8 (sp, MKY_SP_AEAD_TAG_LEN, GCM_TAG_LEN);
}

gsize
mky_srtp_policy_master_len (const MkySrtpPolicy *p)
{
  return p->key_len + p->salt_len;
}

static void
append_hex (GString *s, const guint8 *data, gsize len)
{
  for (gsize i = 0; i < len; i++)
    g_string_append_printf (s, "%02x", data[i]);
}

char *
mky_srtp_caps_string (const MkySrtpPolicy *p, guint32 ssrc, guint32 roc,
    const guint8 *key, gsize key_len, const guint8 *salt, gsize salt_len,
    const guint8 *mki, gsize mki_len, GError **error)
{
  static const guint8 no_key[NULL_KEY_LEN] = { 0, };
  gsize master = mky_srtp_policy_master_len (p);
  const char *srtp_cipher = mky_srtp_cipher_nick (p->srtp_cipher);
  const char *srtp_auth = mky_srtp_auth_nick (p->srtp_auth);
  const char *srtcp_cipher = mky_srtp_cipher_nick (p->srtcp_cipher);
  const char *srtcp_auth = mky_srtp_auth_nick (p->srtcp_auth);
  GString *s;

  g_return_val_if_fail (srtp_cipher && srtp_auth && srtcp_cipher
      && srtcp_auth, NULL);

  /* srtpdec hands libsrtp the buffer without checking its size */
  if (key_len + salt_len != master) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_KEY_DATA,
        "master key and salt of %zu bytes, %s/%s needs %zu",
        key_len + salt_len, srtp_cipher, srtcp_cipher, master);
    return NULL;
  }
  if (mki_len > MAX_MKI_LEN) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_KEY_DATA,
        "MKI of %zu bytes, srtpdec takes at most %u", mki_len, MAX_MKI_LEN);
    return NULL;
  }

  s = g_string_new (NULL);
  g_string_append_printf (s, "application/x-srtp, ssrc=(uint)%u, "
      "roc=(uint)%u, srtp-key=(buffer)", ssrc, roc);
  /* srtpdec 1.22.0 reads an uninitialised pointer when srtp-key is
   * missing, even when no key is needed */
  if (master == 0) {
    append_hex (s, no_key, sizeof no_key);
  } else {
    append_hex (s, key, key_len);
    append_hex (s, salt, salt_len);
  }
  g_string_append_printf (s, ", srtp-cipher=(string)%s, "
      "srtp-auth=(string)%s, srtcp-cipher=(string)%s, "
      "srtcp-auth=(string)%s", srtp_cipher, srtp_auth, srtcp_cipher,
      srtcp_auth);
  if (mki_len > 0) {
    g_string_append (s, ", mki=(buffer)");
    append_hex (s, mki, mki_len);
  }
  return g_string_free (s, FALSE);
}
