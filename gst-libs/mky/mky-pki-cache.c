/* mky: MIKEY protocol core (private)
 * The verified-chain cache of an MkyTrust (see mky-pki-cache.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "mky-pki-cache.h"

#include <string.h>

typedef struct {
  guint8 key[MKY_PKI_CACHE_KEY_LEN];
  MkyPeer *peer;
  gint64 not_before, not_after; /* Unix seconds */
  gint64 stored_us;
  GList link;                   /* in lru; data is the entry */
} Entry;

struct _MkyPkiCache {
  GMutex lock;
  GHashTable *table;            /* key (in the entry) -> Entry */
  GQueue lru;                   /* most recently used first */
  guint capacity;
  guint generation;
};

/* The keys are digests: any 4 of their bytes spread well */
static guint
key_hash (gconstpointer key)
{
  guint h;

  memcpy (&h, key, sizeof h);
  return h;
}

static gboolean
key_equal (gconstpointer a, gconstpointer b)
{
  return memcmp (a, b, MKY_PKI_CACHE_KEY_LEN) == 0;
}

static void
entry_free (gpointer data)
{
  Entry *e = data;

  mky_peer_unref (e->peer);
  g_free (e);
}

MkyPkiCache *
mky_pki_cache_new (guint capacity)
{
  MkyPkiCache *cache = g_new0 (MkyPkiCache, 1);

  g_mutex_init (&cache->lock);
  cache->table = g_hash_table_new_full (key_hash, key_equal, NULL,
      entry_free);
  g_queue_init (&cache->lru);
  cache->capacity = capacity;
  return cache;
}

void
mky_pki_cache_free (MkyPkiCache *cache)
{
  if (!cache)
    return;
  g_hash_table_unref (cache->table);
  g_mutex_clear (&cache->lock);
  g_free (cache);
}

/* With the lock held */
static void
entry_remove (MkyPkiCache *cache, Entry *e)
{
  g_queue_unlink (&cache->lru, &e->link);
  g_hash_table_remove (cache->table, e->key);
}

static void
clear_locked (MkyPkiCache *cache)
{
  cache->generation++;
  g_hash_table_remove_all (cache->table);
  g_queue_init (&cache->lru);
}

void
mky_pki_cache_clear (MkyPkiCache *cache)
{
  g_mutex_lock (&cache->lock);
  clear_locked (cache);
  g_mutex_unlock (&cache->lock);
}

void
mky_pki_cache_set_capacity (MkyPkiCache *cache, guint capacity)
{
  g_mutex_lock (&cache->lock);
  clear_locked (cache);
  cache->capacity = capacity;
  g_mutex_unlock (&cache->lock);
}

guint
mky_pki_cache_length (MkyPkiCache *cache)
{
  guint n;

  g_mutex_lock (&cache->lock);
  n = g_hash_table_size (cache->table);
  g_mutex_unlock (&cache->lock);
  return n;
}

guint
mky_pki_cache_generation (MkyPkiCache *cache)
{
  guint gen;

  g_mutex_lock (&cache->lock);
  gen = cache->generation;
  g_mutex_unlock (&cache->lock);
  return gen;
}

MkyPeer *
mky_pki_cache_lookup (MkyPkiCache *cache, const guint8 *key, gint64 now_us)
{
  gint64 now = now_us / G_USEC_PER_SEC;
  MkyPeer *peer = NULL;
  Entry *e;

  g_mutex_lock (&cache->lock);
  e = g_hash_table_lookup (cache->table, key);
  if (e && (now_us > e->stored_us + MKY_PKI_CACHE_TTL_US
          || now_us < e->stored_us - MKY_PKI_CACHE_TTL_US)) {
    entry_remove (cache, e);
  } else if (e && now >= e->not_before && now <= e->not_after) {
    g_queue_unlink (&cache->lru, &e->link);
    g_queue_push_head_link (&cache->lru, &e->link);
    peer = mky_peer_ref (e->peer);
  }
  g_mutex_unlock (&cache->lock);
  return peer;
}

void
mky_pki_cache_store (MkyPkiCache *cache, const guint8 *key, guint generation,
    MkyPeer *peer, gint64 not_before, gint64 not_after, gint64 now_us)
{
  Entry *e;

  g_mutex_lock (&cache->lock);
  if (generation != cache->generation || cache->capacity == 0)
    goto out;
  /* the same chain verified again: the newer result replaces the old */
  e = g_hash_table_lookup (cache->table, key);
  if (e)
    entry_remove (cache, e);
  while (g_hash_table_size (cache->table) >= cache->capacity)
    entry_remove (cache, cache->lru.tail->data);
  e = g_new0 (Entry, 1);
  memcpy (e->key, key, sizeof e->key);
  e->peer = mky_peer_ref (peer);
  e->not_before = not_before;
  e->not_after = not_after;
  e->stored_us = now_us;
  e->link.data = e;
  g_hash_table_insert (cache->table, e->key, e);
  g_queue_push_head_link (&cache->lru, &e->link);
out:
  g_mutex_unlock (&cache->lock);
}
