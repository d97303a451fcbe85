/* mikeyenc and mikeydec with stock srtpenc and srtpdec
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/rtp/gstrtpbuffer.h>
#include <mky/mky.h>
#include "rtp-media.h"

#define SSRC_A 0x1a2b3c4du
#define SSRC_B 0x55667788u
#define N_PACKETS 6
#define SRTP_CAPS "application/x-srtp, media=(string)video, " \
  "payload=(int)96, clock-rate=(int)90000, encoding-name=(string)H264"
#define RTP_CAPS "application/x-rtp, media=(string)video, " \
  "payload=(int)96, clock-rate=(int)90000, encoding-name=(string)H264"

static const guint8 psk[] = "a pre-shared key of 32 bytes....";
/* MIKEY version 1, then nothing that parses */
static const guint8 junk[] = { 0x01, 0x00, 0x07, 0x00, 0x12, 0x34, 0x56,
  0x78, 0x00, 0x00, 0xff, 0x13
};

static GstStaticPadTemplate any_src = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);
static GstStaticPadTemplate any_sink = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

/* Media */

/* @out is packet @n of @ssrc, bit for bit */
static void
assert_is_packet (GstBuffer *out, guint32 ssrc, guint n)
{
  GstBuffer *want = rtp_packet (ssrc, n);
  GstMapInfo a, b;

  fail_unless (out != NULL);
  fail_unless (gst_buffer_map (out, &a, GST_MAP_READ));
  fail_unless (gst_buffer_map (want, &b, GST_MAP_READ));
  fail_unless_equals_int (a.size, b.size);
  fail_unless (memcmp (a.data, b.data, a.size) == 0,
      "packet %u of SSRC %08x differs", n, ssrc);
  gst_buffer_unmap (out, &a);
  gst_buffer_unmap (want, &b);
  gst_buffer_unref (want);
}

static void
set_enum_by_nick (GstElement *e, const char *prop, const char *type_name,
    const char *nick)
{
  GType t = g_type_from_name (type_name);
  GEnumClass *klass;
  GEnumValue *v;

  fail_unless (t != 0);
  klass = g_type_class_ref (t);
  v = g_enum_get_value_by_nick (klass, nick);
  fail_unless (v != NULL);
  g_object_set (e, prop, v->value, NULL);
  g_type_class_unref (klass);
}

static void
fill_master (guint8 *m, gsize len, guint8 seed)
{
  for (gsize i = 0; i < len; i++)
    m[i] = (guint8) (seed + 13 * i);
}

static GstBuffer *
psk_buffer (void)
{
  return gst_buffer_new_memdup (psk, 32);
}

/* Stock srtpenc keyed by property with @master (aes-128-icm,
 * hmac-sha1-80), its key set before the harness starts it */
static GstHarness *
make_srtpenc (const guint8 *master, gsize len)
{
  GstElement *enc = gst_element_factory_make ("srtpenc", NULL);
  GstBuffer *key;
  GstHarness *h;

  fail_unless (enc != NULL, "stock srtpenc (gst-plugins-bad) not found");
  key = gst_buffer_new_memdup (master, len);
  g_object_set (enc, "key", key, NULL);
  gst_buffer_unref (key);
  set_enum_by_nick (enc, "rtp-cipher", "GstSrtpCipherType", "aes-128-icm");
  set_enum_by_nick (enc, "rtcp-cipher", "GstSrtpCipherType", "aes-128-icm");
  set_enum_by_nick (enc, "rtp-auth", "GstSrtpAuthType", "hmac-sha1-80");
  set_enum_by_nick (enc, "rtcp-auth", "GstSrtpAuthType", "hmac-sha1-80");
  h = gst_harness_new_empty ();
  gst_harness_add_element_full (h, enc, &any_src, "rtp_sink_0", &any_sink,
      "rtp_src_0");
  gst_object_unref (enc);
  gst_harness_set_src_caps_str (h, RTP_CAPS);
  return h;
}

/* packets 0..N_PACKETS-1 of each SSRC in @ssrcs (interleaved) through
 * srtpenc keyed with @master */
static GPtrArray *
protect (const guint8 *master, const guint32 *ssrcs, guint n_ssrcs)
{
  GstHarness *h = make_srtpenc (master, 30);
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_buffer_unref);

  for (guint n = 0; n < N_PACKETS; n++)
    for (guint s = 0; s < n_ssrcs; s++) {
      fail_unless_equals_int (gst_harness_push (h, rtp_packet (ssrcs[s], n)),
          GST_FLOW_OK);
      g_ptr_array_add (out, gst_harness_pull (h));
    }
  gst_harness_teardown (h);
  return out;
}

/* A PSK I_MESSAGE carrying @master (aes-128-icm/hmac-sha1-80) as TEK+SALT
 * for @ssrcs (ROC 0), asking for a verification message if @ini_out (the
 * Initiator and its bundle, to check the answer with) */
static GstBuffer *
make_i_message_full (const guint8 *master, const guint32 *ssrcs,
    guint n_ssrcs, MkyPskInitiator **ini_out, MkyCsb **csb_out)
{
  MkyConfig cfg;
  MkySrtpPolicy pol;
  MkyPskInitiator *ini;
  MkyCsb *csb = mky_csb_new (0);
  GError *error = NULL;
  GBytes *msg;
  GstBuffer *buf;

  mky_config_init (&cfg);
  mky_config_set_psk (&cfg, psk, 32);
  ini = mky_psk_initiator_new (&cfg);
  mky_config_clear (&cfg);
  for (guint i = 0; i < n_ssrcs; i++)
    mky_csb_add_cs (csb, 0, ssrcs[i], 0);
  fail_unless (mky_srtp_policy_from_nicks ("aes-128-icm", "hmac-sha1-80",
          "aes-128-icm", "hmac-sha1-80", &pol, &error));
  mky_csb_set_policy (csb, 0, &pol, FALSE);
  mky_csb_add_key (csb, MKY_KD_TEK_SALT, master, 16, master + 16, 14, NULL,
      0);
  msg = mky_psk_initiator_build (ini, csb, ini_out != NULL,
      g_get_real_time (), &error);
  fail_unless (msg != NULL, "%s", error ? error->message : "");
  if (ini_out) {
    *ini_out = ini;
    *csb_out = csb;
  } else {
    mky_csb_unref (csb);
    mky_psk_initiator_free (ini);
  }
  buf = gst_buffer_new_wrapped_bytes (msg);
  g_bytes_unref (msg);
  return buf;
}

static GstBuffer *
make_i_message (const guint8 *master, const guint32 *ssrcs, guint n_ssrcs)
{
  return make_i_message_full (master, ssrcs, n_ssrcs, NULL, NULL);
}

/* 'M' for a MIKEY message (version byte 0x01), 'P' for a packet */
static char
kind (GstBuffer *buf)
{
  guint8 first = 0;

  gst_buffer_extract (buf, 0, &first, 1);
  return first == 0x01 ? 'M' : 'P';
}

/* A harness on the ghost pads @sink / @src of @bin (which another harness
 * runs) */
static GstHarness *
harness_on (GstElement *bin, const char *sink, const char *src)
{
  GstHarness *h = gst_harness_new_with_element (bin, sink, src);

  if (sink)
    gst_harness_set_src_caps_str (h, "application/mikey");
  return h;
}

/* mikeydec ! srtpdec in a bin on a harness (mikeydec's mikey_sink and
 * mikey_src ghosted too), the bin's bus, and what reached srtpdec */
typedef struct
{
  GstHarness *h;
  GstElement *bin;
  GstElement *md;
  GstElement *sd;
  GstBus *bus;
  guint keys_received;
  guint32 last_ssrc;
  GString *into_srtpdec;        /* C: caps, P: a packet, M: a MIKEY message */
} Dec;

static void
on_key_received (GstElement *md, guint ssrc, Dec *d)
{
  d->keys_received++;
  d->last_ssrc = ssrc;
}

static GstPadProbeReturn
record_into_srtpdec (GstPad *pad, GstPadProbeInfo *info, Dec *d)
{
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER)
    g_string_append_c (d->into_srtpdec, kind (GST_PAD_PROBE_INFO_BUFFER
            (info)));
  else if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) == GST_EVENT_CAPS)
    g_string_append_c (d->into_srtpdec, 'C');
  return GST_PAD_PROBE_OK;
}

static void
ghost (GstElement *bin, GstElement *e, const char *name)
{
  GstPad *p = gst_element_get_static_pad (e, name);

  fail_unless (p != NULL);
  gst_element_add_pad (bin, gst_ghost_pad_new (name, p));
  gst_object_unref (p);
}

/* mikeydec's keys-in-caps for the Decs set up next */
static gboolean dec_keys_in_caps = TRUE;

static GstPadProbeReturn
no_keys_in_caps (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  GstEvent *ev = GST_PAD_PROBE_INFO_EVENT (info);
  GstCaps *caps;

  if (GST_EVENT_TYPE (ev) == GST_EVENT_CAPS) {
    const GstStructure *s;
    gst_event_parse_caps (ev, &caps);
    s = gst_caps_get_structure (caps, 0);
    fail_if (gst_structure_has_field (s, "srtp-key")
        || gst_structure_has_field (s, "srtp-cipher")
        || gst_structure_has_field (s, "mki"), "keys in caps: %"
        GST_PTR_FORMAT, caps);
  }
  return GST_PAD_PROBE_OK;
}

static void
dec_setup (Dec *d, guint max_pending)
{
  GstElement *bin = gst_bin_new (NULL);
  GstPad *p;

  memset (d, 0, sizeof *d);
  d->md = gst_element_factory_make ("mikeydec", NULL);
  d->sd = gst_element_factory_make ("srtpdec", NULL);
  fail_unless (d->md && d->sd);
  g_object_set (d->md, "max-pending", max_pending, "keys-in-caps",
      dec_keys_in_caps, NULL);
  {
    GstBuffer *k = psk_buffer ();
    g_object_set (d->md, "psk", k, NULL);
    gst_buffer_unref (k);
  }
  g_signal_connect (d->md, "on-key-received", G_CALLBACK (on_key_received),
      d);
  gst_bin_add_many (GST_BIN (bin), d->md, d->sd, NULL);
  fail_unless (gst_element_link_pads (d->md, "rtp_src", d->sd, "rtp_sink"));
  fail_unless (gst_element_link_pads (d->md, "rtcp_src", d->sd,
          "rtcp_sink"));
  p = gst_element_get_static_pad (d->md, "rtp_sink");
  gst_element_add_pad (bin, gst_ghost_pad_new ("sink", p));
  gst_object_unref (p);
  p = gst_element_get_static_pad (d->sd, "rtp_src");
  gst_element_add_pad (bin, gst_ghost_pad_new ("src", p));
  gst_object_unref (p);
  ghost (bin, d->md, "mikey_sink");
  ghost (bin, d->md, "mikey_src");
  d->into_srtpdec = g_string_new (NULL);
  p = gst_element_get_static_pad (d->sd, "rtp_sink");
  gst_pad_add_probe (p, GST_PAD_PROBE_TYPE_BUFFER |
      GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
      (GstPadProbeCallback) record_into_srtpdec, d, NULL);
  /* without keys in caps, srtpdec never sees one there */
  if (!dec_keys_in_caps)
    gst_pad_add_probe (p, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
        no_keys_in_caps, NULL, NULL);
  gst_object_unref (p);
  d->bus = gst_bus_new ();
  gst_element_set_bus (bin, d->bus);

  d->h = gst_harness_new_empty ();
  gst_harness_add_element_full (d->h, bin, &any_src, "sink", &any_sink,
      "src");
  d->bin = bin;
  gst_object_unref (bin);
  gst_harness_set_src_caps_str (d->h, SRTP_CAPS);
}

static void
dec_teardown (Dec *d)
{
  gst_harness_teardown (d->h);
  gst_bus_set_flushing (d->bus, TRUE);
  gst_object_unref (d->bus);
  g_string_free (d->into_srtpdec, TRUE);
}

static gboolean
push_message (GstElement *md, GstBuffer *msg)
{
  gboolean ok = FALSE;

  g_signal_emit_by_name (md, "push-message", msg, &ok);
  return ok;
}

static guint
count_messages (GstBus *bus, GstMessageType type, GstElement *from)
{
  GstMessage *m;
  guint n = 0;

  while ((m = gst_bus_pop_filtered (bus, type))) {
    if (from == NULL || GST_MESSAGE_SRC (m) == GST_OBJECT (from))
      n++;
    gst_message_unref (m);
  }
  return n;
}

static GstStructure *
stream_stats (GstElement *md, guint32 ssrc, GstStructure **all)
{
  GstStructure *stats = NULL;
  const GValue *streams;

  g_object_get (md, "stats", &stats, NULL);
  fail_unless (stats != NULL);
  *all = stats;
  streams = gst_structure_get_value (stats, "streams");
  for (guint i = 0; i < gst_value_array_get_size (streams); i++) {
    const GstStructure *s =
        gst_value_get_structure (gst_value_array_get_value (streams, i));
    guint u;
    if (gst_structure_get_uint (s, "ssrc", &u) && u == ssrc)
      return (GstStructure *) s;
  }
  return NULL;
}

static guint64
stats_u64 (const GstStructure *s, const char *field)
{
  guint64 v = G_MAXUINT64;

  fail_unless (gst_structure_get_uint64 (s, field, &v), "no %s", field);
  return v;
}

/* (1) keys of a PSK I_MESSAGE reach srtpdec as per-SSRC caps */
GST_START_TEST (test_dec_keys_srtpdec)
{
  guint8 master[30];
  const guint32 ssrcs[] = { SSRC_A };
  GPtrArray *srtp;
  GstBuffer *msg;
  GstCaps *caps;
  GstStructure *all;
  Dec d;

  fill_master (master, sizeof master, 1);
  srtp = protect (master, ssrcs, 1);
  msg = make_i_message (master, ssrcs, 1);

  dec_setup (&d, 0);
  fail_unless (push_message (d.md, msg));
  fail_unless_equals_int (d.keys_received, 1);
  fail_unless_equals_int (d.last_ssrc, SSRC_A);

  for (guint n = 0; n < N_PACKETS; n++) {
    GstBuffer *out;
    /* a buffer of its own: srtpdec 1.22 decrypts a private copy */
    fail_unless_equals_int (gst_harness_push (d.h,
            gst_buffer_copy (srtp->pdata[n])), GST_FLOW_OK);
    out = gst_harness_pull (d.h);
    assert_is_packet (out, SSRC_A, n);
    gst_buffer_unref (out);
  }
  /* srtpdec got our caps: the keys were stripped, the SSRC stays */
  caps = gst_pad_get_current_caps (d.h->sinkpad);
  fail_unless (caps != NULL);
  {
    GstStructure *s = gst_caps_get_structure (caps, 0);
    guint u;
    fail_unless (gst_structure_has_name (s, "application/x-rtp"));
    fail_unless (gst_structure_get_uint (s, "ssrc", &u));
    fail_unless_equals_int (u, SSRC_A);
    fail_if (gst_structure_has_field (s, "srtp-key"));
    fail_unless (gst_structure_has_field (s, "encoding-name"));
  }
  gst_caps_unref (caps);

  {
    GstStructure *s = stream_stats (d.md, SSRC_A, &all);
    fail_unless (s != NULL);
    fail_unless_equals_string (gst_structure_get_string (s, "state"),
        "keyed");
    fail_unless_equals_int (stats_u64 (s, "packets-passed"), N_PACKETS);
    fail_unless_equals_int (stats_u64 (s, "packets-dropped"), 0);
    fail_unless_equals_int (stats_u64 (all, "messages-accepted"), 1);
    fail_unless_equals_int (stats_u64 (all, "messages-refused"), 0);
    gst_structure_free (all);
  }
  fail_unless_equals_int (count_messages (d.bus, GST_MESSAGE_WARNING, NULL),
      0);

  gst_buffer_unref (msg);
  g_ptr_array_unref (srtp);
  dec_teardown (&d);
}

GST_END_TEST;

static guint64 srtpdec_drops (GstElement *sd);

/* keys-in-caps=false: srtpdec sees caps without keys (checked on every
 * caps event) and decrypts with the keys of its request-key, which
 * mikeydec answers; get-keys gives them to an application */
GST_START_TEST (test_dec_keys_request_key)
{
  guint8 master[30];
  const guint32 ssrcs[] = { SSRC_A, SSRC_B };
  GPtrArray *srtp;
  GstBuffer *msg;
  GstCaps *caps = NULL;
  Dec d;

  fill_master (master, sizeof master, 5);
  srtp = protect (master, ssrcs, 2);
  msg = make_i_message (master, ssrcs, 2);

  dec_keys_in_caps = FALSE;
  dec_setup (&d, 0);
  dec_keys_in_caps = TRUE;
  fail_unless (push_message (d.md, msg));
  for (guint i = 0; i < srtp->len; i++) {
    GstBuffer *out;
    fail_unless_equals_int (gst_harness_push (d.h,
            gst_buffer_copy (srtp->pdata[i])), GST_FLOW_OK);
    out = gst_harness_pull (d.h);
    assert_is_packet (out, ssrcs[i % 2], i / 2);
    gst_buffer_unref (out);
  }
  fail_unless_equals_int (srtpdec_drops (d.sd), 0);
  /* caps per SSRC still, so that srtpdec's output says which */
  fail_unless (strstr (d.into_srtpdec->str, "C") != NULL);

  g_signal_emit_by_name (d.md, "get-keys", SSRC_A, &caps);
  fail_unless (caps != NULL);
  {
    const GstStructure *s = gst_caps_get_structure (caps, 0);
    const GValue *v = gst_structure_get_value (s, "srtp-key");
    fail_unless (gst_structure_has_name (s, "application/x-srtp"));
    fail_unless (v != NULL && gst_buffer_memcmp (gst_value_get_buffer (v), 0,
            master, sizeof master) == 0);
    fail_unless_equals_string (gst_structure_get_string (s, "srtp-cipher"),
        "aes-128-icm");
  }
  gst_caps_unref (caps);
  caps = NULL;
  g_signal_emit_by_name (d.md, "get-keys", 0x12345678u, &caps);
  fail_unless (caps == NULL);
  fail_unless_equals_int (count_messages (d.bus, GST_MESSAGE_WARNING, NULL),
      0);

  gst_buffer_unref (msg);
  g_ptr_array_unref (srtp);
  dec_teardown (&d);
}

GST_END_TEST;

/* (2) packets without a key: dropped and counted, or held */
GST_START_TEST (test_dec_no_key_drop)
{
  guint8 master[30];
  const guint32 ssrcs[] = { SSRC_A };
  GPtrArray *srtp;
  GstBuffer *msg;
  GstStructure *all, *s;
  Dec d;

  fill_master (master, sizeof master, 2);
  srtp = protect (master, ssrcs, 1);
  msg = make_i_message (master, ssrcs, 1);

  dec_setup (&d, 0);
  for (guint n = 0; n < 3; n++)
    fail_unless_equals_int (gst_harness_push (d.h,
            gst_buffer_copy (srtp->pdata[n])), GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_buffers_received (d.h), 0);
  s = stream_stats (d.md, SSRC_A, &all);
  fail_unless (s != NULL);
  fail_unless_equals_string (gst_structure_get_string (s, "state"), "no-key");
  fail_unless_equals_int (stats_u64 (s, "packets-dropped"), 3);
  fail_unless_equals_int (stats_u64 (all, "packets-dropped"), 3);
  gst_structure_free (all);
  /* one warning for the SSRC, not one per packet */
  fail_unless_equals_int (count_messages (d.bus, GST_MESSAGE_WARNING, d.md),
      1);

  fail_unless (push_message (d.md, msg));
  for (guint n = 3; n < N_PACKETS; n++) {
    GstBuffer *out;
    fail_unless_equals_int (gst_harness_push (d.h,
            gst_buffer_copy (srtp->pdata[n])), GST_FLOW_OK);
    out = gst_harness_pull (d.h);
    assert_is_packet (out, SSRC_A, n);
    gst_buffer_unref (out);
  }
  gst_buffer_unref (msg);
  g_ptr_array_unref (srtp);
  dec_teardown (&d);
}

GST_END_TEST;

GST_START_TEST (test_dec_no_key_hold)
{
  guint8 master[30];
  const guint32 ssrcs[] = { SSRC_A };
  GPtrArray *srtp;
  GstBuffer *msg;
  GstStructure *all, *s;
  Dec d;

  fill_master (master, sizeof master, 3);
  srtp = protect (master, ssrcs, 1);
  msg = make_i_message (master, ssrcs, 1);

  /* two held, the third dropped */
  dec_setup (&d, 2);
  for (guint n = 0; n < 3; n++)
    fail_unless_equals_int (gst_harness_push (d.h,
            gst_buffer_copy (srtp->pdata[n])), GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_buffers_received (d.h), 0);
  s = stream_stats (d.md, SSRC_A, &all);
  fail_unless_equals_int (stats_u64 (s, "packets-dropped"), 1);
  {
    guint u;
    fail_unless (gst_structure_get_uint (s, "packets-pending", &u));
    fail_unless_equals_int (u, 2);
  }
  gst_structure_free (all);

  fail_unless (push_message (d.md, msg));
  /* the next packet brings the held ones out first, in order */
  fail_unless_equals_int (gst_harness_push (d.h,
          gst_buffer_copy (srtp->pdata[3])), GST_FLOW_OK);
  {
    const guint order[] = { 0, 1, 3 };
    for (guint i = 0; i < G_N_ELEMENTS (order); i++) {
      GstBuffer *out = gst_harness_pull (d.h);
      assert_is_packet (out, SSRC_A, order[i]);
      gst_buffer_unref (out);
    }
  }
  fail_unless_equals_int (gst_harness_buffers_in_queue (d.h), 0);
  gst_buffer_unref (msg);
  g_ptr_array_unref (srtp);
  dec_teardown (&d);
}

GST_END_TEST;


static guint64 dec_stat (GstElement *md, const char *field);

/* Packets held under max-pending go out as soon as the keys come, with no
 * packet after them: keys of SSRC_A through push-message (the test's
 * thread), of SSRC_B on mikey_sink (another harness's thread) */
GST_START_TEST (test_dec_hold_released_at_once)
{
  guint8 master[30];
  const guint32 ssrcs[] = { SSRC_A, SSRC_B };
  GPtrArray *srtp;
  GstBuffer *msg_a, *msg_b;
  GstHarness *dm;
  Dec d;

  fill_master (master, sizeof master, 4);
  srtp = protect (master, ssrcs, 2);
  msg_a = make_i_message (master, ssrcs, 1);
  msg_b = make_i_message (master, ssrcs + 1, 1);

  dec_setup (&d, 3);
  dm = harness_on (d.bin, "mikey_sink", NULL);
  /* packets 0..2 of each, interleaved (srtp holds A0 B0 A1 B1 ...) */
  for (guint i = 0; i < 6; i++)
    fail_unless_equals_int (gst_harness_push (d.h,
            gst_buffer_copy (srtp->pdata[i])), GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_buffers_received (d.h), 0);

  fail_unless (push_message (d.md, msg_a));
  for (guint n = 0; n < 3; n++) {
    GstBuffer *out = gst_harness_pull (d.h);
    assert_is_packet (out, SSRC_A, n);
    gst_buffer_unref (out);
  }
  fail_unless_equals_int (gst_harness_push (dm, gst_buffer_ref (msg_b)),
      GST_FLOW_OK);
  for (guint n = 0; n < 3; n++) {
    GstBuffer *out = gst_harness_pull (d.h);
    assert_is_packet (out, SSRC_B, n);
    gst_buffer_unref (out);
  }
  fail_unless_equals_int (gst_harness_buffers_in_queue (d.h), 0);
  fail_unless_equals_int (dec_stat (d.md, "packets-keyed"), 6);
  fail_unless_equals_int (dec_stat (d.md, "packets-dropped"), 0);
  /* and on as usual */
  fail_unless_equals_int (gst_harness_push (d.h,
          gst_buffer_copy (srtp->pdata[6])), GST_FLOW_OK);
  {
    GstBuffer *out = gst_harness_pull (d.h);
    assert_is_packet (out, SSRC_A, 3);
    gst_buffer_unref (out);
  }
  gst_harness_teardown (dm);
  gst_buffer_unref (msg_a);
  gst_buffer_unref (msg_b);
  g_ptr_array_unref (srtp);
  dec_teardown (&d);
}

GST_END_TEST;

/* (3) a malformed MIKEY message on mikey_sink: a warning, and on */
GST_START_TEST (test_dec_malformed_message)
{
  guint8 master[30];
  const guint32 ssrcs[] = { SSRC_A };
  GstElement *md = gst_element_factory_make ("mikeydec", NULL);
  GstBuffer *k = psk_buffer ();
  GstBuffer *msg, *tampered;
  GstBus *bus = gst_bus_new ();
  GstStructure *all;
  GstHarness *h;
  GstMapInfo map;

  fill_master (master, sizeof master, 4);
  msg = make_i_message (master, ssrcs, 1);
  g_object_set (md, "psk", k, NULL);
  gst_buffer_unref (k);
  gst_element_set_bus (md, bus);
  h = gst_harness_new_empty ();
  gst_harness_add_element_full (h, md, &any_src, "mikey_sink", &any_sink,
      "rtp_src");
  gst_harness_set_src_caps_str (h, "application/mikey");

  fail_unless_equals_int (gst_harness_push (h,
          gst_buffer_new_memdup (junk, sizeof junk)), GST_FLOW_OK);
  fail_unless_equals_int (count_messages (bus, GST_MESSAGE_WARNING, md), 1);
  fail_unless_equals_int (count_messages (bus, GST_MESSAGE_ERROR, NULL), 0);

  /* a flipped MAC bit: refused too */
  tampered = gst_buffer_copy_deep (msg);
  fail_unless (gst_buffer_map (tampered, &map, GST_MAP_WRITE));
  map.data[map.size - 1] ^= 0x01;
  gst_buffer_unmap (tampered, &map);
  fail_unless_equals_int (gst_harness_push (h, tampered), GST_FLOW_OK);
  fail_unless_equals_int (count_messages (bus, GST_MESSAGE_WARNING, md), 1);

  /* and the good one is taken */
  fail_unless_equals_int (gst_harness_push (h, gst_buffer_ref (msg)),
      GST_FLOW_OK);
  fail_unless_equals_int (count_messages (bus, GST_MESSAGE_WARNING, md), 0);
  g_object_get (md, "stats", &all, NULL);
  fail_unless_equals_int (stats_u64 (all, "messages-refused"), 2);
  fail_unless_equals_int (stats_u64 (all, "messages-accepted"), 1);
  gst_structure_free (all);
  {
    GstStructure *s = stream_stats (md, SSRC_A, &all);
    fail_unless (s != NULL);
    fail_unless_equals_string (gst_structure_get_string (s, "state"),
        "keyed");
    gst_structure_free (all);
  }

  gst_buffer_unref (msg);
  gst_harness_teardown (h);
  gst_object_unref (md);
  gst_bus_set_flushing (bus, TRUE);
  gst_object_unref (bus);
}

GST_END_TEST;

/* srtpenc ! mikeyenc in a bin on a harness, and one on mikeyenc's
 * mikey_src */
typedef struct
{
  GstHarness *h;
  GstHarness *em;
  GstElement *bin;
  GstElement *se;
  GstElement *me;
  GstBus *bus;
} Enc;

/* @interval: mikeyenc's announce-interval with in-band on, or NOT_IN_BAND */
#define NOT_IN_BAND G_MAXUINT

static void
enc_setup (Enc *e, const char *caps, guint mki_length, guint interval)
{
  GstElement *bin = gst_bin_new (NULL);
  GstPad *sink, *src, *p;
  GstBuffer *k = psk_buffer ();

  memset (e, 0, sizeof *e);
  e->se = gst_element_factory_make ("srtpenc", NULL);
  e->me = gst_element_factory_make ("mikeyenc", NULL);
  fail_unless (e->se && e->me);
  /* no key on srtpenc: mikeyenc sets one */
  g_object_set (e->me, "psk", k, "mki-length", mki_length, NULL);
  gst_buffer_unref (k);
  if (interval != NOT_IN_BAND)
    g_object_set (e->me, "in-band", TRUE, "announce-interval", interval,
        NULL);
  gst_bin_add_many (GST_BIN (bin), e->se, e->me, NULL);
  sink = gst_element_request_pad_simple (e->se, "rtp_sink_0");
  fail_unless (sink != NULL);
  src = gst_element_get_static_pad (e->se, "rtp_src_0");
  fail_unless (src != NULL);
  p = gst_element_get_static_pad (e->me, "rtp_sink");
  fail_unless_equals_int (gst_pad_link (src, p), GST_PAD_LINK_OK);
  gst_object_unref (p);
  gst_object_unref (src);
  gst_element_add_pad (bin, gst_ghost_pad_new ("sink", sink));
  gst_object_unref (sink);
  p = gst_element_get_static_pad (e->me, "rtp_src");
  gst_element_add_pad (bin, gst_ghost_pad_new ("src", p));
  gst_object_unref (p);
  ghost (bin, e->me, "mikey_src");
  e->bus = gst_bus_new ();
  gst_element_set_bus (bin, e->bus);

  /* linked before the bin starts, which begins mikey_src's stream */
  e->em = gst_harness_new_with_element (bin, NULL, "mikey_src");
  e->h = gst_harness_new_empty ();
  gst_harness_add_element_full (e->h, bin, &any_src, "sink", &any_sink,
      "src");
  e->bin = bin;
  gst_object_unref (bin);
  gst_harness_set_src_caps_str (e->h, caps);
}

static void
enc_teardown (Enc *e)
{
  gst_harness_teardown (e->em);
  gst_harness_teardown (e->h);
  gst_bus_set_flushing (e->bus, TRUE);
  gst_object_unref (e->bus);
}

static GBytes *
bytes_of (GstBuffer *buf)
{
  GstMapInfo map;
  GBytes *b;

  fail_unless (gst_buffer_map (buf, &map, GST_MAP_READ));
  b = g_bytes_new (map.data, map.size);
  gst_buffer_unmap (buf, &map);
  return b;
}

static GBytes *
get_message (GstElement *me)
{
  GstBuffer *buf = NULL;
  GBytes *b;

  g_signal_emit_by_name (me, "get-message", &buf);
  fail_unless (buf != NULL);
  b = bytes_of (buf);
  gst_buffer_unref (buf);
  return b;
}

/* the mikey-message posted on @bus */
static GBytes *
posted_message (GstBus *bus, GstElement *from)
{
  GstMessage *m;
  GBytes *b = NULL;

  while ((m = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT))) {
    const GstStructure *s = gst_message_get_structure (m);
    if (GST_MESSAGE_SRC (m) == GST_OBJECT (from)
        && gst_structure_has_name (s, "mikey-message") && b == NULL)
      b = bytes_of (gst_value_get_buffer (gst_structure_get_value (s,
                  "data")));
    gst_message_unref (m);
  }
  return b;
}

/* (4) mikeyenc keys srtpenc; a PSK Responder takes its message, and the
 * keys decrypt srtpenc's output in a stock srtpdec */
static void
check_enc (guint mki_length)
{
  const guint32 ssrcs[] = { SSRC_A };
  GPtrArray *srtp = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_buffer_unref);
  GBytes *msg, *posted;
  MkyConfig cfg;
  MkyPskResponder *r;
  MkyCsb *csb;
  MkySrtpKeying k;
  GError *error = NULL;
  GBytes *reply = NULL;
  char *caps_str;
  GstHarness *hd;
  GstCaps *caps;
  Enc e;

  enc_setup (&e, RTP_CAPS ", ssrc=(uint)439041101", mki_length, NOT_IN_BAND);
  for (guint n = 0; n < N_PACKETS; n++) {
    GstBuffer *out;
    fail_unless_equals_int (gst_harness_push (e.h, rtp_packet (ssrcs[0], n)),
        GST_FLOW_OK);
    out = gst_harness_pull (e.h);
    fail_unless (out != NULL);
    /* header, payload, MKI, 10-byte tag */
    fail_unless_equals_int (gst_buffer_get_size (out),
        12 + payload_len (n) + mki_length + 10);
    g_ptr_array_add (srtp, out);
  }
  posted = posted_message (e.bus, e.me);
  fail_unless (posted != NULL, "no mikey-message on the bus");
  msg = get_message (e.me);

  mky_config_init (&cfg);
  mky_config_set_psk (&cfg, psk, 32);
  r = mky_psk_responder_new (&cfg, g_get_real_time (), FALSE);
  mky_config_clear (&cfg);
  csb = mky_psk_responder_handle (r, posted, g_get_real_time (), &reply,
      &error);
  fail_unless (csb != NULL, "%s", error ? error->message : "");
  mky_csb_unref (csb);
  csb = mky_psk_responder_handle (r, msg, g_get_real_time (), &reply, &error);
  fail_unless (csb != NULL, "%s", error ? error->message : "");
  fail_unless (reply == NULL);
  fail_unless_equals_int (mky_csb_n_sessions (csb), 1);
  fail_unless (mky_csb_get_srtp (csb, 0, MKY_SP_COMPAT_STRICT, &k, &error));
  fail_unless_equals_int (k.ssrc, SSRC_A);
  fail_unless_equals_int (k.roc, 0);
  fail_unless_equals_int (k.keys[0].mki_len, mki_length);
  caps_str = mky_srtp_keying_caps_string (&k, &error);
  fail_unless (caps_str != NULL);

  hd = gst_harness_new_with_padnames ("srtpdec", "rtp_sink", "rtp_src");
  caps = gst_caps_from_string (caps_str);
  gst_caps_set_simple (caps, "media", G_TYPE_STRING, "video", "payload",
      G_TYPE_INT, PT, "clock-rate", G_TYPE_INT, 90000, "encoding-name",
      G_TYPE_STRING, "H264", NULL);
  gst_harness_set_src_caps (hd, caps);
  for (guint n = 0; n < N_PACKETS; n++) {
    GstBuffer *out;
    fail_unless_equals_int (gst_harness_push (hd,
            gst_buffer_copy (srtp->pdata[n])), GST_FLOW_OK);
    out = gst_harness_pull (hd);
    assert_is_packet (out, SSRC_A, n);
    gst_buffer_unref (out);
  }
  gst_harness_teardown (hd);

  g_free (caps_str);
  mky_srtp_keying_clear (&k);
  mky_csb_unref (csb);
  mky_psk_responder_free (r);
  g_bytes_unref (msg);
  g_bytes_unref (posted);
  g_ptr_array_unref (srtp);
  enc_teardown (&e);
}

GST_START_TEST (test_enc_provisions_srtpenc)
{
  check_enc (0);
}

GST_END_TEST;

GST_START_TEST (test_enc_provisions_srtpenc_mki)
{
  check_enc (4);
}

GST_END_TEST;

/* (5) two SSRCs, end to end: srtpenc ! mikeyenc, the message out of band
 * into mikeydec ! srtpdec */
/* Packets 0..N_PACKETS-1 of SSRC_A and SSRC_B, interleaved, through
 * @ea and @eb (the same Enc or two); what they give into @srtp */
static void
two_ssrcs_through (Enc *ea, Enc *eb, GPtrArray *srtp)
{
  const guint32 ssrcs[] = { SSRC_A, SSRC_B };
  Enc *e[] = { ea, eb };

  for (guint n = 0; n < N_PACKETS; n++)
    for (guint s = 0; s < 2; s++) {
      fail_unless_equals_int (gst_harness_push (e[s]->h,
              rtp_packet (ssrcs[s], n)), GST_FLOW_OK);
      g_ptr_array_add (srtp, gst_harness_pull (e[s]->h));
    }
}

/* @srtp of two_ssrcs_through() into @d: each back bit for bit */
static void
two_ssrcs_decode (Dec *d, GPtrArray *srtp)
{
  for (guint i = 0; i < srtp->len; i++) {
    GstBuffer *out;
    fail_unless_equals_int (gst_harness_push (d->h,
            gst_buffer_copy (srtp->pdata[i])), GST_FLOW_OK);
    out = gst_harness_pull (d->h);
    assert_is_packet (out, i % 2 ? SSRC_B : SSRC_A, i / 2);
    gst_buffer_unref (out);
  }
}

GST_START_TEST (test_two_ssrcs)
{
  const guint32 ssrcs[] = { SSRC_A, SSRC_B };
  GPtrArray *srtp = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_buffer_unref);
  GstBuffer *msg = NULL;
  GstStructure *all;
  Enc e;
  Dec d;

  /* no ssrc in the caps: mikeyenc learns both from the packets */
  enc_setup (&e, RTP_CAPS, 0, NOT_IN_BAND);
  two_ssrcs_through (&e, &e, srtp);
  g_signal_emit_by_name (e.me, "get-message", &msg);
  fail_unless (msg != NULL);

  dec_setup (&d, 0);
  fail_unless (push_message (d.md, msg));
  fail_unless_equals_int (d.keys_received, 2);
  two_ssrcs_decode (&d, srtp);
  for (guint s = 0; s < 2; s++) {
    GstStructure *st = stream_stats (d.md, ssrcs[s], &all);
    fail_unless (st != NULL);
    fail_unless_equals_string (gst_structure_get_string (st, "state"),
        "keyed");
    fail_unless_equals_int (stats_u64 (st, "packets-passed"), N_PACKETS);
    gst_structure_free (all);
  }
  {
    /* srtpdec has a stream for each */
    GstStructure *stats = NULL;
    g_object_get (d.sd, "stats", &stats, NULL);
    fail_unless_equals_int (gst_value_array_get_size
        (gst_structure_get_value (stats, "streams")), 2);
    gst_structure_free (stats);
  }

  gst_buffer_unref (msg);
  g_ptr_array_unref (srtp);
  dec_teardown (&d);
  enc_teardown (&e);
}

GST_END_TEST;

/* Two senders (a mikeyenc each, so two master keys and two bundles) to
 * one mikeydec: each SSRC decrypted with its own sender's keys */
GST_START_TEST (test_two_senders)
{
  GPtrArray *srtp = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_buffer_unref);
  GstBuffer *msg[2] = { NULL, NULL };
  Enc e[2];
  Dec d;

  for (guint s = 0; s < 2; s++)
    enc_setup (&e[s], RTP_CAPS, 0, NOT_IN_BAND);
  two_ssrcs_through (&e[0], &e[1], srtp);
  for (guint s = 0; s < 2; s++) {
    g_signal_emit_by_name (e[s].me, "get-message", &msg[s]);
    fail_unless (msg[s] != NULL);
  }
  {
    /* not one key for both */
    GstBuffer *k[2] = { NULL, NULL };
    for (guint s = 0; s < 2; s++)
      g_object_get (e[s].se, "key", &k[s], NULL);
    fail_unless (k[0] && k[1]);
    fail_if (gst_buffer_get_size (k[0]) == gst_buffer_get_size (k[1])
        && same_bytes (k[0], k[1]));
    gst_buffer_unref (k[0]);
    gst_buffer_unref (k[1]);
  }

  dec_setup (&d, 0);
  for (guint s = 0; s < 2; s++)
    fail_unless (push_message (d.md, msg[s]));
  fail_unless_equals_int (d.keys_received, 2);
  two_ssrcs_decode (&d, srtp);
  fail_unless_equals_int (dec_stat (d.md, "messages-accepted"), 2);

  for (guint s = 0; s < 2; s++) {
    gst_buffer_unref (msg[s]);
    enc_teardown (&e[s]);
  }
  g_ptr_array_unref (srtp);
  dec_teardown (&d);
}

GST_END_TEST;

/* Buffer lists seen on a pad, and the buffers in them */
typedef struct
{
  guint lists;
  guint in_lists;
} Lists;

static GstPadProbeReturn
count_lists (GstPad *pad, GstPadProbeInfo *info, Lists *l)
{
  l->lists++;
  l->in_lists += gst_buffer_list_length (GST_PAD_PROBE_INFO_BUFFER_LIST
      (info));
  return GST_PAD_PROBE_OK;
}

static void
watch_lists (GstElement *e, Lists *l)
{
  GstPad *p = gst_element_get_static_pad (e, "rtp_src");

  memset (l, 0, sizeof *l);
  gst_pad_add_probe (p, GST_PAD_PROBE_TYPE_BUFFER_LIST,
      (GstPadProbeCallback) count_lists, l, NULL);
  gst_object_unref (p);
}

/* @bufs[@from..@to) (copies) as one list into @h */
static GstFlowReturn
push_list (GstHarness *h, GPtrArray *bufs, guint from, guint to)
{
  GstBufferList *list = gst_buffer_list_new ();

  for (guint i = from; i < to; i++)
    gst_buffer_list_add (list, gst_buffer_copy (bufs->pdata[i]));
  return gst_pad_push_list (h->srcpad, list);
}

/* A list (a video frame's packets) stays one through mikeyenc once its
 * SSRC is known, and goes packet by packet when one is new; mikeydec gives
 * srtpdec each packet on its own (srtpdec 1.22 decrypts list members
 * wrongly) and holds as usual */
GST_START_TEST (test_buffer_lists)
{
  GPtrArray *rtp = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_buffer_unref);
  GPtrArray *srtp = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_buffer_unref);
  GstBuffer *msg = NULL;
  Lists el, dl;
  Enc e;
  Dec d;

  /* A0..A4 then B0 */
  for (guint n = 0; n < 5; n++)
    g_ptr_array_add (rtp, rtp_packet (SSRC_A, n));
  g_ptr_array_add (rtp, rtp_packet (SSRC_B, 0));

  enc_setup (&e, RTP_CAPS, 0, NOT_IN_BAND);
  watch_lists (e.me, &el);
  fail_unless_equals_int (push_list (e.h, rtp, 0, 1), GST_FLOW_OK);
  fail_unless_equals_int (el.lists, 0);
  fail_unless_equals_int (push_list (e.h, rtp, 1, 4), GST_FLOW_OK);
  fail_unless_equals_int (el.lists, 1);
  fail_unless_equals_int (el.in_lists, 3);
  /* B0 is new: mikeyenc takes it in, so the message describes both */
  fail_unless_equals_int (push_list (e.h, rtp, 4, 6), GST_FLOW_OK);
  fail_unless_equals_int (el.lists, 1);
  for (guint i = 0; i < rtp->len; i++)
    g_ptr_array_add (srtp, gst_harness_pull (e.h));
  g_signal_emit_by_name (e.me, "get-message", &msg);
  fail_unless (msg != NULL);

  dec_setup (&d, 4);
  watch_lists (d.md, &dl);
  /* no keys yet: held */
  fail_unless_equals_int (push_list (d.h, srtp, 0, 2), GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_buffers_received (d.h), 0);
  fail_unless_equals_int (dl.lists, 0);
  fail_unless (push_message (d.md, msg));
  fail_unless_equals_int (d.keys_received, 2);
  for (guint n = 0; n < 2; n++) {
    GstBuffer *out = gst_harness_pull (d.h);
    assert_is_packet (out, SSRC_A, n);
    gst_buffer_unref (out);
  }
  fail_unless_equals_int (push_list (d.h, srtp, 2, 6), GST_FLOW_OK);
  fail_unless_equals_int (dl.lists, 0);
  for (guint n = 2; n < 5; n++) {
    GstBuffer *out = gst_harness_pull (d.h);
    assert_is_packet (out, SSRC_A, n);
    gst_buffer_unref (out);
  }
  {
    GstBuffer *out = gst_harness_pull (d.h);
    assert_is_packet (out, SSRC_B, 0);
    gst_buffer_unref (out);
  }
  fail_unless_equals_int (dec_stat (d.md, "packets-keyed"), 6);

  gst_buffer_unref (msg);
  g_ptr_array_unref (rtp);
  g_ptr_array_unref (srtp);
  dec_teardown (&d);
  enc_teardown (&e);
}

GST_END_TEST;

/* A crypto session of SSRC 0 takes the first SSRC seen without a key */
GST_START_TEST (test_dec_ssrc0_binds)
{
  guint8 master[30];
  const guint32 zero[] = { 0 };
  const guint32 ssrcs[] = { SSRC_B };
  GPtrArray *srtp;
  GstBuffer *msg;
  Dec d;

  fill_master (master, sizeof master, 5);
  srtp = protect (master, ssrcs, 1);
  msg = make_i_message (master, zero, 1);

  dec_setup (&d, 0);
  fail_unless (push_message (d.md, msg));
  fail_unless_equals_int (d.keys_received, 0);
  for (guint n = 0; n < N_PACKETS; n++) {
    GstBuffer *out;
    fail_unless_equals_int (gst_harness_push (d.h,
            gst_buffer_copy (srtp->pdata[n])), GST_FLOW_OK);
    out = gst_harness_pull (d.h);
    assert_is_packet (out, SSRC_B, n);
    gst_buffer_unref (out);
  }
  fail_unless_equals_int (d.keys_received, 1);
  fail_unless_equals_int (d.last_ssrc, SSRC_B);
  gst_buffer_unref (msg);
  g_ptr_array_unref (srtp);
  dec_teardown (&d);
}

GST_END_TEST;

/* the warnings @from posted on @bus: exactly one, of @domain and @code */
static void
assert_one_warning (GstBus *bus, GstElement *from, GQuark domain, gint code)
{
  GstMessage *m;
  guint n = 0;

  while ((m = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING))) {
    GError *err = NULL;

    if (GST_MESSAGE_SRC (m) == GST_OBJECT (from)) {
      gst_message_parse_warning (m, &err, NULL);
      fail_unless (g_error_matches (err, domain, code), "warning: %s",
          err->message);
      g_error_free (err);
      n++;
    }
    gst_message_unref (m);
  }
  fail_unless_equals_int (n, 1);
}

/* push a copy of each of @in from @from to before @to (0: to the end)
 * into the harness of @d and check that what comes out are the RTP packets
 * @want (of SSRC_A, then nothing) */
static void
dec_feed (Dec *d, GPtrArray *in, guint from, guint to, const guint *want,
    guint n_want)
{
  for (guint i = from; i < (to ? to : in->len); i++)
    fail_unless_equals_int (gst_harness_push (d->h,
            gst_buffer_copy (in->pdata[i])), GST_FLOW_OK);
  /* all of it came out on this thread */
  for (guint i = 0; i < n_want; i++) {
    GstBuffer *out = gst_harness_try_pull (d->h);
    fail_unless (out != NULL, "packet %u of %u missing", i, n_want);
    assert_is_packet (out, SSRC_A, want[i]);
    gst_buffer_unref (out);
  }
  fail_unless_equals_int (gst_harness_buffers_in_queue (d->h), 0);
}

static guint64
dec_stat (GstElement *md, const char *field)
{
  GstStructure *all = NULL;
  guint64 v;

  g_object_get (md, "stats", &all, NULL);
  fail_unless (all != NULL);
  v = stats_u64 (all, field);
  gst_structure_free (all);
  return v;
}

static void
assert_next_event (GstHarness *h, GstEventType type)
{
  GstEvent *ev = gst_harness_pull_event (h);

  fail_unless (ev != NULL);
  fail_unless_equals_string (GST_EVENT_TYPE_NAME (ev),
      gst_event_type_get_name (type));
  gst_event_unref (ev);
}

/* (6) mikeyenc's mikey_src: a stream of application/mikey (that ends with
 * the media) whose message, through mikeydec's mikey_sink, gives srtpdec
 * srtpenc's very key */
GST_START_TEST (test_enc_mikey_src)
{
  GPtrArray *srtp = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_buffer_unref);
  const guint want[] = { 0, 1, 2, 3, 4, 5 };
  GstHarness *dm;
  GstBuffer *msg, *key = NULL;
  GstEvent *ev;
  GstCaps *caps;
  GstPad *p;
  Enc e;
  Dec d;

  enc_setup (&e, RTP_CAPS, 0, NOT_IN_BAND);
  for (guint n = 0; n < N_PACKETS; n++) {
    fail_unless_equals_int (gst_harness_push (e.h, rtp_packet (SSRC_A, n)),
        GST_FLOW_OK);
    g_ptr_array_add (srtp, gst_harness_pull (e.h));
  }
  /* one message (one SSRC), after the events a stream starts with (and a
   * gap, for a sink there to preroll before any message) */
  msg = gst_harness_pull (e.em);
  fail_unless_equals_int (kind (msg), 'M');
  assert_next_event (e.em, GST_EVENT_STREAM_START);
  ev = gst_harness_pull_event (e.em);
  fail_unless_equals_int (GST_EVENT_TYPE (ev), GST_EVENT_CAPS);
  gst_event_parse_caps (ev, &caps);
  fail_unless (gst_structure_has_name (gst_caps_get_structure (caps, 0),
          "application/mikey"));
  gst_event_unref (ev);
  assert_next_event (e.em, GST_EVENT_SEGMENT);
  assert_next_event (e.em, GST_EVENT_GAP);
  fail_unless_equals_int (gst_harness_buffers_in_queue (e.em), 0);
  /* the bus has it too */
  {
    GBytes *posted = posted_message (e.bus, e.me);
    GstBuffer *pb;
    fail_unless (posted != NULL);
    pb = gst_buffer_new_wrapped_bytes (posted);
    fail_unless (same_bytes (pb, msg));
    gst_buffer_unref (pb);
    g_bytes_unref (posted);
  }

  dec_setup (&d, 0);
  dm = harness_on (d.bin, "mikey_sink", NULL);
  fail_unless_equals_int (gst_harness_push (dm, msg), GST_FLOW_OK);
  fail_unless_equals_int (d.keys_received, 1);
  dec_feed (&d, srtp, 0, 0, want, G_N_ELEMENTS (want));

  g_object_get (e.se, "key", &key, NULL);
  fail_unless (key != NULL);
  p = gst_element_get_static_pad (d.sd, "rtp_sink");
  caps = gst_pad_get_current_caps (p);
  gst_object_unref (p);
  fail_unless (caps != NULL);
  fail_unless (same_bytes (gst_value_get_buffer (gst_structure_get_value
          (gst_caps_get_structure (caps, 0), "srtp-key")), key));
  gst_caps_unref (caps);
  gst_buffer_unref (key);

  fail_unless (gst_harness_push_event (e.h, gst_event_new_eos ()));
  assert_next_event (e.em, GST_EVENT_EOS);

  gst_harness_teardown (dm);
  dec_teardown (&d);
  g_ptr_array_unref (srtp);
  enc_teardown (&e);
}

GST_END_TEST;

#define IB_PACKETS 12
#define IB_SPACING (20 * GST_MSECOND)
#define IB_INTERVAL 100         /* ms: every fifth packet */

/* srtpenc ! mikeyenc in-band=true announce-interval=@interval: what comes
 * out for IB_PACKETS packets of SSRC_A, 20 ms apart */
static GPtrArray *
in_band_stream (Enc *e, guint interval)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_buffer_unref);
  GstBuffer *buf;

  enc_setup (e, RTP_CAPS, 0, interval);
  for (guint n = 0; n < IB_PACKETS; n++) {
    GstBuffer *in = rtp_packet (SSRC_A, n);
    GST_BUFFER_PTS (in) = n * IB_SPACING;
    fail_unless_equals_int (gst_harness_push (e->h, in), GST_FLOW_OK);
  }
  while ((buf = gst_harness_try_pull (e->h)))
    g_ptr_array_add (out, buf);
  return out;
}

static gchar *
kinds (GPtrArray *bufs)
{
  GString *k = g_string_new (NULL);

  for (guint i = 0; i < bufs->len; i++)
    g_string_append_c (k, kind (bufs->pdata[i]));
  return g_string_free (k, FALSE);
}

/* (7) in band: mikeyenc announces before the first packet and every
 * interval; mikeydec takes the keys out of the stream, once, and a late
 * joiner gets them at the next announcement */
GST_START_TEST (test_in_band)
{
  const guint all[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 };
  const guint held[] = { 0, 1 };
  const guint late[] = { 5, 6, 7, 8, 9, 10, 11 };
  GPtrArray *stream;
  GstBuffer *msg;
  gchar *k;
  Enc e;
  Dec d;

  stream = in_band_stream (&e, IB_INTERVAL);
  k = kinds (stream);
  /* before packets 0, 5 (100 ms) and 10 (200 ms) */
  fail_unless_equals_string (k, "MPPPPPMPPPPPMPP");
  g_free (k);
  /* the same message each time, the one mikey_src has */
  msg = gst_harness_pull (e.em);
  fail_unless (same_bytes (stream->pdata[0], msg));
  fail_unless (same_bytes (stream->pdata[6], msg));
  fail_unless (same_bytes (stream->pdata[12], msg));
  gst_buffer_unref (msg);
  fail_unless_equals_int (count_messages (e.bus, GST_MESSAGE_WARNING, NULL),
      0);

  /* from the start: keys before the first packet, no MIKEY past mikeydec,
   * no new caps and no warning for the repeats */
  dec_setup (&d, 0);
  dec_feed (&d, stream, 0, 0, all, G_N_ELEMENTS (all));
  fail_unless_equals_string (d.into_srtpdec->str, "CPPPPPPPPPPPP");
  fail_unless_equals_int (d.keys_received, 1);
  fail_unless_equals_int (dec_stat (d.md, "messages-accepted"), 1);
  fail_unless_equals_int (dec_stat (d.md, "messages-repeated"), 2);
  fail_unless_equals_int (dec_stat (d.md, "messages-refused"), 0);
  fail_unless_equals_int (count_messages (d.bus, GST_MESSAGE_WARNING, NULL),
      0);
  dec_teardown (&d);

  /* a late joiner (the first announcement missed): two packets held, three
   * dropped, until the next announcement, which lets the held ones go */
  dec_setup (&d, 2);
  dec_feed (&d, stream, 1, 7, held, G_N_ELEMENTS (held));
  dec_feed (&d, stream, 7, 0, late, G_N_ELEMENTS (late));
  fail_unless_equals_string (d.into_srtpdec->str, "CPPPPPPPPP");
  fail_unless_equals_int (dec_stat (d.md, "packets-dropped"), 3);
  fail_unless_equals_int (dec_stat (d.md, "messages-accepted"), 1);
  fail_unless_equals_int (dec_stat (d.md, "messages-repeated"), 1);
  assert_one_warning (d.bus, d.md, GST_STREAM_ERROR,
      GST_STREAM_ERROR_DECRYPT_NOKEY);
  dec_teardown (&d);

  g_ptr_array_unref (stream);
  enc_teardown (&e);
}

GST_END_TEST;

/* (8) announce-interval=0: in band only when the message changes (here: a
 * second SSRC), at once */
GST_START_TEST (test_in_band_on_change)
{
  GPtrArray *stream;
  GstBuffer *buf, *m1, *m2;
  gchar *k;
  Enc e;

  stream = in_band_stream (&e, 0);
  k = kinds (stream);
  fail_unless_equals_string (k, "MPPPPPPPPPPPP");
  g_free (k);
  fail_unless_equals_int (gst_harness_push (e.h, rtp_packet (SSRC_B, 0)),
      GST_FLOW_OK);
  buf = gst_harness_try_pull (e.h);
  fail_unless (buf != NULL);
  fail_unless_equals_int (kind (buf), 'M');
  /* a new message, the second one on mikey_src */
  m1 = gst_harness_pull (e.em);
  m2 = gst_harness_pull (e.em);
  fail_unless (same_bytes (stream->pdata[0], m1));
  fail_unless (same_bytes (buf, m2));
  fail_if (same_bytes (m1, m2));
  gst_buffer_unref (buf);
  buf = gst_harness_try_pull (e.h);
  fail_unless (buf != NULL);
  fail_unless_equals_int (kind (buf), 'P');
  gst_buffer_unref (buf);
  fail_unless_equals_int (gst_harness_buffers_in_queue (e.h), 0);

  gst_buffer_unref (m1);
  gst_buffer_unref (m2);
  g_ptr_array_unref (stream);
  enc_teardown (&e);
}

GST_END_TEST;

/* (9) an I_MESSAGE with the V bit: the verification message comes out of
 * mikeydec's mikey_src (and on the bus) and satisfies the Initiator */
GST_START_TEST (test_dec_mikey_src_verification)
{
  guint8 master[30];
  const guint32 ssrcs[] = { SSRC_A };
  MkyPskInitiator *ini;
  MkyCsb *csb;
  GstHarness *dm;
  GstBuffer *msg, *reply;
  GBytes *rb, *posted;
  GError *error = NULL;
  Dec d;

  fill_master (master, sizeof master, 6);
  msg = make_i_message_full (master, ssrcs, 1, &ini, &csb);
  dec_setup (&d, 0);
  dm = harness_on (d.bin, NULL, "mikey_src");
  fail_unless (push_message (d.md, msg));

  reply = gst_harness_pull (dm);
  fail_unless (reply != NULL);
  fail_unless_equals_int (kind (reply), 'M');
  posted = posted_message (d.bus, d.md);
  fail_unless (posted != NULL, "no mikey-message on the bus");
  {
    GstBuffer *pb = gst_buffer_new_wrapped_bytes (posted);
    fail_unless (same_bytes (pb, reply));
    gst_buffer_unref (pb);
  }
  rb = bytes_of (reply);
  fail_unless (mky_psk_initiator_handle_response (ini, csb, rb, &error),
      "%s", error ? error->message : "");
  g_bytes_unref (rb);
  gst_buffer_unref (reply);
  g_bytes_unref (posted);

  gst_harness_teardown (dm);
  dec_teardown (&d);
  gst_buffer_unref (msg);
  mky_csb_unref (csb);
  mky_psk_initiator_free (ini);
}

GST_END_TEST;

/* (10) a malformed message in band: a warning, and the stream goes on */
GST_START_TEST (test_dec_in_band_malformed)
{
  guint8 master[30];
  const guint32 ssrcs[] = { SSRC_A };
  const guint want[] = { 0, 1, 2, 3, 4, 5 };
  GPtrArray *srtp, *stream = g_ptr_array_new_with_free_func
      ((GDestroyNotify) gst_buffer_unref);
  Dec d;

  fill_master (master, sizeof master, 7);
  srtp = protect (master, ssrcs, 1);
  /* message, packets 0-2, junk, packets 3-5 */
  g_ptr_array_add (stream, make_i_message (master, ssrcs, 1));
  for (guint n = 0; n < N_PACKETS; n++) {
    if (n == 3)
      g_ptr_array_add (stream, gst_buffer_new_memdup (junk, sizeof junk));
    g_ptr_array_add (stream, gst_buffer_ref (srtp->pdata[n]));
  }

  dec_setup (&d, 0);
  dec_feed (&d, stream, 0, 0, want, G_N_ELEMENTS (want));
  assert_one_warning (d.bus, d.md, GST_STREAM_ERROR,
      GST_STREAM_ERROR_DECODE);
  fail_unless_equals_int (count_messages (d.bus, GST_MESSAGE_ERROR, NULL),
      0);
  fail_unless_equals_string (d.into_srtpdec->str, "CPPPPPP");
  fail_unless_equals_int (dec_stat (d.md, "messages-accepted"), 1);
  fail_unless_equals_int (dec_stat (d.md, "messages-refused"), 1);

  dec_teardown (&d);
  g_ptr_array_unref (stream);
  g_ptr_array_unref (srtp);
}

GST_END_TEST;

/* The `mikey-stats` messages @from posted on @bus: exactly one */
static GstStructure *
posted_stats (GstBus *bus, GstElement *from)
{
  GstStructure *stats = NULL;
  GstMessage *m;

  while ((m = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT))) {
    const GstStructure *s = gst_message_get_structure (m);
    if (GST_MESSAGE_SRC (m) == GST_OBJECT (from)
        && gst_structure_has_name (s, "mikey-stats")) {
      fail_unless (stats == NULL, "two mikey-stats messages");
      stats = gst_structure_copy (s);
    }
    gst_message_unref (m);
  }
  fail_unless (stats != NULL, "no mikey-stats message");
  return stats;
}

/* (11) mikeydec's counters: packets dropped without a key, passed with
 * one, keys and a re-key of the same SSRC; posted as `mikey-stats` at EOS
 * (before the EOS goes on) and when stopping */
GST_START_TEST (test_dec_stats_message)
{
  guint8 m1[30], m2[30];
  const guint32 ssrcs[] = { SSRC_A };
  const guint keyed1[] = { 2, 3, 4, 5 };
  const guint keyed2[] = { 0, 1, 2, 3, 4, 5 };
  GPtrArray *srtp1, *srtp2;
  GstBuffer *msg1, *msg2;
  GstStructure *stats;
  GstEvent *ev;
  Dec d;

  fill_master (m1, sizeof m1, 8);
  fill_master (m2, sizeof m2, 9);
  srtp1 = protect (m1, ssrcs, 1);
  srtp2 = protect (m2, ssrcs, 1);
  msg1 = make_i_message (m1, ssrcs, 1);
  msg2 = make_i_message (m2, ssrcs, 1);

  dec_setup (&d, 0);
  dec_feed (&d, srtp1, 0, 2, NULL, 0);
  fail_unless (push_message (d.md, msg1));
  dec_feed (&d, srtp1, 2, 0, keyed1, G_N_ELEMENTS (keyed1));
  fail_unless (push_message (d.md, msg2));
  dec_feed (&d, srtp2, 0, 0, keyed2, G_N_ELEMENTS (keyed2));
  fail_unless_equals_string (d.into_srtpdec->str, "CPPPPCPPPPPP");

  fail_unless (gst_harness_push_event (d.h, gst_event_new_eos ()));
  /* the EOS went on after the counts */
  while ((ev = gst_harness_try_pull_event (d.h))) {
    gboolean eos = GST_EVENT_TYPE (ev) == GST_EVENT_EOS;
    gst_event_unref (ev);
    if (eos)
      break;
  }
  stats = posted_stats (d.bus, d.md);
  fail_unless_equals_int (stats_u64 (stats, "packets-keyed"), 10);
  fail_unless_equals_int (stats_u64 (stats, "packets-dropped"), 2);
  fail_unless_equals_int (stats_u64 (stats, "packets-invalid"), 0);
  fail_unless_equals_int (stats_u64 (stats, "keys-received"), 2);
  fail_unless_equals_int (stats_u64 (stats, "rekeys-followed"), 1);
  fail_unless_equals_int (stats_u64 (stats, "messages-accepted"), 2);
  fail_unless (gst_structure_has_field (stats, "streams"));
  gst_structure_free (stats);

  fail_unless_equals_int (gst_element_set_state (d.bin, GST_STATE_READY),
      GST_STATE_CHANGE_SUCCESS);
  stats = posted_stats (d.bus, d.md);
  fail_unless_equals_int (stats_u64 (stats, "packets-keyed"), 10);
  gst_structure_free (stats);

  gst_buffer_unref (msg1);
  gst_buffer_unref (msg2);
  g_ptr_array_unref (srtp1);
  g_ptr_array_unref (srtp2);
  dec_teardown (&d);
}

GST_END_TEST;

/* Packet @n of SSRC_A with sequence number @base + @n (wrapping) */
static GstBuffer *
seq_packet (guint n, guint base)
{
  return rtp_packet_seq (SSRC_A, n, base);
}

/* Packets @from .. @to - 1 through srtpenc ! mikeyenc (in band), and what
 * comes out through mikeydec ! srtpdec: each packet back bit for bit */
static void
rekey_pump (Enc *e, Dec *d, guint from, guint to, guint base)
{
  GstBuffer *buf;

  for (guint n = from; n < to; n++) {
    fail_unless_equals_int (gst_harness_push (e->h, seq_packet (n, base)),
        GST_FLOW_OK);
    while ((buf = gst_harness_try_pull (e->h))) {
      gboolean media = kind (buf) == 'P';
      fail_unless_equals_int (gst_harness_push (d->h, buf), GST_FLOW_OK);
      if (media) {
        GstBuffer *out = gst_harness_try_pull (d->h);
        GstBuffer *want = seq_packet (n, base);
        fail_unless (out != NULL, "packet %u (seq %u) lost", n,
            (guint16) (base + n));
        fail_unless (same_bytes (out, want), "packet %u (seq %u) differs",
            n, (guint16) (base + n));
        gst_buffer_unref (out);
        gst_buffer_unref (want);
      }
    }
  }
}

/* The next `mikey-rekey` of @from on @bus within 5 s: its phase must be
 * @phase; its MKI into @mki */
static void
wait_rekey (GstBus *bus, GstElement *from, const char *phase, guint8 *mki)
{
  gint64 end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  for (;;) {
    gint64 left = end - g_get_monotonic_time ();
    GstMessage *m = left > 0 ? gst_bus_timed_pop_filtered (bus,
        left * GST_USECOND, GST_MESSAGE_ELEMENT) : NULL;
    const GstStructure *s;

    fail_unless (m != NULL, "no mikey-rekey %s", phase);
    s = gst_message_get_structure (m);
    if (GST_MESSAGE_SRC (m) == GST_OBJECT (from)
        && gst_structure_has_name (s, "mikey-rekey")) {
      GstBuffer *b = gst_value_get_buffer (gst_structure_get_value (s,
              "mki"));
      fail_unless_equals_string (gst_structure_get_string (s, "phase"),
          phase);
      fail_unless_equals_int (gst_buffer_get_size (b), 1);
      gst_buffer_extract (b, 0, mki, 1);
      gst_message_unref (m);
      return;
    }
    gst_message_unref (m);
  }
}

static guint64
srtpdec_drops (GstElement *sd)
{
  GstStructure *stats = NULL;
  guint64 v = G_MAXUINT64;
  guint u;

  g_object_get (sd, "stats", &stats, NULL);
  fail_unless (stats != NULL);
  if (gst_structure_get_uint (stats, "recv-drop-count", &u))
    v = u;
  else
    fail_unless (gst_structure_get_uint64 (stats, "recv-drop-count", &v));
  gst_structure_free (stats);
  return v;
}

/* (12) a re-key on demand, in band: the next key (MKI + 1) in an
 * announcement before srtpenc switches, the old one after; every packet
 * before, during and after decrypts bit for bit, none is dropped or fails
 * authentication; with sequence numbers starting at @base, so that they
 * wrap where the test wants (srtpenc 1.22 restarts its ROC at 0 with the
 * new key: the announcement after the switch says so) */
/* mikeyenc's on-rekey: each phase's initial and MKI byte */
typedef struct {
  GMutex lock;
  GString *steps;
} Steps;

static void
on_rekey (GstElement *me, const gchar *phase, GstBuffer *mki, Steps *st)
{
  guint8 m = 0;

  fail_unless_equals_int (gst_buffer_get_size (mki), 1);
  gst_buffer_extract (mki, 0, &m, 1);
  g_mutex_lock (&st->lock);
  g_string_append_printf (st->steps, "%c%02x", phase[0], m);
  g_mutex_unlock (&st->lock);
}

static void
check_rekey_in_band (guint base)
{
  guint8 mki[3];
  GstBuffer *b = NULL;
  gboolean ok = FALSE;
  Steps st = { .steps = g_string_new (NULL) };
  Enc e;
  Dec d;

  g_mutex_init (&st.lock);
  enc_setup (&e, RTP_CAPS, 0, 0);
  g_object_set (e.me, "rekey-lead", 100, NULL);
  g_signal_connect (e.me, "on-rekey", G_CALLBACK (on_rekey), &st);
  dec_setup (&d, 0);

  rekey_pump (&e, &d, 0, 4, base);
  g_signal_emit_by_name (e.me, "rekey", &ok);
  fail_unless (ok);
  wait_rekey (e.bus, e.me, "distributed", &mki[0]);
  /* one at a time */
  g_signal_emit_by_name (e.me, "rekey", &ok);
  fail_if (ok);
  rekey_pump (&e, &d, 4, 8, base);
  wait_rekey (e.bus, e.me, "switched", &mki[1]);
  fail_unless_equals_int (mki[1], mki[0]);
  g_object_get (e.se, "mki", &b, NULL);
  fail_unless (b != NULL && gst_buffer_memcmp (b, 0, &mki[0], 1) == 0);
  gst_buffer_unref (b);
  rekey_pump (&e, &d, 8, 12, base);
  wait_rekey (e.bus, e.me, "retired", &mki[2]);
  fail_unless_equals_int ((guint8) (mki[2] + 1), mki[0]);
  rekey_pump (&e, &d, 12, 16, base);

  fail_unless_equals_int (srtpdec_drops (d.sd), 0);
  fail_unless_equals_int (dec_stat (d.md, "packets-dropped"), 0);
  fail_unless_equals_int (dec_stat (d.md, "packets-keyed"), 16);
  /* distributed, switched, retired: three new key sets for the SSRC */
  fail_unless_equals_int (dec_stat (d.md, "rekeys-followed"), 3);
  {
    GstStructure *stats = NULL;
    g_object_get (e.me, "stats", &stats, NULL);
    fail_unless_equals_int (stats_u64 (stats, "rekeys"), 1);
    gst_structure_free (stats);
  }
  fail_unless_equals_int (count_messages (d.bus, GST_MESSAGE_WARNING, NULL),
      0);
  {
    /* the signal told each step as the messages did */
    g_autofree gchar *want = g_strdup_printf ("d%02xs%02xr%02x", mki[0],
        mki[1], mki[2]);
    g_mutex_lock (&st.lock);
    fail_unless_equals_string (st.steps->str, want);
    g_mutex_unlock (&st.lock);
  }
  dec_teardown (&d);
  enc_teardown (&e);
  g_string_free (st.steps, TRUE);
  g_mutex_clear (&st.lock);
}

GST_START_TEST (test_rekey_in_band)
{
  check_rekey_in_band (FIRST_SEQ);
}

GST_END_TEST;

/* the wrap while both keys are out, before the switch (65534, 65535, 0,
 * 1 under the old key): the old key's ROC is 1, the new key's 0 */
GST_START_TEST (test_rekey_in_band_wrap_before_switch)
{
  check_rekey_in_band (65530);
}

GST_END_TEST;

/* the wrap before the re-key starts: the announcements of the next key
 * say ROC 1, the one after the switch ROC 0 (srtpenc 1.22 restarted it) */
GST_START_TEST (test_rekey_in_band_wrap_before_rekey)
{
  check_rekey_in_band (65534);
}

GST_END_TEST;

/* the wrap right after the switch, under the new key */
GST_START_TEST (test_rekey_in_band_wrap_after_switch)
{
  check_rekey_in_band (65526);
}

GST_END_TEST;

/* the same without keys in caps: srtpdec asks again after each change */
/* The next buffer out of @h within @ms, or NULL */
static GstBuffer *
pull_within (GstHarness *h, guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * (gint64) 1000;
  GstBuffer *b;

  while (!(b = gst_harness_try_pull (h)) && g_get_monotonic_time () < end)
    g_usleep (1000);
  return b;
}

/* Packets @from .. @to - 1 (sequence numbers from @base) through mikeyenc
 * and into mikeydec, the messages from mikey_src to mikey_sink (through
 * @dm) only after the packet: a packet mikeydec holds waits for the next
 * message. Each back bit for bit. */
static void
out_of_band_pump (Enc *e, Dec *d, GstHarness *dm, guint from, guint to,
    guint base)
{
  for (guint n = from; n < to; n++) {
    GstBuffer *out, *msg, *want = seq_packet (n, base);

    fail_unless_equals_int (gst_harness_push (e->h, seq_packet (n, base)),
        GST_FLOW_OK);
    fail_unless_equals_int (gst_harness_push (d->h, gst_harness_pull (e->h)),
        GST_FLOW_OK);
    while (!(out = pull_within (d->h, 50))) {
      msg = pull_within (e->em, 2000);
      fail_unless (msg != NULL, "packet %u (seq %u) held, no message",
          n, (guint16) (base + n));
      fail_unless_equals_int (gst_harness_push (dm, msg), GST_FLOW_OK);
    }
    fail_unless (same_bytes (out, want), "packet %u (seq %u) differs", n,
        (guint16) (base + n));
    gst_buffer_unref (out);
    gst_buffer_unref (want);
    while ((msg = gst_harness_try_pull (e->em)))
      fail_unless_equals_int (gst_harness_push (dm, msg), GST_FLOW_OK);
  }
}

/* A re-key after a wrap with the messages out of band (mikey_src to
 * mikey_sink), each reaching mikeydec after the packet that follows it:
 * the first packet under the new key, whose ROC srtpenc 1.22 restarted,
 * waits in mikeydec for the message sent at the switch; no packet lost,
 * none failing authentication */
/* mikeyenc (mki-length 1, rekey-lead 100 ms, messages out of band) and
 * mikeydec dropping packets without keys, the first packet keyed by the
 * first message, the sequence numbers wrapping after packet 1, a re-key
 * distributed at packet 4 and switched before packet 8 */
static GstHarness *
out_of_band_to_switch (Enc *e, Dec *d)
{
  GstHarness *dm;
  GstBuffer *msg;
  gboolean ok = FALSE;
  guint8 mki;

  enc_setup (e, RTP_CAPS, 1, NOT_IN_BAND);
  g_object_set (e->me, "rekey-lead", 100, NULL);
  dec_setup (d, 0);
  dm = harness_on (d->bin, "mikey_sink", NULL);
  /* before the first packet, like the keys of a signalling exchange */
  fail_unless_equals_int (gst_harness_push (e->h, seq_packet (0, 65534)),
      GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_push (dm, gst_harness_pull (e->em)),
      GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_push (d->h, gst_harness_pull (e->h)),
      GST_FLOW_OK);
  gst_buffer_unref (gst_harness_pull (d->h));

  out_of_band_pump (e, d, dm, 1, 4, 65534);
  g_signal_emit_by_name (e->me, "rekey", &ok);
  fail_unless (ok);
  wait_rekey (e->bus, e->me, "distributed", &mki);
  /* its message (both keys) there before the switch, as the lead is for */
  msg = pull_within (e->em, 2000);
  fail_unless (msg != NULL);
  fail_unless_equals_int (gst_harness_push (dm, msg), GST_FLOW_OK);
  out_of_band_pump (e, d, dm, 4, 8, 65534);
  wait_rekey (e->bus, e->me, "switched", &mki);
  return dm;
}

GST_START_TEST (test_rekey_out_of_band_after_wrap)
{
  GstHarness *dm;
  guint8 mki;
  Enc e;
  Dec d;

  dm = out_of_band_to_switch (&e, &d);
  out_of_band_pump (&e, &d, dm, 8, 12, 65534);
  wait_rekey (e.bus, e.me, "retired", &mki);
  out_of_band_pump (&e, &d, dm, 12, 16, 65534);

  fail_unless_equals_int (srtpdec_drops (d.sd), 0);
  fail_unless_equals_int (dec_stat (d.md, "packets-dropped"), 0);
  fail_unless_equals_int (dec_stat (d.md, "packets-keyed"), 16);
  gst_harness_teardown (dm);
  dec_teardown (&d);
  enc_teardown (&e);
}

GST_END_TEST;

/* The same with the message sent at the switch held back: mikeydec holds
 * 256 packets under the new key (max-pending is 0), then lets them on with
 * the ROC it has (srtpdec refuses them, their ROC being wrong); once the
 * message comes, the packets after decrypt */
#define SWITCH_HOLD 256

GST_START_TEST (test_rekey_out_of_band_message_late)
{
  GstHarness *dm;
  Enc e;
  Dec d;

  dm = out_of_band_to_switch (&e, &d);
  for (guint n = 8; n < 8 + SWITCH_HOLD; n++) {
    fail_unless_equals_int (gst_harness_push (e.h, seq_packet (n, 65534)),
        GST_FLOW_OK);
    fail_unless_equals_int (gst_harness_push (d.h, gst_harness_pull (e.h)),
        GST_FLOW_OK);
  }
  fail_unless_equals_int (gst_harness_buffers_in_queue (d.h), 0);
  fail_unless_equals_int (dec_stat (d.md, "packets-keyed"), 8);
  /* one more: all go on */
  fail_unless_equals_int (gst_harness_push (e.h, seq_packet (8 + SWITCH_HOLD,
              65534)), GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_push (d.h, gst_harness_pull (e.h)),
      GST_FLOW_OK);
  fail_unless_equals_int (dec_stat (d.md, "packets-keyed"),
      8 + SWITCH_HOLD + 1);
  fail_unless_equals_int (dec_stat (d.md, "packets-dropped"), 0);
  fail_unless_equals_int (srtpdec_drops (d.sd), SWITCH_HOLD + 1);
  /* the message now: on as before */
  {
    GstBuffer *msg;
    while ((msg = pull_within (e.em, 200)))
      fail_unless_equals_int (gst_harness_push (dm, msg), GST_FLOW_OK);
  }
  out_of_band_pump (&e, &d, dm, 9 + SWITCH_HOLD, 13 + SWITCH_HOLD, 65534);
  gst_harness_teardown (dm);
  dec_teardown (&d);
  enc_teardown (&e);
}

GST_END_TEST;

GST_START_TEST (test_rekey_in_band_request_key)
{
  dec_keys_in_caps = FALSE;
  check_rekey_in_band (65526);
  dec_keys_in_caps = TRUE;
}

GST_END_TEST;

static Suite *
mikey_suite (void)
{
  Suite *s = suite_create ("mikey");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_dec_keys_srtpdec);
  tcase_add_test (tc, test_dec_keys_request_key);
  tcase_add_test (tc, test_dec_no_key_drop);
  tcase_add_test (tc, test_dec_no_key_hold);
  tcase_add_test (tc, test_dec_hold_released_at_once);
  tcase_add_test (tc, test_dec_malformed_message);
  tcase_add_test (tc, test_enc_provisions_srtpenc);
  tcase_add_test (tc, test_enc_provisions_srtpenc_mki);
  tcase_add_test (tc, test_two_ssrcs);
  tcase_add_test (tc, test_buffer_lists);
  tcase_add_test (tc, test_two_senders);
  tcase_add_test (tc, test_dec_ssrc0_binds);
  tcase_add_test (tc, test_enc_mikey_src);
  tcase_add_test (tc, test_in_band);
  tcase_add_test (tc, test_in_band_on_change);
  tcase_add_test (tc, test_dec_mikey_src_verification);
  tcase_add_test (tc, test_dec_in_band_malformed);
  tcase_add_test (tc, test_dec_stats_message);
  tcase_add_test (tc, test_rekey_in_band);
  tcase_add_test (tc, test_rekey_in_band_wrap_before_switch);
  tcase_add_test (tc, test_rekey_in_band_wrap_before_rekey);
  tcase_add_test (tc, test_rekey_in_band_wrap_after_switch);
  tcase_add_test (tc, test_rekey_in_band_request_key);
  tcase_add_test (tc, test_rekey_out_of_band_after_wrap);
  tcase_add_test (tc, test_rekey_out_of_band_message_late);
  return s;
}

GST_CHECK_MAIN (mikey);
