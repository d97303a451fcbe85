/* mky: MIKEY protocol core (private)
 * HMAC-SHA-1 / HMAC-SHA-256 through nettle's keyed contexts: the key
 * schedule is computed once and reused for every block of a PRF, with no
 * allocation (GnuTLS' HMAC API allocates per context).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <string.h>
#include <glib.h>
#include <nettle/hmac.h>

typedef struct {
  gboolean sha256;
  union {
    struct hmac_sha1_ctx sha1;
    struct hmac_sha256_ctx sha256;
  } u;
} MkyHmac;

#define MKY_HMAC_MAX 32

static inline gsize
mky_hmac_init (MkyHmac *h, gboolean sha256, const guint8 *key, gsize len)
{
  h->sha256 = sha256;
  if (sha256)
    hmac_sha256_set_key (&h->u.sha256, len, key);
  else
    hmac_sha1_set_key (&h->u.sha1, len, key);
  return sha256 ? SHA256_DIGEST_SIZE : SHA1_DIGEST_SIZE;
}

static inline void
mky_hmac_update (MkyHmac *h, const guint8 *data, gsize len)
{
  if (h->sha256)
    hmac_sha256_update (&h->u.sha256, len, data);
  else
    hmac_sha1_update (&h->u.sha1, len, data);
}

static inline gsize
mky_hmac_len (const MkyHmac *h)
{
  return h->sha256 ? SHA256_DIGEST_SIZE : SHA1_DIGEST_SIZE;
}

/* Writes the full digest and resets to the keyed state */
static inline void
mky_hmac_digest (MkyHmac *h, guint8 *out)
{
  if (h->sha256)
    hmac_sha256_digest (&h->u.sha256, SHA256_DIGEST_SIZE, out);
  else
    hmac_sha1_digest (&h->u.sha1, SHA1_DIGEST_SIZE, out);
}

static inline void
mky_hmac_clear (MkyHmac *h)
{
  explicit_bzero (h, sizeof *h);
}
