/* mky: MIKEY protocol core (private)
 * The chains an MkyTrust has verified: a bounded table from a key that
 * names a presented chain and the key usage checked (SHA-256, see
 * mky-pki.c) to the peer its verification made and the window (the
 * intersection of the validity periods of the path, anchor included) in
 * which that verification holds. A key server that sees the same members
 * again then skips what depends only on those bytes and on a configuration
 * that has not changed: parsing, path building, the chain's signatures,
 * CRLs and key usage. The caller's time is still compared with the window
 * on every use; entries also age out, and the least recently used one
 * makes room for a new one.
 *
 * Thread-safe (one GMutex). Clearing starts a new generation: a
 * verification that began before does not store its result.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include "mky-pki.h"

G_BEGIN_DECLS

#define MKY_PKI_CACHE_KEY_LEN 32
#define MKY_PKI_CACHE_DEFAULT_SIZE 1024
/* A remembered verification is redone this long after it was made */
#define MKY_PKI_CACHE_TTL_US (G_GINT64_CONSTANT (10) * 60 * G_USEC_PER_SEC)

typedef struct _MkyPkiCache MkyPkiCache;

MkyPkiCache *mky_pki_cache_new (guint capacity);
void mky_pki_cache_free (MkyPkiCache *cache);
/* Forget every entry */
void mky_pki_cache_clear (MkyPkiCache *cache);
/* Forget every entry and hold at most @capacity from now on (0: none) */
void mky_pki_cache_set_capacity (MkyPkiCache *cache, guint capacity);
guint mky_pki_cache_length (MkyPkiCache *cache);
/* Read before a verification starts; given back to store its result */
guint mky_pki_cache_generation (MkyPkiCache *cache);
/* The peer remembered for @key (a new reference) when @now_us is inside
 * its window and within the TTL of the time it was stored at; else NULL */
MkyPeer *mky_pki_cache_lookup (MkyPkiCache *cache, const guint8 *key,
    gint64 now_us);
/* Remember @peer for @key, valid from @not_before to @not_after (Unix
 * seconds, both included), verified at @now_us; nothing if the cache was
 * cleared since @generation */
void mky_pki_cache_store (MkyPkiCache *cache, const guint8 *key,
    guint generation, MkyPeer *peer, gint64 not_before, gint64 not_after,
    gint64 now_us);

G_END_DECLS
