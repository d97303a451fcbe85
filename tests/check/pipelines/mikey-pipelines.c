/* Whole pipelines of the mikey plugin over real UDP on 127.0.0.1, in one
 * process:
 *
 *   appsrc (known payloads) ! rtpL16pay ! srtpenc ! mikeyenc ! udpsink
 *   udpsrc ! mikeydec ! srtpdec ! rtpL16depay ! appsink
 *
 * and every depayloaded buffer compared byte for byte with the one sent
 * (each payload starts with its index, so a loss, a repeat or a mix-up
 * shows). The cases: PSK with the MIKEY message on a UDP port of its own;
 * PSK in band with a receiver that joins late; PK push to one of two
 * receivers; the rsa-r-group key server with 10 members; RSA-R unicast
 * with three receivers; the rsa-r-group key server with 30%
 * of the MIKEY datagrams dropped both ways by a relay (fixed seed); the key
 * server stopped and started again (members re-join by themselves); a
 * re-key in the middle of the stream, in band (action signal) and in
 * rsa-r-group mode (rekey-interval); a member whose first four answers are
 * lost; re-keys in dh and dhhmac mode (each a new exchange: on demand,
 * then by rekey-interval; in dh mode also after a sequence-number wrap),
 * and one whose exchange fails (the receiver's answers lost) while the
 * media goes on under the old key. The failures of the exchanges
 * themselves are tested in tests/check/elements/mikey-rsa-r.c.
 *
 * Receivers bind UDP port 0 and the sender is told the port udpsrc got
 * (reuse=false: with udpsrc's default SO_REUSEADDR/SO_REUSEPORT, Linux may
 * give port 0 binds of two receivers the same port, which then share or
 * steal each other's packets); the key server's port is a free one
 * picked at run time. Every wait is bounded. Exits with 77 (skipped) when
 * a stock element is missing.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>
#include <gio/gio.h>
#include <gst/check/gstcheck.h>
#include <gst/app/gstappsrc.h>
#include "test-pki.h"
/* payload_len (), payload_byte (), same_bytes (), PT, FIRST_SEQ; not its
 * rtp_packet (): the payloader makes the packets here */
#include "rtp-media.h"
#include "test-relay.h"

#define SEED 0x4d494b59u        /* of the payload bytes */
#define PSK_HEX "6120707265207368617265642b6b6579206f662033322062797465732e2e2e2e"
#define FRAME (20 * GST_MSECOND)
#define AUDIO_CAPS "audio/x-raw, format=(string)S16BE, " \
  "layout=(string)interleaved, rate=(int)8000, channels=(int)1"
#define SRTP_CAPS "application/x-srtp, media=(string)audio, " \
  "clock-rate=(int)8000, encoding-name=(string)L16, " \
  "encoding-params=(string)1, channels=(int)1, payload=(int)96"
#define WAIT_MS 8000            /* bound of every wait */
#define N_MEMBERS 10
#define DAY (G_GINT64_CONSTANT (86400))
#define SERVER_ID "sip:keys@pipelines.example"
#define M0_ID "sip:m0@pipelines.example"

static const char *const needed[] = {
  "appsrc", "appsink", "udpsrc", "udpsink", "multiudpsink", "rtpL16pay",
  "rtpL16depay", "srtpenc", "srtpdec", "mikeyenc", "mikeydec", NULL
};

/* The PKI's files (main ()): a CA, the key server, members m0..m9 */
static struct {
  gchar *ca, *server_cert, *server_key;
  gchar *member_cert[N_MEMBERS], *member_key[N_MEMBERS];
} pki;

/* @pem (taken) into the temporary directory as @name: the path */
static gchar *
write_pem (const char *name, GBytes *pem)
{
  gchar *path = test_pki_write (name, pem);

  g_bytes_unref (pem);
  return path;
}

static void
make_pki (void)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  TestPkiCert *ca = test_pki_ca ("Pipelines CA", 0, now - DAY,
      now + 30 * DAY);
  TestPkiCert *sv = test_pki_leaf (ca, "keys", SERVER_ID, 1, 2, now - DAY,
      now + 30 * DAY, TEST_PKI_KU_BOTH);

  pki.ca = write_pem ("ca.pem", test_pki_cert_pem (ca));
  pki.server_cert = write_pem ("keys.pem", test_pki_cert_pem (sv));
  pki.server_key = write_pem ("keys.key", test_pki_key_pem (sv, NULL));
  for (guint i = 0; i < N_MEMBERS; i++) {
    g_autofree gchar *cn = g_strdup_printf ("m%u", i);
    g_autofree gchar *uri = g_strdup_printf ("sip:m%u@pipelines.example", i);
    g_autofree gchar *cf = g_strdup_printf ("m%u.pem", i);
    g_autofree gchar *kf = g_strdup_printf ("m%u.key", i);
    /* one key for all members: key generation is the slow part */
    TestPkiCert *m = test_pki_leaf (ca, cn, uri, 2, 10 + i, now - DAY,
        now + 30 * DAY, TEST_PKI_KU_BOTH);

    pki.member_cert[i] = write_pem (cf, test_pki_cert_pem (m));
    pki.member_key[i] = write_pem (kf, test_pki_key_pem (m, NULL));
    test_pki_cert_free (m);
  }
  test_pki_cert_free (sv);
  test_pki_cert_free (ca);
}

/* Media: buffer @n holds its index (4 bytes, big endian), then bytes of
 * its own; an even length (L16) that varies */

static GstBuffer *
media (guint n)
{
  gsize len = 2 * payload_len (n % 8);
  GstBuffer *buf = gst_buffer_new_allocate (NULL, len, NULL);
  GstMapInfo map;

  fail_unless (gst_buffer_map (buf, &map, GST_MAP_WRITE));
  GST_WRITE_UINT32_BE (map.data, n);
  for (gsize i = 4; i < len; i++)
    map.data[i] = payload_byte (SEED, n, i);
  gst_buffer_unmap (buf, &map);
  GST_BUFFER_PTS (buf) = n * FRAME;
  GST_BUFFER_DURATION (buf) = FRAME;
  return buf;
}

/* The index of @buf, which must be media () of it byte for byte */
static guint
media_index (GstBuffer *buf, const char *who)
{
  guint8 head[4];
  GstBuffer *want;
  guint n;

  fail_unless (gst_buffer_extract (buf, 0, head, 4) == 4, "%s: %zu bytes",
      who, gst_buffer_get_size (buf));
  n = GST_READ_UINT32_BE (head);
  fail_unless (n < 1000000, "%s: a buffer of no index (%08x)", who, n);
  want = media (n);
  fail_unless (same_bytes (buf, want), "%s: buffer %u differs (%zu bytes, "
      "%zu sent)", who, n, gst_buffer_get_size (buf),
      gst_buffer_get_size (want));
  gst_buffer_unref (want);
  return n;
}

/* Pipelines */

static GstElement *
launch (const char *line)
{
  g_autoptr (GError) error = NULL;
  GstElement *pipe = gst_parse_launch (line, &error);

  fail_unless (pipe != NULL && error == NULL, "%s: %s", line,
      error ? error->message : "?");
  return pipe;
}

static GstElement *
child (GstElement *pipe, const char *name)
{
  GstElement *e = gst_bin_get_by_name (GST_BIN (pipe), name);

  fail_unless (e != NULL, "no %s", name);
  gst_object_unref (e);         /* the pipeline holds it */
  return e;
}

static void
play (GstElement *pipe)
{
  fail_if (gst_element_set_state (pipe, GST_STATE_PLAYING)
      == GST_STATE_CHANGE_FAILURE, "%s would not play",
      GST_OBJECT_NAME (pipe));
}

/* No error on @pipe's bus so far (warnings are fine) */
static void
assert_no_error (GstElement *pipe)
{
  GstBus *bus = gst_element_get_bus (pipe);
  GstMessage *m;

  while ((m = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR))) {
    GError *err = NULL;
    gchar *dbg = NULL;
    gst_message_parse_error (m, &err, &dbg);
    fail ("%s: error from %s: %s (%s)", GST_OBJECT_NAME (pipe),
        GST_OBJECT_NAME (GST_MESSAGE_SRC (m)), err->message, dbg);
  }
  gst_object_unref (bus);
}

static void
stop (GstElement **pipe)
{
  if (*pipe) {
    gst_element_set_state (*pipe, GST_STATE_NULL);
    gst_clear_object (pipe);
  }
}

/* The first element message @name on @pipe's bus within WAIT_MS (others
 * are dropped; an error fails) */
static GstStructure *
wait_message (GstElement *pipe, const char *name)
{
  GstBus *bus = gst_element_get_bus (pipe);
  gint64 end = g_get_monotonic_time () + WAIT_MS * (gint64) 1000;
  GstStructure *s = NULL;

  while (s == NULL && g_get_monotonic_time () < end) {
    GstMessage *m = gst_bus_timed_pop_filtered (bus,
        (end - g_get_monotonic_time ()) * GST_USECOND,
        GST_MESSAGE_ELEMENT | GST_MESSAGE_ERROR);
    if (m == NULL)
      break;
    if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ERROR) {
      GError *err = NULL;
      gst_message_parse_error (m, &err, NULL);
      fail ("%s: error: %s", GST_OBJECT_NAME (pipe), err->message);
    }
    if (gst_message_has_name (m, name))
      s = gst_structure_copy (gst_message_get_structure (m));
    gst_message_unref (m);
  }
  gst_object_unref (bus);
  fail_unless (s != NULL, "%s: no %s in %u ms", GST_OBJECT_NAME (pipe), name,
      WAIT_MS);
  return s;
}

static guint64
stat_u64 (GstElement *e, const char *field)
{
  GstStructure *s = NULL;
  guint64 v = 0;
  guint u;

  g_object_get (e, "stats", &s, NULL);
  fail_unless (s != NULL);
  /* srtpdec's counters are guint */
  if (gst_structure_get_uint (s, field, &u))
    v = u;
  else
    fail_unless (gst_structure_get_uint64 (s, field, &v), "%s: no %s",
        GST_OBJECT_NAME (e), field);
  gst_structure_free (s);
  return v;
}

/* The sender: appsrc ! rtpL16pay ! srtpenc ! mikeyenc ! @sink (and the
 * rest of @tail); what goes to the network is watched: the count of media
 * packets, and before which of them each in-band MIKEY message went */
typedef struct {
  GstElement *pipe, *src, *se, *me, *sink;
  GMutex lock;
  guint packets;
  GArray *announced;            /* guint: packet index after a message */
} Sender;

static GstPadProbeReturn
on_wire (GstPad *pad, GstPadProbeInfo *info, Sender *s)
{
  guint8 first = 0;

  gst_buffer_extract (GST_PAD_PROBE_INFO_BUFFER (info), 0, &first, 1);
  g_mutex_lock (&s->lock);
  if (first == 0x01)            /* MIKEY version 1: no RTP packet */
    g_array_append_val (s->announced, s->packets);
  else
    s->packets++;
  g_mutex_unlock (&s->lock);
  return GST_PAD_PROBE_OK;
}

/* The first sequence number of the senders started next: FIRST_SEQ, no
 * wrap, but where a test wants one (srtpenc 1.22 restarts its ROC at a
 * re-key, which out-of-band keys through mikey_src cannot tell receivers
 * in time after a wrap; see mikeyenc's documentation) */
static guint sender_first_seq = FIRST_SEQ;

/* @me: mikeyenc's properties; @tail: what follows it ("! udpsink ...") */
static void
sender_start (Sender *s, const char *me, const char *tail)
{
  g_autofree gchar *line = g_strdup_printf ("appsrc name=src format=time "
      "caps=\"" AUDIO_CAPS "\" ! rtpL16pay pt=%u seqnum-offset=%u "
      "! srtpenc name=se ! mikeyenc name=me %s %s", PT, sender_first_seq, me,
      tail);
  GstPad *pad;

  memset (s, 0, sizeof *s);
  g_mutex_init (&s->lock);
  s->announced = g_array_new (FALSE, FALSE, sizeof (guint));
  s->pipe = launch (line);
  gst_object_set_name (GST_OBJECT (s->pipe), "sender");
  s->src = child (s->pipe, "src");
  s->se = child (s->pipe, "se");
  s->me = child (s->pipe, "me");
  s->sink = child (s->pipe, "sink");
  pad = gst_element_get_static_pad (s->sink, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER,
      (GstPadProbeCallback) on_wire, s, NULL);
  gst_object_unref (pad);
  play (s->pipe);
}

static void
sender_stop (Sender *s)
{
  assert_no_error (s->pipe);
  stop (&s->pipe);
  g_array_free (s->announced, TRUE);
  g_mutex_clear (&s->lock);
}

/* Buffers @from .. @to - 1 into the sender, @pace_us apart */
static void
send_media (Sender *s, guint from, guint to, guint pace_us)
{
  for (guint n = from; n < to; n++) {
    fail_unless_equals_int (gst_app_src_push_buffer (GST_APP_SRC (s->src),
            media (n)), GST_FLOW_OK);
    g_usleep (pace_us);
  }
}

/* A receiver: udpsrc ! mikeydec ! srtpdec ! rtpL16depay ! appsink */
typedef struct {
  gchar *name;
  GstElement *pipe, *md, *sd, *sink;
  guint port;                   /* its media port (udpsrc bound port 0) */
  GArray *got;                  /* guint: indices decoded, in order */
} Receiver;

/* @md: mikeydec's properties; @extra: more of the pipeline (may refer to
 * md) */
static void
receiver_start (Receiver *r, const char *name, const char *md,
    const char *extra)
{
  g_autofree gchar *line = g_strdup_printf ("udpsrc name=usrc "
      "address=127.0.0.1 port=0 reuse=false buffer-size=1048576 "
      "caps=\"" SRTP_CAPS "\" "
      "! md.rtp_sink mikeydec name=md %s md.rtp_src ! sd.rtp_sink "
      "srtpdec name=sd sd.rtp_src ! rtpL16depay ! appsink name=sink "
      "sync=false %s", md, extra ? extra : "");
  gint port = 0;

  memset (r, 0, sizeof *r);
  r->name = g_strdup (name);
  r->got = g_array_new (FALSE, FALSE, sizeof (guint));
  r->pipe = launch (line);
  gst_object_set_name (GST_OBJECT (r->pipe), name);
  r->md = child (r->pipe, "md");
  r->sd = child (r->pipe, "sd");
  r->sink = child (r->pipe, "sink");
  play (r->pipe);
  /* udpsrc bound its socket going to READY, and says the port it got */
  g_object_get (child (r->pipe, "usrc"), "port", &port, NULL);
  fail_unless (port > 0);
  r->port = port;
}

static void
receiver_stop (Receiver *r)
{
  if (r->pipe)
    assert_no_error (r->pipe);
  stop (&r->pipe);
  g_array_free (r->got, TRUE);
  g_free (r->name);
}

/* The mode of the key servers and members started next: rsa-r-group, or
 * rsa-r (RFC 4738 unicast: the same join, an exchange per receiver) */
static const char *rsa_r_mode = "rsa-r-group";

/* member @i of the rsa-r-group key server at 127.0.0.1:@port, and more of
 * mikeydec's properties (@opts) */
static void
member_start (Receiver *r, guint i, guint port, const char *opts)
{
  g_autofree gchar *name = g_strdup_printf ("m%u", i);
  g_autofree gchar *md = g_strdup_printf ("mode=%s "
      "server=127.0.0.1:%u certificate=\"%s\" private-key=\"%s\" "
      "ca-file=\"%s\" %s", rsa_r_mode, port, pki.member_cert[i],
      pki.member_key[i], pki.ca, opts);

  receiver_start (r, name, md, NULL);
}

/* The `mikey-joined` of member @r: from our key server */
static void
member_wait_joined (Receiver *r)
{
  GstStructure *s = wait_message (r->pipe, "mikey-joined");

  fail_unless_equals_string (gst_structure_get_string (s, "server-identity"),
      SERVER_ID);
  gst_structure_free (s);
}

/* What @r decodes until buffer @last or nothing for WAIT_MS, appended to
 * r->got, each checked byte for byte and in order */
static void
receive (Receiver *r, guint last)
{
  for (;;) {
    GstSample *sample = NULL;
    guint n;

    g_signal_emit_by_name (r->sink, "try-pull-sample", WAIT_MS * GST_MSECOND,
        &sample);
    if (sample == NULL)
      return;
    n = media_index (gst_sample_get_buffer (sample), r->name);
    gst_sample_unref (sample);
    if (r->got->len > 0)
      fail_unless (n > g_array_index (r->got, guint, r->got->len - 1),
          "%s: buffer %u after %u", r->name, n,
          g_array_index (r->got, guint, r->got->len - 1));
    g_array_append_val (r->got, n);
    if (n == last)
      return;
  }
}

/* @r decoded exactly @from .. @to - 1 since entry @at of r->got */
static void
assert_got (Receiver *r, guint at, guint from, guint to)
{
  fail_unless (r->got->len >= at);
  if (r->got->len - at != to - from) {
    GstStructure *md = NULL, *sd = NULL;
    gchar *a, *b;
    g_object_get (r->md, "stats", &md, NULL);
    g_object_get (r->sd, "stats", &sd, NULL);
    a = gst_structure_to_string (md);
    b = gst_structure_to_string (sd);
    fail ("%s: %u buffers of %u..%u, not %u; mikeydec %s; srtpdec %s",
        r->name, r->got->len - at, from, to - 1, to - from, a, b);
  }
  for (guint k = 0; k < to - from; k++)
    fail_unless_equals_int (g_array_index (r->got, guint, at + k), from + k);
}

/* No packet failed in srtpdec (authentication, replay) */
static void
assert_no_srtp_failure (Receiver *r)
{
  fail_unless_equals_int (stat_u64 (r->sd, "recv-drop-count"), 0);
}


/* The MIKEY port of receiver @r (its udpsrc named msrc) */
static guint
mikey_port (Receiver *r)
{
  gint port = 0;

  g_object_get (child (r->pipe, "msrc"), "port", &port, NULL);
  fail_unless (port > 0);
  return port;
}

/* 1. PSK, the MIKEY message on a UDP port of its own: every packet, held
 * by mikeydec until the message is there, decoded byte for byte */
GST_START_TEST (test_psk_mikey_port)
{
  Receiver r;
  Sender s;
  g_autofree gchar *tail = NULL;

  receiver_start (&r, "receiver", "psk=" PSK_HEX " max-pending=200",
      "udpsrc name=msrc address=127.0.0.1 port=0 reuse=false "
      "caps=application/mikey "
      "! md.mikey_sink");
  tail = g_strdup_printf ("! udpsink name=sink host=127.0.0.1 port=%u "
      "sync=false async=false me.mikey_src ! udpsink host=127.0.0.1 port=%u "
      "sync=false async=false", r.port, mikey_port (&r));
  sender_start (&s, "psk=" PSK_HEX, tail);

  send_media (&s, 0, 100, 1000);
  receive (&r, 99);
  assert_got (&r, 0, 0, 100);
  assert_no_srtp_failure (&r);
  fail_unless_equals_int (stat_u64 (r.md, "packets-dropped"), 0);
  fail_unless (stat_u64 (r.md, "messages-accepted") >= 1);
  /* nothing in band on the media port */
  fail_unless_equals_int (s.announced->len, 0);
  sender_stop (&s);
  receiver_stop (&r);
}

GST_END_TEST;

/* 2. PSK in band, broadcast (multiudpsink): receiver A from the start,
 * receiver B added once A has had 25 packets (the first announcement long
 * past). B drops what comes before the next announcement (max-pending 0)
 * and decodes every packet from it on, byte for byte. */
GST_START_TEST (test_psk_in_band_late_joiner)
{
  Receiver a, b;
  Sender s;
  g_autofree gchar *tail = NULL;
  guint next = G_MAXUINT;
  const guint late = 25, total = 80;

  receiver_start (&a, "early", "psk=" PSK_HEX, NULL);
  tail = g_strdup_printf ("! multiudpsink name=sink clients=127.0.0.1:%u "
      "sync=false async=false", a.port);
  /* every 200 ms of running time: every 10 packets */
  sender_start (&s, "psk=" PSK_HEX " in-band=true announce-interval=200",
      tail);

  send_media (&s, 0, late, 1000);
  receive (&a, late - 1);
  assert_got (&a, 0, 0, late);
  /* A has had them all: nothing for B is on its way yet */
  receiver_start (&b, "late", "psk=" PSK_HEX, NULL);
  g_signal_emit_by_name (s.sink, "add", "127.0.0.1", (gint) b.port);
  send_media (&s, late, total, 1000);
  receive (&a, total - 1);
  receive (&b, total - 1);

  g_mutex_lock (&s.lock);
  fail_unless (s.announced->len >= 4);
  fail_unless_equals_int (g_array_index (s.announced, guint, 0), 0);
  for (guint i = 0; i < s.announced->len && next == G_MAXUINT; i++)
    if (g_array_index (s.announced, guint, i) >= late)
      next = g_array_index (s.announced, guint, i);
  g_mutex_unlock (&s.lock);
  /* a late joiner indeed: packets came before the next announcement */
  fail_unless (next > late && next < total, "next announcement at %u", next);
  assert_got (&a, 0, 0, total);
  assert_got (&b, 0, next, total);
  fail_unless_equals_int (stat_u64 (b.md, "packets-dropped"), next - late);
  fail_unless_equals_int (stat_u64 (a.md, "packets-dropped"), 0);
  assert_no_srtp_failure (&a);
  assert_no_srtp_failure (&b);
  sender_stop (&s);
  receiver_stop (&a);
  receiver_stop (&b);
}

GST_END_TEST;

/* 1b. PK push (RFC 3830 §3.2): mikeyenc mode=pk with m0's certificate as
 * peer-certificate, its messages on mikey_src and the media to m0 and to
 * m1 (each with a MIKEY port of its own). m0 decodes every packet byte for
 * byte; m1, whose certificate the message is not for, refuses it
 * (RESOURCE / NOT_AUTHORIZED warning), takes no keys and decodes nothing */
GST_START_TEST (test_pk_push)
{
  Receiver r[2];
  Sender s;
  g_autofree gchar *me = g_strdup_printf ("mode=pk certificate=\"%s\" "
      "private-key=\"%s\" ca-file=\"%s\" peer-certificate=\"%s\"",
      pki.server_cert, pki.server_key, pki.ca, pki.member_cert[0]);
  GstBus *bus;
  GstMessage *m;
  GError *err = NULL;
  gboolean authz = FALSE;

  for (guint i = 0; i < 2; i++) {
    g_autofree gchar *name = g_strdup_printf ("m%u", i);
    g_autofree gchar *md = g_strdup_printf ("mode=pk certificate=\"%s\" "
        "private-key=\"%s\" ca-file=\"%s\" max-pending=200",
        pki.member_cert[i], pki.member_key[i], pki.ca);
    receiver_start (&r[i], name, md, "udpsrc name=msrc address=127.0.0.1 "
        "port=0 reuse=false caps=application/mikey ! md.mikey_sink");
  }
  sender_start (&s, me, "! multiudpsink name=sink sync=false async=false "
      "me.mikey_src ! multiudpsink name=msink sync=false async=false");
  for (guint i = 0; i < 2; i++) {
    g_signal_emit_by_name (s.sink, "add", "127.0.0.1", (gint) r[i].port);
    g_signal_emit_by_name (child (s.pipe, "msink"), "add", "127.0.0.1",
        (gint) mikey_port (&r[i]));
  }

  send_media (&s, 0, 100, 1000);
  receive (&r[0], 99);
  assert_got (&r[0], 0, 0, 100);
  assert_no_srtp_failure (&r[0]);
  fail_unless_equals_int (stat_u64 (r[0].md, "packets-dropped"), 0);
  fail_unless (stat_u64 (r[0].md, "messages-accepted") >= 1);

  /* m1: the warning (among others: packets without a key), no keys,
   * nothing out */
  bus = gst_element_get_bus (r[1].pipe);
  while (!authz && (m = gst_bus_timed_pop_filtered (bus,
              WAIT_MS * GST_MSECOND, GST_MESSAGE_WARNING))) {
    gst_message_parse_warning (m, &err, NULL);
    authz = g_error_matches (err, GST_RESOURCE_ERROR,
        GST_RESOURCE_ERROR_NOT_AUTHORIZED);
    g_clear_error (&err);
    gst_message_unref (m);
  }
  gst_object_unref (bus);
  fail_unless (authz, "m1: no NOT_AUTHORIZED warning");
  fail_unless (stat_u64 (r[1].md, "messages-refused") >= 1);
  fail_unless_equals_int (stat_u64 (r[1].md, "messages-accepted"), 0);
  fail_unless_equals_int (stat_u64 (r[1].md, "keys-received"), 0);
  fail_unless_equals_int (stat_u64 (r[1].md, "packets-keyed"), 0);
  {
    GstSample *sample = NULL;
    g_signal_emit_by_name (r[1].sink, "try-pull-sample", 200 * GST_MSECOND,
        &sample);
    fail_unless (sample == NULL, "m1 decoded something");
  }
  sender_stop (&s);
  for (guint i = 0; i < 2; i++)
    receiver_stop (&r[i]);
}

GST_END_TEST;

/* A UDP relay between members and the key server: member i sends to
 * front[i], which passes on to the server from back[i], whose answers go
 * back to member i. It drops @percent of the datagrams of each direction,
 * decided by a pseudo-random sequence of a fixed seed per member and
 * direction (so the same datagrams of a member are dropped on every run,
 * whatever the order the members' datagrams come in), and the first
 * @lose_answers answers to each member. */
#define DROP_SEED 20240611

typedef struct _Relay Relay;

/* One member's way to the key server */
typedef struct {
  Relay *relay;
  TestRelay *udp;
  GRand *rand[2];               /* per direction (0: requests) */
  guint answers;                /* relay thread only */
} Way;

/* Relays between members and the key server, one a member, that lose
 * datagrams: each with a chance of @percent (a generator per member and
 * direction, seeded from DROP_SEED), and the first @lose_answers answers */
struct _Relay {
  guint percent, lose_answers;  /* set by the caller */
  guint n;
  Way way[N_MEMBERS];
  gint passed[2], dropped[2];   /* per direction (0: requests); atomic */
};

static gboolean
relay_verdict (gboolean to_server, gpointer user_data)
{
  Way *w = user_data;
  guint dir = to_server ? 0 : 1;

  if (g_rand_int_range (w->rand[dir], 0, 100) < (gint) w->relay->percent
      || (dir == 1 && w->answers++ < w->relay->lose_answers)) {
    g_atomic_int_inc (&w->relay->dropped[dir]);
    return FALSE;
  }
  g_atomic_int_inc (&w->relay->passed[dir]);
  return TRUE;
}

static void
relay_start (Relay *r, guint n, guint server_port)
{
  r->n = n;
  for (guint i = 0; i < n; i++) {
    Way *w = &r->way[i];
    w->relay = r;
    for (guint dir = 0; dir < 2; dir++)
      w->rand[dir] = g_rand_new_with_seed (DROP_SEED + 2 * i + dir);
    w->udp = test_relay_new (server_port, relay_verdict, w);
  }
}

static guint
relay_port (Relay *r, guint i)
{
  return test_relay_port (r->way[i].udp);
}

static void
relay_stop (Relay *r)
{
  for (guint i = 0; i < r->n; i++) {
    test_relay_free (r->way[i].udp);
    for (guint dir = 0; dir < 2; dir++)
      g_rand_free (r->way[i].rand[dir]);
  }
}

/* The key server's mikey-member-joined messages: @n distinct identities */
static void
server_wait_joined (Sender *s, guint n)
{
  g_autoptr (GHashTable) ids = g_hash_table_new_full (g_str_hash,
      g_str_equal, g_free, NULL);

  while (g_hash_table_size (ids) < n) {
    GstStructure *st = wait_message (s->pipe, "mikey-member-joined");
    g_hash_table_add (ids, g_strdup (gst_structure_get_string (st,
                "identity")));
    gst_structure_free (st);
  }
}

/* The rsa-r-group key server (mikeyenc, with the properties @more too) on
 * a free port, its media to @n members by multiudpsink; then the members
 * m0.. (mikeydec, with the properties @opts too), asking the server
 * through @relay if not NULL; all joined */
static void
group_start (Sender *s, Receiver *m, guint n, const char *more,
    const char *opts, Relay *relay)
{
  guint port = test_free_port ();
  g_autofree gchar *me = g_strdup_printf ("mode=%s "
      "address=127.0.0.1 port=%u certificate=\"%s\" private-key=\"%s\" "
      "ca-file=\"%s\" %s", rsa_r_mode, port, pki.server_cert,
      pki.server_key, pki.ca, more);

  sender_start (s, me, "! multiudpsink name=sink sync=false async=false");
  if (relay)
    relay_start (relay, n, port);
  for (guint i = 0; i < n; i++) {
    member_start (&m[i], i, relay ? relay_port (relay, i) : port, opts);
    g_signal_emit_by_name (s->sink, "add", "127.0.0.1", (gint) m[i].port);
  }
  for (guint i = 0; i < n; i++)
    member_wait_joined (&m[i]);
  server_wait_joined (s, n);
}

static void
group_stop (Sender *s, Receiver *m, guint n)
{
  sender_stop (s);
  for (guint i = 0; i < n; i++)
    receiver_stop (&m[i]);
}

/* Members @ms (@n) all decode @from .. @to - 1, sent now */
static void
group_media (Sender *s, Receiver *ms, guint n, guint from, guint to)
{
  send_media (s, from, to, 1000);
  for (guint i = 0; i < n; i++) {
    guint at = ms[i].got->len;
    receive (&ms[i], to - 1);
    assert_got (&ms[i], at, from, to);
    assert_no_srtp_failure (&ms[i]);
  }
}

/* 3. the rsa-r-group key server and 10 members on their own ports (media
 * to all by multiudpsink): all join, all decode every packet */
GST_START_TEST (test_rsa_r_group_10)
{
  Receiver m[N_MEMBERS];
  Sender s;

  group_start (&s, m, N_MEMBERS, "", "max-pending=64 "
      "retransmit-timeout=200", NULL);
  group_media (&s, m, N_MEMBERS, 0, 100);
  fail_unless_equals_int (stat_u64 (s.me, "members-joined"), N_MEMBERS);
  fail_unless_equals_int (stat_u64 (s.me, "members-refused"), 0);
  group_stop (&s, m, N_MEMBERS);
}

GST_END_TEST;

/* 3b. RSA-R unicast (RFC 4738 §3): three receivers, each asking the
 * sender for its keys in an exchange of its own, all decode every packet
 * byte for byte */
GST_START_TEST (test_rsa_r_unicast)
{
  Receiver m[3];
  Sender s;

  rsa_r_mode = "rsa-r";
  group_start (&s, m, 3, "", "max-pending=64 retransmit-timeout=200", NULL);
  rsa_r_mode = "rsa-r-group";
  group_media (&s, m, 3, 0, 100);
  fail_unless_equals_int (stat_u64 (s.me, "members-joined"), 3);
  fail_unless_equals_int (stat_u64 (s.me, "members-refused"), 0);
  group_stop (&s, m, 3);
}

GST_END_TEST;

/* 4. the same 10 members, their MIKEY datagrams through the relay that
 * drops 30% both ways: retransmissions (and the server's repeated
 * answers) get every one of them in, and all decode every packet. With
 * DROP_SEED (and answers within 100 ms) 4 of 19 requests are lost (m2,
 * m3, m4, m8) and 5 of 15 answers (m1, m2, m3 twice, m5; the server
 * answers each retransmission again); m3 joins with its fourth request,
 * 700 ms after its first. */
GST_START_TEST (test_rsa_r_group_lossy)
{
  Receiver m[N_MEMBERS];
  Sender s;
  Relay relay = {.percent = 30 };

  /* no re-joins: the drops a member sees are those of its joining */
  group_start (&s, m, N_MEMBERS, "", "max-pending=64 retransmit-timeout=100 "
      "join-timeout=15000 rejoin-interval=0", &relay);
  group_media (&s, m, N_MEMBERS, 0, 100);

  GST_INFO ("relay: requests %d passed %d dropped, answers %d passed %d "
      "dropped; server repeated %" G_GUINT64_FORMAT " answers",
      g_atomic_int_get (&relay.passed[0]), g_atomic_int_get (&relay.dropped[0]),
      g_atomic_int_get (&relay.passed[1]), g_atomic_int_get (&relay.dropped[1]),
      stat_u64 (s.me, "requests-repeated"));
  /* losses both ways, and made up for */
  fail_unless (g_atomic_int_get (&relay.dropped[0]) > 0);
  fail_unless (g_atomic_int_get (&relay.dropped[1]) > 0);
  fail_unless (stat_u64 (s.me, "requests-repeated") > 0);
  fail_unless_equals_int (stat_u64 (s.me, "members-joined"), N_MEMBERS);
  relay_stop (&relay);
  group_stop (&s, m, N_MEMBERS);
}

GST_END_TEST;

/* 4b. one member whose first answer and the server's repeats of it are
 * all lost (4 answers in a row; at 30% loss a member's chance is 0.3^4,
 * about 8% that one of 10 members meets it): the server answers the same
 * request only MKY_RSA_R_MAX_REPEATS times, so the member must make a new
 * one, and joins within join-timeout */
GST_START_TEST (test_rsa_r_group_four_answers_lost)
{
  Receiver m[1];
  Sender s;
  Relay relay = {.lose_answers = 4 };

  group_start (&s, m, 1, "", "max-pending=64 retransmit-timeout=100 "
      "join-timeout=6000 rejoin-interval=0", &relay);
  group_media (&s, m, 1, 0, 50);
  relay_stop (&relay);
  group_stop (&s, m, 1);
}

GST_END_TEST;

/* 5. the key server stopped and started again (same pipeline, so the same
 * certificate and port; a new master key, MKI and CSB ID, and a new SSRC
 * from rtpL16pay): the members, re-joining every 300 ms, get the new keys
 * by themselves and decode the new stream byte for byte */
#define N_RESTART 3
GST_START_TEST (test_rsa_r_server_restart)
{
  Receiver m[N_RESTART];
  Sender s;
  GstBuffer *key0 = NULL, *key1 = NULL;
  guint64 rejoins[N_RESTART];

  group_start (&s, m, N_RESTART, "", "max-pending=512 "
      "retransmit-timeout=100 rejoin-interval=300", NULL);
  group_media (&s, m, N_RESTART, 0, 50);
  g_object_get (s.se, "key", &key0, NULL);

  /* down for a while (a re-join of each member goes unanswered) */
  assert_no_error (s.pipe);
  fail_unless (gst_element_set_state (s.pipe, GST_STATE_NULL)
      == GST_STATE_CHANGE_SUCCESS);
  for (guint i = 0; i < N_RESTART; i++)
    rejoins[i] = stat_u64 (m[i].md, "rejoins");
  g_usleep (700 * 1000);
  play (s.pipe);
  g_object_get (s.se, "key", &key1, NULL);
  fail_unless (key0 && key1 && !same_bytes (key0, key1), "no new key");
  gst_buffer_unref (key0);
  gst_buffer_unref (key1);

  /* the server, fresh, counts them as new members */
  server_wait_joined (&s, N_RESTART);
  group_media (&s, m, N_RESTART, 50, 150);
  for (guint i = 0; i < N_RESTART; i++) {
    gchar *state = NULL;
    GstStructure *st = NULL;
    fail_unless (stat_u64 (m[i].md, "rejoins") > rejoins[i]);
    g_object_get (m[i].md, "stats", &st, NULL);
    state = g_strdup (gst_structure_get_string (st, "join-state"));
    gst_structure_free (st);
    fail_unless_equals_string (state, "joined");
    g_free (state);
  }
  group_stop (&s, m, N_RESTART);
}

GST_END_TEST;

/* The phases of the sender's `mikey-rekey` messages so far, appended to
 * @phases ("d", "s", "r") */
static void
collect_rekeys (Sender *s, GString *phases)
{
  GstBus *bus = gst_element_get_bus (s->pipe);
  GstMessage *m;

  while ((m = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT))) {
    if (gst_message_has_name (m, "mikey-rekey"))
      g_string_append_c (phases, gst_structure_get_string
          (gst_message_get_structure (m), "phase")[0]);
    gst_message_unref (m);
  }
  gst_object_unref (bus);
}

/* Media from @from on, every 5 ms, until the sender's re-keys have
 * posted the phases @want and 20 more packets have gone (at most @max
 * packets): the index after the last one sent */
static guint
send_through_rekeys (Sender *s, guint from, const char *want, guint max)
{
  g_autoptr (GString) phases = g_string_new (NULL);
  guint n = from, after = 0;

  while (n < from + max && after < 20) {
    send_media (s, n, n + 1, 5000);
    n++;
    collect_rekeys (s, phases);
    if (g_str_has_prefix (phases->str, want))
      after++;
  }
  fail_unless (g_str_has_prefix (phases->str, want), "re-key phases \"%s\" "
      "after %u packets", phases->str, n - from);
  return n;
}

static GstBuffer *
srtpenc_mki (Sender *s)
{
  GstBuffer *mki = NULL;

  g_object_get (s->se, "mki", &mki, NULL);
  fail_unless (mki != NULL);
  return mki;
}

/* 6a. a re-key on demand (rekey action) in the middle of an in-band PSK
 * stream over UDP: every packet before, across and after the switch
 * decoded byte for byte, none failing authentication */
GST_START_TEST (test_rekey_in_band)
{
  Receiver r;
  Sender s;
  g_autofree gchar *tail = NULL;
  GstBuffer *mki0, *mki1;
  gboolean ok = FALSE;
  guint end;

  receiver_start (&r, "receiver", "psk=" PSK_HEX, NULL);
  tail = g_strdup_printf ("! udpsink name=sink host=127.0.0.1 port=%u "
      "sync=false async=false", r.port);
  sender_start (&s, "psk=" PSK_HEX " in-band=true rekey-lead=200", tail);
  send_media (&s, 0, 20, 5000);
  mki0 = srtpenc_mki (&s);
  g_signal_emit_by_name (s.me, "rekey", &ok);
  fail_unless (ok);
  end = send_through_rekeys (&s, 20, "dsr", 400);
  receive (&r, end - 1);
  assert_got (&r, 0, 0, end);
  mki1 = srtpenc_mki (&s);
  fail_if (same_bytes (mki0, mki1), "srtpenc's MKI did not change");
  gst_buffer_unref (mki0);
  gst_buffer_unref (mki1);
  assert_no_srtp_failure (&r);
  fail_unless_equals_int (stat_u64 (r.md, "packets-dropped"), 0);
  /* distributed, switched, retired: the SSRC's keys changed thrice */
  fail_unless_equals_int (stat_u64 (r.md, "rekeys-followed"), 3);
  fail_unless_equals_int (stat_u64 (s.me, "rekeys"), 1);
  sender_stop (&s);
  receiver_stop (&r);
}

GST_END_TEST;

/* 6b. the rsa-r-group key server re-keying by itself (rekey-interval 1 s,
 * rekey-lead 400 ms) while 3 members, re-joining every 100 ms, decode:
 * every packet across the re-key byte for byte, none failing
 * authentication */
#define N_REKEY 3
GST_START_TEST (test_rekey_group_interval)
{
  Receiver m[N_REKEY];
  Sender s;
  GstBuffer *mki0, *mki1;
  guint end;

  group_start (&s, m, N_REKEY, "rekey-interval=1 rekey-lead=400",
      "max-pending=64 retransmit-timeout=50 rejoin-interval=100", NULL);
  mki0 = srtpenc_mki (&s);
  end = send_through_rekeys (&s, 0, "dsr", 600);
  mki1 = srtpenc_mki (&s);
  fail_if (same_bytes (mki0, mki1), "srtpenc's MKI did not change");
  gst_buffer_unref (mki0);
  gst_buffer_unref (mki1);
  for (guint i = 0; i < N_REKEY; i++) {
    receive (&m[i], end - 1);
    assert_got (&m[i], 0, 0, end);
    assert_no_srtp_failure (&m[i]);
    fail_unless_equals_int (stat_u64 (m[i].md, "packets-dropped"), 0);
    fail_unless (stat_u64 (m[i].md, "rekeys-followed") >= 2);
  }
  fail_unless (stat_u64 (s.me, "rekeys") >= 1);
  group_stop (&s, m, N_REKEY);
}

GST_END_TEST;

/* dh and dhhmac: the receiver (mikeydec, m0's certificate or the PSK and
 * m0's identity) on a free MIKEY port and the sender (mikeyenc with
 * @more) keying it there, or at @relay_port when not 0 (a relay to that
 * port); the exchange done */
static void
dh_start (Sender *s, Receiver *r, const char *mode, guint port,
    guint relay_port, const char *more)
{
  gboolean sign = strcmp (mode, "dh") == 0;
  g_autofree gchar *md = sign ? g_strdup_printf ("mode=dh port=%u "
      "certificate=\"%s\" private-key=\"%s\" ca-file=\"%s\"", port,
      pki.member_cert[0], pki.member_key[0], pki.ca) :
      g_strdup_printf ("mode=dhhmac port=%u psk=" PSK_HEX " identity=\""
      M0_ID "\"", port);
  g_autofree gchar *me = NULL;
  g_autofree gchar *tail = NULL;
  GstStructure *done;

  receiver_start (r, mode, md, NULL);
  me = sign ? g_strdup_printf ("mode=dh peer=127.0.0.1:%u "
      "certificate=\"%s\" private-key=\"%s\" ca-file=\"%s\" %s",
      relay_port ? relay_port : port, pki.server_cert, pki.server_key,
      pki.ca, more) : g_strdup_printf ("mode=dhhmac peer=127.0.0.1:%u "
      "psk=" PSK_HEX " peer-identity=\"" M0_ID "\" %s",
      relay_port ? relay_port : port, more);
  tail = g_strdup_printf ("! udpsink name=sink host=127.0.0.1 port=%u "
      "sync=false async=false", r->port);
  sender_start (s, me, tail);
  done = wait_message (s->pipe, "mikey-exchange-done");
  gst_structure_free (done);
}

/* One re-key by rekey-interval (1 s, off again once it is done) from
 * packet @from on; then every packet sent since the start decoded by @r
 * byte for byte, in order, none failing authentication, none dropped */
static void
rekey_by_interval (Sender *s, Receiver *r, guint from)
{
  guint end;

  g_object_set (s->me, "rekey-interval", 1, NULL);
  end = send_through_rekeys (s, from, "dsr", 600);
  g_object_set (s->me, "rekey-interval", 0, NULL);
  receive (r, end - 1);
  assert_got (r, 0, 0, end);
  assert_no_srtp_failure (r);
  fail_unless_equals_int (stat_u64 (r->md, "packets-dropped"), 0);
}

/* 6c. dh or dhhmac over UDP: a re-key on demand, then one by
 * rekey-interval, each a new exchange (an update of the bundle with a new
 * DHi under the next MKI); every packet decoded byte for byte across both
 * switches, none failing authentication, none dropped */
static void
rekey_dh (const char *mode)
{
  Receiver r;
  Sender s;
  GstBuffer *mki0, *mki2;
  guint8 want[2];
  gboolean ok = FALSE;
  guint end;

  dh_start (&s, &r, mode, test_free_port (), 0,
      "mki-length=1 rekey-lead=200");
  send_media (&s, 0, 20, 5000);
  mki0 = srtpenc_mki (&s);
  fail_unless_equals_int (gst_buffer_get_size (mki0), 1);
  g_signal_emit_by_name (s.me, "rekey", &ok);
  fail_unless (ok);
  end = send_through_rekeys (&s, 20, "dsr", 400);
  rekey_by_interval (&s, &r, end);
  /* two exchanges each gave the receiver a new key beside the one in use */
  fail_unless_equals_int (stat_u64 (r.md, "rekeys-followed"), 2);
  fail_unless_equals_int (stat_u64 (s.me, "rekeys"), 2);
  fail_unless_equals_int (stat_u64 (s.me, "rekeys-failed"), 0);
  /* each re-key's MKI the one before plus one */
  mki2 = srtpenc_mki (&s);
  gst_buffer_extract (mki0, 0, want, 1);
  want[1] = want[0] + 2;
  fail_unless (gst_buffer_memcmp (mki2, 0, want + 1, 1) == 0);
  gst_buffer_unref (mki0);
  gst_buffer_unref (mki2);
  sender_stop (&s);
  receiver_stop (&r);
}

GST_START_TEST (test_rekey_dh)
{
  rekey_dh ("dh");
}

GST_END_TEST;

/* the same with the sequence numbers wrapping before the first re-key:
 * srtpenc 1.22 goes on with ROC 1 under the old key and restarts at 0
 * under the new one, and the exchange says 0 */
GST_START_TEST (test_rekey_dh_after_wrap)
{
  sender_first_seq = 65530;
  rekey_dh ("dh");
  sender_first_seq = FIRST_SEQ;
}

GST_END_TEST;

GST_START_TEST (test_rekey_dhhmac)
{
  rekey_dh ("dhhmac");
}

GST_END_TEST;

/* The answers of the receiver go through a relay that drops them while
 * @mute is set */
static gboolean
drop_answers (gboolean to_server, gpointer user_data)
{
  return to_server || !g_atomic_int_get ((gint *) user_data);
}

/* Media from @from on, every 5 ms, until the sender posts a warning (at
 * most @max packets): the warning's error, and in @end the index after
 * the last packet sent */
static GError *
send_until_warning (Sender *s, guint from, guint max, guint *end)
{
  GstBus *bus = gst_element_get_bus (s->pipe);
  GError *err = NULL;
  guint n;

  for (n = from; n < from + max && err == NULL; n++) {
    GstMessage *m;
    send_media (s, n, n + 1, 5000);
    if ((m = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING))) {
      fail_unless (GST_MESSAGE_SRC (m) == GST_OBJECT (s->me));
      gst_message_parse_warning (m, &err, NULL);
      gst_message_unref (m);
    }
  }
  gst_object_unref (bus);
  fail_unless (err != NULL, "no warning after %u packets", max);
  *end = n;
  return err;
}

/* 6d. dhhmac: a re-key whose exchange fails (the receiver's answers are
 * lost: it took the new key, the sender never learns) is given up after
 * rekey-timeout with a RESOURCE / OPEN_READ warning; srtpenc keeps its key
 * and the media goes on under it. The next re-key (rekey-interval) gets
 * through and switches. Every packet decoded byte for byte, none failing
 * authentication. */
GST_START_TEST (test_rekey_dh_fails)
{
  Receiver r;
  Sender s;
  guint port = test_free_port ();
  gint mute = 0;
  TestRelay *relay = test_relay_new (port, drop_answers, &mute);
  GstBuffer *mki0, *mki;
  GError *err;
  gboolean ok = FALSE;
  guint end;

  dh_start (&s, &r, "dhhmac", port, test_relay_port (relay),
      "mki-length=1 rekey-lead=200 rekey-timeout=1000");
  send_media (&s, 0, 20, 5000);
  mki0 = srtpenc_mki (&s);
  g_atomic_int_set (&mute, 1);
  g_signal_emit_by_name (s.me, "rekey", &ok);
  fail_unless (ok);
  err = send_until_warning (&s, 20, 400, &end);
  fail_unless (g_error_matches (err, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_OPEN_READ), "%s", err->message);
  g_error_free (err);
  fail_unless_equals_int (stat_u64 (s.me, "rekeys"), 0);
  fail_unless_equals_int (stat_u64 (s.me, "rekeys-failed"), 1);
  /* the first request, then the update at 0 and 0.5 s: none more at the
   * deadline */
  fail_unless_equals_int (stat_u64 (s.me, "requests-sent"), 3);
  mki = srtpenc_mki (&s);
  fail_unless (same_bytes (mki, mki0), "srtpenc switched");
  gst_buffer_unref (mki);
  /* the receiver took the lost exchange's key beside the one in use */
  fail_unless_equals_int (stat_u64 (r.md, "rekeys-followed"), 1);
  send_media (&s, end, end + 20, 5000);
  end += 20;

  /* the receiver answers again: the next interval's re-key switches */
  g_atomic_int_set (&mute, 0);
  rekey_by_interval (&s, &r, end);
  fail_unless_equals_int (stat_u64 (s.me, "rekeys"), 1);
  fail_unless_equals_int (stat_u64 (s.me, "rekeys-failed"), 1);
  mki = srtpenc_mki (&s);
  fail_if (same_bytes (mki, mki0), "srtpenc's MKI did not change");
  gst_buffer_unref (mki);
  gst_buffer_unref (mki0);
  sender_stop (&s);
  receiver_stop (&r);
  test_relay_free (relay);
}

GST_END_TEST;

/* Drops the receiver's next *@n answers */
static gboolean
drop_next_answers (gboolean to_server, gpointer user_data)
{
  gint *n = user_data;

  for (;;) {
    gint left = g_atomic_int_get (n);
    if (to_server || left <= 0)
      return TRUE;
    if (g_atomic_int_compare_and_exchange (n, left, left - 1))
      return FALSE;
  }
}

/* A dh re-key after a wrap whose exchange loses the receiver's answer
 * four times: the sender makes a new exchange under the same MKI, which
 * the receiver takes in place of the lost one's key, still counting under
 * the key in use with srtpdec's ROC (1) until the switch (then 0); every
 * packet decoded byte for byte, none failing authentication */
GST_START_TEST (test_rekey_dh_lost_answer_after_wrap)
{
  Receiver r;
  Sender s;
  guint port = test_free_port ();
  gint drop = 0;
  TestRelay *relay = test_relay_new (port, drop_next_answers, &drop);
  gboolean ok = FALSE;
  guint end;

  sender_first_seq = 65530;
  dh_start (&s, &r, "dh", port, test_relay_port (relay),
      "mki-length=1 rekey-lead=200");
  sender_first_seq = FIRST_SEQ;
  send_media (&s, 0, 20, 5000);
  g_atomic_int_set (&drop, 1 + MKY_RSA_R_MAX_REPEATS);
  g_signal_emit_by_name (s.me, "rekey", &ok);
  fail_unless (ok);
  end = send_through_rekeys (&s, 20, "dsr", 1600);
  receive (&r, end - 1);
  assert_got (&r, 0, 0, end);
  assert_no_srtp_failure (&r);
  fail_unless_equals_int (stat_u64 (r.md, "packets-dropped"), 0);
  /* the lost exchange's key, then its replacement */
  fail_unless_equals_int (stat_u64 (r.md, "rekeys-followed"), 2);
  fail_unless_equals_int (stat_u64 (s.me, "rekeys"), 1);
  sender_stop (&s);
  receiver_stop (&r);
  test_relay_free (relay);
}

GST_END_TEST;

static Suite *
pipelines_suite (void)
{
  Suite *s = suite_create ("mikey-pipelines");
  TCase *push = tcase_create ("push");
  TCase *group = tcase_create ("rsa-r-group");
  TCase *rekey = tcase_create ("rekey");

  suite_add_tcase (s, push);
  tcase_add_test (push, test_psk_mikey_port);
  tcase_add_test (push, test_psk_in_band_late_joiner);
  tcase_add_test (push, test_pk_push);
  suite_add_tcase (s, group);
  tcase_set_timeout (group, 30);
  tcase_add_test (group, test_rsa_r_group_10);
  tcase_add_test (group, test_rsa_r_unicast);
  tcase_add_test (group, test_rsa_r_group_lossy);
  tcase_add_test (group, test_rsa_r_group_four_answers_lost);
  tcase_add_test (group, test_rsa_r_server_restart);
  suite_add_tcase (s, rekey);
  tcase_add_test (rekey, test_rekey_in_band);
  tcase_add_test (rekey, test_rekey_group_interval);
  tcase_add_test (rekey, test_rekey_dh);
  tcase_add_test (rekey, test_rekey_dh_after_wrap);
  tcase_add_test (rekey, test_rekey_dh_lost_answer_after_wrap);
  tcase_add_test (rekey, test_rekey_dhhmac);
  tcase_add_test (rekey, test_rekey_dh_fails);
  return s;
}

int
main (int argc, char **argv)
{
  int failed;

  gst_check_init (&argc, &argv);
  for (guint i = 0; needed[i]; i++) {
    GstElementFactory *f = gst_element_factory_find (needed[i]);
    if (f == NULL) {
      g_print ("SKIP: no element %s\n", needed[i]);
      return 77;
    }
    gst_object_unref (f);
  }
  make_pki ();
  failed = gst_check_run_suite (pipelines_suite (), "mikey-pipelines",
      __FILE__);
  test_pki_cleanup ();
  return failed;
}
