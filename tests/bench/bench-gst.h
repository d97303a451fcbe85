/* bench-gst.h: what the GStreamer benchmark programs (gst-mikey-bench,
 * gst-mikey-join-bench) share: dying with a message, the text of a bus
 * error, GStreamer started with this build tree's mikey plugin and the
 * elements checked, and the RTP packets they send (packet i of a stream is
 * always the same bytes, so a receiver can check what it got).
 *
 * Header-only (static inline), like bench-table.h. Set bench_prog first.
 */
#ifndef BENCH_GST_H
#define BENCH_GST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gst/gst.h>

/* The program's name, for its messages */
static const char *bench_prog = "bench";

G_GNUC_NORETURN static inline void
bench_die (const char *what, const GError *error)
{
  fprintf (stderr, "%s: %s%s%s\n", bench_prog, what, error ? ": " : "",
      error ? error->message : "");
  exit (1);
}

/* An error message of the bus (taken), for a failure message */
static inline char *
bench_error_text (GstMessage *m)
{
  GError *err = NULL;
  char *s;

  gst_message_parse_error (m, &err, NULL);
  s = g_strdup_printf ("%s: %s", GST_OBJECT_NAME (GST_MESSAGE_SRC (m)),
      err->message);
  g_error_free (err);
  gst_message_unref (m);
  return s;
}

/* The command line (GStreamer's options too): exits with 2 on a bad one */
static inline void
bench_parse_options (int *argc, char ***argv, const char *summary,
    const char *description, const GOptionEntry *entries)
{
  g_autoptr (GOptionContext) octx = g_option_context_new (summary);
  GError *error = NULL;

  g_option_context_set_description (octx, description);
  g_option_context_add_main_entries (octx, entries, NULL);
  g_option_context_add_group (octx, gst_init_get_option_group ());
  if (!g_option_context_parse (octx, argc, argv, &error)) {
    fprintf (stderr, "%s: %s\n", bench_prog, error->message);
    exit (2);
  }
}

/* gst_init, this build tree's mikey plugin (MIKEY_PLUGIN_FILE, wherever the
 * registry looks), and the elements: exit 77 (a skip) without one of the
 * @stock ones (the system's), 1 without mikeyenc or mikeydec (built here).
 * Returns the plugin's file. */
static inline char *
bench_gst_init (const char *const *stock, guint n_stock)
{
  static const char *const ours[] = { "mikeyenc", "mikeydec" };
  GError *error = NULL;
  GstElementFactory *f;
  GstPlugin *plugin;
  char *file;

  gst_init (NULL, NULL);
#ifdef MIKEY_PLUGIN_FILE
  if (g_file_test (MIKEY_PLUGIN_FILE, G_FILE_TEST_EXISTS)) {
    GstPlugin *p = gst_plugin_load_file (MIKEY_PLUGIN_FILE, &error);
    if (p == NULL)
      bench_die ("loading " MIKEY_PLUGIN_FILE, error);
    gst_object_unref (p);
  }
#endif
  for (guint i = 0; i < n_stock; i++) {
    f = gst_element_factory_find (stock[i]);
    if (f == NULL) {
      fprintf (stderr, "%s: no %s element: cannot run\n", bench_prog,
          stock[i]);
      exit (77);
    }
    gst_object_unref (f);
  }
  for (guint i = 0; i < G_N_ELEMENTS (ours); i++) {
    f = gst_element_factory_find (ours[i]);
    if (f == NULL) {
      g_autofree char *what = g_strdup_printf ("no %s element (the mikey "
          "plugin)", ours[i]);
      bench_die (what, NULL);
    }
    gst_object_unref (f);
  }
  f = gst_element_factory_find ("mikeyenc");
  plugin = gst_plugin_feature_get_plugin (GST_PLUGIN_FEATURE (f));
  file = g_strdup (plugin ? gst_plugin_get_filename (plugin) : NULL);
  if (plugin)
    gst_object_unref (plugin);
  gst_object_unref (f);
  return file ? file : g_strdup ("?");
}

static inline char *
bench_gst_version (void)
{
  guint major, minor, micro, nano;

  gst_version (&major, &minor, &micro, &nano);
  return g_strdup_printf ("%u.%u.%u", major, minor, micro);
}

/* ---- RTP packets: PCMA, 12-byte header, 160-byte payload ---- */

#define BENCH_RTP_HDR_LEN 12
#define BENCH_RTP_PAYLOAD_LEN 160
#define BENCH_RTP_LEN (BENCH_RTP_HDR_LEN + BENCH_RTP_PAYLOAD_LEN)
#define BENCH_RTP_PT 8          /* PCMA */
#define BENCH_RTP_TS_STEP 160u
#define BENCH_SRTP_TAG_LEN 10   /* hmac-sha1-80 */

#define BENCH_RTP_CAPS "application/x-rtp, media=(string)audio, " \
  "clock-rate=(int)8000, encoding-name=(string)PCMA, payload=(int)8"
#define BENCH_SRTP_CAPS "application/x-srtp, media=(string)audio, " \
  "clock-rate=(int)8000, encoding-name=(string)PCMA, payload=(int)8"

/* Packet @i of SSRC @ssrc into @p (BENCH_RTP_LEN bytes): sequence number
 * and timestamp advance with @i (the 16-bit sequence number wraps, so
 * SRTP's ROC moves on too), the payload differs per packet, so a packet
 * decrypted with the wrong keystream or out of place shows */
static inline void
bench_rtp_fill (guint8 *p, guint i, guint32 ssrc)
{
  p[0] = 0x80;
  p[1] = BENCH_RTP_PT;
  GST_WRITE_UINT16_BE (p + 2, i & 0xffff);
  GST_WRITE_UINT32_BE (p + 4, i * BENCH_RTP_TS_STEP);
  GST_WRITE_UINT32_BE (p + 8, ssrc);
  for (guint j = 0; j < BENCH_RTP_PAYLOAD_LEN; j++)
    p[BENCH_RTP_HDR_LEN + j] = (guint8) (i * 7 + j);
}

/* Whether @buf is some packet bench_rtp_fill made for @ssrc, as made (its
 * number from the timestamp: packets below 2^32 / 160) */
static inline gboolean
bench_rtp_check (GstBuffer *buf, guint32 ssrc)
{
  guint8 want[BENCH_RTP_LEN];
  GstMapInfo map;
  gboolean ok = FALSE;

  if (!gst_buffer_map (buf, &map, GST_MAP_READ))
    return FALSE;
  if (map.size == BENCH_RTP_LEN) {
    bench_rtp_fill (want, GST_READ_UINT32_BE (map.data + 4) /
        BENCH_RTP_TS_STEP, ssrc);
    ok = memcmp (map.data, want, BENCH_RTP_LEN) == 0;
  }
  gst_buffer_unmap (buf, &map);
  return ok;
}

#endif /* BENCH_GST_H */
