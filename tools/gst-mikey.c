/* gst-mikey-1.0: inspect, create and exchange MIKEY messages
 * The subcommand dispatch and the helpers the subcommands share.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gst-mikey.h"

#define PROGRAM "gst-mikey-" MKY_API_VERSION

typedef struct {
  const char *name;
  int (*run) (int argc, char **argv);
  const char *summary;
} Command;

static const Command commands[] = {
  { "decode", tool_decode, "Print a MIKEY message; with a PSK, its keys" },
  { "caps", tool_caps, "Print the srtpdec caps a PSK or MIKEY-NULL message "
        "gives" },
  { "derive", tool_derive, "Run the MIKEY PRF (RFC 3830 §4.1.2, §4.1.3)" },
  { "create", tool_create, "Build a PSK or MIKEY-NULL I_MESSAGE (base64)" },
  { "listen", tool_listen, "Answer PSK I_MESSAGEs on UDP (Responder)" },
  { "send", tool_send, "Send a PSK I_MESSAGE over UDP (Initiator)" },
};

const ToolChoice tool_prf_choices[] = {
  { "mikey-1", MKY_PRF_MIKEY_1 },
  { "hmac-sha-256", MKY_PRF_HMAC_SHA_256 },
  { NULL, 0 },
};

int
tool_fail (GError *error)
{
  g_printerr ("%s: %s\n", g_get_prgname (), error->message);
  g_error_free (error);
  return EXIT_FAILURE;
}

gboolean
tool_usage_error (GError **error, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (G_OPTION_ERROR,
          G_OPTION_ERROR_FAILED, format, args));
  va_end (args);
  return FALSE;
}

gboolean
tool_parse_options (int *argc, char ***argv, const char *args, guint n_args,
    const char *summary, const GOptionEntry *entries, GOptionGroup **groups,
    GError **error)
{
  g_autoptr (GOptionContext) ctx = g_option_context_new (args);

  g_option_context_set_summary (ctx, summary);
  g_option_context_add_main_entries (ctx, entries, NULL);
  for (; groups && *groups; groups++)
    g_option_context_add_group (ctx, *groups);
  if (!g_option_context_parse (ctx, argc, argv, error))
    return FALSE;
  if ((guint) *argc - 1 != n_args)
    return tool_usage_error (error, "%s expected (see --help)",
        n_args ? args : "no argument");
  return TRUE;
}

/* Hex digits in pairs, after an optional "0x", with ':' and white space
 * between them ignored; NULL if anything else is there. */
static GBytes *
hex_decode (const char *text)
{
  g_autoptr (GByteArray) out = g_byte_array_new ();
  int hi = -1;

  if (g_str_has_prefix (text, "0x") || g_str_has_prefix (text, "0X"))
    text += 2;
  for (; *text; text++) {
    int v = g_ascii_xdigit_value (*text);
    if (v < 0) {
      if (*text == ':' || g_ascii_isspace (*text))
        continue;
      return NULL;
    }
    if (hi < 0) {
      hi = v;
    } else {
      guint8 b = hi << 4 | v;
      g_byte_array_append (out, &b, 1);
      hi = -1;
    }
  }
  if (hi >= 0)
    return NULL;
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

gboolean
tool_parse_hex (const char *option, const char *text, GBytes **out,
    GError **error)
{
  *out = NULL;
  if (text == NULL)
    return TRUE;
  *out = hex_decode (text);
  if (*out && g_bytes_get_size (*out) > 0)
    return TRUE;
  g_clear_pointer (out, g_bytes_unref);
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
      "%s: '%s' is not hex bytes", option, text);
  return FALSE;
}

gboolean
tool_parse_uint (const char *option, const char *text, gboolean hex,
    guint64 max, guint64 *out, GError **error)
{
  g_autoptr (GError) err = NULL;

  if (text == NULL)
    return TRUE;
  if (g_str_has_prefix (text, "0x") || g_str_has_prefix (text, "0X")) {
    text += 2;
    hex = TRUE;
  }
  if (g_ascii_string_to_unsigned (text, hex ? 16 : 10, 0, max, out, &err))
    return TRUE;
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "%s: %s",
      option, err->message);
  return FALSE;
}

gboolean
tool_parse_choice (const char *option, const char *text,
    const ToolChoice *choices, guint *out, GError **error)
{
  g_autoptr (GString) known = g_string_new (NULL);

  if (text == NULL)
    return TRUE;
  for (const ToolChoice *c = choices; c->nick; c++) {
    if (g_ascii_strcasecmp (text, c->nick) == 0) {
      *out = c->value;
      return TRUE;
    }
    g_string_append_printf (known, "%s%s", known->len ? ", " : "", c->nick);
  }
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
      "%s: '%s' is not one of %s", option, text, known->str);
  return FALSE;
}

/* ---- loading a message ---- */

static GBytes *
read_stdin (GError **error)
{
  g_autoptr (GByteArray) buf = g_byte_array_new ();
  guint8 chunk[4096];
  size_t n;

  while ((n = fread (chunk, 1, sizeof chunk, stdin)) > 0)
    g_byte_array_append (buf, chunk, n);
  if (ferror (stdin)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "reading stdin failed");
    return NULL;
  }
  return g_byte_array_free_to_bytes (g_steal_pointer (&buf));
}

/* The line of @text that starts with @prefix (any case), or NULL */
static char *
find_line (const char *text, const char *prefix)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  for (char **l = lines; *l; l++) {
    char *line = g_strstrip (*l);
    if (g_ascii_strncasecmp (line, prefix, strlen (prefix)) == 0)
      return g_strdup (line);
  }
  return NULL;
}

static GBytes *
message_from_text (const char *text, int media, GError **error)
{
  g_autofree char *header = find_line (text, "KeyMgmt:");
  g_autofree char *compact = NULL;
  g_autofree char *value = NULL;
  GBytes *msg;
  gsize n = 0;

  if (header || g_str_has_prefix (text, "prot="))
    return mky_rtsp_key_mgmt_parse (header ? header : text, NULL, error);
  if (strstr (text, "a=key-mgmt:")) {
    if (media < -1) {
      g_autofree char *first_media = find_line (text, "m=");
      media = first_media ? 0 : -1;
    }
    return mky_sdp_find_key_mgmt (text, media, error);
  }
  if (g_str_has_prefix (text, "key-mgmt:") || g_str_has_prefix (text, "mikey "))
    return mky_sdp_key_mgmt_parse (text, error);

  if ((msg = hex_decode (text)))
    return msg;
  compact = g_strdup (text);
  for (const char *p = text; *p; p++)
    if (!g_ascii_isspace (*p))
      compact[n++] = *p;
  compact[n] = '\0';
  /* the library's strict base64 reader is that of the keymgmt-data */
  value = g_strconcat ("mikey ", compact, NULL);
  msg = mky_sdp_key_mgmt_parse (value, error);
  if (msg == NULL)
    g_prefix_error (error, "not hex, base64, an SDP or a KeyMgmt header: ");
  return msg;
}

GBytes *
tool_load_message (const char *arg, int media, GError **error)
{
  g_autoptr (GBytes) content = NULL;
  g_autofree char *text = NULL;
  gboolean is_text = FALSE;
  const guint8 *data;
  GBytes *msg;
  gsize len;

  if (strcmp (arg, "-") == 0) {
    content = read_stdin (error);
  } else if (g_file_test (arg, G_FILE_TEST_IS_REGULAR)) {
    char *contents;
    if (g_file_get_contents (arg, &contents, &len, error))
      content = g_bytes_new_take (contents, len);
  } else {
    content = g_bytes_new (arg, strlen (arg));
    is_text = TRUE;
  }
  if (content == NULL)
    return NULL;

  data = g_bytes_get_data (content, &len);
  /* a binary message starts with version 1, which no text does */
  if (len > 0 && data[0] == MKY_VERSION_1)
    return g_steal_pointer (&content);
  if (memchr (data, '\0', len)) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_VERSION,
        "binary data that is not a MIKEY version 1 message");
    return NULL;
  }
  text = g_strstrip (g_strndup ((const char *) data, len));
  if (*text == '\0') {
    g_set_error (error, MKY_ERROR, MKY_ERROR_TRUNCATED, "no message given");
    return NULL;
  }
  msg = message_from_text (text, media, error);
  if (msg == NULL && is_text)
    g_prefix_error (error, "not a file, and ");
  return msg;
}

/* ---- SRTP keying ---- */

GStrv
tool_csb_caps (const MkyCsb *csb, GError **error)
{
  g_autoptr (GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < mky_csb_n_sessions (csb); i++) {
    MkySrtpKeying k;
    char *caps = NULL;
    if (mky_csb_get_srtp (csb, i, MKY_SP_COMPAT_ACCEPT_GSTREAMER, &k, error))
      caps = mky_srtp_keying_caps_string (&k, error);
    mky_srtp_keying_clear (&k);
    if (caps == NULL) {
      g_prefix_error (error, "crypto session %u: ", i + 1);
      return NULL;
    }
    g_ptr_array_add (lines, caps);
  }
  g_ptr_array_add (lines, NULL);
  return (GStrv) g_ptr_array_free (g_steal_pointer (&lines), FALSE);
}

gboolean
tool_print_caps (const MkyCsb *csb, GError **error)
{
  g_auto (GStrv) lines = tool_csb_caps (csb, error);

  if (lines == NULL)
    return FALSE;
  for (char **l = lines; *l; l++)
    g_print ("%s\n", *l);
  /* a listener's lines must reach a pipe as they happen */
  fflush (stdout);
  return TRUE;
}

/* ---- dispatch ---- */

static void
usage (FILE *out)
{
  fprintf (out, "Usage: %s COMMAND [OPTION...] [ARGUMENT...]\n\n"
      "Inspect, create and exchange MIKEY (RFC 3830) messages.\n\n"
      "Commands:\n", PROGRAM);
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-8s %s\n", commands[i].name, commands[i].summary);
  fprintf (out, "\n'%s COMMAND --help' describes the options of COMMAND.\n",
      PROGRAM);
}

int
main (int argc, char **argv)
{
  const char *name = argc > 1 ? argv[1] : NULL;

  setlocale (LC_ALL, "");
  g_set_prgname (PROGRAM);
  if (name == NULL) {
    usage (stderr);
    return EXIT_FAILURE;
  }
  if (strcmp (name, "--help") == 0 || strcmp (name, "-h") == 0
      || strcmp (name, "help") == 0) {
    usage (stdout);
    return EXIT_SUCCESS;
  }
  if (strcmp (name, "--version") == 0) {
    printf ("%s %s\n", PROGRAM, VERSION);
    return EXIT_SUCCESS;
  }
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++) {
    if (strcmp (name, commands[i].name) == 0) {
      g_autofree char *prgname = g_strdup_printf ("%s %s", PROGRAM, name);
      g_set_prgname (prgname);
      return commands[i].run (argc - 1, argv + 1);
    }
  }
  g_printerr ("%s: unknown command '%s'\n\n", PROGRAM, name);
  usage (stderr);
  return EXIT_FAILURE;
}
