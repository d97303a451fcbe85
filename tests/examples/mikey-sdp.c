/* mikey-sdp: SRTP keyed by MIKEY, the message carried in SDP (RFC 4567)
 *
 * The signalling path of RFC 4567 with the mikey plugin, in a form to copy:
 *
 *   sender:   audiotestsrc ! ... ! rtppcmapay ! srtpenc ! mikeyenc ! udpsink
 *             mikeyenc's "get-message" gives the MIKEY I_MESSAGE, which goes
 *             into an SDP made with GstSDPMessage as "a=key-mgmt:mikey B64"
 *   receiver: the SDP is parsed with GstSDPMessage; its m= line gives the
 *             port and the caps, its key-mgmt attribute the message, which
 *             mikeydec takes through "push-message":
 *             udpsrc ! mikeydec ! srtpdec ! rtppcmadepay ! alawdec ! fakesink
 *
 * The SDP is declarative (as in SAP or an RTSP DESCRIBE): c= and m= say
 * where the media is sent, and the receiver sends nothing back: mikeyenc
 * asks for no verification message, so the PSK exchange is the I_MESSAGE
 * alone (RFC 3830 §3.1). Both ends share that pre-shared key; the SRTP
 * master key travels in the SDP encrypted and authenticated under it.
 *
 *   mikey-sdp --offer [--psk HEX] [--host ADDR] [--port N] [--sdp-out FILE]
 *   mikey-sdp --answer FILE --psk HEX [--count K]
 *   mikey-sdp --loopback [--psk HEX] [--receiver-psk HEX] [--count K]
 *
 * --loopback runs both ends in one process on a free 127.0.0.1 port. The
 * receiving modes exit 0 only if K buffers (default 50) were decoded within
 * --timeout seconds (default 10), 77 if a GStreamer plugin is missing.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/gst.h>
#include <gst/sdp/sdp.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <gnutls/crypto.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* the "skipped" status of meson and automake: a GStreamer plugin we need
 * (srtp from -bad, alaw, rtp from -good) is not installed */
#define EXIT_SKIP 77

static gboolean opt_offer, opt_loopback;
static gchar *opt_answer, *opt_psk, *opt_receiver_psk, *opt_sdp_out;
static gchar *opt_host;
static gint opt_port = 5004, opt_count = 50, opt_timeout = 10;

static GOptionEntry entries[] = {
  {"offer", 0, 0, G_OPTION_ARG_NONE, &opt_offer,
      "Send, after printing the SDP offer", NULL},
  {"answer", 0, 0, G_OPTION_ARG_FILENAME, &opt_answer,
      "Receive the stream described by the SDP in FILE", "FILE"},
  {"loopback", 0, 0, G_OPTION_ARG_NONE, &opt_loopback,
      "Both ends in this process, over 127.0.0.1", NULL},
  {"psk", 0, 0, G_OPTION_ARG_STRING, &opt_psk,
      "MIKEY pre-shared key (default: a random one)", "HEX"},
  {"receiver-psk", 0, 0, G_OPTION_ARG_STRING, &opt_receiver_psk,
      "With --loopback: another PSK for the receiver", "HEX"},
  {"host", 0, 0, G_OPTION_ARG_STRING, &opt_host,
      "With --offer: where to send (default 127.0.0.1)", "ADDR"},
  {"port", 0, 0, G_OPTION_ARG_INT, &opt_port,
      "With --offer: the UDP port to send to (default 5004)", "N"},
  {"sdp-out", 0, 0, G_OPTION_ARG_FILENAME, &opt_sdp_out,
      "With --offer: write the SDP to FILE, not to standard output", "FILE"},
  {"count", 0, 0, G_OPTION_ARG_INT, &opt_count,
      "Buffers the receiver must decode (default 50)", "K"},
  {"timeout", 0, 0, G_OPTION_ARG_INT, &opt_timeout,
      "Seconds until the receiver gives up or the sender stops "
        "(default 10; 0: never)", "S"},
  {NULL}
};

typedef struct
{
  GMainLoop *loop;
  gint decoded;                 /* atomic: the fakesink's thread counts */
  gint keys;                    /* atomic: SSRCs mikeydec keyed */
  guint auth_failures;
  gboolean error;
  gboolean timed_out;
} App;

/* Pipelines */

/* A pipeline from a description, with no half-made pipeline when an
 * element is missing */
static GstElement *
launch (const gchar *description, GError **error)
{
  return gst_parse_launch_full (description, NULL,
      GST_PARSE_FLAG_FATAL_ERRORS, error);
}

static GstElement *
sender_new (GstBuffer *psk, const gchar *host, guint port, GError **error)
{
  /* 20 ms of 8 kHz mono per buffer: the PCMA/8000 the SDP announces. No key
   * on srtpenc: mikeyenc draws one (GnuTLS) and sets it there when the
   * pipeline goes to READY. */
  GstElement *pipeline = launch ("audiotestsrc is-live=true "
      "samplesperbuffer=160 ! audio/x-raw,rate=8000,channels=1 "
      "! audioconvert ! alawenc ! rtppcmapay pt=8 ! srtpenc "
      "! mikeyenc name=mikeyenc mode=psk ! udpsink name=udpsink", error);
  GstElement *e;

  if (pipeline == NULL)
    return NULL;
  e = gst_bin_get_by_name (GST_BIN (pipeline), "mikeyenc");
  g_object_set (e, "psk", psk, NULL);
  gst_object_unref (e);
  e = gst_bin_get_by_name (GST_BIN (pipeline), "udpsink");
  g_object_set (e, "host", host, "port", (gint) port, NULL);
  gst_object_unref (e);
  return pipeline;
}

/* The SDP of what @sender sends to @host:@port. Call in READY or later:
 * mikeyenc has no key before. */
static gchar *
offer_new (GstElement *sender, const gchar *host, guint port)
{
  GstElement *mikeyenc = gst_bin_get_by_name (GST_BIN (sender), "mikeyenc");
  const gchar *addrtype = strchr (host, ':') ? "IP6" : "IP4";
  GstBuffer *mikey = NULL;
  GstSDPMessage *sdp;
  GstSDPMedia *media;
  GstMapInfo map;
  gchar *b64, *value, *sess_id, *text;

  /* An I_MESSAGE for srtpenc's key. Before the first packet no SSRC is
   * known: the message has no CS map, and the receiver binds the key to
   * the first SSRC it sees (RFC 3830 §6.1.1). */
  g_signal_emit_by_name (mikeyenc, "get-message", &mikey);
  gst_object_unref (mikeyenc);
  if (mikey == NULL)
    return NULL;
  gst_buffer_map (mikey, &map, GST_MAP_READ);
  b64 = g_base64_encode (map.data, map.size);
  gst_buffer_unmap (mikey, &map);
  gst_buffer_unref (mikey);

  gst_sdp_message_new (&sdp);
  gst_sdp_message_set_version (sdp, "0");
  sess_id = g_strdup_printf ("%" G_GINT64_FORMAT,
      g_get_real_time () / G_USEC_PER_SEC);
  gst_sdp_message_set_origin (sdp, "-", sess_id, "1", "IN", addrtype, host);
  g_free (sess_id);
  gst_sdp_message_set_session_name (sdp, "mikey-sdp example");
  gst_sdp_message_set_connection (sdp, "IN", addrtype, host, 0, 0);
  gst_sdp_message_add_time (sdp, "0", "0", NULL);

  gst_sdp_media_new (&media);
  gst_sdp_media_set_media (media, "audio");
  gst_sdp_media_set_port_info (media, port, 1);
  /* SAVP: the RTP/AVP profile over SRTP (RFC 3711) */
  gst_sdp_media_set_proto (media, "RTP/SAVP");
  gst_sdp_media_add_format (media, "8");
  gst_sdp_media_add_attribute (media, "rtpmap", "8 PCMA/8000");
  /* RFC 4567 §3.1: "key-mgmt:" prtcl-id SP keymgmt-data, at the session
   * or the media level; here at the media level, where the key belongs */
  value = g_strconcat ("mikey ", b64, NULL);
  gst_sdp_media_add_attribute (media, "key-mgmt", value);
  g_free (value);
  g_free (b64);
  gst_sdp_message_add_media (sdp, media);       /* copies */
  gst_sdp_media_free (media);

  text = gst_sdp_message_as_text (sdp);
  gst_sdp_message_free (sdp);
  return text;
}

/* The MIKEY message key-mgmt carries for @media: RFC 4567 §3.1 lets one
 * attribute per key management protocol be offered, and a media-level
 * attribute overrides the session level. */
static const gchar *
find_mikey (const GstSDPMessage *sdp, const GstSDPMedia *media)
{
  const gchar *v;

  for (guint i = 0; (v = gst_sdp_media_get_attribute_val_n (media,
              "key-mgmt", i)); i++)
    if (g_str_has_prefix (v, "mikey "))
      return v + strlen ("mikey ");
  for (guint i = 0; (v = gst_sdp_message_get_attribute_val_n (sdp,
              "key-mgmt", i)); i++)
    if (g_str_has_prefix (v, "mikey "))
      return v + strlen ("mikey ");
  return NULL;
}

/* What the receiver takes from the SDP: port, address, caps, MIKEY */
static gboolean
parse_offer (const gchar *text, guint *port, gchar **address,
    GstCaps **caps, GstBuffer **mikey, GError **error)
{
  GstSDPMessage *sdp;
  const GstSDPMedia *media = NULL;
  const GstSDPConnection *conn;
  const gchar *b64, *enc;
  GstStructure *s;
  guchar *data;
  gsize len = 0;
  gboolean ok = FALSE;

  gst_sdp_message_new (&sdp);
  if (gst_sdp_message_parse_buffer ((const guint8 *) text, strlen (text),
          sdp) != GST_SDP_OK) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "not SDP");
    goto out;
  }
  for (guint i = 0; i < gst_sdp_message_medias_len (sdp) && !media; i++) {
    const GstSDPMedia *m = gst_sdp_message_get_media (sdp, i);
    if (g_strcmp0 (gst_sdp_media_get_media (m), "audio") == 0
        && g_strcmp0 (gst_sdp_media_get_proto (m), "RTP/SAVP") == 0
        && gst_sdp_media_formats_len (m) > 0)
      media = m;
  }
  if (media == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
        "no m=audio ... RTP/SAVP line");
    goto out;
  }
  b64 = find_mikey (sdp, media);
  if (b64 == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
        "no a=key-mgmt:mikey attribute for the audio stream");
    goto out;
  }
  /* g_base64_decode skips junk; mikeydec authenticates what comes out */
  data = g_base64_decode (b64, &len);
  if (len == 0) {
    g_free (data);
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
        "an empty a=key-mgmt:mikey attribute");
    goto out;
  }
  *mikey = gst_buffer_new_wrapped (data, len);

  /* the first format; the caps from its rtpmap, renamed to SRTP as rtspsrc
   * does. Not gst_sdp_media_attributes_to_caps(): it would parse the
   * key-mgmt attribute itself with GstMIKEYMessage, which cannot decrypt
   * a PSK message (and hangs on some payloads before 1.24.13). */
  *caps = gst_sdp_media_get_caps_from_media (media,
      atoi (gst_sdp_media_get_format (media, 0)));
  s = *caps ? gst_caps_get_structure (*caps, 0) : NULL;
  enc = s ? gst_structure_get_string (s, "encoding-name") : NULL;
  if (enc == NULL || g_ascii_strcasecmp (enc, "PCMA") != 0) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
        "this example decodes only PCMA, not %s", enc ? enc : "(none)");
    gst_clear_caps (caps);
    gst_clear_buffer (mikey);
    goto out;
  }
  gst_structure_set_name (s, "application/x-srtp");

  *port = gst_sdp_media_get_port (media);
  /* a media-level c= overrides the session's */
  conn = gst_sdp_media_connections_len (media) > 0 ?
      gst_sdp_media_get_connection (media, 0) :
      gst_sdp_message_get_connection (sdp);
  *address = g_strdup (conn && conn->address ? conn->address : "0.0.0.0");
  ok = TRUE;

out:
  gst_sdp_message_free (sdp);
  return ok;
}

static void
on_key_received (GstElement *mikeydec, guint ssrc, App *app)
{
  /* may run on the streaming thread (an SSRC-0 key bound to the first
   * SSRC seen) */
  g_atomic_int_inc (&app->keys);
  g_printerr ("receiver: MIKEY keys for SSRC %u\n", ssrc);
}

static void
on_handoff (GstElement *sink, GstBuffer *buf, GstPad *pad, App *app)
{
  /* the streaming thread: tell the main loop through the bus */
  if (g_atomic_int_add (&app->decoded, 1) + 1 == opt_count)
    gst_element_post_message (sink,
        gst_message_new_application (GST_OBJECT (sink),
            gst_structure_new_empty ("decoded-enough")));
}

/* The receiver of the stream @sdp describes. With @socket (loopback) udpsrc
 * uses it instead of binding the SDP's address and port. Returns the
 * pipeline, still in NULL, with the key of the SDP given to mikeydec. */
static GstElement *
receiver_new (const gchar *sdp, GstBuffer *psk, GSocket *socket, App *app,
    GError **error)
{
  GstElement *pipeline, *udpsrc, *mikeydec, *sink;
  GstBuffer *mikey = NULL;
  GstCaps *caps = NULL;
  gchar *address = NULL;
  guint port = 0;
  gboolean accepted = FALSE;

  if (!parse_offer (sdp, &port, &address, &caps, &mikey, error))
    return NULL;
  pipeline = launch ("udpsrc name=udpsrc ! mikeydec name=mikeydec "
      "! srtpdec ! rtppcmadepay ! alawdec "
      "! fakesink name=sink signal-handoffs=true", error);
  if (pipeline == NULL)
    goto out;

  udpsrc = gst_bin_get_by_name (GST_BIN (pipeline), "udpsrc");
  g_object_set (udpsrc, "caps", caps, NULL);
  if (socket)
    g_object_set (udpsrc, "socket", socket, NULL);
  else
    g_object_set (udpsrc, "address", address, "port", (gint) port, NULL);
  gst_object_unref (udpsrc);

  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  g_signal_connect (sink, "handoff", G_CALLBACK (on_handoff), app);
  gst_object_unref (sink);

  mikeydec = gst_bin_get_by_name (GST_BIN (pipeline), "mikeydec");
  g_object_set (mikeydec, "psk", psk, NULL);
  g_signal_connect (mikeydec, "on-key-received",
      G_CALLBACK (on_key_received), app);
  /* before PLAYING, so that the first packets find their key (mikeydec
   * keeps keys across state changes); a refusal also comes on the bus, as
   * a warning */
  g_signal_emit_by_name (mikeydec, "push-message", mikey, &accepted);
  gst_object_unref (mikeydec);
  if (!accepted)
    g_printerr ("receiver: mikeydec refused the MIKEY message of the SDP\n");

out:
  g_free (address);
  gst_clear_caps (&caps);
  gst_clear_buffer (&mikey);
  return pipeline;
}

/* Running */

static gboolean
on_bus_message (GstBus *bus, GstMessage *msg, App *app)
{
  GError *err = NULL;
  gchar *debug = NULL;

  switch (GST_MESSAGE_TYPE (msg)) {
    case GST_MESSAGE_ERROR:
      gst_message_parse_error (msg, &err, &debug);
      g_printerr ("error from %s: %s (%s)\n", GST_OBJECT_NAME (msg->src),
          err->message, debug ? debug : "");
      app->error = TRUE;
      g_main_loop_quit (app->loop);
      break;
    case GST_MESSAGE_WARNING:
      gst_message_parse_warning (msg, &err, &debug);
      g_printerr ("warning from %s: %s (%s)\n", GST_OBJECT_NAME (msg->src),
          err->message, debug ? debug : "");
      /* how mikeydec reports a message whose MAC does not verify: the
       * receiver's PSK is not the sender's */
      if (g_error_matches (err, GST_RESOURCE_ERROR,
              GST_RESOURCE_ERROR_NOT_AUTHORIZED))
        app->auth_failures++;
      break;
    case GST_MESSAGE_APPLICATION:
    case GST_MESSAGE_EOS:
      g_main_loop_quit (app->loop);
      break;
    default:
      break;
  }
  g_clear_error (&err);
  g_free (debug);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_timeout (gpointer user_data)
{
  App *app = user_data;

  app->timed_out = TRUE;
  g_main_loop_quit (app->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
on_sigint (gpointer user_data)
{
  g_main_loop_quit (((App *) user_data)->loop);
  return G_SOURCE_CONTINUE;
}

/* Play @pipelines (NULL-terminated, receiver first) until one of them
 * ends, the receiver has decoded enough, the timeout or Ctrl-C */
static void
run (App *app, GstElement **pipelines)
{
  guint timeout_id = 0, sigint_id;

  for (GstElement **p = pipelines; *p; p++)
    gst_bus_add_watch (GST_ELEMENT_BUS (*p), (GstBusFunc) on_bus_message,
        app);
  for (GstElement **p = pipelines; *p; p++)
    if (gst_element_set_state (*p,
            GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
      app->error = TRUE;
  if (opt_timeout > 0)
    timeout_id = g_timeout_add (opt_timeout * 1000, on_timeout, app);
  sigint_id = g_unix_signal_add (SIGINT, on_sigint, app);
  /* a failed state change posted an error: the loop ends at once */
  g_main_loop_run (app->loop);
  g_source_remove (sigint_id);
  if (timeout_id && !app->timed_out)
    g_source_remove (timeout_id);
  for (GstElement **p = pipelines; *p; p++) {
    gst_element_set_state (*p, GST_STATE_NULL);
    gst_bus_remove_watch (GST_ELEMENT_BUS (*p));
  }
}

/* Print what the receiver got; TRUE when it decoded enough */
static gboolean
summary (App *app, GstElement *receiver)
{
  GstElement *mikeydec = gst_bin_get_by_name (GST_BIN (receiver),
      "mikeydec");
  GstStructure *stats = NULL;
  guint64 accepted = 0, refused = 0, dropped = 0;
  gint decoded = g_atomic_int_get (&app->decoded);
  gboolean ok = decoded >= opt_count && !app->error;

  g_object_get (mikeydec, "stats", &stats, NULL);
  gst_object_unref (mikeydec);
  gst_structure_get_uint64 (stats, "messages-accepted", &accepted);
  gst_structure_get_uint64 (stats, "messages-refused", &refused);
  gst_structure_get_uint64 (stats, "packets-dropped", &dropped);
  gst_structure_free (stats);

  g_print ("receiver: %d of %d buffers decoded, %d SSRC keyed; MIKEY "
      "messages accepted %" G_GUINT64_FORMAT ", refused %" G_GUINT64_FORMAT
      " (authentication failures %u); packets dropped without a key %"
      G_GUINT64_FORMAT "\n", decoded, opt_count,
      g_atomic_int_get (&app->keys), accepted, refused, app->auth_failures,
      dropped);
  if (ok)
    g_print ("OK\n");
  else if (app->timed_out)
    g_print ("FAILED: timed out after %d s\n", opt_timeout);
  else
    g_print ("FAILED\n");
  return ok;
}

/* Modes */

static GstBuffer *
psk_from_hex (const gchar *hex)
{
  gsize n = strlen (hex) / 2;
  guint8 *data;

  if (n == 0 || strlen (hex) % 2)
    return NULL;
  data = g_malloc (n);
  for (gsize i = 0; i < n; i++) {
    gint hi = g_ascii_xdigit_value (hex[2 * i]);
    gint lo = g_ascii_xdigit_value (hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      g_free (data);
      return NULL;
    }
    data[i] = hi << 4 | lo;
  }
  return gst_buffer_new_wrapped (data, n);
}

/* A new PSK from GnuTLS's key generator (never GLib's random) */
static GstBuffer *
psk_random (gchar **hex_out)
{
  guint8 data[32];
  GString *hex = g_string_new (NULL);

  if (gnutls_rnd (GNUTLS_RND_KEY, data, sizeof data) < 0)
    g_error ("gnutls_rnd failed");
  for (gsize i = 0; i < sizeof data; i++)
    g_string_append_printf (hex, "%02x", data[i]);
  *hex_out = g_string_free (hex, FALSE);
  return gst_buffer_new_memdup (data, sizeof data);
}

static gint
run_offer (App *app, GstBuffer *psk, GError **error)
{
  const gchar *host = opt_host ? opt_host : "127.0.0.1";
  GstElement *sender = sender_new (psk, host, opt_port, error);
  GstElement *pipelines[] = { sender, NULL };
  gchar *sdp = NULL;

  if (sender == NULL)
    return EXIT_FAILURE;
  if (gst_element_set_state (sender, GST_STATE_READY) ==
      GST_STATE_CHANGE_FAILURE || !(sdp = offer_new (sender, host,
              opt_port))) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_STATE_CHANGE,
        "the sender does not start");
    gst_element_set_state (sender, GST_STATE_NULL);
    gst_object_unref (sender);
    return EXIT_FAILURE;
  }
  if (opt_sdp_out) {
    if (!g_file_set_contents (opt_sdp_out, sdp, -1, error)) {
      gst_element_set_state (sender, GST_STATE_NULL);
      gst_object_unref (sender);
      g_free (sdp);
      return EXIT_FAILURE;
    }
  } else {
    g_print ("%s", sdp);
    /* a script may read it while we send */
    fflush (stdout);
  }
  g_free (sdp);
  g_printerr ("sender: sending SRTP to %s:%d\n", host, opt_port);
  run (app, pipelines);
  gst_object_unref (sender);
  return app->error ? EXIT_FAILURE : EXIT_SUCCESS;
}

static gint
run_answer (App *app, GstBuffer *psk, GError **error)
{
  GstElement *receiver, *pipelines[2] = { NULL };
  gchar *sdp;
  gboolean ok;

  if (!g_file_get_contents (opt_answer, &sdp, NULL, error))
    return EXIT_FAILURE;
  receiver = receiver_new (sdp, psk, NULL, app, error);
  g_free (sdp);
  if (receiver == NULL)
    return EXIT_FAILURE;
  pipelines[0] = receiver;
  run (app, pipelines);
  ok = summary (app, receiver);
  gst_object_unref (receiver);
  return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}

static gint
run_loopback (App *app, GstBuffer *psk, GstBuffer *receiver_psk,
    GError **error)
{
  GstElement *sender, *receiver = NULL, *pipelines[3] = { NULL };
  GInetAddress *lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  GSocketAddress *any = g_inet_socket_address_new (lo, 0), *bound = NULL;
  GSocket *socket;
  gchar *sdp = NULL;
  guint port;
  gboolean ok = FALSE;

  /* a free port, held from now on: the receiver's udpsrc takes the socket */
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
      G_SOCKET_PROTOCOL_UDP, error);
  if (socket == NULL || !g_socket_bind (socket, any, FALSE, error)
      || !(bound = g_socket_get_local_address (socket, error)))
    goto out;
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));

  sender = sender_new (psk, "127.0.0.1", port, error);
  if (sender == NULL)
    goto out;
  pipelines[1] = sender;
  if (gst_element_set_state (sender, GST_STATE_READY) ==
      GST_STATE_CHANGE_FAILURE || !(sdp = offer_new (sender, "127.0.0.1",
              port))) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_STATE_CHANGE,
        "the sender does not start");
    goto out;
  }
  g_print ("%s", sdp);

  receiver = receiver_new (sdp, receiver_psk, socket, app, error);
  if (receiver == NULL)
    goto out;
  pipelines[0] = receiver;
  run (app, pipelines);
  ok = summary (app, receiver);

out:
  for (guint i = 0; i < 2; i++)
    if (pipelines[i]) {
      gst_element_set_state (pipelines[i], GST_STATE_NULL);
      gst_object_unref (pipelines[i]);
    }
  g_free (sdp);
  g_clear_object (&bound);
  g_clear_object (&socket);
  g_object_unref (any);
  g_object_unref (lo);
  return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}

int
main (int argc, char **argv)
{
  GOptionContext *ctx = g_option_context_new ("- SRTP keyed by MIKEY in SDP "
      "(RFC 4567)");
  GError *error = NULL;
  GstBuffer *psk = NULL, *receiver_psk = NULL;
  gchar *psk_hex = NULL;
  App app = { 0 };
  gint status;

  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  if (!g_option_context_parse (ctx, &argc, &argv, &error)
      || opt_offer + opt_loopback + (opt_answer != NULL) != 1
      || (opt_answer && !opt_psk) || opt_count < 1 || opt_port < 1
      || opt_port > 65535) {
    g_printerr ("%s\nUsage: %s --offer | --answer FILE --psk HEX | "
        "--loopback (--help for more)\n", error ? error->message : "",
        argv[0]);
    return 2;
  }
  g_option_context_free (ctx);

  if (opt_psk)
    psk = psk_from_hex (opt_psk);
  else
    psk = psk_random (&psk_hex);
  if (opt_receiver_psk)
    receiver_psk = psk_from_hex (opt_receiver_psk);
  else if (psk)
    receiver_psk = gst_buffer_ref (psk);
  if (psk == NULL || receiver_psk == NULL) {
    g_printerr ("a PSK is an even number of hexadecimal digits\n");
    return 2;
  }
  /* the receiver in another process needs it */
  if (psk_hex && opt_offer)
    g_printerr ("sender: PSK %s\n", psk_hex);

  app.loop = g_main_loop_new (NULL, FALSE);
  if (opt_offer)
    status = run_offer (&app, psk, &error);
  else if (opt_answer)
    status = run_answer (&app, psk, &error);
  else
    status = run_loopback (&app, psk, receiver_psk, &error);
  if (error) {
    g_printerr ("%s\n", error->message);
    if (g_error_matches (error, GST_PARSE_ERROR,
            GST_PARSE_ERROR_NO_SUCH_ELEMENT))
      status = EXIT_SKIP;
  }

  g_clear_error (&error);
  g_main_loop_unref (app.loop);
  gst_buffer_unref (psk);
  gst_buffer_unref (receiver_psk);
  g_free (psk_hex);
  return status;
}
