/* mky: MIKEY protocol core
 * The walker that parses, serializes and frees a structure from its field
 * description (mky-desc.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>
#include <nettle/memops.h>

#include "mky-desc.h"
#include "mky-error.h"

#define MAX_FIELDS 32

void
mky_bytes_set (MkyBytes *b, const guint8 *data, gsize len)
{
  mky_bytes_clear (b, TRUE);
  b->data = len ? g_memdup2 (data, len) : NULL;
  b->len = len;
  b->owned = TRUE;
}

guint8 *
mky_bytes_alloc (MkyBytes *b, gsize len)
{
  mky_bytes_clear (b, TRUE);
  b->data = g_malloc0 (MAX (len, 1));
  b->len = len;
  b->owned = TRUE;
  return b->data;
}

void
mky_bytes_clear (MkyBytes *b, gboolean wipe)
{
  if (b->owned) {
    if (b->data && wipe)
      explicit_bzero (b->data, b->len);
    g_free (b->data);
  }
  b->data = NULL;
  b->len = 0;
  b->owned = FALSE;
}

void
mky_array_add (MkyArray **array, gpointer item)
{
  MkyArray *a = *array;
  if (a == NULL)
    a = *array = g_new0 (MkyArray, 1);
  g_return_if_fail (a->alloc > 0 || a->len == 0);
  if (a->len == a->alloc) {
    a->alloc = MAX (4, 2 * a->alloc);
    a->pdata = g_renew (gpointer, a->pdata, a->alloc);
  }
  a->pdata[a->len++] = item;
}

/* ---- memory of parsed messages ---- */

typedef struct _Chunk Chunk;
struct _Chunk {
  Chunk *next;
  gsize size;
  gsize used;
  guint8 data[];
};

struct _MkyArena {
  Chunk *head;
  GBytes *keep;                 /* the wire form payloads point into */
  Chunk first;                  /* allocated with the arena */
};

/* Chunks come zeroed, so allocations need no clearing */
MkyArena *
mky_arena_new (gsize size)
{
  MkyArena *a = g_malloc0 (sizeof (MkyArena) + size);
  a->first.size = size;
  a->head = &a->first;
  return a;
}

gpointer
mky_arena_alloc (MkyArena *a, gsize size)
{
  Chunk *c = a->head;
  gpointer p;

  size = (size + 7) & ~(gsize) 7;
  if (c->used + size > c->size) {
    gsize n = MAX (size, 2 * c->size);
    c = g_malloc0 (sizeof (Chunk) + n);
    c->next = a->head;
    c->size = n;
    a->head = c;
  }
  p = c->data + c->used;
  c->used += size;
  return p;
}

void
mky_arena_keep (MkyArena *a, GBytes *bytes)
{
  g_clear_pointer (&a->keep, g_bytes_unref);
  a->keep = g_bytes_ref (bytes);
}

void
mky_arena_free (MkyArena *a)
{
  if (a == NULL)
    return;
  g_clear_pointer (&a->keep, g_bytes_unref);
  while (a->head != &a->first) {
    Chunk *c = a->head;
    a->head = c->next;
    g_free (c);
  }
  g_free (a);
}

gboolean
mky_bytes_equal (const MkyBytes *a, const MkyBytes *b)
{
  return a->len == b->len && (a->len == 0 || memcmp (a->data, b->data, a->len) == 0);
}

const char *
mky_value_name (const MkyValueName *names, guint value)
{
  for (; names && names->name; names++)
    if (names->value == value)
      return names->name;
  return NULL;
}

static inline void *
member (const void *s, const MkyField *f)
{
  return (guint8 *) s + f->offset;
}

static guint64
get_uint (const void *s, const MkyField *f)
{
  const void *p = member (s, f);
  switch (f->size) {
    case 1: return *(const guint8 *) p;
    case 2: return *(const guint16 *) p;
    case 4: return *(const guint32 *) p;
    case 8: return *(const guint64 *) p;
    default: return 0;
  }
}

static void
set_uint (void *s, const MkyField *f, guint64 v)
{
  void *p = member (s, f);
  switch (f->size) {
    case 1: *(guint8 *) p = v; break;
    case 2: *(guint16 *) p = v; break;
    case 4: *(guint32 *) p = v; break;
    case 8: *(guint64 *) p = v; break;
    default: break;
  }
}

/* ---- parsing ---- */

typedef struct {
  const guint8 *data;
  gsize len;                    /* bytes */
  gsize bit;                    /* bit position */
  /* with an arena, structures come from it and bytes point into @data;
   * without, everything is allocated and copied */
  MkyArena *arena;
} Reader;

static gboolean
need (Reader *r, gsize bits, const MkyDesc *d, const MkyField *f, GError **error)
{
  if (r->len * 8 - r->bit >= bits)
    return TRUE;
  g_set_error (error, MKY_ERROR, MKY_ERROR_TRUNCATED,
      "%s: %s: truncated (%" G_GSIZE_FORMAT " bits needed, %" G_GSIZE_FORMAT
      " left)", d->name, f->name ? f->name : "", bits, r->len * 8 - r->bit);
  return FALSE;
}

/* @bits (<= 64) from the bit position; need() has checked they are there */
static guint64
read_bits (Reader *r, guint bits)
{
  const guint8 *p = r->data + r->bit / 8;
  guint skip = r->bit & 7;
  guint n = (skip + bits + 7) / 8;      /* bytes the field touches, <= 9 */
  guint64 v = 0;

  r->bit += bits;
  if (skip == 0) {
    switch (bits) {
      case 8: return p[0];
      case 16: return (guint) p[0] << 8 | p[1];
      case 32: return (guint32) p[0] << 24 | (guint32) p[1] << 16
            | (guint32) p[2] << 8 | p[3];
      default: break;
    }
  }
  if (n > 8) {
    /* a 64-bit field off a byte boundary: never in MIKEY, kept exact */
    for (guint i = 0; i < bits; i++, skip++)
      v = (v << 1) | ((p[skip / 8] >> (7 - (skip & 7))) & 1);
    return v;
  }
  for (guint i = 0; i < n; i++)
    v = (v << 8) | p[i];
  v >>= 8 * n - skip - bits;
  return bits == 64 ? v : v & ((G_GUINT64_CONSTANT (1) << bits) - 1);
}

static gboolean parse_fields (const MkyDesc *d, void *s, Reader *r,
    guint *next, GError **error);

static gpointer
alloc0 (Reader *r, gsize size)
{
  return r->arena ? mky_arena_alloc (r->arena, size) : g_malloc0 (size);
}

/* An empty array with room for @cap elements */
static MkyArray *
array_new (Reader *r, guint cap)
{
  MkyArray *a = alloc0 (r, sizeof *a);
  cap = MAX (cap, 1);
  if (!r->arena)
    a->alloc = cap;
  a->pdata = alloc0 (r, cap * sizeof (gpointer));
  return a;
}

static gboolean
parse_element (const MkyDesc *sub, MkyArray *a, guint *cap, Reader *r,
    GError **error)
{
  void *e = alloc0 (r, sub->struct_size);
  if (a->len == *cap) {
    gpointer *grown = alloc0 (r, 2 * *cap * sizeof (gpointer));
    memcpy (grown, a->pdata, a->len * sizeof (gpointer));
    if (!r->arena)
      g_free (a->pdata);
    a->pdata = grown;
    *cap *= 2;
    if (!r->arena)
      a->alloc = *cap;
  }
  a->pdata[a->len++] = e;       /* owned by @a even on failure */
  return parse_fields (sub, e, r, NULL, error);
}

static gboolean
parse_fields (const MkyDesc *d, void *s, Reader *r, guint *next, GError **error)
{
  guint64 vals[MAX_FIELDS];

  g_assert (d->n_fields <= MAX_FIELDS);

  for (guint i = 0; i < d->n_fields; i++) {
    const MkyField *f = &d->fields[i];

    vals[i] = 0;
    if (f->cond && !f->cond (s))
      continue;

    /* the common case, a whole byte-aligned integer of 1, 2 or 4 bytes */
    if (f->fast && (r->bit & 7) == 0 && r->len - r->bit / 8 >= f->fast) {
      const guint8 *p = r->data + r->bit / 8;
      guint32 v = f->fast == 1 ? p[0] : f->fast == 2 ? (guint) p[0] << 8 | p[1]
          : (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8
          | p[3];
      r->bit += 8 * f->fast;
      vals[i] = v;
      if (f->kind == MKY_F_NEXT) {
        if (next)
          *next = v;
      } else if (f->size == 1) {
        *(guint8 *) member (s, f) = v;
      } else if (f->size) {
        set_uint (s, f, v);
      }
      continue;
    }

    switch (f->kind) {
      case MKY_F_UINT:
      case MKY_F_NEXT:
        if (!need (r, f->bits, d, f, error))
          return FALSE;
        vals[i] = read_bits (r, f->bits);
        if (f->kind == MKY_F_NEXT) {
          if (next)
            *next = vals[i];
        } else {
          set_uint (s, f, vals[i]);
        }
        break;

      case MKY_F_BYTES: {
        MkyBytes *b = member (s, f);
        gssize n = f->ref >= 0 ? (gssize) vals[f->ref] : f->len_fn (s);
        if (n < 0) {
          g_set_error (error, MKY_ERROR, MKY_ERROR_UNSUPPORTED_VALUE,
              "%s: %s: length unknown for this algorithm or type", d->name,
              f->name);
          return FALSE;
        }
        g_assert ((r->bit & 7) == 0);
        if (!need (r, (gsize) n * 8, d, f, error))
          return FALSE;
        if (r->arena) {
          b->data = n ? (guint8 *) r->data + r->bit / 8 : NULL;
          b->len = n;
        } else {
          mky_bytes_set (b, r->data + r->bit / 8, n);
        }
        r->bit += (gsize) n * 8;
        break;
      }

      case MKY_F_REPEAT: {
        MkyArray **arr = member (s, f);
        guint n = vals[f->ref];
        guint cap;
        /* each element takes at least a byte: a count beyond the data is
         * a lie, and must not size an allocation */
        if (!need (r, (gsize) n * 8, d, f, error))
          return FALSE;
        cap = MAX (n, 1);
        *arr = array_new (r, cap);
        for (guint k = 0; k < n; k++)
          if (!parse_element (f->sub, *arr, &cap, r, error))
            return FALSE;
        break;
      }

      case MKY_F_LIST: {
        MkyArray **arr = member (s, f);
        gsize n = vals[f->ref];
        guint cap = 8;
        Reader sub;
        if (!need (r, n * 8, d, f, error))
          return FALSE;
        sub = (Reader) { r->data, r->bit / 8 + n, r->bit, r->arena };
        *arr = array_new (r, cap);
        while (sub.bit < sub.len * 8) {
          if (!parse_element (f->sub, *arr, &cap, &sub, error)) {
            if (error
                && g_error_matches (*error, MKY_ERROR, MKY_ERROR_TRUNCATED))
              (*error)->code = MKY_ERROR_BAD_LENGTH;
            g_prefix_error (error, "%s: %s overruns its length field: ",
                d->name, f->name);
            return FALSE;
          }
        }
        r->bit = sub.bit;
        break;
      }

      case MKY_F_STRUCT:
        if (!parse_fields (f->sub, member (s, f), r, NULL, error))
          return FALSE;
        break;

      case MKY_F_CHECK:
        if (!f->check (s, error)) {
          g_prefix_error (error, "%s: ", d->name);
          return FALSE;
        }
        break;
    }
  }
  return TRUE;
}

gboolean
mky_desc_parse (const MkyDesc *desc, void *s, const guint8 *data, gsize len,
    gsize *pos, guint *next, MkyArena *arena, GError **error)
{
  Reader r = { data, len, *pos * 8, arena };
  gboolean ok = parse_fields (desc, s, &r, next, error);
  g_assert (!ok || (r.bit & 7) == 0);
  *pos = r.bit / 8;
  return ok;
}

/* ---- serializing ---- */

typedef struct {
  GByteArray *out;
  gsize bit;                    /* absolute bit position in @out */
} Writer;

static void
write_bits_at (GByteArray *out, gsize bit, guint bits, guint64 v)
{
  for (guint i = 0; i < bits; i++, bit++) {
    guint8 mask = 1 << (7 - (bit & 7));
    if ((v >> (bits - 1 - i)) & 1)
      out->data[bit / 8] |= mask;
    else
      out->data[bit / 8] &= ~mask;
  }
}

static void
write_bits (Writer *w, guint bits, guint64 v)
{
  gsize need_bytes = (w->bit + bits + 7) / 8;
  if (need_bytes > w->out->len) {
    gsize old = w->out->len;
    g_byte_array_set_size (w->out, need_bytes);
    memset (w->out->data + old, 0, need_bytes - old);
  }
  write_bits_at (w->out, w->bit, bits, v);
  w->bit += bits;
}

static gboolean
fits (guint bits, guint64 v)
{
  return bits >= 64 || v < (G_GUINT64_CONSTANT (1) << bits);
}

static gboolean serialize_fields (const MkyDesc *d, const void *s, guint next,
    Writer *w, GError **error);

static gboolean
serialize_fields (const MkyDesc *d, const void *s, guint next, Writer *w,
    GError **error)
{
  gsize at[MAX_FIELDS];

  for (guint i = 0; i < d->n_fields; i++) {
    const MkyField *f = &d->fields[i];
    gsize start_bit = w->bit;
    guint64 patch;

    at[i] = w->bit;
    if (f->cond && !f->cond (s))
      continue;

    switch (f->kind) {
      case MKY_F_UINT:
      case MKY_F_NEXT: {
        guint64 v = f->kind == MKY_F_NEXT ? next : get_uint (s, f);
        if (!fits (f->bits, v)) {
          g_set_error (error, MKY_ERROR, MKY_ERROR_TOO_LONG,
              "%s: %s: %" G_GUINT64_FORMAT " does not fit in %u bits",
              d->name, f->name, v, f->bits);
          return FALSE;
        }
        write_bits (w, f->bits, v);
        continue;
      }

      case MKY_F_BYTES: {
        const MkyBytes *b = member (s, f);
        if (f->ref < 0) {
          gssize n = f->len_fn (s);
          if (n < 0 || (gsize) n != b->len) {
            g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_LENGTH,
                "%s: %s is %" G_GSIZE_FORMAT " bytes, %" G_GSSIZE_FORMAT
                " expected", d->name, f->name, b->len, n);
            return FALSE;
          }
        }
        g_assert ((w->bit & 7) == 0);
        g_byte_array_append (w->out, b->data ? b->data : (const guint8 *) "",
            b->len);
        w->bit += b->len * 8;
        patch = b->len;
        break;
      }

      case MKY_F_REPEAT:
      case MKY_F_LIST: {
        const MkyArray *arr = *(MkyArray **) member (s, f);
        for (guint k = 0; arr && k < arr->len; k++)
          if (!serialize_fields (f->sub, arr->pdata[k], 0, w, error))
            return FALSE;
        patch = f->kind == MKY_F_REPEAT ? (arr ? arr->len : 0)
            : (w->bit - start_bit) / 8;
        break;
      }

      case MKY_F_STRUCT:
        if (!serialize_fields (f->sub, member (s, f), 0, w, error))
          return FALSE;
        continue;

      case MKY_F_CHECK:
        if (!f->check (s, error)) {
          g_prefix_error (error, "%s: ", d->name);
          return FALSE;
        }
        continue;

      default:
        g_assert_not_reached ();
    }

    if (f->ref >= 0) {
      const MkyField *lf = &d->fields[f->ref];
      if (!fits (lf->bits, patch)) {
        g_set_error (error, MKY_ERROR, MKY_ERROR_TOO_LONG,
            "%s: %s too long for its %u-bit %s", d->name, f->name, lf->bits,
            lf->name);
        return FALSE;
      }
      write_bits_at (w->out, at[f->ref], lf->bits, patch);
    }
  }
  return TRUE;
}

gboolean
mky_desc_serialize (const MkyDesc *desc, const void *s, guint next,
    GByteArray *out, GError **error)
{
  Writer w = { out, out->len * 8 };
  gsize start = out->len;
  if (!serialize_fields (desc, s, next, &w, error)) {
    g_byte_array_set_size (out, start);
    return FALSE;
  }
  g_assert ((w.bit & 7) == 0);
  return TRUE;
}

/* ---- freeing ---- */

/* Frees what @s owns: its bytes (key material wiped), arrays and
 * elements. */
void
mky_desc_clear (const MkyDesc *d, void *s)
{
  for (guint i = 0; i < d->n_fields; i++) {
    const MkyField *f = &d->fields[i];
    switch (f->kind) {
      case MKY_F_BYTES:
        mky_bytes_clear (member (s, f), f->flags & MKY_FF_SECRET);
        break;
      case MKY_F_REPEAT:
      case MKY_F_LIST: {
        MkyArray **arr = member (s, f);
        if (*arr == NULL)
          break;
        for (guint k = 0; k < (*arr)->len; k++) {
          mky_desc_clear (f->sub, (*arr)->pdata[k]);
          g_free ((*arr)->pdata[k]);
        }
        g_free ((*arr)->pdata);
        g_clear_pointer (arr, g_free);
        break;
      }
      case MKY_F_STRUCT:
        mky_desc_clear (f->sub, member (s, f));
        break;
      default:
        break;
    }
  }
}

/* ---- copying ---- */

void
mky_desc_copy (const MkyDesc *d, void *dst, const void *src)
{
  memcpy (dst, src, d->struct_size);
  for (guint i = 0; i < d->n_fields; i++) {
    const MkyField *f = &d->fields[i];
    switch (f->kind) {
      case MKY_F_BYTES: {
        const MkyBytes *from = member (src, f);
        MkyBytes *to = member (dst, f);
        to->owned = FALSE;
        mky_bytes_set (to, from->data, from->len);
        break;
      }
      case MKY_F_REPEAT:
      case MKY_F_LIST: {
        const MkyArray *from = *(MkyArray **) member (src, f);
        MkyArray **to = member (dst, f);
        *to = NULL;
        for (guint k = 0; from && k < from->len; k++) {
          gpointer e = g_malloc (f->sub->struct_size);
          mky_desc_copy (f->sub, e, from->pdata[k]);
          mky_array_add (to, e);
        }
        break;
      }
      case MKY_F_STRUCT:
        mky_desc_copy (f->sub, member (dst, f), member (src, f));
        break;
      default:
        break;
    }
  }
}
