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

#define MAX_FIELDS MKY_MAX_FIELDS

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

/* One block: this header, the first chunk and, for mky_arena_new_copy(),
 * the copy of the wire form. */
struct _MkyArena {
  Chunk *head;
  GBytes *keep;                 /* the wire form payloads point into */
  gint refs;                    /* owners: the message, bundles sharing it */
  gboolean secret;              /* wiped when freed */
  Chunk first;                  /* allocated with the arena */
};

/* A block of the arena, a first chunk of @size bytes and @extra bytes */
static MkyArena *
arena_new (gsize size, gsize extra)
{
  MkyArena *a;
  gsize head = sizeof (MkyArena) + size, total;

  if (!g_size_checked_add (&total, head, extra))
    g_error ("mky: %" G_GSIZE_FORMAT " bytes is too long a message", extra);
  /* g_malloc0 (calloc) would clear the whole block, and skip malloc's cache
   * of small blocks */
  a = g_malloc (total);
  memset (a, 0, head);
  a->refs = 1;
  a->first.size = size;
  a->head = &a->first;
  return a;
}

/* The first chunk comes zeroed, sized for the whole message: its
 * allocations need no clearing */
MkyArena *
mky_arena_new (gsize size)
{
  return arena_new (size, 0);
}

MkyArena *
mky_arena_new_copy (gsize size, const guint8 *data, gsize len,
    const guint8 **copy)
{
  MkyArena *a;
  guint8 *c;

  size = (size + 7) & ~(gsize) 7;
  a = arena_new (size, len);
  c = a->first.data + size;
  if (len)
    memcpy (c, data, len);
  *copy = c;
  return a;
}

/* The first chunk is sized for the message: what comes later (a KEMAC's
 * plaintext, payloads added) is small, and takes small chunks */
static gpointer
arena_grow (MkyArena *a, gsize size)
{
  gsize n = MAX (size, MIN (a->head->size, a->first.size / 4 + 64) & ~(gsize) 7);
  Chunk *c = g_malloc (sizeof (Chunk) + n);
  c->next = a->head;
  c->size = n;
  c->used = size;
  a->head = c;
  return memset (c->data, 0, size);
}

static inline gpointer
arena_alloc (MkyArena *a, gsize size)
{
  Chunk *c = a->head;
  gpointer p;

  size = (size + 7) & ~(gsize) 7;
  if (G_UNLIKELY (c->size - c->used < size))
    return arena_grow (a, size);
  p = c->data + c->used;
  c->used += size;
  /* later chunks are cleared as they are handed out */
  return c == &a->first ? p : memset (p, 0, size);
}

gpointer
mky_arena_alloc (MkyArena *a, gsize size)
{
  return arena_alloc (a, size);
}

void
mky_arena_keep (MkyArena *a, GBytes *bytes)
{
  g_clear_pointer (&a->keep, g_bytes_unref);
  a->keep = g_bytes_ref (bytes);
}

void
mky_arena_set_secret (MkyArena *a)
{
  a->secret = TRUE;
}

MkyArena *
mky_arena_ref (MkyArena *a)
{
  g_atomic_int_inc (&a->refs);
  return a;
}

void
mky_arena_unref (MkyArena *a)
{
  if (a == NULL || !g_atomic_int_dec_and_test (&a->refs))
    return;
  while (a->head != &a->first) {
    Chunk *c = a->head;
    a->head = c->next;
    if (a->secret)
      explicit_bzero (c->data, c->used);
    g_free (c);
  }
  if (a->secret)
    explicit_bzero (a->first.data, a->first.used);
  g_clear_pointer (&a->keep, g_bytes_unref);
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

guint64
mky_desc_get_uint (const void *s, const MkyField *f)
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

/* Fields off a byte boundary come in runs of plain integers that end on
 * one (as in all of MIKEY); every other field starts on a byte. */
typedef struct {
  const guint8 *data;
  gsize pos;                    /* bytes */
  gsize len;
  /* with an arena, structures come from it and bytes point into @data;
   * without, everything is allocated and copied */
  MkyArena *arena;
} Reader;

G_GNUC_NO_INLINE static gboolean
truncated (gsize bits, gsize left, const MkyDesc *d, const MkyField *f,
    GError **error)
{
  g_set_error (error, MKY_ERROR, MKY_ERROR_TRUNCATED,
      "%s: %s: truncated (%" G_GSIZE_FORMAT " bits needed, %" G_GSIZE_FORMAT
      " left)", d->name, f->name ? f->name : "", bits, left);
  return FALSE;
}

/* @bits (<= 64) at bit @skip (< 8) of @p; the caller has checked that they
 * are there */
static guint64
read_bits (const guint8 *p, guint skip, guint bits)
{
  guint n = (skip + bits + 7) / 8;      /* bytes the field touches, <= 9 */
  guint64 v = 0;

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

static inline guint
be16 (const guint8 *p)
{
  return (guint) p[0] << 8 | p[1];
}

static inline guint32
be32 (const guint8 *p)
{
  return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8
      | p[3];
}

static inline gpointer
alloc0 (MkyArena *arena, gsize size)
{
  return arena ? arena_alloc (arena, size) : g_malloc0 (size);
}

/* Where parse_fields() puts the structures it parses one after the other
 * (so that the elements of an array cost no call each): new elements of
 * @a, @n of them (MKY_F_REPEAT) or up to the reader's end (MKY_F_LIST) */
typedef struct {
  MkyArray *a;
  guint cap;                    /* room in @a->pdata */
  gboolean list;
  gsize n;
} Fill;

static gboolean parse_fields (const MkyDesc *d, void *s, Reader *r,
    guint *next, Fill *fill, GError **error);
G_STATIC_ASSERT (MKY_OP_CHECK < 14);    /* the ops fit parse_fields' table */

/* A new element of @size for @fill */
static inline void *
fill_add (Fill *fill, MkyArena *arena, gsize size)
{
  MkyArray *a = fill->a;
  void *e = alloc0 (arena, size);
  if (G_UNLIKELY (a->len == fill->cap)) {
    gpointer *grown = alloc0 (arena, 2 * fill->cap * sizeof (gpointer));
    memcpy (grown, a->pdata, a->len * sizeof (gpointer));
    if (!arena)
      g_free (a->pdata);
    a->pdata = grown;
    fill->cap *= 2;
    if (!arena)
      a->alloc = fill->cap;
  }
  a->pdata[a->len++] = e;       /* owned by @a even on failure */
  return e;
}

/* A MKY_F_REPEAT (@n elements) or MKY_F_LIST (@n bytes) at @r */
G_GNUC_NO_INLINE static gboolean
parse_array (const MkyDesc *d, const MkyField *f, MkyArray **arr, gsize n,
    Reader *r, GError **error)
{
  /* each element takes at least a byte: a count beyond the data is a lie,
   * and must not size an allocation */
  Fill fill = { NULL, f->kind == MKY_F_LIST ? 8 : MAX (n, 1),
    f->kind == MKY_F_LIST, n };
  Reader in = *r;

  if (r->len - r->pos < n)
    return truncated (n * 8, (r->len - r->pos) * 8, d, f, error);
  if (fill.list)
    in.len = r->pos + n;

  fill.a = *arr = alloc0 (r->arena, sizeof (MkyArray));
  fill.a->pdata = alloc0 (r->arena, fill.cap * sizeof (gpointer));
  if (!r->arena)
    fill.a->alloc = fill.cap;

  if (!parse_fields (f->sub, NULL, &in, NULL, &fill, error)) {
    if (fill.list) {
      if (error && g_error_matches (*error, MKY_ERROR, MKY_ERROR_TRUNCATED))
        (*error)->code = MKY_ERROR_BAD_LENGTH;
      g_prefix_error (error, "%s: %s overruns its length field: ", d->name,
          f->name);
    }
    return FALSE;
  }
  r->pos = in.pos;
  return TRUE;
}

/* The walker: the fields of @d into @s or, with @fill, into one new element
 * after the other. The position is kept in @p, and stored back into @r
 * around nested structures and on return. @vals holds the integers read,
 * for the fields whose length or count they are. */
static gboolean
parse_fields (const MkyDesc *d, void *s, Reader *r, guint *next, Fill *fill,
    GError **error)
{
  /* threaded dispatch: each handler jumps to the next field's handler
   * itself, which the branch predictor tells apart far better than one
   * shared switch (GCC and clang computed gotos) */
  static const void *const handler[16] = {
    [MKY_OP_IF] = &&op_if, [MKY_OP_BITS] = &&op_bits, [MKY_OP_U8] = &&op_u8,
    [MKY_OP_U16] = &&op_u16, [MKY_OP_U32] = &&op_u32,
    [MKY_OP_LEN8] = &&op_len8, [MKY_OP_LEN16] = &&op_len16,
    [MKY_OP_NEXT] = &&op_next, [MKY_OP_BYTES] = &&op_bytes,
    [MKY_OP_BYTES_FN] = &&op_bytes_fn, [MKY_OP_REPEAT] = &&op_array,
    [MKY_OP_LIST] = &&op_array, [MKY_OP_STRUCT] = &&op_struct,
    [MKY_OP_CHECK] = &&op_check, [14] = &&op_none, [15] = &&op_none,
  };
  guint64 vals[MAX_FIELDS], *v;
  const MkyField *f, *end = d->fields + d->n_fields;
  const guint8 *p = r->data + r->pos, *lim = r->data + r->len;
  gsize n;

#define NEXT_FIELD \
  G_STMT_START { \
    if (++v, ++f == end) \
      goto fields_done; \
    goto *handler[f->op & 15]; \
  } G_STMT_END

another:
  if (fill) {
    if (fill->list ? p >= lim : fill->a->len >= fill->n)
      goto done;
    s = fill_add (fill, r->arena, d->struct_size);
  }
  f = d->fields;
  v = vals;
  if (f == end)
    goto fields_done;
  goto *handler[f->op & 15];

op_if:
  if (!f->cond (s)) {
    *v = 0;
    NEXT_FIELD;
  }
  goto *handler[f->op_then & 15];

  /* whole integers, the common case */
op_u8:
  if (G_UNLIKELY (p >= lim))
    goto op_bits;
  *v = *(guint8 *) member (s, f) = *p++;
  NEXT_FIELD;

op_len8:
  if (G_UNLIKELY (p >= lim))
    goto op_bits;
  *v = *p++;
  NEXT_FIELD;

op_next:
  if (G_UNLIKELY (p >= lim))
    goto op_bits;
  *v = *p;
  if (next)
    *next = *p;
  p++;
  NEXT_FIELD;

op_u16:
  if (G_UNLIKELY (lim - p < 2))
    goto op_bits;
  *v = *(guint16 *) member (s, f) = be16 (p);
  p += 2;
  NEXT_FIELD;

op_len16:
  if (G_UNLIKELY (lim - p < 2))
    goto op_bits;
  *v = be16 (p);
  p += 2;
  NEXT_FIELD;

op_u32:
  if (G_UNLIKELY (lim - p < 4))
    goto op_bits;
  *v = *(guint32 *) member (s, f) = be32 (p);
  p += 4;
  NEXT_FIELD;

op_bits: {
    /* the fields up to the next byte boundary */
    guint skip = 0;
    for (;;) {
      gsize left = (gsize) (lim - p) * 8 - skip;
      if (G_UNLIKELY (left < f->bits))
        return truncated (f->bits, left, d, f, error);
      *v = read_bits (p, skip, f->bits);
      if (f->kind == MKY_F_NEXT) {
        if (next)
          *next = *v;
      } else {
        set_uint (s, f, *v);
      }
      skip += f->bits;
      p += skip / 8;
      skip &= 7;
      if (skip == 0)
        break;
      f++;
      v++;
      g_assert (f < end && f->op != MKY_OP_IF
          && (f->kind == MKY_F_UINT || f->kind == MKY_F_NEXT));
    }
    NEXT_FIELD;
  }

op_bytes_fn: {
    gssize fn_len = f->len_fn (s);
    if (fn_len < 0) {
      g_set_error (error, MKY_ERROR, MKY_ERROR_UNSUPPORTED_VALUE,
          "%s: %s: length unknown for this algorithm or type", d->name,
          f->name);
      return FALSE;
    }
    n = fn_len;
    goto bytes;
  }

op_bytes:
  n = vals[f->ref];
bytes: {
    MkyBytes *b = member (s, f);
    if (G_UNLIKELY ((gsize) (lim - p) < n))
      return truncated (n * 8, (lim - p) * 8, d, f, error);
    if (r->arena) {
      b->data = n ? (guint8 *) p : NULL;
      b->len = n;
    } else {
      mky_bytes_set (b, p, n);
    }
    p += n;
    NEXT_FIELD;
  }

op_array:
  r->pos = p - r->data;
  if (!parse_array (d, f, member (s, f), vals[f->ref], r, error))
    return FALSE;
  p = r->data + r->pos;
  NEXT_FIELD;

op_struct:
  r->pos = p - r->data;
  if (!parse_fields (f->sub, member (s, f), r, NULL, NULL, error))
    return FALSE;
  p = r->data + r->pos;
  NEXT_FIELD;

op_check:
  if (!f->check (s, error)) {
    g_prefix_error (error, "%s: ", d->name);
    return FALSE;
  }
  NEXT_FIELD;

op_none:
  g_assert_not_reached ();

#undef NEXT_FIELD
fields_done:
  if (fill)
    goto another;

done:
  r->pos = p - r->data;
  return TRUE;
}

/* An empty GBytes has no data pointer: the reader needs one */
static const guint8 no_data[1];

gboolean
mky_desc_parse (const MkyDesc *desc, void *s, const guint8 *data, gsize len,
    gsize *pos, guint *next, MkyArena *arena, GError **error)
{
  Reader r = { data ? data : no_data, *pos, len, arena };
  gboolean ok = parse_fields (desc, s, &r, next, NULL, error);
  *pos = r.pos;
  return ok;
}

/* Here, next to the walker, to call it directly */
MkyArray *
mky_payload_chain_parse_in (const guint8 *data, gsize len, gsize start_pos,
    guint first, MkyArena *arena, GError **error)
{
  MkyPayload *local[16], **found = local;
  guint n = 0, cap = G_N_ELEMENTS (local);
  Reader r = { data ? data : no_data, start_pos, len, arena };
  guint type = first;
  MkyArray *out = NULL;

  while (type != MKY_PT_LAST) {
    const MkyDesc *desc = mky_desc_for_payload (type);
    MkyPayload *p;
    guint next = MKY_PT_LAST;
    gsize start = r.pos;

    if (desc == NULL) {
      g_set_error (error, MKY_ERROR, MKY_ERROR_UNKNOWN_PAYLOAD,
          "unknown next payload %u at offset %" G_GSIZE_FORMAT, type,
          start);
      goto out;
    }
    /* in a message, a payload takes only its own member of the union */
    p = alloc0 (arena, arena ? G_STRUCT_OFFSET (MkyPayload, u)
        + desc->struct_size : sizeof (MkyPayload));
    p->type = type;
    p->offset = start;
    p->in_message = arena != NULL;
    if (G_UNLIKELY (n == cap)) {
      MkyPayload **grown = g_new (MkyPayload *, 2 * cap);
      memcpy (grown, found, n * sizeof *found);
      if (found != local)
        g_free (found);
      found = grown;
      cap *= 2;
    }
    found[n++] = p;
    if (!parse_fields (desc, &p->u, &r, &next, NULL, error)) {
      g_prefix_error (error, "payload at offset %" G_GSIZE_FORMAT ": ",
          start);
      goto out;
    }
    p->length = r.pos - start;
    /* SIGN has no Next payload field and is always last (RFC 3830 §6.5) */
    type = type == MKY_PT_SIGN ? MKY_PT_LAST : next;
  }

  if (r.pos != len) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_TRAILING_DATA,
        "%" G_GSIZE_FORMAT " bytes after the last payload at offset %"
        G_GSIZE_FORMAT, len - r.pos, r.pos);
    goto out;
  }
  out = alloc0 (arena, sizeof *out);
  out->pdata = alloc0 (arena, MAX (n, 1) * sizeof *found);
  memcpy (out->pdata, found, n * sizeof *found);
  out->len = n;
  if (!arena)
    out->alloc = MAX (n, 1);

out:
  if (out == NULL)
    for (guint i = 0; i < n; i++)
      mky_payload_free (found[i]);
  if (found != local)
    g_free (found);
  return out;
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
        guint64 v = f->kind == MKY_F_NEXT ? next : mky_desc_get_uint (s, f);
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
