/* mikeyenc and mikeydec in rsa-r-group mode (RFC 4738 §3.2) over UDP on
 * 127.0.0.1: a key server pipeline (appsrc ! srtpenc ! mikeyenc ! appsink)
 * and member pipelines (appsrc ! mikeydec ! srtpdec ! appsink) that join
 * it with certificates made at test time, then decrypt the server's SRTP
 * bit for bit. Refusal by identity, retransmission, join timeout and junk
 * datagrams. Ports are free ones picked at run time; every wait is bounded.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>
#include <unistd.h>
#include <gio/gio.h>
#include <gst/check/gstcheck.h>
#include <gst/app/gstappsrc.h>
#include <gst/app/gstappsink.h>
#include <gst/rtp/gstrtpbuffer.h>
#include <gnutls/pkcs11.h>
#include "test-pki.h"
#include "rtp-media.h"
#include "test-relay.h"

#define SSRC_A 0x1a2b3c4du
#define SSRC_B 0x5e6f7081u
#define N_PACKETS 6
#define RTP_CAPS "application/x-rtp, media=(string)video, " \
  "payload=(int)96, clock-rate=(int)90000, encoding-name=(string)H264"
#define SRTP_CAPS "application/x-srtp, media=(string)video, " \
  "payload=(int)96, clock-rate=(int)90000, encoding-name=(string)H264"
#define WAIT_MS 10000           /* bound of every wait for a join */
#define DAY (G_GINT64_CONSTANT (86400))

/* The PKI's files, made once by main() */
static struct {
  gchar *ca, *crl;
  gchar *other_ca;              /* a CA that issued none of them */
  gchar *server_cert, *server_key;
} files;

static const char *const member_names[] = {
  "alice", "bob", "carol", "dave", "erin", "mallory", "revoked", NULL
};

/* the serial of "revoked", on the CA's CRL */
#define REVOKED_SERIAL (10 + 6)

static gchar *
member_file (const char *name, const char *ext)
{
  return g_strdup_printf ("%s/%s.%s", test_pki_tmpdir (), name, ext);
}

static gchar *
identity_of (const char *name)
{
  return g_strdup_printf ("sip:%s@example.com", name);
}

static void
make_pki (void)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  TestPkiCert *ca = test_pki_ca ("Group CA", 0, now - DAY, now + 365 * DAY);
  TestPkiCert *server = test_pki_leaf (ca, "keys", "sip:keys@example.com", 1,
      2, now - DAY, now + 365 * DAY, TEST_PKI_KU_BOTH);
  g_autoptr (GBytes) ca_pem = test_pki_cert_pem (ca);
  g_autoptr (GBytes) s_pem = test_pki_cert_pem (server);
  g_autoptr (GBytes) s_key = test_pki_key_pem (server, NULL);
  guint64 revoked = REVOKED_SERIAL;
  g_autoptr (GBytes) crl = test_pki_crl (ca, &revoked, 1, now - DAY,
      now + 30 * DAY, TRUE);

  files.ca = test_pki_write ("ca.pem", ca_pem);
  files.server_cert = test_pki_write ("keys.pem", s_pem);
  files.server_key = test_pki_write ("keys.key", s_key);
  files.crl = test_pki_write ("ca.crl", crl);
  {
    TestPkiCert *other = test_pki_ca ("Other CA", 0, now - DAY,
        now + 365 * DAY);
    g_autoptr (GBytes) o_pem = test_pki_cert_pem (other);
    files.other_ca = test_pki_write ("other-ca.pem", o_pem);
    test_pki_cert_free (other);
  }
  for (guint i = 0; member_names[i]; i++) {
    g_autofree gchar *uri = identity_of (member_names[i]);
    g_autofree gchar *cn = g_strdup_printf ("%s.pem", member_names[i]);
    g_autofree gchar *kn = g_strdup_printf ("%s.key", member_names[i]);
    /* one key for all members: RSA key generation is the slow part */
    TestPkiCert *m = test_pki_leaf (ca, member_names[i], uri, 2, 10 + i,
        now - DAY, now + 365 * DAY, TEST_PKI_KU_BOTH);
    g_autoptr (GBytes) pem = test_pki_cert_pem (m);
    g_autoptr (GBytes) key = test_pki_key_pem (m, NULL);

    g_free (test_pki_write (cn, pem));
    g_free (test_pki_write (kn, key));
    test_pki_cert_free (m);
  }
  test_pki_cert_free (server);
  test_pki_cert_free (ca);
}

/* Packet @n of @ssrc, timed */
static GstBuffer *
ssrc_packet (guint32 ssrc, guint n)
{
  GstBuffer *buf = rtp_packet (ssrc, n);

  GST_BUFFER_PTS (buf) = n * 33 * GST_MSECOND;
  return buf;
}

static GstBuffer *
packet (guint n)
{
  return ssrc_packet (SSRC_A, n);
}

/* @buf (taken) into @appsrc; not through the action signal, whose
 * reference the caller would drop only after the streaming thread may
 * have pushed it on (srtpdec 1.22 decrypts a private copy of a shared
 * buffer and passes on the original) */
static void
push (GstElement *appsrc, GstBuffer *buf)
{
  fail_unless_equals_int (gst_app_src_push_buffer (GST_APP_SRC (appsrc),
          buf), GST_FLOW_OK);
}

/* The next buffer on @appsink within @ms, or NULL */
static GstBuffer *
pull (GstElement *appsink, guint ms)
{
  GstSample *sample = NULL;
  GstBuffer *buf = NULL;

  g_signal_emit_by_name (appsink, "try-pull-sample", ms * GST_MSECOND,
      &sample);
  if (sample) {
    buf = gst_buffer_ref (gst_sample_get_buffer (sample));
    gst_sample_unref (sample);
  }
  return buf;
}

static GstElement *
make (GstElement *pipe, const char *factory)
{
  GstElement *e = gst_element_factory_make (factory, NULL);

  fail_unless (e != NULL, "no element %s", factory);
  gst_bin_add (GST_BIN (pipe), e);
  return e;
}

/* appsrc (@caps) ! @first ! @second ! appsink in the pipeline @name: made,
 * not linked (the pads' names differ) */
static GstElement *
pipeline_new (const char *name, const char *caps_str, const char *first,
    const char *second, GstElement **src, GstElement **a, GstElement **b,
    GstElement **sink)
{
  GstElement *pipe = gst_pipeline_new (name);
  GstCaps *caps = gst_caps_from_string (caps_str);

  *src = make (pipe, "appsrc");
  *a = make (pipe, first);
  *b = make (pipe, second);
  *sink = make (pipe, "appsink");
  g_object_set (*src, "caps", caps, "format", GST_FORMAT_TIME, NULL);
  gst_caps_unref (caps);
  g_object_set (*sink, "sync", FALSE, NULL);
  return pipe;
}

/* The mode of the key servers and members started next: rsa-r-group, or
 * rsa-r (unicast) for the tests of that mode */
static const char *rsa_r_mode = "rsa-r-group";

static void
set_pki (GstElement *e, const char *cert, const char *key)
{
  g_object_set (e, "certificate", cert, "private-key", key, "ca-file",
      files.ca, NULL);
  gst_util_set_object_arg (G_OBJECT (e), "mode", rsa_r_mode);
}

/* The key server */

typedef struct {
  GstElement *pipe, *src, *enc, *me, *sink;
  guint port;
} Server;

static GstElement *
by_name (GstElement *pipe, const char *name)
{
  GstElement *e = gst_bin_get_by_name (GST_BIN (pipe), name);

  fail_unless (e != NULL, "no element %s", name);
  /* the pipeline holds it */
  gst_object_unref (e);
  return e;
}

/* The key server as a gst-launch-1.0 line would make it, with @crl (may
 * be NULL) and @allowed identities as a launch line writes them (NULL:
 * any) */
static void
server_start_with (Server *sv, guint port, const char *allowed,
    const char *crl, const char *cert, const char *key)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *line = g_strdup_printf ("appsrc name=src format=time "
      "caps=\"" RTP_CAPS "\" ! srtpenc name=enc ! mikeyenc name=me "
      "mode=%s port=%u address=127.0.0.1 certificate=\"%s\" "
      "private-key=\"%s\" ca-file=\"%s\" %s%s%s%s%s "
      "! appsink name=sink sync=false", rsa_r_mode, port, cert, key, files.ca, crl ? "crl-file=\"" : "", crl ? crl : "",
      crl ? "\" " : "", allowed ? "allowed-identities=" : "",
      allowed ? allowed : "");

  sv->port = port;
  sv->pipe = gst_parse_launch (line, &error);
  fail_unless (sv->pipe != NULL && error == NULL, "%s: %s", line,
      error ? error->message : "");
  sv->src = by_name (sv->pipe, "src");
  sv->enc = by_name (sv->pipe, "enc");
  sv->me = by_name (sv->pipe, "me");
  sv->sink = by_name (sv->pipe, "sink");
  fail_if (gst_element_set_state (sv->pipe, GST_STATE_PLAYING)
      == GST_STATE_CHANGE_FAILURE);
}

static void
server_start (Server *sv, guint port, const char *allowed, const char *crl)
{
  server_start_with (sv, port, allowed, crl, files.server_cert,
      files.server_key);
}

/* Packets 0..N_PACKETS-1 of @ssrc through srtpenc: the SRTP members
 * get */
static GPtrArray *
server_media_of (Server *sv, guint32 ssrc)
{
  GPtrArray *srtp = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_buffer_unref);

  for (guint n = 0; n < N_PACKETS; n++)
    push (sv->src, ssrc_packet (ssrc, n));
  for (guint n = 0; n < N_PACKETS; n++) {
    GstBuffer *b = pull (sv->sink, WAIT_MS);
    GstBuffer *plain = ssrc_packet (ssrc, n);
    fail_unless (b != NULL, "srtpenc gave no packet %u", n);
    /* encrypted and authenticated: longer, and not the plain packet */
    fail_unless (gst_buffer_get_size (b) > gst_buffer_get_size (plain));
    g_ptr_array_add (srtp, b);
    gst_buffer_unref (plain);
  }
  return srtp;
}

static GPtrArray *
server_media (Server *sv)
{
  return server_media_of (sv, SSRC_A);
}

static guint64
stat_u64 (GstElement *e, const char *field)
{
  GstStructure *s = NULL;
  guint64 v = 0;

  g_object_get (e, "stats", &s, NULL);
  fail_unless (s != NULL);
  fail_unless (gst_structure_get_uint64 (s, field, &v), "no %s", field);
  gst_structure_free (s);
  return v;
}

static gchar *
stat_str (GstElement *e, const char *field)
{
  GstStructure *s = NULL;
  gchar *v;

  g_object_get (e, "stats", &s, NULL);
  v = g_strdup (gst_structure_get_string (s, field));
  gst_structure_free (s);
  return v;
}

static void
pipe_stop (GstElement **pipe)
{
  if (*pipe == NULL)
    return;
  gst_element_set_state (*pipe, GST_STATE_NULL);
  gst_clear_object (pipe);
}

/* A member */

typedef struct {
  const char *name;
  GstElement *pipe, *src, *md, *sd, *sink;
} Member;

/* mikeydec's rejoin-interval and max-pending for the members started
 * next */
static guint member_rejoin_ms = 1500;
static guint member_max_pending = 64;

/* An accept-certificate handler: what it was asked (identities, "" for
 * none), refusing @refuse (NULL: nobody) */
typedef struct {
  GMutex lock;
  GPtrArray *asked;
  const char *refuse;
} Decider;

static gboolean
decide (GstElement *e, const gchar *identity, const gchar *pem, Decider *d)
{
  fail_unless (pem && g_str_has_prefix (pem, "-----BEGIN CERTIFICATE-----"));
  g_mutex_lock (&d->lock);
  g_ptr_array_add (d->asked, g_strdup (identity ? identity : ""));
  g_mutex_unlock (&d->lock);
  return g_strcmp0 (identity, d->refuse) != 0;
}

static void
decider_init (Decider *d, const char *refuse)
{
  g_mutex_init (&d->lock);
  d->asked = g_ptr_array_new_with_free_func (g_free);
  d->refuse = refuse;
}

static void
decider_clear (Decider *d)
{
  g_ptr_array_unref (d->asked);
  g_mutex_clear (&d->lock);
}

/* the accept-certificate handler of the members started next (NULL:
 * none) */
static Decider *member_decider;

static void
member_start (Member *m, const char *name, guint port, guint retransmit_ms,
    guint join_ms)
{
  g_autofree gchar *cert = member_file (name, "pem");
  g_autofree gchar *key = member_file (name, "key");
  g_autofree gchar *server = g_strdup_printf ("127.0.0.1:%u", port);

  m->name = name;
  m->pipe = pipeline_new (name, SRTP_CAPS, "mikeydec", "srtpdec", &m->src,
      &m->md, &m->sd, &m->sink);
  set_pki (m->md, cert, key);
  g_object_set (m->md, "server", server, "retransmit-timeout", retransmit_ms,
      "join-timeout", join_ms, "max-pending", member_max_pending,
      "rejoin-interval",
      member_rejoin_ms, NULL);
  if (member_decider)
    g_signal_connect (m->md, "accept-certificate", G_CALLBACK (decide),
        member_decider);
  fail_unless (gst_element_link_pads (m->src, "src", m->md, "rtp_sink"));
  fail_unless (gst_element_link_pads (m->md, "rtp_src", m->sd, "rtp_sink"));
  fail_unless (gst_element_link_pads (m->sd, "rtp_src", m->sink, "sink"));
  fail_if (gst_element_set_state (m->pipe, GST_STATE_PLAYING)
      == GST_STATE_CHANGE_FAILURE);
}

/* The first element message named @name, or error (when @error_domain is
 * not 0), on @pipe's bus within @ms; fails on any other error */
static GstMessage *
wait_for (GstElement *pipe, const char *name, GQuark error_domain, guint ms)
{
  GstBus *bus = gst_element_get_bus (pipe);
  gint64 end = g_get_monotonic_time () + ms * (gint64) 1000;
  GstMessage *msg = NULL;

  while (msg == NULL) {
    gint64 left = end - g_get_monotonic_time ();
    GstMessage *m;

    if (left <= 0)
      break;
    m = gst_bus_timed_pop_filtered (bus, left * GST_USECOND,
        GST_MESSAGE_ELEMENT | GST_MESSAGE_ERROR);
    if (m == NULL)
      break;
    if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ERROR) {
      GError *err = NULL;
      gchar *dbg = NULL;
      gst_message_parse_error (m, &err, &dbg);
      fail_unless (error_domain != 0, "%s: unexpected error: %s (%s)",
          GST_OBJECT_NAME (pipe), err->message, dbg);
      g_error_free (err);
      g_free (dbg);
      msg = m;
    } else if (name && gst_message_has_name (m, name)) {
      msg = m;
    } else {
      gst_message_unref (m);
    }
  }
  gst_object_unref (bus);
  fail_unless (msg != NULL, "%s: no %s within %u ms", GST_OBJECT_NAME (pipe),
      name ? name : "error", ms);
  return msg;
}

static void
member_wait_joined (Member *m)
{
  GstMessage *msg = wait_for (m->pipe, "mikey-joined", 0, WAIT_MS);
  const GstStructure *s = gst_message_get_structure (msg);

  fail_unless_equals_string (gst_structure_get_string (s, "server-identity"),
      "sip:keys@example.com");
  gst_message_unref (msg);
}

/* The RESOURCE error @code of member @m's mikeydec */
static void
member_wait_error (Member *m, gint code)
{
  GstMessage *msg = wait_for (m->pipe, NULL, GST_RESOURCE_ERROR, WAIT_MS);
  GError *err = NULL;
  gchar *dbg = NULL;

  gst_message_parse_error (msg, &err, &dbg);
  fail_unless (g_error_matches (err, GST_RESOURCE_ERROR, code), "%s: %s",
      m->name, err->message);
  fail_unless (GST_MESSAGE_SRC (msg) == GST_OBJECT (m->md));
  GST_INFO ("%s: %s (%s)", m->name, err->message, dbg);
  g_clear_error (&err);
  g_free (dbg);
  gst_message_unref (msg);
}

/* Feed @srtp; the member must give back packets 0..N_PACKETS-1 of @ssrc
 * bit for bit */
static void
member_decodes_of (Member *m, GPtrArray *srtp, guint32 ssrc)
{
  for (guint n = 0; n < srtp->len; n++) {
    GstBuffer *out, *want = ssrc_packet (ssrc, n);

    /* a copy of its own, for srtpdec to decrypt in place */
    push (m->src, gst_buffer_copy_deep (srtp->pdata[n]));
    out = pull (m->sink, WAIT_MS);
    fail_unless (out != NULL, "%s: no packet %u", m->name, n);
    fail_unless (same_bytes (out, want), "%s: packet %u differs (%zu bytes)",
        m->name, n, gst_buffer_get_size (out));
    gst_buffer_unref (out);
    gst_buffer_unref (want);
  }
}

static void
member_decodes (Member *m, GPtrArray *srtp)
{
  member_decodes_of (m, srtp, SSRC_A);
}

/* Feed @srtp: a member without keys gives nothing */
static void
member_decodes_nothing (Member *m, GPtrArray *srtp)
{
  for (guint n = 0; n < srtp->len; n++)
    push (m->src, gst_buffer_copy_deep (srtp->pdata[n]));
  fail_unless (pull (m->sink, 300) == NULL, "%s decoded a packet", m->name);
}

static void
member_stop (Member *m)
{
  pipe_stop (&m->pipe);
}

/* The key server's `mikey-member-joined` and `mikey-member-refused`
 * messages: @n_joined and @n_refused of them within WAIT_MS (in any
 * order), their identities into @joined and @refused, the joined ones'
 * addresses into @addresses */
static void
server_messages (Server *sv, guint n_joined, guint n_refused,
    GPtrArray *joined, GPtrArray *refused, GPtrArray *addresses)
{
  GstBus *bus = gst_element_get_bus (sv->pipe);
  gint64 end = g_get_monotonic_time () + WAIT_MS * (gint64) 1000;

  while (joined->len < n_joined || refused->len < n_refused) {
    gint64 left = end - g_get_monotonic_time ();
    GstMessage *m = left > 0 ? gst_bus_timed_pop_filtered (bus,
        left * GST_USECOND, GST_MESSAGE_ELEMENT) : NULL;
    const GstStructure *s;

    fail_unless (m != NULL, "key server: %u joined, %u refused", joined->len,
        refused->len);
    s = gst_message_get_structure (m);
    if (gst_structure_has_name (s, "mikey-member-joined")) {
      g_ptr_array_add (joined, g_strdup (gst_structure_get_string (s,
                  "identity")));
      g_ptr_array_add (addresses, g_strdup (gst_structure_get_string (s,
                  "address")));
    } else if (gst_structure_has_name (s, "mikey-member-refused")) {
      g_ptr_array_add (refused, g_strdup (gst_structure_get_string (s,
                  "identity")));
      fail_unless (gst_structure_get_string (s, "reason") != NULL);
    }
    gst_message_unref (m);
  }
  gst_object_unref (bus);
}

static gint
cmp_str (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char *const *) a, *(const char *const *) b);
}

/* What a relay between members and the key server loses: the first
 * @drop_requests requests and the first @drop_answers answers */
typedef struct {
  guint drop_requests, drop_answers;
  gint requests, answers;       /* seen (atomic) */
} Losses;

static gboolean
lose_first (gboolean to_server, gpointer user_data)
{
  Losses *l = user_data;

  if (to_server)
    return (guint) g_atomic_int_add (&l->requests, 1) >= l->drop_requests;
  return (guint) g_atomic_int_add (&l->answers, 1) >= l->drop_answers;
}

/* Tests */

/* Three members join before any media (a crypto session of SSRC 0 they
 * bind to the first SSRC), one whose identity is not allowed is refused
 * with RESOURCE / NOT_AUTHORIZED and decodes nothing; a fourth joins once
 * the server knows the SSRC. All allowed ones decrypt bit for bit. */
GST_START_TEST (test_group_join_and_refusal)
{
  /* as on a gst-launch-1.0 line (GStrv cannot be given there) */
  const char *allowed = "\"<\\\"sip:alice@example.com\\\", "
      "\\\"sip:bob@example.com\\\", \\\"sip:carol@example.com\\\", "
      "\\\"sip:dave@*\\\">\"";
  const char *const want[] = { "sip:alice@example.com",
    "sip:bob@example.com", "sip:carol@example.com", "sip:dave@*"
  };
  guint port = test_free_port ();
  Server sv;
  Member m[3], mallory, dave;
  g_autoptr (GPtrArray) srtp = NULL;
  g_autoptr (GPtrArray) joined = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) addrs = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) refused = g_ptr_array_new_with_free_func (g_free);
  gchar *state;

  server_start (&sv, port, allowed, NULL);
  {
    /* the launch line's array, read back */
    GValue v = G_VALUE_INIT;
    g_value_init (&v, GST_TYPE_ARRAY);
    g_object_get_property (G_OBJECT (sv.me), "allowed-identities", &v);
    fail_unless_equals_int (gst_value_array_get_size (&v),
        G_N_ELEMENTS (want));
    for (guint i = 0; i < G_N_ELEMENTS (want); i++)
      fail_unless_equals_string (g_value_get_string
          (gst_value_array_get_value (&v, i)), want[i]);
    g_value_unset (&v);
  }
  for (guint i = 0; i < 3; i++)
    member_start (&m[i], member_names[i], port, 500, WAIT_MS);
  member_start (&mallory, "mallory", port, 500, WAIT_MS);

  for (guint i = 0; i < 3; i++)
    member_wait_joined (&m[i]);
  member_wait_error (&mallory, GST_RESOURCE_ERROR_NOT_AUTHORIZED);
  state = stat_str (mallory.md, "join-state");
  fail_unless_equals_string (state, "refused");
  g_free (state);

  server_messages (&sv, 3, 1, joined, refused, addrs);
  g_ptr_array_sort (joined, cmp_str);
  fail_unless_equals_string (joined->pdata[0], "sip:alice@example.com");
  fail_unless_equals_string (joined->pdata[1], "sip:bob@example.com");
  fail_unless_equals_string (joined->pdata[2], "sip:carol@example.com");
  for (guint i = 0; i < addrs->len; i++)
    fail_unless (g_str_has_prefix (addrs->pdata[i], "127.0.0.1:"));
  fail_unless_equals_string (refused->pdata[0], "sip:mallory@example.com");

  /* the media, after the joins: every member binds SSRC 0 to SSRC_A */
  srtp = server_media (&sv);
  for (guint i = 0; i < 3; i++)
    member_decodes (&m[i], srtp);
  /* mallory: no keys, no media */
  member_decodes_nothing (&mallory, srtp);

  /* a member joining now gets SSRC_A in the map */
  member_start (&dave, "dave", port, 500, WAIT_MS);
  member_wait_joined (&dave);
  member_decodes (&dave, srtp);

  fail_unless_equals_int (stat_u64 (sv.me, "members-joined"), 4);
  fail_unless_equals_int (stat_u64 (sv.me, "members-refused"), 1);
  for (guint i = 0; i < 3; i++)
    member_stop (&m[i]);
  member_stop (&mallory);
  member_stop (&dave);
  pipe_stop (&sv.pipe);
}

GST_END_TEST;

/* A member that joined before the sender had a stream (its crypto
 * session of SSRC 0 goes to SSRC_A), and one that joined knowing SSRC_A
 * only: packets of SSRC_B, new to both, make them re-join at once (not
 * after rejoin-interval, a minute here), wait meanwhile, and come out bit
 * for bit */
GST_START_TEST (test_group_new_stream_rejoins)
{
  guint port = test_free_port ();
  Server sv;
  Member early, late;
  g_autoptr (GPtrArray) srtp_a = NULL;
  g_autoptr (GPtrArray) srtp_b = NULL;

  member_rejoin_ms = 60000;
  server_start (&sv, port, NULL, NULL);
  member_start (&early, member_names[0], port, 500, WAIT_MS);
  member_wait_joined (&early);
  srtp_a = server_media_of (&sv, SSRC_A);
  member_decodes_of (&early, srtp_a, SSRC_A);
  member_start (&late, member_names[1], port, 500, WAIT_MS);
  member_wait_joined (&late);
  member_decodes_of (&late, srtp_a, SSRC_A);
  fail_unless_equals_int (stat_u64 (early.md, "rejoins"), 0);
  fail_unless_equals_int (stat_u64 (late.md, "rejoins"), 0);

  srtp_b = server_media_of (&sv, SSRC_B);
  member_decodes_of (&early, srtp_b, SSRC_B);
  member_decodes_of (&late, srtp_b, SSRC_B);
  fail_unless_equals_int (stat_u64 (early.md, "rejoins"), 1);
  fail_unless_equals_int (stat_u64 (late.md, "rejoins"), 1);
  fail_unless_equals_int (stat_u64 (early.md, "packets-dropped"), 0);
  fail_unless_equals_int (stat_u64 (late.md, "packets-dropped"), 0);
  fail_unless_equals_int (stat_u64 (sv.me, "members-joined"), 2);

  member_stop (&early);
  member_stop (&late);
  pipe_stop (&sv.pipe);
  member_rejoin_ms = 1500;
}

GST_END_TEST;

/* accept-certificate decides last on both sides: the key server's
 * handler is asked about each member (after the CA, CRL and identity
 * checks) and refuses bob like the policy would; a member's handler is
 * asked about the key server, and carol's, refusing it, takes no keys
 * (the answer counts as not authenticated: the join times out) */
GST_START_TEST (test_group_accept_certificate)
{
  guint port = test_free_port ();
  Decider server_d, alice_d, carol_d;
  Server sv;
  Member alice, bob, carol;
  g_autoptr (GPtrArray) srtp = NULL;
  g_autoptr (GPtrArray) joined = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) addrs = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) refused = g_ptr_array_new_with_free_func (g_free);

  decider_init (&server_d, "sip:bob@example.com");
  decider_init (&alice_d, NULL);
  decider_init (&carol_d, "sip:keys@example.com");
  server_start (&sv, port, NULL, NULL);
  g_signal_connect (sv.me, "accept-certificate", G_CALLBACK (decide),
      &server_d);

  member_decider = &alice_d;
  member_start (&alice, "alice", port, 200, WAIT_MS);
  member_decider = NULL;
  member_start (&bob, "bob", port, 200, WAIT_MS);
  member_decider = &carol_d;
  member_start (&carol, "carol", port, 200, 1500);
  member_decider = NULL;

  member_wait_joined (&alice);
  member_wait_error (&bob, GST_RESOURCE_ERROR_NOT_AUTHORIZED);
  member_wait_error (&carol, GST_RESOURCE_ERROR_OPEN_READ);

  server_messages (&sv, 2, 1, joined, refused, addrs);
  fail_unless_equals_string (refused->pdata[0], "sip:bob@example.com");
  g_mutex_lock (&server_d.lock);
  {
    /* each member at least once (carol asks again: she keeps no answer) */
    const char *const members[] = { "sip:alice@example.com",
      "sip:bob@example.com", "sip:carol@example.com", NULL
    };
    for (guint i = 0; members[i]; i++)
      fail_unless (g_ptr_array_find_with_equal_func (server_d.asked,
              members[i], g_str_equal, NULL), "%s not asked", members[i]);
    for (guint i = 0; i < server_d.asked->len; i++)
      fail_unless (g_strv_contains (members, server_d.asked->pdata[i]),
          "asked about %s", (char *) server_d.asked->pdata[i]);
  }
  g_mutex_unlock (&server_d.lock);
  g_mutex_lock (&alice_d.lock);
  fail_unless (alice_d.asked->len >= 1);
  fail_unless_equals_string (alice_d.asked->pdata[0], "sip:keys@example.com");
  g_mutex_unlock (&alice_d.lock);
  g_mutex_lock (&carol_d.lock);
  fail_unless (carol_d.asked->len >= 1);
  g_mutex_unlock (&carol_d.lock);

  srtp = server_media (&sv);
  member_decodes (&alice, srtp);
  member_decodes_nothing (&carol, srtp);

  member_stop (&alice);
  member_stop (&bob);
  member_stop (&carol);
  pipe_stop (&sv.pipe);
  decider_clear (&server_d);
  decider_clear (&alice_d);
  decider_clear (&carol_d);
}

GST_END_TEST;

/* The member's first requests find no server (it starts later): its
 * retransmissions, the same bytes, get it in */
GST_START_TEST (test_group_retransmission)
{
  guint port = test_free_port ();
  gint64 end = g_get_monotonic_time () + WAIT_MS * 1000;
  Server sv;
  Member erin;
  g_autoptr (GPtrArray) srtp = NULL;
  guint64 lost;

  member_start (&erin, "erin", port, 150, WAIT_MS);
  /* two requests lost at least */
  while (stat_u64 (erin.md, "requests-sent") < 2
      && g_get_monotonic_time () < end)
    g_usleep (10 * 1000);
  lost = stat_u64 (erin.md, "requests-sent");
  fail_unless (lost >= 2);
  server_start (&sv, port, NULL, NULL);
  member_wait_joined (&erin);
  fail_unless (stat_u64 (erin.md, "requests-sent") > lost);
  fail_unless_equals_int (stat_u64 (sv.me, "members-joined"), 1);
  srtp = server_media (&sv);
  member_decodes (&erin, srtp);
  member_stop (&erin);
  pipe_stop (&sv.pipe);
}

GST_END_TEST;

/* Through a relay that loses the first two requests and the first
 * answer: the member's third request gets an answer that is lost, its
 * fourth, the same bytes, gets the same answer again (the server does not
 * count it as a new join) */
GST_START_TEST (test_group_lost_answer)
{
  guint port = test_free_port ();
  Server sv;
  Member erin;
  Losses losses = { 2, 1, 0, 0 };
  TestRelay *relay;
  g_autoptr (GPtrArray) srtp = NULL;

  server_start (&sv, port, NULL, NULL);
  relay = test_relay_new (port, lose_first, &losses);
  member_start (&erin, "erin", test_relay_port (relay), 100, WAIT_MS);
  member_wait_joined (&erin);
  fail_unless (g_atomic_int_get (&losses.requests) >= 4);
  fail_unless (g_atomic_int_get (&losses.answers) >= 2);
  fail_unless (stat_u64 (erin.md, "requests-sent") >= 4);
  fail_unless_equals_int (stat_u64 (sv.me, "members-joined"), 1);
  fail_unless (stat_u64 (sv.me, "requests-repeated") >= 1);
  fail_unless_equals_int (stat_u64 (sv.me, "members-refused"), 0);
  srtp = server_media (&sv);
  member_decodes (&erin, srtp);
  member_stop (&erin);
  test_relay_free (relay);
  pipe_stop (&sv.pipe);
}

GST_END_TEST;

/* The key server's CRL revokes a member's certificate: refused, the
 * others served */
GST_START_TEST (test_group_revoked)
{
  guint port = test_free_port ();
  Server sv;
  Member revoked, alice;
  g_autoptr (GPtrArray) joined = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) addrs = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) refused = g_ptr_array_new_with_free_func (g_free);

  server_start (&sv, port, NULL, files.crl);
  member_start (&revoked, "revoked", port, 500, WAIT_MS);
  member_start (&alice, "alice", port, 500, WAIT_MS);
  member_wait_joined (&alice);
  member_wait_error (&revoked, GST_RESOURCE_ERROR_NOT_AUTHORIZED);
  server_messages (&sv, 1, 1, joined, refused, addrs);
  fail_unless_equals_string (joined->pdata[0], "sip:alice@example.com");
  fail_unless_equals_string (refused->pdata[0], "sip:revoked@example.com");
  member_stop (&revoked);
  member_stop (&alice);
  pipe_stop (&sv.pipe);
}

GST_END_TEST;

/* Nobody answers: RESOURCE / OPEN_READ once join-timeout has passed */
GST_START_TEST (test_group_join_timeout)
{
  Member erin;
  gint64 t0 = g_get_monotonic_time ();

  member_start (&erin, "erin", test_free_port (), 100, 700);
  member_wait_error (&erin, GST_RESOURCE_ERROR_OPEN_READ);
  fail_unless (g_get_monotonic_time () - t0 >= 700 * 1000);
  /* 0, 100, 300: then the deadline */
  fail_unless (stat_u64 (erin.md, "requests-sent") >= 3);
  member_stop (&erin);
}

GST_END_TEST;

/* Junk on the key server's port: a warning (not every time), no error;
 * members still join */
GST_START_TEST (test_group_malformed)
{
  static const guint8 junk[] = { 0x01, 0x00, 0x07, 0x00, 0x12, 0x34 };
  guint port = test_free_port ();
  Server sv;
  Member alice;
  g_autoptr (GSocket) s = test_udp_socket (0);
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback
      (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) to = g_inet_socket_address_new (lo, port);
  GstBus *bus;
  GstMessage *msg;
  guint warnings = 0;
  gint64 end = g_get_monotonic_time () + WAIT_MS * 1000;

  server_start (&sv, port, NULL, NULL);
  for (guint i = 0; i < 3; i++)
    fail_unless (g_socket_send_to (s, to, (const gchar *) junk, sizeof junk,
            NULL, NULL) == sizeof junk);
  while (stat_u64 (sv.me, "datagrams-malformed") < 3
      && g_get_monotonic_time () < end)
    g_usleep (10 * 1000);
  fail_unless_equals_int (stat_u64 (sv.me, "datagrams-malformed"), 3);

  member_start (&alice, "alice", port, 500, WAIT_MS);
  member_wait_joined (&alice);
  bus = gst_element_get_bus (sv.pipe);
  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING |
              GST_MESSAGE_ERROR))) {
    fail_unless (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING);
    warnings++;
    gst_message_unref (msg);
  }
  gst_object_unref (bus);
  fail_unless_equals_int (warnings, 1);
  member_stop (&alice);
  pipe_stop (&sv.pipe);
}

GST_END_TEST;

/* Packets @from .. @to - 1 (sequence numbers from @base) through the key
 * server's srtpenc, then the member: each back bit for bit */
static void
rekey_pump (Server *sv, Member *m, guint from, guint to, guint base)
{
  for (guint n = from; n < to; n++) {
    GstBuffer *srtp, *out, *want = rtp_packet_seq (SSRC_A, n, base);

    push (sv->src, rtp_packet_seq (SSRC_A, n, base));
    srtp = pull (sv->sink, WAIT_MS);
    fail_unless (srtp != NULL, "srtpenc gave no packet %u", n);
    /* a copy of its own, for srtpdec to decrypt in place */
    push (m->src, gst_buffer_copy_deep (srtp));
    gst_buffer_unref (srtp);
    out = pull (m->sink, WAIT_MS);
    fail_unless (out != NULL, "%s: packet %u lost", m->name, n);
    fail_unless (same_bytes (out, want), "%s: packet %u differs", m->name, n);
    gst_buffer_unref (out);
    gst_buffer_unref (want);
  }
}

/* The next `mikey-rekey` of the key server: of @phase */
static void
wait_rekey (Server *sv, const char *phase)
{
  GstMessage *msg = wait_for (sv->pipe, "mikey-rekey", 0, WAIT_MS);

  fail_unless_equals_string (gst_structure_get_string
      (gst_message_get_structure (msg), "phase"), phase);
  gst_message_unref (msg);
}

/* Until the member has taken new keys (a re-join since @since) */
static void
wait_new_keys (Member *m, guint64 since)
{
  gint64 end = g_get_monotonic_time () + WAIT_MS * (gint64) 1000;

  while (stat_u64 (m->md, "keys-received") <= since
      && g_get_monotonic_time () < end)
    g_usleep (10 * 1000);
  fail_unless (stat_u64 (m->md, "keys-received") > since,
      "%s: no new keys", m->name);
}

static guint64
srtpdec_drops (GstElement *sd)
{
  GstStructure *stats = NULL;
  guint drops = G_MAXUINT;

  g_object_get (sd, "stats", &stats, NULL);
  fail_unless (gst_structure_get_uint (stats, "recv-drop-count", &drops));
  gst_structure_free (stats);
  return drops;
}

/* A re-key of the key server on demand: the member, re-joining every
 * 150 ms, has the next key (MKI + 1) before srtpenc switches to it
 * (rekey-lead 1 s) and the old one until after; every packet before,
 * during and after decrypts bit for bit, none is dropped or fails
 * authentication. Sequence numbers from @base: past a wrap before the
 * re-key, srtpenc 1.22 restarts its ROC (1) at 0 with the next key, which
 * the member learns by a re-join at the first packet under it. */
static void
check_group_rekey (guint base)
{
  guint port = test_free_port ();
  gboolean ok = FALSE;
  guint64 keys;
  Server sv;
  Member alice;

  server_start (&sv, port, NULL, NULL);
  g_object_set (sv.me, "rekey-lead", 1000, NULL);
  member_rejoin_ms = 150;
  member_start (&alice, "alice", port, 100, WAIT_MS);
  member_rejoin_ms = 1500;
  member_wait_joined (&alice);

  rekey_pump (&sv, &alice, 0, 4, base);
  keys = stat_u64 (alice.md, "keys-received");
  g_signal_emit_by_name (sv.me, "rekey", &ok);
  fail_unless (ok);
  wait_rekey (&sv, "distributed");
  wait_new_keys (&alice, keys);
  rekey_pump (&sv, &alice, 4, 8, base);
  wait_rekey (&sv, "switched");
  rekey_pump (&sv, &alice, 8, 12, base);
  keys = stat_u64 (alice.md, "keys-received");
  wait_rekey (&sv, "retired");
  wait_new_keys (&alice, keys);
  rekey_pump (&sv, &alice, 12, 16, base);

  fail_unless_equals_int (srtpdec_drops (alice.sd), 0);
  fail_unless_equals_int (stat_u64 (alice.md, "packets-dropped"), 0);
  fail_unless_equals_int (stat_u64 (alice.md, "packets-keyed"), 16);
  fail_unless (stat_u64 (alice.md, "rejoins") >= 2);
  fail_unless_equals_int (stat_u64 (sv.me, "rekeys"), 1);
  fail_unless_equals_int (stat_u64 (sv.me, "members-joined"), 1);
  fail_unless (stat_u64 (sv.me, "members-rejoined") >= 2);
  member_stop (&alice);
  pipe_stop (&sv.pipe);
}

GST_START_TEST (test_group_rekey)
{
  check_group_rekey (FIRST_SEQ);
}

GST_END_TEST;

/* the sequence numbers wrap between packets 1 and 2; the member drops
 * packets without keys (max-pending 0), but holds those at the switch */
GST_START_TEST (test_group_rekey_after_wrap)
{
  member_max_pending = 0;
  check_group_rekey (65534);
  member_max_pending = 64;
}

GST_END_TEST;

/* Run a command line; the test fails unless it succeeds */
static void
run_tool (const char *const *argv)
{
  g_autofree gchar *out = NULL, *errout = NULL;
  GError *err = NULL;
  gint status = 0;

  fail_unless (g_spawn_sync (NULL, (gchar **) argv, NULL,
          G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &errout, &status, &err),
      "%s: %s", argv[0], err ? err->message : "");
  fail_unless (g_spawn_check_wait_status (status, NULL), "%s: %s%s",
      argv[1], out, errout);
}

/* The key server's certificate and private key on a SoftHSM2 token
 * (certificate and private-key both pkcs11: URIs): a member joins and
 * decodes. GnuTLS finds SoftHSM2 through its p11-kit registration; skipped
 * without it. Check forks each test, so the token configuration and
 * GnuTLS's PKCS#11 state stay in this one. */
GST_START_TEST (test_group_pkcs11)
{
  g_autofree gchar *util = g_find_program_in_path ("softhsm2-util");
  g_autofree gchar *dir = NULL, *tokens = NULL, *conf = NULL, *text = NULL;
  g_autofree gchar *pem = NULL;
  const char *init[] = { "softhsm2-util", "--init-token", "--free",
    "--label", "mikey-test", "--pin", "1234", "--so-pin", "123456", NULL
  };
  const char *import[] = { "softhsm2-util", "--import", files.server_key,
    "--token", "mikey-test", "--label", "keys", "--id", "01", "--pin",
    "1234", NULL
  };
  gnutls_datum_t d, id = { (unsigned char *) "\x01", 1 };
  gnutls_x509_crt_t crt;
  gsize len;
  guint port = test_free_port ();
  Server sv;
  Member alice;
  g_autoptr (GPtrArray) srtp = NULL;

  if (util == NULL || !g_file_test ("/usr/share/p11-kit/modules/"
          "softhsm2.module", G_FILE_TEST_EXISTS)) {
    GST_WARNING ("SoftHSM2 not installed (apt-get install softhsm2): "
        "PKCS#11 test skipped");
    return;
  }
  dir = g_strdup_printf ("%s/p11-%d", test_pki_tmpdir (), (int) getpid ());
  tokens = g_build_filename (dir, "tokens", NULL);
  conf = g_build_filename (dir, "softhsm2.conf", NULL);
  text = g_strdup_printf ("directories.tokendir = %s\n"
      "objectstore.backend = file\nlog.level = ERROR\n", tokens);
  fail_unless_equals_int (g_mkdir_with_parents (tokens, 0700), 0);
  fail_unless (g_file_set_contents (conf, text, -1, NULL));
  g_setenv ("SOFTHSM2_CONF", conf, TRUE);
  run_tool (init);
  run_tool (import);
  /* the certificate on the token too */
  fail_unless (g_file_get_contents (files.server_cert, &pem, &len, NULL));
  d.data = (unsigned char *) pem;
  d.size = len;
  fail_unless_equals_int (gnutls_x509_crt_init (&crt), 0);
  fail_unless_equals_int (gnutls_x509_crt_import (crt, &d,
          GNUTLS_X509_FMT_PEM), 0);
  fail_unless_equals_int (gnutls_pkcs11_copy_x509_crt2
      ("pkcs11:token=mikey-test;pin-value=1234", crt, "keys", &id,
          GNUTLS_PKCS11_OBJ_FLAG_LOGIN), 0);
  gnutls_x509_crt_deinit (crt);

  server_start_with (&sv, port, NULL, NULL,
      "pkcs11:token=mikey-test;object=keys;type=cert",
      "pkcs11:token=mikey-test;object=keys;type=private;pin-value=1234");
  member_start (&alice, "alice", port, 500, WAIT_MS);
  member_wait_joined (&alice);
  srtp = server_media (&sv);
  member_decodes (&alice, srtp);
  fail_unless_equals_int (stat_u64 (sv.me, "members-joined"), 1);
  member_stop (&alice);
  pipe_stop (&sv.pipe);
  gnutls_pkcs11_deinit ();
}

GST_END_TEST;

/* PK mode (RFC 3830 §3.2) */

/* A pipeline of a launch line; its elements by name */
static GstElement *
launch (const char *line)
{
  g_autoptr (GError) error = NULL;
  GstElement *pipe = gst_parse_launch (line, &error);

  fail_unless (pipe != NULL && error == NULL, "%s: %s", line,
      error ? error->message : "");
  return pipe;
}

/* The same, set to PLAYING */
static GstElement *
launch_playing (const char *line)
{
  GstElement *pipe = launch (line);

  fail_if (gst_element_set_state (pipe, GST_STATE_PLAYING)
      == GST_STATE_CHANGE_FAILURE);
  return pipe;
}

/* The sender (mikeyenc mode=pk, keys in band) for @peer's certificate and
 * a receiver (mikeydec mode=pk ! srtpdec) with @name's certificate */
static GstElement *
pk_sender (const char *peer)
{
  g_autofree gchar *peer_cert = member_file (peer, "pem");
  g_autofree gchar *line = g_strdup_printf ("appsrc name=src format=time "
      "caps=\"" RTP_CAPS "\" ! srtpenc name=enc ! mikeyenc name=me mode=pk "
      "in-band=true certificate=\"%s\" private-key=\"%s\" ca-file=\"%s\" "
      "peer-certificate=\"%s\" ! appsink name=sink sync=false",
      files.server_cert, files.server_key, files.ca, peer_cert);

  return launch_playing (line);
}

static GstElement *
pk_receiver (const char *cert, const char *key)
{
  g_autofree gchar *line = g_strdup_printf ("appsrc name=src format=time "
      "caps=\"" SRTP_CAPS "\" ! mikeydec name=md mode=pk certificate=\"%s\" "
      "private-key=\"%s\" ca-file=\"%s\" max-pending=16 ! srtpdec name=sd "
      "! appsink name=sink sync=false", cert, key, files.ca);

  return launch_playing (line);
}

/* mikeyenc mode=pk for alice, in band: alice's mikeydec takes the keys of
 * the message before the first packet (the key srtpenc got, bit for bit)
 * and decrypts every packet as sent; get-message gives a PK message too */
GST_START_TEST (test_pk_in_band)
{
  g_autofree gchar *cert = member_file ("alice", "pem");
  g_autofree gchar *key = member_file ("alice", "key");
  GstElement *tx = pk_sender ("alice");
  GstElement *rx = pk_receiver (cert, key);
  GstBuffer *b, *srtp_key = NULL, *msg = NULL;
  GstCaps *caps = NULL;
  guint messages = 0;

  for (guint n = 0; n < N_PACKETS; n++)
    push (by_name (tx, "src"), packet (n));
  /* the message, then the packets, into the receiver */
  while ((b = pull (by_name (tx, "sink"), 500))) {
    guint8 first = 0;
    gst_buffer_extract (b, 0, &first, 1);
    if (first == 0x01)
      messages++;
    /* a copy of its own, for srtpdec to decrypt in place (appsink keeps
     * its last sample) */
    push (by_name (rx, "src"), gst_buffer_copy_deep (b));
    gst_buffer_unref (b);
  }
  fail_unless (messages >= 1);
  for (guint n = 0; n < N_PACKETS; n++) {
    GstBuffer *out = pull (by_name (rx, "sink"), WAIT_MS), *want = packet (n);
    fail_unless (out != NULL, "no packet %u", n);
    fail_unless (same_bytes (out, want), "packet %u differs", n);
    gst_buffer_unref (out);
    gst_buffer_unref (want);
  }
  /* the receiver has srtpenc's key */
  g_object_get (by_name (tx, "enc"), "key", &srtp_key, NULL);
  g_signal_emit_by_name (by_name (rx, "md"), "get-keys", SSRC_A, &caps);
  fail_unless (srtp_key != NULL && caps != NULL);
  fail_unless (same_bytes (gst_value_get_buffer (gst_structure_get_value
              (gst_caps_get_structure (caps, 0), "srtp-key")), srtp_key));
  gst_caps_unref (caps);
  gst_buffer_unref (srtp_key);
  fail_unless_equals_int (stat_u64 (by_name (rx, "md"), "messages-refused"),
      0);

  /* out of band: a PK I_MESSAGE (data type 2) */
  g_signal_emit_by_name (by_name (tx, "me"), "get-message", &msg);
  fail_unless (msg != NULL);
  {
    guint8 hdr[2];
    fail_unless_equals_int (gst_buffer_extract (msg, 0, hdr, 2), 2);
    fail_unless_equals_int (hdr[1], 2);
  }
  gst_buffer_unref (msg);
  pipe_stop (&rx);
  pipe_stop (&tx);
}

GST_END_TEST;

/* A receiver whose certificate is not the one the message is for (the
 * key server's, another key): refused with RESOURCE / NOT_AUTHORIZED, no
 * keys, no media */
GST_START_TEST (test_pk_wrong_receiver)
{
  GstElement *tx = pk_sender ("alice");
  GstElement *rx = pk_receiver (files.server_cert, files.server_key);
  GstBuffer *msg = NULL;
  GstMessage *m;
  GError *err = NULL;
  gchar *dbg = NULL;
  gboolean ok = TRUE;

  push (by_name (tx, "src"), packet (0));
  gst_buffer_unref (pull (by_name (tx, "sink"), WAIT_MS));
  g_signal_emit_by_name (by_name (tx, "me"), "get-message", &msg);
  fail_unless (msg != NULL);
  g_signal_emit_by_name (by_name (rx, "md"), "push-message", msg, &ok);
  fail_if (ok);
  gst_buffer_unref (msg);
  {
    GstBus *bus = gst_element_get_bus (rx);
    m = gst_bus_timed_pop_filtered (bus, WAIT_MS * GST_MSECOND,
        GST_MESSAGE_WARNING);
    gst_object_unref (bus);
  }
  fail_unless (m != NULL);
  gst_message_parse_warning (m, &err, &dbg);
  fail_unless (g_error_matches (err, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_NOT_AUTHORIZED), "%s", err->message);
  GST_INFO ("wrong receiver: %s (%s)", err->message, dbg);
  g_clear_error (&err);
  g_free (dbg);
  gst_message_unref (m);
  fail_unless_equals_int (stat_u64 (by_name (rx, "md"), "messages-refused"),
      1);
  fail_unless_equals_int (stat_u64 (by_name (rx, "md"), "keys-received"), 0);
  pipe_stop (&rx);
  pipe_stop (&tx);
}

GST_END_TEST;

/* @pipe fails to go to READY, with a RESOURCE error of @code */
static void
assert_ready_fails (GstElement *pipe, gint code)
{
  GstBus *bus = gst_element_get_bus (pipe);
  GstMessage *m;
  GError *err = NULL;

  fail_unless (gst_element_set_state (pipe, GST_STATE_READY)
      == GST_STATE_CHANGE_FAILURE);
  m = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (m != NULL);
  gst_message_parse_error (m, &err, NULL);
  fail_unless (g_error_matches (err, GST_RESOURCE_ERROR, code), "%s",
      err->message);
  g_clear_error (&err);
  gst_message_unref (m);
  gst_object_unref (bus);
}

/* mikeyenc mode=pk without the receiver's certificate, or with a file
 * that is none, does not start */
GST_START_TEST (test_pk_settings)
{
  GstElement *pipe = launch ("appsrc caps=\"" RTP_CAPS "\" ! srtpenc "
      "! mikeyenc name=me mode=pk ! fakesink");

  g_object_set (by_name (pipe, "me"), "certificate", files.server_cert,
      "private-key", files.server_key, "ca-file", files.ca, NULL);
  assert_ready_fails (pipe, GST_RESOURCE_ERROR_SETTINGS);
  /* a file that holds no certificate (a CRL) */
  g_object_set (by_name (pipe, "me"), "peer-certificate", files.crl, NULL);
  assert_ready_fails (pipe, GST_RESOURCE_ERROR_OPEN_READ);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (pipe);
}

GST_END_TEST;

/* DH and DH-HMAC (RFC 3830 §3.3, RFC 4650): mikeyenc the Initiator,
 * mikeydec the Responder on UDP */

#define PSK_HEX "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define OTHER_PSK_HEX "ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

/* As gst-launch-1.0 makes them, with @extra: the sender (srtpenc !
 * mikeyenc mode=@mode peer=127.0.0.1:@port) or the receiver (mikeydec
 * mode=@mode port=@port ! srtpdec); 64 packets held until keyed */
static GstElement *
dh_pipeline (gboolean sender, const char *mode, guint port,
    const char *extra)
{
  g_autofree gchar *line = sender ? g_strdup_printf ("appsrc name=src "
      "format=time caps=\"" RTP_CAPS "\" ! srtpenc name=enc ! mikeyenc "
      "name=me mode=%s peer=127.0.0.1:%u max-pending=64 %s ! appsink "
      "name=sink sync=false", mode, port, extra) :
      g_strdup_printf ("appsrc name=src format=time caps=\"" SRTP_CAPS "\" "
      "! mikeydec name=md mode=%s port=%u max-pending=64 %s ! srtpdec "
      "name=sd ! appsink name=sink sync=false", mode, port, extra);

  return launch_playing (line);
}

#define dh_sender(mode, port, extra) dh_pipeline (TRUE, mode, port, extra)
#define dh_receiver(mode, port, extra) dh_pipeline (FALSE, mode, port, extra)

/* Certificates and keys on a launch line: the key server's or a
 * member's, and @ca */
static gchar *
dh_pki (const char *name, const char *ca)
{
  g_autofree gchar *cert = name ? member_file (name, "pem") :
      g_strdup (files.server_cert);
  g_autofree gchar *key = name ? member_file (name, "key") :
      g_strdup (files.server_key);

  return g_strdup_printf ("certificate=\"%s\" private-key=\"%s\" "
      "ca-file=\"%s\"", cert, key, ca);
}

/* The sender's `mikey-exchange-done` and, when @identity, its
 * peer-identity */
static void
exchange_done (GstElement *pipe, const char *identity)
{
  GstMessage *msg = wait_for (pipe, "mikey-exchange-done", 0, WAIT_MS);
  const GstStructure *s = gst_message_get_structure (msg);

  fail_unless (g_str_has_prefix (gst_structure_get_string (s,
              "peer-address"), "127.0.0.1:"));
  fail_unless_equals_string (gst_structure_get_string (s, "peer-identity"),
      identity);
  gst_message_unref (msg);
}

/* The SRTP packets @srtp (packets 0.. of @ssrc) into the receiver: each
 * decrypted bit for bit (the receiver seen as a member) */
static void
dh_decodes (GstElement *rx, GPtrArray *srtp, guint32 ssrc)
{
  Member m = {.name = "receiver",.pipe = rx,.src = by_name (rx, "src"),
    .md = by_name (rx, "md"),.sd = by_name (rx, "sd"),
    .sink = by_name (rx, "sink")
  };

  member_decodes_of (&m, srtp, ssrc);
}

/* Packets 0..N_PACKETS - 1 of @ssrc through the keyed sender, then
 * decrypted by the receiver */
static void
dh_media (GstElement *tx, GstElement *rx, guint32 ssrc)
{
  g_autoptr (GPtrArray) srtp = g_ptr_array_new_with_free_func (
      (GDestroyNotify) gst_buffer_unref);

  for (guint n = 0; n < N_PACKETS; n++)
    push (by_name (tx, "src"), ssrc_packet (ssrc, n));
  for (guint n = 0; n < N_PACKETS; n++) {
    GstBuffer *b = pull (by_name (tx, "sink"), WAIT_MS);
    fail_unless (b != NULL, "packet %u of SSRC %08x not sent", n, ssrc);
    g_ptr_array_add (srtp, b);
  }
  dh_decodes (rx, srtp, ssrc);
}

/* A whole exchange: packets of SSRC_A sent before it are held, then go
 * out keyed; the receiver decrypts them and later ones of SSRC_B (one key,
 * CS 1's, for every SSRC) bit for bit; its key is srtpenc's */
static void
dh_roundtrip (const char *mode, const char *tx_extra, const char *rx_extra,
    const char *tx_peer_id, const char *rx_peer_id)
{
  guint port = test_free_port ();
  GstElement *tx = dh_sender (mode, port, tx_extra), *rx;
  GstBuffer *b, *srtp_key = NULL, *caps_key = NULL;
  GPtrArray *srtp = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_buffer_unref);
  GstCaps *caps = NULL;
  const GValue *v;
  gchar *state;

  /* no receiver yet: the packets wait before srtpenc */
  for (guint n = 0; n < N_PACKETS; n++)
    push (by_name (tx, "src"), ssrc_packet (SSRC_A, n));
  fail_unless (pull (by_name (tx, "sink"), 300) == NULL);
  fail_unless_equals_int (stat_u64 (by_name (tx, "me"), "packets-held"),
      N_PACKETS);
  state = stat_str (by_name (tx, "me"), "exchange-state");
  fail_unless_equals_string (state, "exchanging");
  g_free (state);

  /* the receiver: the retransmitted I_MESSAGE reaches it */
  rx = dh_receiver (mode, port, rx_extra);
  exchange_done (tx, tx_peer_id);
  exchange_done (rx, rx_peer_id);
  for (guint n = 0; n < N_PACKETS; n++) {
    b = pull (by_name (tx, "sink"), WAIT_MS);
    fail_unless (b != NULL, "held packet %u not sent", n);
    g_ptr_array_add (srtp, b);
  }
  dh_decodes (rx, srtp, SSRC_A);
  dh_media (tx, rx, SSRC_B);
  state = stat_str (by_name (tx, "me"), "exchange-state");
  fail_unless_equals_string (state, "done");
  g_free (state);
  fail_unless_equals_int (stat_u64 (by_name (tx, "me"), "packets-dropped"),
      0);

  /* srtpenc's key is the TEK and salt the receiver derived for both */
  g_object_get (by_name (tx, "enc"), "key", &srtp_key, NULL);
  fail_unless (srtp_key != NULL);
  for (guint i = 0; i < 2; i++) {
    g_signal_emit_by_name (by_name (rx, "md"), "get-keys",
        i ? SSRC_B : SSRC_A, &caps);
    fail_unless (caps != NULL);
    v = gst_structure_get_value (gst_caps_get_structure (caps, 0),
        "srtp-key");
    fail_unless (v != NULL);
    caps_key = gst_value_get_buffer (v);
    fail_unless (same_bytes (srtp_key, caps_key), "%s: srtpenc's key is "
        "not the receiver's", mode);
    gst_caps_unref (caps);
  }
  gst_buffer_unref (srtp_key);
  g_ptr_array_unref (srtp);
  pipe_stop (&rx);
  pipe_stop (&tx);
}

/* DH mode with certificates: the sender is the key server, the receiver
 * alice; both chain to the CA */
GST_START_TEST (test_dh_exchange)
{
  g_autofree gchar *tx_pki = dh_pki (NULL, files.ca);
  g_autofree gchar *rx_pki = dh_pki ("alice", files.ca);

  dh_roundtrip ("dh", tx_pki, rx_pki, "sip:alice@example.com",
      "sip:keys@example.com");
}

GST_END_TEST;

/* DH-HMAC with a PSK, OAKLEY 2, IDr agreed on both ends */
GST_START_TEST (test_dhhmac_exchange)
{
  dh_roundtrip ("dhhmac", "psk=" PSK_HEX " dh-group=oakley-2 "
      "peer-identity=\"sip:alice@example.com\"", "psk=" PSK_HEX
      " identity=\"sip:alice@example.com\"", NULL, NULL);
}

GST_END_TEST;

/* The refusal on @pipe: RESOURCE / NOT_AUTHORIZED from @e, an error where
 * its own exchange failed, a warning (@type) where it answers requests
 * anyone can send, so that a forged one cannot stop it */
static void
assert_refused_as (GstElement *pipe, GstElement *e, GstMessageType type)
{
  GstBus *bus = gst_element_get_bus (pipe);
  GstMessage *msg = gst_bus_timed_pop_filtered (bus, WAIT_MS * GST_MSECOND,
      type | GST_MESSAGE_ERROR);
  GError *err = NULL;
  gchar *dbg = NULL;

  gst_object_unref (bus);
  fail_unless (msg != NULL, "%s: not refused", GST_OBJECT_NAME (e));
  fail_unless (GST_MESSAGE_TYPE (msg) == type, "%s: not a %s",
      GST_OBJECT_NAME (e), gst_message_type_get_name (type));
  if (type == GST_MESSAGE_WARNING)
    gst_message_parse_warning (msg, &err, &dbg);
  else
    gst_message_parse_error (msg, &err, &dbg);
  fail_unless (g_error_matches (err, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_NOT_AUTHORIZED), "%s", err->message);
  fail_unless (GST_MESSAGE_SRC (msg) == GST_OBJECT (e));
  GST_INFO ("%s: %s (%s)", GST_OBJECT_NAME (e), err->message, dbg);
  g_clear_error (&err);
  g_free (dbg);
  gst_message_unref (msg);
}

static void
assert_refused (GstElement *pipe, GstElement *e)
{
  assert_refused_as (pipe, e, GST_MESSAGE_ERROR);
}

/* No keys: nothing leaves the sender, the receiver has no keys */
static void
assert_no_media (GstElement *tx, GstElement *rx)
{
  GstCaps *caps = NULL;

  for (guint n = 0; n < N_PACKETS; n++)
    push (by_name (tx, "src"), ssrc_packet (SSRC_A, n));
  fail_unless (pull (by_name (tx, "sink"), 300) == NULL);
  fail_unless_equals_int (stat_u64 (by_name (tx, "me"), "packets-held"),
      N_PACKETS);
  g_signal_emit_by_name (by_name (rx, "md"), "get-keys", SSRC_A, &caps);
  fail_unless (caps == NULL);
  fail_unless_equals_int (stat_u64 (by_name (rx, "md"), "keys-received"), 0);
}

/* DH-HMAC with another PSK: the receiver finds the MAC wrong and refuses
 * (a RESOURCE / NOT_AUTHORIZED warning, and goes on), the sender, answered
 * with an Error message, fails (the error); no media */
GST_START_TEST (test_dhhmac_wrong_psk)
{
  guint port = test_free_port ();
  GstElement *rx = dh_receiver ("dhhmac", port, "psk=" OTHER_PSK_HEX
      " identity=\"sip:alice@example.com\"");
  GstElement *tx = dh_sender ("dhhmac", port, "psk=" PSK_HEX
      " dh-group=oakley-2 peer-identity=\"sip:alice@example.com\"");
  gchar *state;

  assert_refused_as (rx, by_name (rx, "md"), GST_MESSAGE_WARNING);
  assert_refused (tx, by_name (tx, "me"));
  state = stat_str (by_name (tx, "me"), "exchange-state");
  fail_unless_equals_string (state, "refused");
  g_free (state);
  assert_no_media (tx, rx);
  pipe_stop (&tx);
  pipe_stop (&rx);
}

GST_END_TEST;

/* DH with a certificate the other end's CA did not issue: refused by the
 * end that checks it, the receiver (the sender's chain) or the sender
 * (the receiver's); no media */
GST_START_TEST (test_dh_untrusted)
{
  for (guint i = 0; i < 2; i++) {
    guint port = test_free_port ();
    g_autofree gchar *tx_pki = dh_pki (NULL, i ? files.other_ca : files.ca);
    g_autofree gchar *rx_pki = dh_pki ("alice", i ? files.ca :
        files.other_ca);
    GstElement *rx = dh_receiver ("dh", port, rx_pki);
    GstElement *tx = dh_sender ("dh", port, tx_pki);

    if (i == 0)
      assert_refused_as (rx, by_name (rx, "md"), GST_MESSAGE_WARNING);
    else
      assert_refused (tx, by_name (tx, "me"));
    assert_no_media (tx, rx);
    pipe_stop (&tx);
    pipe_stop (&rx);
  }
}

GST_END_TEST;

/* A stream that ends before the exchange is done (a short file, not live):
 * its EOS waits behind the held packets, which all go out keyed, then the
 * EOS */
GST_START_TEST (test_dh_eos_behind_held)
{
  guint port = test_free_port ();
  GstElement *tx = dh_sender ("dhhmac", port, "psk=" PSK_HEX
      " peer-identity=\"sip:alice@example.com\"");
  GstElement *rx;
  GstAppSink *sink = GST_APP_SINK (by_name (tx, "sink"));

  for (guint n = 0; n < N_PACKETS; n++)
    push (by_name (tx, "src"), ssrc_packet (SSRC_A, n));
  fail_unless_equals_int (gst_app_src_end_of_stream (GST_APP_SRC (by_name (tx,
                  "src"))), GST_FLOW_OK);
  fail_unless (pull (by_name (tx, "sink"), 300) == NULL);
  fail_if (gst_app_sink_is_eos (sink), "EOS overtook the held packets");

  /* appsink holds the EOS until the samples before it are pulled: pull
   * first, then the sender says the exchange is done */
  rx = dh_receiver ("dhhmac", port, "psk=" PSK_HEX
      " identity=\"sip:alice@example.com\"");
  for (guint n = 0; n < N_PACKETS; n++) {
    GstBuffer *b = pull (by_name (tx, "sink"), WAIT_MS);
    fail_unless (b != NULL, "held packet %u lost", n);
    gst_buffer_unref (b);
  }
  fail_unless (pull (by_name (tx, "sink"), WAIT_MS) == NULL);
  fail_unless (gst_app_sink_is_eos (sink));
  exchange_done (tx, NULL);
  pipe_stop (&rx);
  pipe_stop (&tx);
}

GST_END_TEST;

/* The receiver's first answer and its three repeats of it are lost (a
 * relay before the sender): the sender's fifth request is a new one (a new
 * initial message: the receiver answers the same bytes no more), which
 * gets the keys through */
GST_START_TEST (test_dh_four_answers_lost)
{
  guint port = test_free_port ();
  Losses losses = { 0, MKY_RSA_R_MAX_REPEATS + 1, 0, 0 };
  TestRelay *relay = test_relay_new (port, lose_first, &losses);
  GstElement *rx = dh_receiver ("dhhmac", port, "psk=" PSK_HEX
      " identity=\"sip:alice@example.com\"");
  g_autofree gchar *tx_extra = g_strdup_printf ("psk=" PSK_HEX
      " peer-identity=\"sip:alice@example.com\" dh-group=oakley-2 "
      "peer=127.0.0.1:%u", test_relay_port (relay));
  GstElement *tx = dh_sender ("dhhmac", port, tx_extra);

  exchange_done (tx, NULL);
  fail_unless (g_atomic_int_get (&losses.answers)
      >= MKY_RSA_R_MAX_REPEATS + 2);
  fail_unless (stat_u64 (by_name (tx, "me"), "requests-sent")
      >= MKY_RSA_R_MAX_REPEATS + 2);
  dh_media (tx, rx, SSRC_A);
  pipe_stop (&tx);
  pipe_stop (&rx);
  test_relay_free (relay);
}

GST_END_TEST;

/* Settings: no peer, dhhmac without PSK or identity */
GST_START_TEST (test_dh_settings)
{
  GstElement *pipe = launch ("appsrc caps=\"" RTP_CAPS "\" ! srtpenc "
      "! mikeyenc name=me mode=dhhmac psk=" PSK_HEX " ! fakesink");

  assert_ready_fails (pipe, GST_RESOURCE_ERROR_SETTINGS);
  g_object_set (by_name (pipe, "me"), "peer", "127.0.0.1:9", NULL);
  assert_ready_fails (pipe, GST_RESOURCE_ERROR_SETTINGS);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (pipe);
}

GST_END_TEST;

/* mode=rsa-r (RFC 4738 unicast): alice and bob each ask the sender in an
 * exchange of their own (their own CSB IDs, not a group's) and get
 * srtpenc's key, the same for both as srtpenc has one; mallory, not
 * allowed, is refused with RESOURCE / NOT_AUTHORIZED and decodes nothing */
GST_START_TEST (test_unicast)
{
  const char *allowed = "\"<\\\"sip:alice@example.com\\\", "
      "\\\"sip:bob@example.com\\\">\"";
  guint port = test_free_port ();
  Server sv;
  Member m[2], mallory;
  guint csb_id[2];
  g_autoptr (GPtrArray) srtp = NULL;
  g_autoptr (GPtrArray) joined = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) addrs = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) refused = g_ptr_array_new_with_free_func (g_free);
  GstBuffer *srtp_key = NULL;
  GstCaps *caps = NULL;
  GstMessage *msg;

  rsa_r_mode = "rsa-r";
  server_start (&sv, port, allowed, NULL);
  for (guint i = 0; i < 2; i++)
    member_start (&m[i], member_names[i], port, 500, WAIT_MS);
  member_start (&mallory, "mallory", port, 500, WAIT_MS);
  for (guint i = 0; i < 2; i++) {
    const GstStructure *s;
    msg = wait_for (m[i].pipe, "mikey-joined", 0, WAIT_MS);
    s = gst_message_get_structure (msg);
    fail_unless_equals_string (gst_structure_get_string (s,
            "server-identity"), "sip:keys@example.com");
    fail_unless (gst_structure_get_uint (s, "csb-id", &csb_id[i]));
    gst_message_unref (msg);
  }
  /* each its own bundle: unicast answers */
  fail_unless (csb_id[0] != csb_id[1]);
  assert_refused (mallory.pipe, mallory.md);
  server_messages (&sv, 2, 1, joined, refused, addrs);
  fail_unless_equals_string (refused->pdata[0], "sip:mallory@example.com");

  srtp = server_media (&sv);
  for (guint i = 0; i < 2; i++)
    member_decodes (&m[i], srtp);
  member_decodes_nothing (&mallory, srtp);

  /* both have srtpenc's key */
  g_object_get (sv.enc, "key", &srtp_key, NULL);
  fail_unless (srtp_key != NULL);
  for (guint i = 0; i < 2; i++) {
    const GValue *v;
    g_signal_emit_by_name (m[i].md, "get-keys", SSRC_A, &caps);
    fail_unless (caps != NULL);
    v = gst_structure_get_value (gst_caps_get_structure (caps, 0),
        "srtp-key");
    fail_unless (v != NULL && same_bytes (srtp_key,
            gst_value_get_buffer (v)), "%s: not srtpenc's key", m[i].name);
    gst_caps_unref (caps);
  }
  gst_buffer_unref (srtp_key);
  fail_unless_equals_int (stat_u64 (sv.me, "members-joined"), 2);
  fail_unless_equals_int (stat_u64 (sv.me, "members-refused"), 1);

  member_stop (&mallory);
  for (guint i = 0; i < 2; i++)
    member_stop (&m[i]);
  pipe_stop (&sv.pipe);
  rsa_r_mode = "rsa-r-group";
}

GST_END_TEST;

static Suite *
mikey_rsa_r_suite (void)
{
  Suite *s = suite_create ("mikey-rsa-r");
  TCase *tc = tcase_create ("group");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_group_join_and_refusal);
  tcase_add_test (tc, test_group_new_stream_rejoins);
  tcase_add_test (tc, test_group_accept_certificate);
  tcase_add_test (tc, test_group_retransmission);
  tcase_add_test (tc, test_group_lost_answer);
  tcase_add_test (tc, test_group_revoked);
  tcase_add_test (tc, test_group_join_timeout);
  tcase_add_test (tc, test_group_malformed);
  tcase_add_test (tc, test_group_rekey);
  tcase_add_test (tc, test_group_rekey_after_wrap);
  tcase_add_test (tc, test_group_pkcs11);
  tcase_add_test (tc, test_pk_in_band);
  tcase_add_test (tc, test_pk_wrong_receiver);
  tcase_add_test (tc, test_pk_settings);
  tcase_add_test (tc, test_dh_exchange);
  tcase_add_test (tc, test_dhhmac_exchange);
  tcase_add_test (tc, test_dhhmac_wrong_psk);
  tcase_add_test (tc, test_dh_untrusted);
  tcase_add_test (tc, test_dh_settings);
  tcase_add_test (tc, test_dh_eos_behind_held);
  tcase_add_test (tc, test_dh_four_answers_lost);
  tcase_add_test (tc, test_unicast);
  return s;
}

int
main (int argc, char **argv)
{
  int failed;

  gst_check_init (&argc, &argv);
  make_pki ();
  failed = gst_check_run_suite (mikey_rsa_r_suite (), "mikey-rsa-r",
      __FILE__);
  test_pki_cleanup ();
  g_free (files.ca);
  g_free (files.crl);
  g_free (files.other_ca);
  g_free (files.server_cert);
  g_free (files.server_key);
  return failed;
}
