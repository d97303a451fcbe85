/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>
#include <gnutls/crypto.h>

#include "mky-replay.h"
#include "mky-error.h"
#include "mky-time.h"

#define DIGEST_LEN 20           /* SHA-1, as RFC 3830 §5.4 reckons */

typedef MkyReplayTicket Entry;

/* The entries in a ring, oldest insertion first, indexed by digest: adding
 * and dropping allocate nothing once the ring has grown */
struct _MkyReplayCache {
  guint capacity;
  gint64 skew;
  gint64 watermark;             /* messages with ts <= this are refused */
  GHashTable *entries;          /* Entry* into @ring, by digest */
  Entry *ring;
  guint size;                   /* room in @ring, up to @capacity */
  guint head;                   /* the oldest entry */
  guint n;
};

static guint
entry_hash (gconstpointer e)
{
  guint h;
  memcpy (&h, ((const Entry *) e)->digest, sizeof h);
  return h;
}

static gboolean
entry_equal (gconstpointer a, gconstpointer b)
{
  return memcmp (((const Entry *) a)->digest, ((const Entry *) b)->digest,
      DIGEST_LEN) == 0;
}

MkyReplayCache *
mky_replay_cache_new (guint capacity, gint64 skew_us, gint64 now_us,
    gboolean state_lost)
{
  MkyReplayCache *c = g_new0 (MkyReplayCache, 1);
  c->capacity = MAX (capacity, 1);
  c->skew = skew_us;
  c->watermark = state_lost ? now_us + skew_us : G_MININT64;
  c->entries = g_hash_table_new (entry_hash, entry_equal);
  return c;
}

void
mky_replay_cache_free (MkyReplayCache *cache)
{
  if (cache == NULL)
    return;
  g_hash_table_unref (cache->entries);
  g_free (cache->ring);
  g_free (cache);
}

gint64
mky_replay_cache_get_skew (const MkyReplayCache *cache)
{
  return cache->skew;
}

guint
mky_replay_cache_size (const MkyReplayCache *cache)
{
  return g_hash_table_size (cache->entries);
}

static gboolean
message_time (const MkyMessage *msg, Entry *e, GError **error)
{
  const MkyPayload *t = mky_message_find (msg, MKY_PT_T, 0);
  gsize len;
  const guint8 *data;

  if (t == NULL) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_MISSING_PAYLOAD,
        "no T payload");
    return FALSE;
  }
  if (!mky_t_to_unix_us (&t->u.t, &e->ts, error))
    return FALSE;
  data = mky_message_get_wire (msg, &len);
  gnutls_hash_fast (GNUTLS_DIG_SHA1, data, len, e->digest);
  return TRUE;
}

gboolean
mky_replay_cache_check (const MkyReplayCache *cache, const MkyMessage *msg,
    gint64 now_us, MkyReplayTicket *ticket, GError **error)
{
  Entry e;

  if (!message_time (msg, &e, error))
    return FALSE;
  if (!mky_t_check_skew (&mky_message_find (msg, MKY_PT_T, 0)->u.t, now_us,
          cache->skew, error))
    return FALSE;
  if (e.ts <= cache->watermark) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_REPLAY,
        "timestamp not newer than forgotten messages (replay cache %s)",
        cache->watermark > now_us ? "state lost" : "overflowed");
    return FALSE;
  }
  if (g_hash_table_contains (cache->entries, &e)) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_REPLAY, "replayed message");
    return FALSE;
  }
  if (ticket)
    *ticket = e;
  return TRUE;
}

static void
drop_oldest (MkyReplayCache *cache)
{
  Entry *e = &cache->ring[cache->head];
  cache->watermark = MAX (cache->watermark, e->ts);
  g_hash_table_remove (cache->entries, e);
  cache->head = (cache->head + 1) % cache->size;
  cache->n--;
}

/* Room for one more entry: a full ring doubles (up to the capacity), its
 * entries in order from the start, the index pointing at their new places */
static void
grow (MkyReplayCache *cache)
{
  guint size = MIN (MAX (16, 2 * cache->size), cache->capacity);
  Entry *ring = g_new (Entry, size);

  g_hash_table_remove_all (cache->entries);
  for (guint i = 0; i < cache->n; i++) {
    ring[i] = cache->ring[(cache->head + i) % cache->size];
    g_hash_table_add (cache->entries, &ring[i]);
  }
  g_free (cache->ring);
  cache->ring = ring;
  cache->size = size;
  cache->head = 0;
}

void
mky_replay_cache_add (MkyReplayCache *cache, const MkyReplayTicket *ticket,
    gint64 now_us)
{
  Entry *e;

  /* entries older than the skew window would be refused anyway; the ring
   * is in arrival order, close enough to timestamp order to purge from */
  while (cache->n && cache->ring[cache->head].ts < now_us - cache->skew)
    drop_oldest (cache);
  if (g_hash_table_contains (cache->entries, ticket))
    return;
  if (cache->n == cache->capacity)
    drop_oldest (cache);
  if (cache->n == cache->size)
    grow (cache);
  e = &cache->ring[(cache->head + cache->n) % cache->size];
  *e = *ticket;
  g_hash_table_add (cache->entries, e);
  cache->n++;
}
