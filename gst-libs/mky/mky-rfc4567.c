/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "mky-rfc4567.h"
#include <string.h>

#include "mky-error.h"

#define KMPID_MIKEY "mikey"
#define SDP_ATTR "key-mgmt:"

/* KMPID = 1*(ALPHA / DIGIT), RFC 4567 §3 */
static gboolean
is_kmpid (const char *s, gsize len)
{
  for (gsize i = 0; i < len; i++) {
    if (!g_ascii_isalnum (s[i]))
      return FALSE;
  }
  return len > 0;
}

static gboolean
is_mikey (const char *id, gsize len)
{
  return len == strlen (KMPID_MIKEY) && memcmp (id, KMPID_MIKEY, len) == 0;
}

static char *
b64_encode (GBytes *msg)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (msg, &len);
  return g_base64_encode (data, len);
}

static int
b64_value (char c)
{
  if (g_ascii_isupper (c))
    return c - 'A';
  if (g_ascii_islower (c))
    return c - 'a' + 26;
  if (g_ascii_isdigit (c))
    return c - '0' + 52;
  if (c == '+')
    return 62;
  if (c == '/')
    return 63;
  return -1;
}

/* RFC 4648 §4 base64, canonical only: whole quanta, '=' only as the
 * padding, zero bits after the last byte; and not empty. */
static GBytes *
b64_decode_strict (const char *s, gsize len, GError **error)
{
  gsize pad = 0, out_len;
  gint state = 0;
  guint save = 0;
  guint8 *out;

  if (len == 0 || len % 4 != 0) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_ENCODING,
        "base64 of %zu characters, not a non-zero multiple of 4", len);
    return NULL;
  }
  while (pad < 2 && s[len - 1 - pad] == '=')
    pad++;
  for (gsize i = 0; i < len - pad; i++) {
    if (b64_value (s[i]) < 0) {
      g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_ENCODING,
          "character 0x%02x at %zu is not base64", (guint8) s[i], i);
      return NULL;
    }
  }
  if (b64_value (s[len - pad - 1]) & (pad == 2 ? 0x0f : pad == 1 ? 0x03 : 0)) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_ENCODING,
        "base64 padding bits are not zero");
    return NULL;
  }
  out = g_malloc (len / 4 * 3);
  out_len = g_base64_decode_step (s, len, out, &state, &save);
  return g_bytes_new_take (out, out_len);
}

/* key-mgmt-att-value = 0*1SP prtcl-id SP keymgmt-data */
static gboolean
split_att_value (const char *v, gsize len, const char **id, gsize *id_len,
    const char **data, gsize *data_len, GError **error)
{
  gsize n = 0;

  if (len > 0 && v[0] == ' ') {
    v++;
    len--;
  }
  while (n < len && g_ascii_isalnum (v[n]))
    n++;
  if (n == 0 || n == len || v[n] != ' ') {
    g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_ENCODING,
        "key-mgmt value '%.*s' is not '<protocol id> <data>'", (int) len, v);
    return FALSE;
  }
  *id = v;
  *id_len = n;
  *data = v + n + 1;
  *data_len = len - n - 1;
  return TRUE;
}

char *
mky_sdp_key_mgmt_attr (GBytes *msg)
{
  g_autofree char *b64 = b64_encode (msg);
  return g_strconcat (SDP_ATTR KMPID_MIKEY " ", b64, NULL);
}

GBytes *
mky_sdp_key_mgmt_parse (const char *line, GError **error)
{
  const char *v = line, *id, *data;
  gsize len, id_len, data_len;

  g_return_val_if_fail (line != NULL, NULL);
  if (g_str_has_prefix (v, "a=")) {
    v += 2;
    if (!g_str_has_prefix (v, SDP_ATTR)) {
      g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_ENCODING,
          "'%s' is not a key-mgmt attribute", line);
      return NULL;
    }
  }
  if (g_str_has_prefix (v, SDP_ATTR))
    v += strlen (SDP_ATTR);
  len = strlen (v);
  if (len > 0 && v[len - 1] == '\n')
    len--;
  if (len > 0 && v[len - 1] == '\r')
    len--;

  if (!split_att_value (v, len, &id, &id_len, &data, &data_len, error))
    return NULL;
  if (!is_mikey (id, id_len)) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_UNSUPPORTED_VALUE,
        "key management protocol '%.*s' is not " KMPID_MIKEY, (int) id_len,
        id);
    return NULL;
  }
  return b64_decode_strict (data, data_len, error);
}

/* The key-mgmt attributes of one SDP level */
typedef struct {
  gboolean any;
  const char *mikey;            /* base64 of the mikey one, or NULL */
  gsize mikey_len;
} Level;

static gboolean
level_add (Level *level, const char *value, gsize len, GError **error)
{
  const char *id, *data;
  gsize id_len, data_len;

  if (!split_att_value (value, len, &id, &id_len, &data, &data_len, error))
    return FALSE;
  level->any = TRUE;
  if (!is_mikey (id, id_len))
    return TRUE;
  if (level->mikey) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_ENCODING,
        "two key-mgmt:" KMPID_MIKEY " attributes at one level");
    return FALSE;
  }
  level->mikey = data;
  level->mikey_len = data_len;
  return TRUE;
}

GBytes *
mky_sdp_find_key_mgmt (const char *sdp, int media_index, GError **error)
{
  static const char attr[] = "a=" SDP_ATTR;
  Level session = { 0, }, media = { 0, };
  const Level *found;
  int current = -1;             /* the session level until the first m= */

  g_return_val_if_fail (sdp != NULL && media_index >= -1, NULL);
  while (*sdp) {
    const char *end = strchr (sdp, '\n');
    gsize len = end ? (gsize) (end - sdp) : strlen (sdp);
    const char *next = sdp + len + (end != NULL);

    if (len > 0 && sdp[len - 1] == '\r')
      len--;
    if (len >= 2 && sdp[0] == 'm' && sdp[1] == '=') {
      current++;
    } else if (len >= strlen (attr) && strncmp (sdp, attr, strlen (attr)) == 0
        && (current == -1 || current == media_index)) {
      if (!level_add (current == -1 ? &session : &media, sdp + strlen (attr),
              len - strlen (attr), error))
        return NULL;
    }
    sdp = next;
  }
  if (media_index > current) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_INVALID_ARGUMENT,
        "no media %d, the SDP has %d", media_index, current + 1);
    return NULL;
  }

  /* RFC 4567 §3.1: a media-level attribute overrides the session level */
  found = media.any ? &media : &session;
  if (found->mikey == NULL) {
    g_autofree char *where = media_index < 0 ? g_strdup ("the session") :
        g_strdup_printf ("media %d", media_index);
    g_set_error (error, MKY_ERROR, MKY_ERROR_MISSING_PAYLOAD,
        "no key-mgmt:" KMPID_MIKEY " attribute for %s", where);
    return NULL;
  }
  return b64_decode_strict (found->mikey, found->mikey_len, error);
}

char *
mky_rtsp_key_mgmt_header (const char *uri, GBytes *msg)
{
  g_autofree char *b64 = b64_encode (msg);

  /* a quoted URI cannot hold a quote */
  g_return_val_if_fail (uri == NULL || strchr (uri, '"') == NULL, NULL);
  if (uri == NULL)
    return g_strdup_printf ("prot=" KMPID_MIKEY "; data=\"%s\"", b64);
  return g_strdup_printf ("prot=" KMPID_MIKEY "; uri=\"%s\"; data=\"%s\"",
      uri, b64);
}

/* A slice of the header value */
typedef struct {
  const char *s;
  gsize len;
} Span;

/* The parameters of one key-mgmt-spec RFC 4567 §3.2 and its examples
 * use; other parameters are skipped */
typedef struct {
  Span prot, uri, data;
} Spec;

/* linear white space, including the folding of a header over lines */
static void
skip_lws (const char **s)
{
  while (**s == ' ' || **s == '\t' || **s == '\r' || **s == '\n')
    (*s)++;
}

static gboolean
bad_header (GError **error, const char *what, const char *at)
{
  g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_ENCODING,
      "KeyMgmt header: %s at '%.20s'", what, at);
  return FALSE;
}

/* name "=" (token / quoted-string), with white space around the "=" */
static gboolean
next_param (const char **s, Spec *spec, GError **error)
{
  const char *p = *s, *name = p;
  gsize name_len;
  Span value, *slot = NULL;

  while (g_ascii_isalnum (*p) || *p == '-')
    p++;
  name_len = p - name;
  if (name_len == 0)
    return bad_header (error, "parameter expected", name);
  skip_lws (&p);
  if (*p++ != '=')
    return bad_header (error, "'=' expected", p - 1);
  skip_lws (&p);
  if (*p == '"') {
    value.s = ++p;
    while (*p && *p != '"')
      p++;
    if (*p == '\0')
      return bad_header (error, "unterminated quoted string", value.s - 1);
    value.len = p++ - value.s;
  } else {
    value.s = p;
    while (*p && strchr (";, \t\r\n", *p) == NULL)
      p++;
    value.len = p - value.s;
  }
  skip_lws (&p);

  if (name_len == 4 && g_ascii_strncasecmp (name, "prot", 4) == 0)
    slot = &spec->prot;
  else if (name_len == 3 && g_ascii_strncasecmp (name, "uri", 3) == 0)
    slot = &spec->uri;
  else if (name_len == 4 && g_ascii_strncasecmp (name, "data", 4) == 0)
    slot = &spec->data;
  if (slot && slot->s)
    return bad_header (error, "parameter given twice", name);
  if (slot)
    *slot = value;
  *s = p;
  return TRUE;
}

GBytes *
mky_rtsp_key_mgmt_parse (const char *value, char **uri_out, GError **error)
{
  const char *s = value;
  Spec mikey = { {NULL, 0}, };
  GBytes *msg;

  g_return_val_if_fail (value != NULL, NULL);
  skip_lws (&s);
  if (g_ascii_strncasecmp (s, "KeyMgmt", 7) == 0) {
    s += 7;
    skip_lws (&s);
    if (*s++ != ':') {
      bad_header (error, "':' expected", s - 1);
      return NULL;
    }
    skip_lws (&s);
  }

  /* key-mgmt-spec 0*("," key-mgmt-spec), each a ';'-separated list of
   * parameters with an optional trailing ';' */
  for (;;) {
    Spec spec = { {NULL, 0}, };

    skip_lws (&s);
    do {
      if (!next_param (&s, &spec, error))
        return NULL;
      if (*s == ';') {
        s++;
        skip_lws (&s);
      } else if (*s && *s != ',') {
        bad_header (error, "';' or ',' expected", s);
        return NULL;
      }
    } while (*s && *s != ',');
    if (!is_kmpid (spec.prot.s, spec.prot.len)) {
      bad_header (error, "key-mgmt-spec without a valid prot", s);
      return NULL;
    }
    if (mikey.prot.s == NULL && is_mikey (spec.prot.s, spec.prot.len))
      mikey = spec;
    if (*s == '\0')
      break;
    s++;                        /* the ',' */
  }

  if (mikey.prot.s == NULL) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_UNSUPPORTED_VALUE,
        "KeyMgmt header has no prot=" KMPID_MIKEY);
    return NULL;
  }
  if (mikey.data.s == NULL) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_ENCODING,
        "KeyMgmt header: prot=" KMPID_MIKEY " without data");
    return NULL;
  }
  msg = b64_decode_strict (mikey.data.s, mikey.data.len, error);
  if (msg && uri_out)
    *uri_out = mikey.uri.s ? g_strndup (mikey.uri.s, mikey.uri.len) : NULL;
  return msg;
}

void
mky_sdp_ids_set (MkyGenExt *ext, const char *const *ids)
{
  g_autofree char *list = NULL;

  g_return_if_fail (ids != NULL && ids[0] != NULL);
  for (guint i = 0; ids[i]; i++)
    g_return_if_fail (is_kmpid (ids[i], strlen (ids[i])));
  list = g_strjoinv (";", (char **) ids);
  ext->type = MKY_GEN_SDP_IDS;
  mky_bytes_set (&ext->data, (const guint8 *) list, strlen (list));
}

char **
mky_sdp_ids_get (const MkyGenExt *ext, GError **error)
{
  g_autofree char *list = NULL;
  g_auto (GStrv) ids = NULL;
  gboolean valid;

  if (ext->type != MKY_GEN_SDP_IDS) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_INVALID_ARGUMENT,
        "General Extension type %u is not SDP IDs", ext->type);
    return NULL;
  }
  list = g_strndup ((const char *) ext->data.data, ext->data.len);
  /* prtcl-list = KMPID *(";" KMPID); strlen finds a NUL byte */
  valid = ext->data.len > 0 && strlen (list) == ext->data.len;
  if (valid)
    ids = g_strsplit (list, ";", -1);
  for (guint i = 0; valid && ids[i]; i++)
    valid = is_kmpid (ids[i], strlen (ids[i]));
  if (!valid) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_ENCODING,
        "SDP IDs of %zu bytes are not a ';'-separated list of KMPIDs",
        ext->data.len);
    return NULL;
  }
  return g_steal_pointer (&ids);
}
