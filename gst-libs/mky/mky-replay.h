/* mky: MIKEY protocol core
 * The Responder's replay cache (RFC 3830 §5.3, §5.4), of bounded memory.
 * Only authenticated messages go in. When the cache is full, the entry with
 * the oldest arrival leaves it and a watermark rises to its timestamp:
 * any message not newer than the watermark is refused, since it may be the
 * replay of one forgotten. Losing state (a restart) sets the watermark to
 * now + skew, which is "reject all requests until the clock skew interval
 * has passed" of §5.4.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "mky-message.h"

G_BEGIN_DECLS

typedef struct _MkyReplayCache MkyReplayCache;

MkyReplayCache *mky_replay_cache_new (guint capacity, gint64 skew_us,
    gint64 now_us, gboolean state_lost);
void mky_replay_cache_free (MkyReplayCache *cache);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MkyReplayCache, mky_replay_cache_free)

gint64 mky_replay_cache_get_skew (const MkyReplayCache *cache);
guint mky_replay_cache_size (const MkyReplayCache *cache);

/* What identifies a message in the cache */
typedef struct {
  guint8 digest[20];
  gint64 ts;
} MkyReplayTicket;

/* Timestamp within the skew, not a replay. Changes nothing; fills @ticket
 * for mky_replay_cache_add() once the message is authenticated. */
gboolean mky_replay_cache_check (const MkyReplayCache *cache,
    const MkyMessage *msg, gint64 now_us, MkyReplayTicket *ticket,
    GError **error);
void mky_replay_cache_add (MkyReplayCache *cache,
    const MkyReplayTicket *ticket, gint64 now_us);

G_END_DECLS
