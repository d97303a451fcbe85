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
}

void
mky_bytes_clear (MkyBytes *b, gboolean wipe)
{
  if (b->data && wipe)
    explicit_bzero (b->data, b->len);
  g_free (b->data);
  b->data = NULL;
  b->len = 0;
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

static guint64
read_bits (Reader *r, guint bits)
{
  guint64 v = 0;
  if ((r->bit & 7) == 0 && (bits & 7) == 0) {
    for (guint i = 0; i < bits / 8; i++)
      v = (v << 8) | r->data[r->bit / 8 + i];
    r->bit += bits;
    return v;
  }
  for (guint i = 0; i < bits; i++, r->bit++)
    v = (v << 1) | ((r->data[r->bit / 8] >> (7 - (r->bit & 7))) & 1);
  return v;
}

static gboolean parse_fields (const MkyDesc *d, void *s, Reader *r,
    guint *next, GError **error);

static gboolean
parse_element (const MkyDesc *sub, GPtrArray *arr, Reader *r, GError **error)
{
  void *e = g_malloc0 (sub->struct_size);
  g_ptr_array_add (arr, e);     /* owned by @arr even on failure */
  return parse_fields (sub, e, r, NULL, error);
}

static gboolean
parse_fields (const MkyDesc *d, void *s, Reader *r, guint *next, GError **error)
{
  guint64 vals[MAX_FIELDS] = { 0 };

  g_assert (d->n_fields <= MAX_FIELDS);

  for (guint i = 0; i < d->n_fields; i++) {
    const MkyField *f = &d->fields[i];

    if (f->cond && !f->cond (s))
      continue;

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
        mky_bytes_set (b, r->data + r->bit / 8, n);
        r->bit += (gsize) n * 8;
        break;
      }

      case MKY_F_REPEAT: {
        GPtrArray **arr = member (s, f);
        *arr = g_ptr_array_new ();
        for (guint64 k = 0; k < vals[f->ref]; k++)
          if (!parse_element (f->sub, *arr, r, error))
            return FALSE;
        break;
      }

      case MKY_F_LIST: {
        GPtrArray **arr = member (s, f);
        gsize n = vals[f->ref];
        Reader sub;
        if (!need (r, n * 8, d, f, error))
          return FALSE;
        sub = (Reader) { r->data, r->bit / 8 + n, r->bit };
        *arr = g_ptr_array_new ();
        while (sub.bit < sub.len * 8) {
          if (!parse_element (f->sub, *arr, &sub, error)) {
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
    gsize *pos, guint *next, GError **error)
{
  Reader r = { data, len, *pos * 8 };
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
        GPtrArray *arr = *(GPtrArray **) member (s, f);
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
        GPtrArray **arr = member (s, f);
        for (guint k = 0; *arr && k < (*arr)->len; k++) {
          mky_desc_clear (f->sub, (*arr)->pdata[k]);
          g_free ((*arr)->pdata[k]);
        }
        g_clear_pointer (arr, g_ptr_array_unref);
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
