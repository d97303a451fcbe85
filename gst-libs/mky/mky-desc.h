/* mky: MIKEY protocol core (private)
 * A payload is described once, as a list of fields; one walker uses that
 * description to parse, serialize, free and print it, so the four can never
 * disagree.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <stddef.h>
#include "mky-payload.h"

G_BEGIN_DECLS

typedef enum {
  MKY_F_UINT,       /* unsigned integer of @bits bits, stored in @size bytes */
  MKY_F_NEXT,       /* the 8-bit Next payload field (not stored in the struct) */
  MKY_F_BYTES,      /* MkyBytes; length from field @ref (or @len_fn) */
  MKY_F_REPEAT,     /* GPtrArray of @sub; element count from field @ref */
  MKY_F_LIST,       /* GPtrArray of @sub, filling @ref bytes */
  MKY_F_STRUCT,     /* an embedded struct described by @sub */
  MKY_F_CHECK,      /* no wire bytes: @check validates the values so far */
} MkyFieldKind;

/* How the parser reads a field: the field's kind, with the common integers
 * told apart so that each takes one step. Set by the MKY_* macros. */
typedef enum {
  MKY_OP_IF,        /* a field with @cond: if it holds, do @op_then */
  MKY_OP_BITS,      /* MKY_F_UINT or MKY_F_NEXT through the bit reader */
  MKY_OP_U8,        /* 8 bits into a guint8 member */
  MKY_OP_U16,       /* 16 bits into a guint16 member */
  MKY_OP_U32,       /* 32 bits into a guint32 member */
  MKY_OP_LEN8,      /* a MKY_LEN of 8 bits (not stored) */
  MKY_OP_LEN16,     /* a MKY_LEN of 16 bits */
  MKY_OP_NEXT,      /* MKY_F_NEXT */
  MKY_OP_BYTES,     /* MKY_F_BYTES, length from @ref */
  MKY_OP_BYTES_FN,  /* MKY_F_BYTES, length from @len_fn */
  MKY_OP_REPEAT,
  MKY_OP_LIST,
  MKY_OP_STRUCT,
  MKY_OP_CHECK,
} MkyParseOp;

typedef enum {
  MKY_FF_SECRET = 1 << 0,       /* key material: wiped on free, hidden in dumps */
  MKY_FF_TEXT = 1 << 1,         /* printable as text when it is */
  MKY_FF_HIDDEN = 1 << 2,       /* length/count fields: not printed */
} MkyFieldFlags;

typedef struct {
  guint value;
  const char *name;
} MkyValueName;

typedef struct _MkyDesc MkyDesc;

typedef struct {
  const char *name;             /* as in the RFC */
  MkyFieldKind kind;
  guint8 bits;                  /* MKY_F_UINT */
  guint8 size;                  /* storage size of a MKY_F_UINT */
  guint8 flags;
  guint8 op;                    /* MkyParseOp */
  guint8 op_then;               /* of a MKY_OP_IF */
  gint8 ref;                    /* index of the length/count field, or -1 */
  guint16 offset;
  /* byte length of a MKY_F_BYTES that has no length field; -1 = unknown */
  gssize (*len_fn) (const void *s);
  /* the field is on the wire only when this returns TRUE */
  gboolean (*cond) (const void *s);
  /* MKY_F_CHECK: FALSE (with @error set) rejects the payload */
  gboolean (*check) (const void *s, GError **error);
  const MkyDesc *sub;
  const MkyValueName *names;    /* value names for printing */
} MkyField;

struct _MkyDesc {
  const char *name;
  gsize struct_size;
  guint n_fields;
  const MkyField *fields;
};

/* The description of payload @type, or NULL if the codec does not know it. */
const MkyDesc *mky_desc_for_type (guint type);
/* The same, for the payloads a Next payload field may name (not HDR or
 * THDR) */
const MkyDesc *mky_desc_for_payload (guint type);

/* Memory of a parsed message: freed all at once. Its first chunk, of
 * @size bytes, is allocated with it. */
typedef struct _MkyArena MkyArena;
MkyArena *mky_arena_new (gsize size);
/* The same, with a copy of @data in the same block, at *@copy */
MkyArena *mky_arena_new_copy (gsize size, const guint8 *data, gsize len,
    const guint8 **copy);
gpointer mky_arena_alloc (MkyArena *arena, gsize size);       /* zeroed */
/* @bytes stays alive as long as @arena */
void mky_arena_keep (MkyArena *arena, GBytes *bytes);
/* Wipe the memory when it is freed: it holds key material */
void mky_arena_set_secret (MkyArena *arena);
/* Owners of the memory (a bundle may keep the policies of the message it
 * came from): it is freed when the last one lets go */
MkyArena *mky_arena_ref (MkyArena *arena);
void mky_arena_unref (MkyArena *arena);

/* Parse one described structure from @data[*pos..len) (bit exact). With an
 * @arena the structure's parts come from it and its bytes point into @data,
 * which must outlive it; without, all is allocated and copied. */
gboolean mky_desc_parse (const MkyDesc *desc, void *s, const guint8 *data,
    gsize len, gsize *pos, guint *next, MkyArena *arena, GError **error);
gboolean mky_desc_serialize (const MkyDesc *desc, const void *s, guint next,
    GByteArray *out, GError **error);
void mky_desc_clear (const MkyDesc *desc, void *s);
/* mky_payload_chain_parse() into a parsed message's @arena (the array
 * too), or without one into an array of allocated payloads */
MkyArray *mky_payload_chain_parse_in (const guint8 *data, gsize len,
    gsize start_pos, guint first, MkyArena *arena, GError **error);
/* The payloads of @a, a chain parsed in @memory (or, when NULL, allocated
 * with its array, which this frees), as a GPtrArray freeing them */
GPtrArray *mky_array_to_ptr_array (MkyArray *a, MkyArena *memory);
/* A deep copy that owns all it holds */
void mky_desc_copy (const MkyDesc *desc, void *dst, const void *src);

/* The value of integer field @f of structure @s (0 when it is not stored) */
guint64 mky_desc_get_uint (const void *s, const MkyField *f);

const char *mky_value_name (const MkyValueName *names, guint value);

#define MKY_MEMBER_SIZE(T, m) ((guint8) sizeof (((T *) 0)->m))

/* the parser reads these whole bytes without the bit reader */
#define MKY_OP_UINT(b, sz) \
  ((b) == 8 && (sz) == 1 ? MKY_OP_U8 : (b) == 16 && (sz) == 2 ? MKY_OP_U16 \
   : (b) == 32 && (sz) == 4 ? MKY_OP_U32 : MKY_OP_BITS)
#define MKY_OP_LEN(b) \
  ((b) == 8 ? MKY_OP_LEN8 : (b) == 16 ? MKY_OP_LEN16 : MKY_OP_BITS)
#define MKY_UINT(T, m, nm, b, nms) \
  { .name = nm, .kind = MKY_F_UINT, .bits = b, .size = MKY_MEMBER_SIZE (T, m), \
    .ref = -1, .offset = offsetof (T, m), .names = nms, \
    .op = MKY_OP_UINT (b, MKY_MEMBER_SIZE (T, m)) }
#define MKY_UINT_IF(T, m, nm, b, c) \
  { .name = nm, .kind = MKY_F_UINT, .bits = b, .size = MKY_MEMBER_SIZE (T, m), \
    .ref = -1, .offset = offsetof (T, m), .cond = c, .op = MKY_OP_IF, \
    .op_then = MKY_OP_UINT (b, MKY_MEMBER_SIZE (T, m)) }
/* A length or count field whose value lives only on the wire. */
#define MKY_LEN(nm, b) \
  { .name = nm, .kind = MKY_F_UINT, .bits = b, .size = 0, .ref = -1, \
    .flags = MKY_FF_HIDDEN, .op = MKY_OP_LEN (b) }
#define MKY_LEN_IF(nm, b, c) \
  { .name = nm, .kind = MKY_F_UINT, .bits = b, .size = 0, .ref = -1, \
    .flags = MKY_FF_HIDDEN, .cond = c, .op = MKY_OP_IF, \
    .op_then = MKY_OP_LEN (b) }
#define MKY_RESERVED(T, m, nm, b) MKY_UINT (T, m, nm, b, NULL)
#define MKY_NEXT_FIELD \
  { .name = "Next payload", .kind = MKY_F_NEXT, .bits = 8, .ref = -1, \
    .op = MKY_OP_NEXT }
#define MKY_BYTES(T, m, nm, r, fl) \
  { .name = nm, .kind = MKY_F_BYTES, .ref = r, .offset = offsetof (T, m), \
    .flags = fl, .op = MKY_OP_BYTES }
#define MKY_BYTES_IF(T, m, nm, r, fl, c) \
  { .name = nm, .kind = MKY_F_BYTES, .ref = r, .offset = offsetof (T, m), \
    .flags = fl, .cond = c, .op = MKY_OP_IF, .op_then = MKY_OP_BYTES }
#define MKY_BYTES_FN(T, m, nm, fn, fl) \
  { .name = nm, .kind = MKY_F_BYTES, .ref = -1, .offset = offsetof (T, m), \
    .len_fn = fn, .flags = fl, .op = MKY_OP_BYTES_FN }
#define MKY_REPEAT_IF(T, m, nm, r, sd, c) \
  { .name = nm, .kind = MKY_F_REPEAT, .ref = r, .offset = offsetof (T, m), \
    .sub = sd, .cond = c, .op = MKY_OP_IF, .op_then = MKY_OP_REPEAT }
#define MKY_LIST(T, m, nm, r, sd) \
  { .name = nm, .kind = MKY_F_LIST, .ref = r, .offset = offsetof (T, m), \
    .sub = sd, .op = MKY_OP_LIST }
#define MKY_STRUCT(T, m, nm, sd) \
  { .name = nm, .kind = MKY_F_STRUCT, .ref = -1, .offset = offsetof (T, m), \
    .sub = sd, .op = MKY_OP_STRUCT }
#define MKY_CHECK(fn) \
  { .name = NULL, .kind = MKY_F_CHECK, .ref = -1, .check = fn, \
    .op = MKY_OP_CHECK }

/* the parser keeps the values of a structure's fields on its stack */
#define MKY_MAX_FIELDS 32
#define MKY_DESC(T, nm, f) \
  { .name = nm, .struct_size = sizeof (T), \
    .n_fields = G_N_ELEMENTS (f) \
        + 0 * sizeof (char[G_N_ELEMENTS (f) <= MKY_MAX_FIELDS ? 1 : -1]), \
    .fields = f }

G_END_DECLS

G_BEGIN_DECLS
extern const MkyValueName mky_data_type_names[];
extern const MkyValueName mky_mac_names[];
extern const MkyValueName mky_sp_param_names[];
G_END_DECLS
