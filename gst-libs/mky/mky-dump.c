/* mky: MIKEY protocol core
 * Dumps, walking the field descriptions the way the codec does (mky-desc.c)
 * and handing each field to one of two emitters: text or JSON.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "mky-dump.h"
#include "mky-desc.h"

#define MAX_DEPTH 16

typedef struct _Dump Dump;

typedef struct {
  void (*document) (Dump *d, const MkyPayload *hdr, gpointer *payloads,
      guint n);
  void (*payload_open) (Dump *d, const char *key, const MkyPayload *p);
  void (*payload_close) (Dump *d);
  /* a STRUCT (@array FALSE) or a REPEAT/LIST; @name NULL for an element */
  void (*open) (Dump *d, const char *name, gboolean array);
  void (*close) (Dump *d, gboolean array);
  /* @named: the field has a value-name table (@vname NULL: not in it) */
  void (*uint) (Dump *d, const char *name, guint bits, guint64 v,
      gboolean named, const char *vname);
  void (*bytes) (Dump *d, const char *name, const MkyBytes *b, guint flags);
} Emitter;

struct _Dump {
  const Emitter *e;
  GString *out;
  MkyDumpFlags flags;
  guint depth;
  /* text: the next array index and where an open line ends, per depth;
   * JSON: whether a member was already written, per depth */
  guint count[MAX_DEPTH];
  gsize mark[MAX_DEPTH];
};

/* ---- the walker ---- */

static void walk (Dump *d, const MkyDesc *desc, const void *s, guint next);

static void
walk_array (Dump *d, const MkyField *f, const MkyArray *arr)
{
  d->e->open (d, f->name, TRUE);
  for (guint k = 0; arr && k < arr->len; k++) {
    d->e->open (d, NULL, FALSE);
    walk (d, f->sub, arr->pdata[k], MKY_PT_LAST);
    d->e->close (d, FALSE);
  }
  d->e->close (d, TRUE);
}

/* @next: the type of the following payload, for the Next payload field,
 * which the structures do not store */
static void
walk (Dump *d, const MkyDesc *desc, const void *s, guint next)
{
  for (guint i = 0; i < desc->n_fields; i++) {
    const MkyField *f = &desc->fields[i];
    const void *m = (const guint8 *) s + f->offset;

    if ((f->cond && !f->cond (s)) || (f->flags & MKY_FF_HIDDEN))
      continue;
    switch (f->kind) {
      case MKY_F_NEXT:
        d->e->uint (d, f->name, f->bits, next, TRUE,
            mky_payload_type_name (next));
        break;
      case MKY_F_UINT: {
        guint64 v = mky_desc_get_uint (s, f);
        d->e->uint (d, f->name, f->bits, v, f->names != NULL,
            mky_value_name (f->names, v));
        break;
      }
      case MKY_F_BYTES:
        d->e->bytes (d, f->name, m, f->flags);
        break;
      case MKY_F_REPEAT:
      case MKY_F_LIST:
        walk_array (d, f, *(MkyArray * const *) m);
        break;
      case MKY_F_STRUCT:
        d->e->open (d, f->name, FALSE);
        walk (d, f->sub, m, MKY_PT_LAST);
        d->e->close (d, FALSE);
        break;
      case MKY_F_CHECK:
        break;
    }
  }
}

static void
dump_payload (Dump *d, const char *key, const MkyPayload *p, guint next)
{
  d->e->payload_open (d, key, p);
  walk (d, mky_desc_for_type (p->type), &p->u, next);
  d->e->payload_close (d);
}

static guint
chain_type (gpointer *payloads, guint n, guint i)
{
  return i < n ? ((const MkyPayload *) payloads[i])->type
      : MKY_PT_LAST;
}

static void
dump_document (Dump *d, const MkyPayload *hdr, gpointer *payloads, guint n)
{
  if (hdr)
    dump_payload (d, "hdr", hdr, chain_type (payloads, n, 0));
  for (guint i = 0; i < n; i++)
    dump_payload (d, NULL, payloads[i], chain_type (payloads, n, i + 1));
}

static gboolean
printable (const MkyBytes *b)
{
  if (b->len == 0)
    return FALSE;
  for (gsize i = 0; i < b->len; i++)
    if (b->data[i] < 0x20 || b->data[i] > 0x7e)
      return FALSE;
  return TRUE;
}

static gboolean
hidden (const Dump *d, guint flags)
{
  return (flags & MKY_FF_SECRET) && !(d->flags & MKY_DUMP_SHOW_SECRETS);
}

static void
append_hex (GString *s, const MkyBytes *b)
{
  for (gsize i = 0; i < b->len; i++)
    g_string_append_printf (s, "%02x", b->data[i]);
}

/* JSON numbers cannot hold 64 bits exactly: wide fields are hex */
static gboolean
wide (guint bits)
{
  return bits >= 32;
}

static void
append_wide (GString *s, guint bits, guint64 v)
{
  g_string_append_printf (s, "0x%0*" G_GINT64_MODIFIER "x", (int) bits / 4, v);
}

/* ---- text ---- */

static void
text_line (Dump *d, const char *name)
{
  for (guint i = 0; i < d->depth; i++)
    g_string_append (d->out, "  ");
  if (name)
    g_string_append_printf (d->out, "%s: ", name);
}

static void
text_payload_open (Dump *d, const char *key, const MkyPayload *p)
{
  text_line (d, NULL);
  g_string_append (d->out, mky_desc_for_type (p->type)->name);
  if (p->length)
    g_string_append_printf (d->out, " (offset %" G_GSIZE_FORMAT ", length %"
        G_GSIZE_FORMAT ")", p->offset, p->length);
  g_string_append_c (d->out, '\n');
  d->depth++;
}

static void
text_payload_close (Dump *d)
{
  d->depth--;
}

static void
text_open (Dump *d, const char *name, gboolean array)
{
  g_assert (d->depth + 1 < MAX_DEPTH);
  text_line (d, NULL);
  if (name)
    g_string_append_printf (d->out, "%s:", name);
  else
    g_string_append_printf (d->out, "[%u]", d->count[d->depth]++);
  d->mark[d->depth] = d->out->len;
  g_string_append_c (d->out, '\n');
  d->count[++d->depth] = 0;
}

static void
text_close (Dump *d, gboolean array)
{
  gsize mark = d->mark[--d->depth];
  /* say so rather than leave a heading with nothing under it */
  if (d->out->len == mark + 1) {
    g_string_truncate (d->out, mark);
    g_string_append (d->out, " (none)\n");
  }
}

static void
text_uint (Dump *d, const char *name, guint bits, guint64 v, gboolean named,
    const char *vname)
{
  text_line (d, name);
  if (wide (bits))
    append_wide (d->out, bits, v);
  else
    g_string_append_printf (d->out, "%" G_GUINT64_FORMAT, v);
  if (vname)
    g_string_append_printf (d->out, " (%s)", vname);
  g_string_append_c (d->out, '\n');
}

static void
text_bytes (Dump *d, const char *name, const MkyBytes *b, guint flags)
{
  text_line (d, name);
  if (hidden (d, flags)) {
    g_string_append_printf (d->out, "<hidden, %" G_GSIZE_FORMAT " bytes>",
        b->len);
  } else if (b->len == 0) {
    g_string_append (d->out, "(empty)");
  } else {
    append_hex (d->out, b);
    if ((flags & MKY_FF_TEXT) && printable (b)) {
      g_autofree char *text = g_strndup ((const char *) b->data, b->len);
      g_autofree char *quoted = g_strescape (text, NULL);
      g_string_append_printf (d->out, " \"%s\"", quoted);
    }
  }
  g_string_append_c (d->out, '\n');
}

static const Emitter text_emitter = {
  dump_document, text_payload_open, text_payload_close, text_open, text_close,
  text_uint, text_bytes,
};

/* ---- JSON ---- */

static void
json_string (GString *s, const char *str, gsize len)
{
  g_string_append_c (s, '"');
  for (gsize i = 0; i < len; i++) {
    guchar c = str[i];
    if (c == '"' || c == '\\')
      g_string_append_printf (s, "\\%c", c);
    else if (c < 0x20)
      g_string_append_printf (s, "\\u%04x", c);
    else
      g_string_append_c (s, c);
  }
  g_string_append_c (s, '"');
}

/* Separator and key of the next member (@key NULL in an array) */
static void
json_member (Dump *d, const char *key)
{
  if (d->count[d->depth]++)
    g_string_append_c (d->out, ',');
  if (key) {
    json_string (d->out, key, strlen (key));
    g_string_append_c (d->out, ':');
  }
}

static void
json_open (Dump *d, const char *name, gboolean array)
{
  g_assert (d->depth + 1 < MAX_DEPTH);
  json_member (d, name);
  g_string_append_c (d->out, array ? '[' : '{');
  d->count[++d->depth] = 0;
}

static void
json_close (Dump *d, gboolean array)
{
  d->depth--;
  g_string_append_c (d->out, array ? ']' : '}');
}

static void
json_size (Dump *d, const char *key, gsize v, gboolean known)
{
  json_member (d, key);
  if (known)
    g_string_append_printf (d->out, "%" G_GSIZE_FORMAT, v);
  else
    g_string_append (d->out, "null");
}

static void
json_document (Dump *d, const MkyPayload *hdr, gpointer *payloads, guint n)
{
  json_open (d, NULL, FALSE);
  if (hdr)
    dump_payload (d, "hdr", hdr, chain_type (payloads, n, 0));
  json_open (d, "payloads", TRUE);
  for (guint i = 0; i < n; i++)
    dump_payload (d, NULL, payloads[i], chain_type (payloads, n, i + 1));
  json_close (d, TRUE);
  json_close (d, FALSE);
}

static void
json_payload_open (Dump *d, const char *key, const MkyPayload *p)
{
  const char *type = mky_desc_for_type (p->type)->name;

  json_open (d, key, FALSE);
  json_member (d, "type");
  json_string (d->out, type, strlen (type));
  json_size (d, "offset", p->offset, p->length != 0);
  json_size (d, "length", p->length, p->length != 0);
  json_open (d, "fields", FALSE);
}

static void
json_payload_close (Dump *d)
{
  json_close (d, FALSE);
  json_close (d, FALSE);
}

static void
json_uint (Dump *d, const char *name, guint bits, guint64 v, gboolean named,
    const char *vname)
{
  json_member (d, name);
  if (named)
    g_string_append (d->out, "{\"value\":");
  if (wide (bits)) {
    g_string_append_c (d->out, '"');
    append_wide (d->out, bits, v);
    g_string_append_c (d->out, '"');
  } else {
    g_string_append_printf (d->out, "%" G_GUINT64_FORMAT, v);
  }
  if (named) {
    g_string_append (d->out, ",\"name\":");
    if (vname)
      json_string (d->out, vname, strlen (vname));
    else
      g_string_append (d->out, "null");
    g_string_append_c (d->out, '}');
  }
}

static void
json_bytes (Dump *d, const char *name, const MkyBytes *b, guint flags)
{
  json_member (d, name);
  g_string_append_printf (d->out, "{\"len\":%" G_GSIZE_FORMAT, b->len);
  if (hidden (d, flags)) {
    g_string_append (d->out, ",\"hidden\":true}");
    return;
  }
  g_string_append (d->out, ",\"hex\":\"");
  append_hex (d->out, b);
  g_string_append_c (d->out, '"');
  if ((flags & MKY_FF_TEXT) && printable (b)) {
    g_string_append (d->out, ",\"text\":");
    json_string (d->out, (const char *) b->data, b->len);
  }
  g_string_append_c (d->out, '}');
}

static const Emitter json_emitter = {
  json_document, json_payload_open, json_payload_close, json_open, json_close,
  json_uint, json_bytes,
};

/* ---- entry points ---- */

static char *
dump (const Emitter *e, const MkyPayload *hdr, gpointer *payloads, guint n,
    MkyDumpFlags flags)
{
  Dump d = { .e = e, .out = g_string_new (NULL), .flags = flags };
  e->document (&d, hdr, payloads, n);
  g_assert (d.depth == 0);
  return g_string_free (d.out, FALSE);
}

char *
mky_dump_message (const MkyMessage *msg, MkyDumpFlags flags)
{
  return dump (&text_emitter, msg->hdr, msg->payloads->pdata,
      msg->payloads->len, flags);
}

char *
mky_dump_chain (GPtrArray *payloads, MkyDumpFlags flags)
{
  return dump (&text_emitter, NULL, payloads->pdata, payloads->len, flags);
}

char *
mky_dump_message_json (const MkyMessage *msg, MkyDumpFlags flags)
{
  return dump (&json_emitter, msg->hdr, msg->payloads->pdata,
      msg->payloads->len, flags);
}

char *
mky_dump_chain_json (GPtrArray *payloads, MkyDumpFlags flags)
{
  return dump (&json_emitter, NULL, payloads->pdata, payloads->len, flags);
}
