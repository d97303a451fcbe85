/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "mky-config.h"

void
mky_config_init (MkyConfig *cfg)
{
  memset (cfg, 0, sizeof *cfg);
  cfg->prf = MKY_PRF_MIKEY_1;
  cfg->encr_alg = MKY_ENCR_AES_CM_128;
  cfg->mac_alg = MKY_MAC_HMAC_SHA_1_160;
  cfg->ts_type = MKY_TS_NTP_UTC;
  cfg->id_type = MKY_ID_URI;
  cfg->sign_type = MKY_SIGN_RSA_PKCS1;
  cfg->dh_group = MKY_DH_OAKLEY_5;
  cfg->skew_us = 5 * 60 * G_USEC_PER_SEC;
  cfg->replay_capacity = 1024;
  cfg->max_csbs = 1024;
  cfg->compat = MKY_SP_COMPAT_ACCEPT_GSTREAMER;
}

void
mky_config_clear (MkyConfig *cfg)
{
  g_clear_pointer (&cfg->psk, g_bytes_unref);
  g_clear_pointer (&cfg->id_i, g_free);
  g_clear_pointer (&cfg->id_r, g_free);
  g_clear_pointer (&cfg->cert_url, g_free);
  g_clear_pointer (&cfg->credentials, mky_credentials_unref);
  g_clear_pointer (&cfg->trust, mky_trust_unref);
}

/* The PSK is wiped when its last reference goes */
typedef struct {
  gsize len;
  guint8 data[];
} Secret;

static void
secret_free (gpointer p)
{
  Secret *s = p;
  explicit_bzero (s->data, s->len);
  g_free (s);
}

void
mky_config_set_psk (MkyConfig *cfg, const guint8 *psk, gsize len)
{
  Secret *s = g_malloc (sizeof *s + len);
  s->len = len;
  memcpy (s->data, psk, len);
  g_clear_pointer (&cfg->psk, g_bytes_unref);
  cfg->psk = g_bytes_new_with_free_func (s->data, len, secret_free, s);
}

void
mky_config_copy (MkyConfig *dst, const MkyConfig *src)
{
  *dst = *src;
  dst->psk = src->psk ? g_bytes_ref (src->psk) : NULL;
  dst->id_i = g_strdup (src->id_i);
  dst->id_r = g_strdup (src->id_r);
  dst->cert_url = g_strdup (src->cert_url);
  dst->credentials = src->credentials ? mky_credentials_ref (src->credentials)
      : NULL;
  dst->trust = src->trust ? mky_trust_ref (src->trust) : NULL;
}

const guint8 *
mky_config_get_psk (const MkyConfig *cfg, gsize *len)
{
  if (cfg->psk == NULL) {
    *len = 0;
    return NULL;
  }
  return g_bytes_get_data (cfg->psk, len);
}
