/* gst-mikey-1.0: inspect, create and exchange MIKEY messages
 * What the subcommands share.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>
#include <mky/mky.h>

G_BEGIN_DECLS

/* the subcommands: argv[0] is the subcommand's name */
int tool_decode (int argc, char **argv);
int tool_caps (int argc, char **argv);
int tool_derive (int argc, char **argv);
int tool_create (int argc, char **argv);
int tool_listen (int argc, char **argv);
int tool_send (int argc, char **argv);

/* Parse the options of a subcommand, @groups being extra GOptionGroups
 * (NULL-terminated, taken), and require exactly @n_args positional
 * arguments, named @args in the help. */
gboolean tool_parse_options (int *argc, char ***argv, const char *args,
    guint n_args, const char *summary, const GOptionEntry *entries,
    GOptionGroup **groups, GError **error);

/* Print "gst-mikey-1.0 CMD: message" on stderr; returns EXIT_FAILURE */
int tool_fail (GError *error);
/* Set a G_OPTION_ERROR for options that do not go together; returns FALSE */
gboolean tool_usage_error (GError **error, const char *format, ...)
    G_GNUC_PRINTF (2, 3);

/* The value of @option: hex bytes, "0x" prefix and ':' separators allowed;
 * NULL @text (option not given) gives a NULL @out. */
gboolean tool_parse_hex (const char *option, const char *text, GBytes **out,
    GError **error);
/* An integer, decimal or 0x hex (always hex with @hex), at most @max;
 * NULL @text leaves @out. */
gboolean tool_parse_uint (const char *option, const char *text, gboolean hex,
    guint64 max, guint64 *out, GError **error);

typedef struct {
  const char *nick;
  guint value;
} ToolChoice;

/* One of @choices (ending with a NULL nick); NULL @text leaves @out. */
gboolean tool_parse_choice (const char *option, const char *text,
    const ToolChoice *choices, guint *out, GError **error);

extern const ToolChoice tool_prf_choices[];

/* The wire form of a MIKEY message given as @arg: "-" (stdin) or a file,
 * holding the binary message or text; or the text itself. Text is an RTSP
 * KeyMgmt header, an SDP (a=key-mgmt, of media @media, or -1: the session
 * level; below -1: the first media or, without media, the session),
 * one key-mgmt attribute, hex or base64. */
GBytes *tool_load_message (const char *arg, int media, GError **error);

/* The srtpdec caps of every crypto session of @csb, one string each */
GStrv tool_csb_caps (const MkyCsb *csb, GError **error);
/* ... printed on stdout, one line each */
gboolean tool_print_caps (const MkyCsb *csb, GError **error);

G_END_DECLS
