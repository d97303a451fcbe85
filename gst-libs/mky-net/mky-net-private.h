/* mky-net: what the fetcher and the OCSP client share (not installed)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "mky-net.h"

G_BEGIN_DECLS

struct _MkyNetFetcher {
  GObject parent;

  guint timeout_ms;
  guint max_size;
  guint cache_size;
  guint cache_lifetime;
  gboolean allow_https;
  gboolean ocsp_nonce;
  gboolean ocsp_soft_fail;
  char *ocsp_responder;

  GMutex lock;                  /* guards the caches */
  GHashTable *certs;            /* URL -> CacheEntry, monotonic time */
  GHashTable *ocsp;             /* key -> CacheEntry, the caller's time */
  guint64 stamp;                /* LRU counter */
};

/* A copy of the cached data (ref'd), or NULL when absent or when @now
 * (in the cache's time base) is not before its expiry (then dropped). */
GBytes *_mky_net_cache_get (MkyNetFetcher *f, GHashTable *cache,
    const char *key, gint64 now);
/* Store @data (ref'd) until @expires; evicts the least recently used
 * entry when full; nothing when "cache-size" is 0 */
void _mky_net_cache_put (MkyNetFetcher *f, GHashTable *cache,
    const char *key, GBytes *data, gint64 expires);

/* One HTTP request within the fetcher's deadline and size limit.
 * @body NULL: GET, else POST with @body_type. @accept: Accept header or
 * NULL. Returns the body of a 200 answer; @content_type (nullable) gets
 * its media type (lowercase, no parameters; NULL if none), @max_age_s
 * (nullable) the cache lifetime it allows: -1 if it says nothing, 0 for
 * no-store / no-cache / max-age=0. Errors: MKY_ERROR_CERT_FETCH. */
GBytes *_mky_net_http (MkyNetFetcher *f, const char *url, GBytes *body,
    const char *body_type, const char *accept, char **content_type,
    gint64 *max_age_s, GError **error);

G_END_DECLS
