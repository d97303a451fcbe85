/* gst-mikey-join-bench: how fast a receiver joins a MIKEY-RSA-R group
 * (mikeyenc mode=rsa-r-group as key server, mikeydec as member) next to a
 * DTLS-SRTP handshake (stock dtlssrtpenc / dtlssrtpdec) measured the same
 * way in the same run; and how many members one key server admits per
 * second, next to the raw RSA-2048 signatures per second it cannot do
 * without.
 *
 * How to run:
 *   ninja -C build && build/tests/bench/gst-mikey-join-bench
 *   build/tests/bench/gst-mikey-join-bench --joins 500 --receivers 5000
 *   build/tests/bench/gst-mikey-join-bench --json        for machines
 *   build/tests/bench/gst-mikey-join-bench --receivers 0 only the joins
 *   build/tests/bench/gst-mikey-join-bench --joins 0     only the server
 *   meson test -C build --benchmark -v gst-mikey-join-bench
 * `meson test` runs it only as a smoke test (suite bench-smoke: 5 joins,
 * 20 receivers). The mikey plugin of this build tree is loaded from its
 * build directory; srtpenc, srtpdec, dtlssrtpenc and dtlssrtpdec are the
 * system's (gst-plugins-bad). All in one process, on 127.0.0.1, not pinned
 * to a CPU (the key server, the receivers and GStreamer's threads spread
 * over the CPUs there are).
 *
 * Certificates: RSA-2048 (tests/common/test-pki), made at start-up: a CA,
 * the key server's (sip:keys@example.com) and 8 members' (on 2 keys). The
 * DTLS-SRTP side uses the key server's certificate and key for its sender
 * and member 0's for its receiver (dtlssrtpdec `pem`); neither checks the
 * other's (the stock elements accept any certificate unless the
 * application looks at it), where MIKEY members check the key server's
 * chain and it theirs.
 *
 * Media: a thread makes RTP packets (PCMA, 160-byte payload, one SSRC,
 * numbered; bench-gst.h) every millisecond and pushes them into the
 * sender's appsrc, so a receiver waits at most 1 ms for a packet once it
 * has the keys.
 *
 * (a) Join latency, --joins times each (default 200), alternating (the
 * first of each pair switching sides), after one warm-up join of each; the
 * figures are the median and p99 over the joins.
 *   The clock (the figure, table row "from I_MESSAGE" / "from
 *   ClientHello", JSON join_latency): from the monotonic time a relay in
 *   this program received the receiver's first handshake datagram (MIKEY:
 *   its I_MESSAGE; DTLS-SRTP: its ClientHello) to the first buffer on the
 *   receiver's fakesink sink pad, i.e. the first packet out of its srtpdec
 *   (a pad probe). The relay, per join, is a pair of GSockets on
 *   127.0.0.1 and a thread polling them: what the receiver sends to its
 *   front socket goes on to the peer from its back socket, what comes back
 *   to the back socket goes on to the receiver from the front socket. What
 *   it adds is measured once after the joins (RELAY_ROUND_TRIPS round
 *   trips of a 172-byte datagram to an echo socket, alternately straight
 *   and through a relay: half the difference of the medians is its cost a
 *   datagram) and given in the note, with the datagrams it forwarded per
 *   join.
 *   The old clock, kept as the second row ("from set_state", JSON
 *   join_latency_from_set_state): from the call that sets the receiver to
 *   PLAYING to the same first packet. It includes what a receiver does
 *   before its first datagram: READY->PAUSED is where mikeydec loads its
 *   certificate and key, builds and signs its I_MESSAGE and sends it, and
 *   where dtlsenc makes and sends the ClientHello. The note gives when
 *   that call returned and when the first datagram reached the relay.
 *   MIKEY      the key server, started once and PLAYING throughout:
 *                appsrc ! srtpenc ! mikeyenc mode=rsa-r-group
 *                  address=127.0.0.1 port=P ! udpsink
 *              per join a relay to port P and a fresh receiver:
 *                udpsrc port=0 ! mikeydec mode=rsa-r-group
 *                  server=127.0.0.1:RELAYPORT max-pending=16 ! srtpdec !
 *                  fakesink
 *              (member certificate i % 8). Both ways of the exchange go
 *              through the relay (the I_MESSAGE, the R_MESSAGE); the
 *              media goes straight from the key server's udpsink.
 *              Untimed: the receiver made and set to READY (its UDP port
 *              bound), and the key server's udpsink pointed at that port.
 *              Packets that come in before the keys wait in mikeydec
 *              (max-pending); it lets them go when the next one comes in
 *              after the keys (on its streaming thread), so up to a packet
 *              interval after on-key-received, which the note gives too
 *              (from the I_MESSAGE).
 *   DTLS-SRTP  per join a fresh sender and a fresh receiver (a new DTLS
 *              association, as a sender has per receiver):
 *                appsrc ! dtlssrtpenc connection-id=sN ! udpsink
 *                udpsrc port=0 ! dtlssrtpdec connection-id=sN pem=... !
 *                  fakesink                                (the sender)
 *                udpsrc port=0 ! dtlssrtpdec connection-id=rN pem=... !
 *                  fakesink
 *                dtlssrtpenc connection-id=rN is-client=true ! udpsink
 *                                                         (the receiver)
 *              The receiver's udpsink sends to the relay, which forwards
 *              to the sender's udpsrc (so its ClientHello and later
 *              flights pass the relay); the sender's udpsink sends
 *              straight to the receiver's udpsrc. Untimed: both made and
 *              set to READY, the ports set, the sender PLAYING (its DTLS
 *              server waiting) with media flowing.
 *   Target: MIKEY's median join at most 0.5x DTLS-SRTP's.
 *   The note also gives a floor measured in the same run: the two RSA-2048
 *   private-key operations a join makes one after the other (the key
 *   server's signature, the member opening the envelope key), timed with
 *   GnuTLS alone, and their sum over DTLS-SRTP's median.
 *   A DTLS-SRTP join that gives no decrypted packet within 10 s (seen now
 *   and then with the stock 1.22 elements on a loaded machine) is made
 *   again, at most 3 times in a row, and counted in the note; it is not in
 *   the figures.
 *   Checked: the first packet out of every receiver is one the sender sent,
 *   byte for byte (so decrypted with the right keys), within 10 s; no error
 *   on a bus; the key server counted every member and refused none (its
 *   stats: members-joined, one per identity, plus members-rejoined).
 *
 * (c) One key server, --receivers simulated members (default 1000): the
 * same mikeyenc as above (media flowing), answering over UDP. A member is
 * an MkyRsaRInitiator of its own (on one of the 8 member certificates)
 * whose I_MESSAGE (listen-only, #CS 0) is built and signed before the
 * clock runs. They are sent from one socket, --window at a time (default
 * 16): a new one as soon as an answer comes, a request without an answer
 * for 500 ms sent again (the key server answers a repeat with the same
 * R_MESSAGE). An answer is matched to its member by its T payload (which
 * echoes the request's). Timed: from the first request sent to the last
 * answer received; the members are run in --slices batches (default 5),
 * alternating with batches of as many raw signatures (gnutls_privkey_sign
 * _data, SHA-256, PKCS#1 v1.5, the key server's RSA-2048 key, over the
 * I_MESSAGEs' bytes: the one private-key operation each answer needs),
 * the first of each pair switching sides; the figure of each is its
 * median batch. No target: the ratio says what is left of the bare
 * signature rate once a join goes through mikeyenc's UDP server
 * (parsing, chain and SIGNi checks, the envelope key encrypted to the
 * member, srtpenc's stats read, a bus message).
 *   Checked after the clock stops: every member got an answer, and
 *   mky_rsa_r_initiator_handle_response opens it (the key server's chain
 *   and signature, the envelope key, the KEMAC) into the group's CSB ID
 *   and, for its crypto session, the master key and salt srtpenc has.
 *
 * Exit status 0 whether the target is met or not (a measurement, not a
 * test); 1 when a check fails or a pipeline does not run; 2 on bad
 * options; 77 (skipped) without one of the stock elements.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>
#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>
#include <gst/gst.h>
#include <gst/app/gstappsrc.h>
#include <mky/mky.h>

#include "bench-table.h"
#include "bench-gst.h"
#include "test-pki.h"
#include "test-relay.h"

#define DEFAULT_JOINS 200
#define MAX_JOINS 100000
#define DEFAULT_RECEIVERS 1000
#define MAX_RECEIVERS 1000000
#define DEFAULT_WINDOW 16
#define MAX_WINDOW 1024
#define DEFAULT_SLICES 5
#define MAX_SLICES 1001

#define SSRC 0x4d4a4e42u
#define PACKET_INTERVAL_US 1000
#define MAX_PENDING 16
#define MEMBER_CERTS 8
#define JOIN_TIMEOUT_US (10 * G_USEC_PER_SEC)
#define RETRANSMIT_US (500 * 1000)
#define DTLS_TRIES 3
#define RELAY_ROUND_TRIPS 300
#define SLICE_TIMEOUT_US (120 * G_USEC_PER_SEC)
#define LATENCY_TARGET 0.5      /* MIKEY median / DTLS-SRTP median */
#define DAY G_GINT64_CONSTANT (86400)
#define SERVER_ID "sip:keys@example.com"

/* ---- certificates ---- */

static struct {
  TestPkiCert *ca, *server, *members[MEMBER_CERTS];
  char *ca_file, *server_cert, *server_key;
  char *member_cert[MEMBER_CERTS], *member_key[MEMBER_CERTS];
  char *server_pem, *member_pem;        /* certificate and key, for DTLS */
} pki;

/* @c's certificate and key into files named @name.pem and @name.key, and
 * both in one string (for dtlssrtpdec's pem) */
static char *
write_cert (const TestPkiCert *c, const char *name, char **cert_file,
    char **key_file)
{
  g_autoptr (GBytes) pem = test_pki_cert_pem (c);
  g_autoptr (GBytes) key = test_pki_key_pem (c, NULL);
  g_autoptr (GBytes) both = test_pki_concat (pem, key, NULL);
  g_autofree char *cn = g_strdup_printf ("%s.pem", name);
  g_autofree char *kn = g_strdup_printf ("%s.key", name);

  *cert_file = test_pki_write (cn, pem);
  *key_file = test_pki_write (kn, key);
  return g_strndup (g_bytes_get_data (both, NULL), g_bytes_get_size (both));
}

static void
make_pki (void)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autoptr (GBytes) ca_pem = NULL;

  pki.ca = test_pki_ca ("join-bench CA", 0, now - DAY, now + 365 * DAY);
  ca_pem = test_pki_cert_pem (pki.ca);
  pki.ca_file = test_pki_write ("ca.pem", ca_pem);
  pki.server = test_pki_leaf (pki.ca, "keys", SERVER_ID, 1, 2, now - DAY,
      now + 365 * DAY, TEST_PKI_KU_BOTH);
  pki.server_pem = write_cert (pki.server, "keys", &pki.server_cert,
      &pki.server_key);
  for (guint i = 0; i < MEMBER_CERTS; i++) {
    g_autofree char *name = g_strdup_printf ("member%u", i);
    g_autofree char *uri = g_strdup_printf ("sip:%s@example.com", name);
    char *pem;

    pki.members[i] = test_pki_leaf (pki.ca, name, uri, 2 + i % 2, 10 + i,
        now - DAY, now + 365 * DAY, TEST_PKI_KU_BOTH);
    pem = write_cert (pki.members[i], name, &pki.member_cert[i],
        &pki.member_key[i]);
    if (i == 0)
      pki.member_pem = pem;
    else
      g_free (pem);
  }
}

static void
free_pki (void)
{
  g_clear_pointer (&pki.ca, test_pki_cert_free);
  g_clear_pointer (&pki.server, test_pki_cert_free);
  for (guint i = 0; i < MEMBER_CERTS; i++) {
    g_clear_pointer (&pki.members[i], test_pki_cert_free);
    g_clear_pointer (&pki.member_cert[i], g_free);
    g_clear_pointer (&pki.member_key[i], g_free);
  }
  g_clear_pointer (&pki.ca_file, g_free);
  g_clear_pointer (&pki.server_cert, g_free);
  g_clear_pointer (&pki.server_key, g_free);
  g_clear_pointer (&pki.server_pem, g_free);
  g_clear_pointer (&pki.member_pem, g_free);
  test_pki_cleanup ();
}

/* ---- pipelines ---- */

static GstElement *
launch (const char *desc)
{
  GError *error = NULL;
  GstElement *pipe = gst_parse_launch (desc, &error);

  if (pipe == NULL || error)
    bench_die (desc, error);
  return pipe;
}

static GstElement *
child (GstElement *pipe, const char *name)
{
  GstElement *e = gst_bin_get_by_name (GST_BIN (pipe), name);

  if (e == NULL)
    bench_die ("no element in the pipeline", NULL);
  gst_object_unref (e);         /* the pipeline holds it */
  return e;
}

static void
set_state (GstElement *pipe, GstState state, const char *what)
{
  if (gst_element_set_state (pipe, state) == GST_STATE_CHANGE_FAILURE) {
    g_autoptr (GstBus) bus = gst_element_get_bus (pipe);
    GstMessage *m = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
    g_autofree char *why = m ? bench_error_text (m) : NULL;
    g_autofree char *msg = g_strdup_printf ("%s: cannot go to %s%s%s", what,
        gst_element_state_get_name (state), why ? "; " : "", why ? why : "");
    bench_die (msg, NULL);
  }
}

static void
set_appsrc (GstElement *src)
{
  g_autoptr (GstCaps) caps = gst_caps_from_string (BENCH_RTP_CAPS);

  g_object_set (src, "caps", caps, "format", GST_FORMAT_TIME, "is-live",
      TRUE, "emit-signals", FALSE, NULL);
}


/* ---- the media: packet after packet into the current sender ---- */

typedef struct {
  GMutex lock;
  GstElement *appsrc;           /* NULL: none now */
  guint next;                   /* the next packet's number */
  gint stop;
  GThread *thread;
} Feeder;

static gpointer
feeder_main (gpointer data)
{
  Feeder *f = data;
  gint64 next_at = g_get_monotonic_time ();

  while (!g_atomic_int_get (&f->stop)) {
    gint64 now = g_get_monotonic_time ();
    GstBuffer *b;
    GstMapInfo map;

    if (now < next_at) {
      g_usleep (next_at - now);
      continue;
    }
    /* late (a busy machine): on from now, no burst */
    next_at = MAX (next_at + PACKET_INTERVAL_US, now);
    b = gst_buffer_new_allocate (NULL, BENCH_RTP_LEN, NULL);
    gst_buffer_map (b, &map, GST_MAP_WRITE);
    g_mutex_lock (&f->lock);
    bench_rtp_fill (map.data, f->next++, SSRC);
    gst_buffer_unmap (b, &map);
    if (f->appsrc)
      gst_app_src_push_buffer (GST_APP_SRC (f->appsrc), b);
    else
      gst_buffer_unref (b);
    g_mutex_unlock (&f->lock);
  }
  return NULL;
}

static void
feeder_set (Feeder *f, GstElement *appsrc)
{
  g_mutex_lock (&f->lock);
  gst_object_replace ((GstObject **) & f->appsrc, (GstObject *) appsrc);
  g_mutex_unlock (&f->lock);
}

/* ---- the key server ---- */

typedef struct {
  GstElement *pipe, *srtpenc, *mikeyenc, *udpsink;
  guint port;
} KeyServer;

/* Keeps only errors and warnings: nobody pops the others (a
 * mikey-member-joined per member) */
static GstBusSyncReply
key_server_bus (GstBus *bus, GstMessage *m, gpointer data)
{
  return GST_MESSAGE_TYPE (m) & (GST_MESSAGE_ERROR | GST_MESSAGE_WARNING)
      ? GST_BUS_PASS : GST_BUS_DROP;
}

static void
key_server_start (KeyServer *ks, Feeder *f)
{
  g_autoptr (GstBus) bus = NULL;

  ks->port = test_free_port ();   /* for mikeyenc */
  ks->pipe = launch ("appsrc name=src ! srtpenc name=se ! mikeyenc name=me "
      "! udpsink name=out host=127.0.0.1 port=9 sync=false async=false");
  ks->srtpenc = child (ks->pipe, "se");
  ks->mikeyenc = child (ks->pipe, "me");
  ks->udpsink = child (ks->pipe, "out");
  set_appsrc (child (ks->pipe, "src"));
  gst_util_set_object_arg (G_OBJECT (ks->mikeyenc), "mode", "rsa-r-group");
  g_object_set (ks->mikeyenc, "certificate", pki.server_cert, "private-key",
      pki.server_key, "ca-file", pki.ca_file, "address", "127.0.0.1", "port",
      ks->port, NULL);
  bus = gst_element_get_bus (ks->pipe);
  gst_bus_set_sync_handler (bus, key_server_bus, NULL, NULL);
  set_state (ks->pipe, GST_STATE_PLAYING, "key server pipeline");
  feeder_set (f, child (ks->pipe, "src"));
}

static guint64
key_server_stat (KeyServer *ks, const char *field)
{
  GstStructure *s = NULL;
  guint64 v = 0;

  g_object_get (ks->mikeyenc, "stats", &s, NULL);
  if (s) {
    gst_structure_get_uint64 (s, field, &v);
    gst_structure_free (s);
  }
  return v;
}

/* The members the key server answered: identities joined and joined
 * again (0 for a counter this build's mikeyenc does not have) */
static guint64
key_server_answered (KeyServer *ks)
{
  return key_server_stat (ks, "members-joined") + key_server_stat (ks,
      "members-rejoined");
}

/* The master key and salt srtpenc got from mikeyenc */
static GBytes *
key_server_master_key (KeyServer *ks)
{
  GstBuffer *key = NULL;
  GstMapInfo map;
  GBytes *b;

  g_object_get (ks->srtpenc, "key", &key, NULL);
  if (key == NULL || !gst_buffer_map (key, &map, GST_MAP_READ))
    bench_die ("srtpenc has no key", NULL);
  b = g_bytes_new (map.data, map.size);
  gst_buffer_unmap (key, &map);
  gst_buffer_unref (key);
  return b;
}

/* ---- the relay: a UDP hop where a receiver's handshake starts ---- */

/* A receiver sends its handshake through a relay (tests/common): the
 * first datagram it passes on to the peer is where a join's clock starts */
typedef struct {
  TestRelay *udp;
  guint port;                   /* where the receiver sends */
  GMutex lock;
  gint64 first_at;              /* its first datagram came; 0: none */
  guint to_peer, to_client;     /* datagrams forwarded */
} Relay;

static gboolean
relay_note (gboolean to_server, gpointer user_data)
{
  Relay *r = user_data;
  gint64 now = g_get_monotonic_time ();

  g_mutex_lock (&r->lock);
  if (to_server && r->first_at == 0)
    r->first_at = now;
  if (to_server)
    r->to_peer++;
  else
    r->to_client++;
  g_mutex_unlock (&r->lock);
  /* a loss would be the network's: the handshakes retransmit */
  return TRUE;
}

/* A relay to 127.0.0.1:@peer_port; its port in r->port */
static void
relay_start (Relay *r, guint peer_port)
{
  memset (r, 0, sizeof *r);
  g_mutex_init (&r->lock);
  r->udp = test_relay_new (peer_port, relay_note, r);
  r->port = test_relay_port (r->udp);
}

static void
relay_stop (Relay *r)
{
  test_relay_free (r->udp);
  g_mutex_clear (&r->lock);
}

/* What the relay adds: @n round trips of a small datagram from a client
 * socket to an echo socket and back (the echo answering whoever sent),
 * alternately straight and through a relay (which forwards it twice).
 * Sets the medians in microseconds. */
static void
relay_cost (guint n, double *direct_us, double *relayed_us)
{
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback
      (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocket) c = test_udp_socket (0);
  g_autoptr (GSocket) e = test_udp_socket (0);
  guint eport = test_socket_port (e);
  g_autoptr (GSocketAddress) echo = g_inet_socket_address_new (lo, eport);
  g_autoptr (GSocketAddress) via = NULL;
  g_autofree double *d = g_new (double, n);
  g_autofree double *v = g_new (double, n);
  LatStat st;
  Relay r;
  char buf[BENCH_RTP_LEN] = { 0 };

  relay_start (&r, eport);
  via = g_inet_socket_address_new (lo, r.port);
  g_socket_set_blocking (c, TRUE);
  g_socket_set_blocking (e, TRUE);
  g_socket_set_timeout (c, 1);
  g_socket_set_timeout (e, 1);
  for (guint i = 0; i < 2 * n; i++) {
    gboolean relayed = i % 2;
    GSocketAddress *src = NULL;
    GError *error = NULL;
    gint64 t0 = g_get_monotonic_time ();

    if (g_socket_send_to (c, relayed ? via : echo, buf, sizeof buf, NULL,
            &error) < 0
        || g_socket_receive_from (e, &src, buf, sizeof buf, NULL,
            &error) < 0
        || g_socket_send_to (e, src, buf, sizeof buf, NULL, &error) < 0
        || g_socket_receive (c, buf, sizeof buf, NULL, &error) < 0)
      bench_die ("relay round trip", error);
    (relayed ? v : d)[i / 2] = g_get_monotonic_time () - t0;
    g_object_unref (src);
  }
  relay_stop (&r);
  lat_stat_of (d, n, &st);
  *direct_us = st.median;
  lat_stat_of (v, n, &st);
  *relayed_us = st.median;
}

/* ---- one join: the first packet out of a receiver ---- */

typedef struct {
  GMutex lock;
  GCond cond;
  gint64 first_at;              /* first buffer on fakesink; 0: none */
  gboolean first_ok;            /* as the sender sent it */
  gint64 keyed_at;              /* mikeydec's on-key-received */
  gint64 started_at;            /* the receiver's set_state returned */
  char *error;                  /* the first error on a bus */
} Join;

static void
join_init (Join *j)
{
  memset (j, 0, sizeof *j);
  g_mutex_init (&j->lock);
  g_cond_init (&j->cond);
}

static void
join_clear (Join *j)
{
  g_free (j->error);
  g_cond_clear (&j->cond);
  g_mutex_clear (&j->lock);
}

static GstPadProbeReturn
first_buffer (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  Join *j = data;
  gint64 now = g_get_monotonic_time ();
  gboolean ok = bench_rtp_check (GST_PAD_PROBE_INFO_BUFFER (info), SSRC);

  g_mutex_lock (&j->lock);
  if (j->first_at == 0) {
    j->first_at = now;
    j->first_ok = ok;
  }
  g_cond_signal (&j->cond);
  g_mutex_unlock (&j->lock);
  return GST_PAD_PROBE_REMOVE;
}

static void
on_key_received (GstElement *mikeydec, guint ssrc, gpointer data)
{
  Join *j = data;
  gint64 now = g_get_monotonic_time ();

  g_mutex_lock (&j->lock);
  if (j->keyed_at == 0)
    j->keyed_at = now;
  g_cond_signal (&j->cond);
  g_mutex_unlock (&j->lock);
}

static GstBusSyncReply
join_bus (GstBus *bus, GstMessage *m, gpointer data)
{
  Join *j = data;

  if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ERROR) {
    char *why = bench_error_text (gst_message_ref (m));
    g_mutex_lock (&j->lock);
    if (j->error == NULL)
      j->error = why;
    else
      g_free (why);
    g_cond_signal (&j->cond);
    g_mutex_unlock (&j->lock);
  }
  return GST_BUS_DROP;
}

/* @pipe's errors and the first buffer on its element "sink" go to @j */
static void
join_watch (Join *j, GstElement *pipe, gboolean probe)
{
  g_autoptr (GstBus) bus = gst_element_get_bus (pipe);

  gst_bus_set_sync_handler (bus, join_bus, j, NULL);
  if (probe) {
    g_autoptr (GstPad) pad = gst_element_get_static_pad (child (pipe,
            "sink"), "sink");
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, first_buffer, j,
        NULL);
  }
}

/* Times of one join, in microseconds */
typedef struct {
  double first;                 /* the first packet out, from the first
                                 * handshake datagram the relay got */
  double keyed;                 /* keys in srtpdec's hands (MIKEY), from
                                 * the same */
  double first_ss;              /* the first packet out, from the call
                                 * setting the receiver to PLAYING */
  double started;               /* that call returned, from the call */
  double sent;                  /* the first datagram at the relay, from
                                 * the call */
  guint forwarded;              /* datagrams the relay forwarded, both
                                 * ways, by the first packet out */
} JoinTimes;

/* The receiver @pipe to PLAYING, its handshake through @relay; its first
 * packet (and with @keyed, on-key-received, which mikeydec emits after
 * the keys are in place: a packet may pass before it). Returns what
 * failed, or NULL. */
static char *
join_run (Join *j, GstElement *pipe, Relay *relay, const char *side,
    gboolean keyed, JoinTimes *out)
{
  gint64 t0 = g_get_monotonic_time ();
  gint64 deadline = t0 + JOIN_TIMEOUT_US;
  gint64 sent_at;
  const char *what = NULL;

  set_state (pipe, GST_STATE_PLAYING, side);
  j->started_at = g_get_monotonic_time ();
  g_mutex_lock (&j->lock);
  while ((j->first_at == 0 || (keyed && j->keyed_at == 0))
      && j->error == NULL)
    if (!g_cond_wait_until (&j->cond, &j->lock, deadline))
      break;
  g_mutex_unlock (&j->lock);
  g_mutex_lock (&relay->lock);
  sent_at = relay->first_at;
  out->forwarded = relay->to_peer + relay->to_client;
  g_mutex_unlock (&relay->lock);
  if (j->error)
    what = j->error;
  else if (j->first_at == 0)
    what = "no decrypted packet within 10 s";
  else if (keyed && j->keyed_at == 0)
    what = "a packet out, but no on-key-received within 10 s";
  else if (!j->first_ok)
    what = "the first packet out of srtpdec is not one that was sent";
  else if (sent_at == 0 || sent_at > j->first_at)
    what = "a packet out before the relay saw a handshake datagram";
  if (what)
    return g_strdup_printf ("%s: %s", side, what);
  out->first = j->first_at - sent_at;
  out->keyed = keyed ? j->keyed_at - sent_at : 0;
  out->first_ss = j->first_at - t0;
  out->started = j->started_at - t0;
  out->sent = sent_at - t0;
  return NULL;
}

/* A MIKEY receiver joins the key server with member certificate @cert */
static void
mikey_join (KeyServer *ks, guint cert, JoinTimes *out)
{
  GstElement *pipe = launch ("udpsrc name=in port=0 ! mikeydec name=md ! "
      "srtpdec ! fakesink name=sink sync=false async=false");
  GstElement *md = child (pipe, "md");
  g_autoptr (GstCaps) caps = gst_caps_from_string (BENCH_SRTP_CAPS);
  g_autofree char *server = NULL;
  Relay relay;
  Join j;
  gint port = 0;
  char *failed;

  relay_start (&relay, ks->port);
  server = g_strdup_printf ("127.0.0.1:%u", relay.port);
  join_init (&j);
  join_watch (&j, pipe, TRUE);
  g_object_set (child (pipe, "in"), "caps", caps, NULL);
  gst_util_set_object_arg (G_OBJECT (md), "mode", "rsa-r-group");
  g_object_set (md, "server", server, "certificate", pki.member_cert[cert],
      "private-key", pki.member_key[cert], "ca-file", pki.ca_file,
      "max-pending", MAX_PENDING, NULL);
  g_signal_connect (md, "on-key-received", G_CALLBACK (on_key_received), &j);
  set_state (pipe, GST_STATE_READY, "MIKEY receiver");
  g_object_get (child (pipe, "in"), "port", &port, NULL);
  g_object_set (ks->udpsink, "port", port, NULL);

  failed = join_run (&j, pipe, &relay, "MIKEY receiver", TRUE, out);
  if (failed)
    bench_die (failed, NULL);

  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (pipe);
  relay_stop (&relay);
  join_clear (&j);
}

/* A DTLS-SRTP receiver and a new sender for it, handshake number @n.
 * Returns what failed, or NULL. */
static char *
dtls_join (Feeder *f, guint n, JoinTimes *out)
{
  GstElement *snd = launch ("appsrc name=src ! se.rtp_sink_0 dtlssrtpenc "
      "name=se ! udpsink name=out host=127.0.0.1 port=9 sync=false "
      "async=false  udpsrc name=in port=0 ! dtlssrtpdec name=sd ! fakesink "
      "sync=false async=false");
  GstElement *rcv = launch ("udpsrc name=in port=0 ! dtlssrtpdec name=rd ! "
      "fakesink name=sink sync=false async=false  dtlssrtpenc name=re ! "
      "udpsink name=out host=127.0.0.1 port=9 sync=false async=false");
  g_autoptr (GstCaps) caps = gst_caps_from_string (BENCH_SRTP_CAPS);
  g_autofree char *sid = g_strdup_printf ("join-bench-s%u", n);
  g_autofree char *rid = g_strdup_printf ("join-bench-r%u", n);
  Join j;
  Relay relay;
  gint sport = 0, rport = 0;
  char *failed;

  join_init (&j);
  join_watch (&j, snd, FALSE);
  join_watch (&j, rcv, TRUE);
  set_appsrc (child (snd, "src"));
  g_object_set (child (rcv, "in"), "caps", caps, NULL);
  /* the certificate first: the connection is made with the agent of the
   * pem set when the connection-id is */
  g_object_set (child (snd, "sd"), "pem", pki.server_pem, NULL);
  g_object_set (child (snd, "sd"), "connection-id", sid, NULL);
  g_object_set (child (snd, "se"), "connection-id", sid, "is-client", FALSE,
      NULL);
  g_object_set (child (rcv, "rd"), "pem", pki.member_pem, NULL);
  g_object_set (child (rcv, "rd"), "connection-id", rid, NULL);
  g_object_set (child (rcv, "re"), "connection-id", rid, "is-client", TRUE,
      NULL);
  set_state (snd, GST_STATE_READY, "DTLS-SRTP sender");
  set_state (rcv, GST_STATE_READY, "DTLS-SRTP receiver");
  g_object_get (child (snd, "in"), "port", &sport, NULL);
  g_object_get (child (rcv, "in"), "port", &rport, NULL);
  /* the receiver's datagrams (the ClientHello first) to the sender through
   * the relay; the sender's straight to the receiver */
  relay_start (&relay, sport);
  g_object_set (child (snd, "out"), "port", rport, NULL);
  g_object_set (child (rcv, "out"), "port", relay.port, NULL);
  set_state (snd, GST_STATE_PLAYING, "DTLS-SRTP sender");
  feeder_set (f, child (snd, "src"));

  failed = join_run (&j, rcv, &relay, "DTLS-SRTP receiver", FALSE, out);

  feeder_set (f, NULL);
  gst_element_set_state (rcv, GST_STATE_NULL);
  gst_element_set_state (snd, GST_STATE_NULL);
  gst_object_unref (rcv);
  gst_object_unref (snd);
  relay_stop (&relay);
  join_clear (&j);
  return failed;
}

/* A DTLS-SRTP join; one that fails (the stock elements sometimes give no
 * decrypted packet at all) is counted in @failures and made again, up to
 * DTLS_TRIES times in a row */
static void
dtls_join_counted (KeyServer *ks, Feeder *f, guint *n, guint *failures,
    JoinTimes *out)
{
  for (guint t = 1;; t++) {
    char *failed = dtls_join (f, (*n)++, out);

    if (failed == NULL)
      break;
    (*failures)++;
    if (t == DTLS_TRIES)
      bench_die (failed, NULL);
    g_printerr ("%s: %s (join made again)\n", bench_prog, failed);
    g_free (failed);
  }
  /* the media back to the key server */
  feeder_set (f, child (ks->pipe, "src"));
}

/* ---- many simulated members ---- */

typedef struct {
  MkyRsaRInitiator *ini;
  GBytes *request;
  GBytes *answer;               /* the first one; NULL: none yet */
  gint64 sent_at;
} SimMember;

typedef struct {
  MkyConfig cfg[MEMBER_CERTS];
  SimMember *m;
  guint n;
  GHashTable *by_ts;            /* T of its request -> member + 1 */
  GSocket *sock;
  GSocketAddress *server;
  gnutls_privkey_t server_key;  /* the reference's */
  guint64 retransmitted, stray;
} Sim;

/* The T payload's value of @data, or 0 */
static guint64
message_ts (const guint8 *data, gsize len)
{
  g_autoptr (MkyMessage) msg = mky_message_parse (data, len, NULL);
  MkyPayload *t = msg ? mky_message_find (msg, MKY_PT_T, 0) : NULL;

  return t ? t->u.t.ts : 0;
}

/* @n members and their I_MESSAGEs (distinct times, so distinct T) */
static void
sim_init (Sim *sim, guint n, guint server_port)
{
  g_autoptr (GBytes) key = test_pki_key_pem (pki.server, NULL);
  gnutls_datum_t d = { (void *) g_bytes_get_data (key, NULL),
    g_bytes_get_size (key) };
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback
      (G_SOCKET_FAMILY_IPV4);
  gint64 now = g_get_real_time ();
  GError *error = NULL;

  memset (sim, 0, sizeof *sim);
  for (guint c = 0; c < MEMBER_CERTS; c++) {
    mky_config_init (&sim->cfg[c]);
    sim->cfg[c].credentials = test_pki_credentials (pki.members[c]);
    sim->cfg[c].trust = test_pki_trust (pki.ca, NULL);
  }
  sim->n = n;
  sim->m = g_new0 (SimMember, n);
  sim->by_ts = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
      NULL);
  for (guint i = 0; i < n; i++) {
    g_autoptr (MkyCsb) request = mky_csb_new (0);
    SimMember *m = &sim->m[i];
    gsize len;
    const guint8 *data;
    gint64 *ts = g_new (gint64, 1);

    m->ini = mky_rsa_r_initiator_new (&sim->cfg[i % MEMBER_CERTS],
        MKY_RSA_R_GROUP);
    m->request = mky_rsa_r_initiator_build (m->ini, request, FALSE,
        now + i * (gint64) 10, &error);
    if (m->request == NULL)
      bench_die ("mky_rsa_r_initiator_build", error);
    data = g_bytes_get_data (m->request, &len);
    *ts = (gint64) message_ts (data, len);
    if (*ts == 0 || g_hash_table_contains (sim->by_ts, ts))
      bench_die ("I_MESSAGEs without distinct T payloads", NULL);
    g_hash_table_insert (sim->by_ts, ts, GUINT_TO_POINTER (i + 1));
  }
  sim->sock = test_udp_socket (0);
  sim->server = g_inet_socket_address_new (lo, server_port);
  if (gnutls_privkey_init (&sim->server_key) < 0
      || gnutls_privkey_import_x509_raw (sim->server_key, &d,
          GNUTLS_X509_FMT_PEM, NULL, 0) < 0)
    bench_die ("gnutls_privkey_import_x509_raw", NULL);
}

static void
sim_clear (Sim *sim)
{
  for (guint i = 0; i < sim->n; i++) {
    mky_rsa_r_initiator_free (sim->m[i].ini);
    g_bytes_unref (sim->m[i].request);
    g_clear_pointer (&sim->m[i].answer, g_bytes_unref);
  }
  g_free (sim->m);
  for (guint c = 0; c < MEMBER_CERTS; c++)
    mky_config_clear (&sim->cfg[c]);
  g_hash_table_destroy (sim->by_ts);
  g_object_unref (sim->sock);
  g_object_unref (sim->server);
  gnutls_privkey_deinit (sim->server_key);
}

static void
sim_send (Sim *sim, guint i)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (sim->m[i].request, &len);
  GError *error = NULL;

  sim->m[i].sent_at = g_get_monotonic_time ();
  /* a full socket buffer is a loss: the retransmission covers it */
  if (g_socket_send_to (sim->sock, sim->server, (const char *) data, len,
          NULL, &error) < 0)
    g_clear_error (&error);
}

/* Every datagram waiting: the answer of a member of [@from, @to) that has
 * none yet, or a stray (a repeat, or junk). Returns how many answered. */
static guint
sim_receive (Sim *sim, guint from, guint to)
{
  static char buf[65536];
  guint answered = 0;
  gssize len;

  while ((len = g_socket_receive (sim->sock, buf, sizeof buf, NULL,
              NULL)) >= 0) {
    gint64 ts = (gint64) message_ts ((const guint8 *) buf, len);
    guint i = GPOINTER_TO_UINT (g_hash_table_lookup (sim->by_ts, &ts));

    if (i == 0 || i - 1 < from || i - 1 >= to || sim->m[i - 1].answer) {
      sim->stray++;
      continue;
    }
    sim->m[i - 1].answer = g_bytes_new (buf, len);
    answered++;
  }
  return answered;
}

/* Members [@from, @to) joining, @window requests in flight; joins per
 * second */
static double
sim_run (Sim *sim, guint from, guint to, guint window)
{
  g_autofree gint *slot = g_new (gint, window);
  guint next = from, done = 0, n = to - from;
  gint64 t0 = g_get_monotonic_time (), last = t0;

  for (guint k = 0; k < window; k++)
    slot[k] = -1;
  while (done < n) {
    gint64 now = g_get_monotonic_time (), wake = now + RETRANSMIT_US;
    guint got;

    for (guint k = 0; k < window; k++) {
      if (slot[k] >= 0 && sim->m[slot[k]].answer)
        slot[k] = -1;
      if (slot[k] < 0 && next < to)
        sim_send (sim, slot[k] = next++);
      else if (slot[k] >= 0 && now - sim->m[slot[k]].sent_at >=
          RETRANSMIT_US) {
        sim_send (sim, slot[k]);
        sim->retransmitted++;
      }
      if (slot[k] >= 0)
        wake = MIN (wake, sim->m[slot[k]].sent_at + RETRANSMIT_US);
    }
    if (now - t0 > SLICE_TIMEOUT_US) {
      g_autofree char *msg = g_strdup_printf ("key server: %u of %u members "
          "answered in %d s", done, n, (int) (SLICE_TIMEOUT_US /
              G_USEC_PER_SEC));
      bench_die (msg, NULL);
    }
    g_socket_condition_timed_wait (sim->sock, G_IO_IN, MAX (wake - now, 0),
        NULL, NULL);
    got = sim_receive (sim, from, to);
    if (got) {
      done += got;
      last = g_get_monotonic_time ();
    }
  }
  return n * (double) G_USEC_PER_SEC / MAX (last - t0, 1);
}

/* The two RSA-2048 private-key operations every join makes one after the
 * other, timed with GnuTLS as the elements make them (medians of
 * RSA_FLOOR_RUNS, ms): the key server signing a message (its key) and the
 * member opening an envelope key encrypted to it (a member's key) */
#define RSA_FLOOR_RUNS 41

static void
rsa_floor (double *sign_ms, double *decrypt_ms)
{
  double sign[RSA_FLOOR_RUNS], dec[RSA_FLOOR_RUNS];
  guint8 msg[600], env[16];
  gnutls_datum_t m = { msg, sizeof msg }, e = { env, sizeof env };
  gnutls_datum_t ct = { NULL, 0 };
  gnutls_privkey_t server, member;
  gnutls_pubkey_t member_pub;

  memset (msg, 0x5a, sizeof msg);
  memset (env, 0xa5, sizeof env);
  if (gnutls_privkey_init (&server) < 0 || gnutls_privkey_init (&member) < 0
      || gnutls_pubkey_init (&member_pub) < 0
      || gnutls_privkey_import_x509 (server, pki.server->key, 0) < 0
      || gnutls_privkey_import_x509 (member, pki.members[0]->key, 0) < 0
      || gnutls_pubkey_import_x509 (member_pub, pki.members[0]->crt, 0) < 0
      || gnutls_pubkey_encrypt_data (member_pub, 0, &e, &ct) < 0)
    bench_die ("RSA keys for the floor", NULL);
  for (guint i = 0; i < RSA_FLOOR_RUNS; i++) {
    gnutls_datum_t sig = { NULL, 0 }, pt = { NULL, 0 };
    gint64 t0 = g_get_monotonic_time (), t1, t2;

    if (gnutls_privkey_sign_data (server, GNUTLS_DIG_SHA256, 0, &m, &sig) < 0)
      bench_die ("gnutls_privkey_sign_data", NULL);
    t1 = g_get_monotonic_time ();
    if (gnutls_privkey_decrypt_data (member, 0, &ct, &pt) < 0
        || pt.size != sizeof env)
      bench_die ("gnutls_privkey_decrypt_data", NULL);
    t2 = g_get_monotonic_time ();
    sign[i] = (t1 - t0) / 1000.0;
    dec[i] = (t2 - t1) / 1000.0;
    gnutls_free (sig.data);
    gnutls_free (pt.data);
  }
  gnutls_free (ct.data);
  gnutls_pubkey_deinit (member_pub);
  gnutls_privkey_deinit (member);
  gnutls_privkey_deinit (server);
  qsort (sign, RSA_FLOOR_RUNS, sizeof *sign, bench_cmp_double);
  qsort (dec, RSA_FLOOR_RUNS, sizeof *dec, bench_cmp_double);
  *sign_ms = sign[RSA_FLOOR_RUNS / 2];
  *decrypt_ms = dec[RSA_FLOOR_RUNS / 2];
}

/* The reference: @n RSA-2048 signatures with the key server's key over the
 * requests from @from on; signatures per second */
static double
sim_sign (Sim *sim, guint from, guint n)
{
  gint64 t0 = g_get_monotonic_time ();

  for (guint i = 0; i < n; i++) {
    gsize len;
    const guint8 *data = g_bytes_get_data (sim->m[from + i].request, &len);
    gnutls_datum_t d = { (void *) data, len }, sig = { NULL, 0 };

    if (gnutls_privkey_sign_data (sim->server_key, GNUTLS_DIG_SHA256, 0, &d,
            &sig) < 0)
      bench_die ("gnutls_privkey_sign_data", NULL);
    gnutls_free (sig.data);
  }
  return n * (double) G_USEC_PER_SEC / MAX (g_get_monotonic_time () - t0, 1);
}

/* Every member's answer opened into the group's bundle and srtpenc's key */
static void
sim_check (Sim *sim, GBytes *master)
{
  gsize mlen;
  const guint8 *mkey = g_bytes_get_data (master, &mlen);
  guint32 csb_id = 0;

  for (guint i = 0; i < sim->n; i++) {
    GError *error = NULL;
    g_autoptr (MkyCsb) csb = NULL;
    MkySrtpKeying k;
    gboolean same;

    if (sim->m[i].answer == NULL)
      bench_die ("a member has no answer", NULL);
    csb = mky_rsa_r_initiator_handle_response (sim->m[i].ini,
        sim->m[i].answer, g_get_real_time (), NULL, &error);
    if (csb == NULL)
      bench_die ("mky_rsa_r_initiator_handle_response", error);
    if (i == 0)
      csb_id = csb->csb_id;
    if (csb->csb_id != csb_id)
      bench_die ("members got different CSB IDs", NULL);
    if (!mky_csb_get_srtp (csb, 0, MKY_SP_COMPAT_ACCEPT_GSTREAMER, &k,
            &error))
      bench_die ("mky_csb_get_srtp", error);
    same = k.n_keys >= 1 && k.keys[0].key_len + k.keys[0].salt_len == mlen
        && memcmp (k.keys[0].key, mkey, k.keys[0].key_len) == 0
        && memcmp (k.keys[0].salt, mkey + k.keys[0].key_len,
        k.keys[0].salt_len) == 0;
    mky_srtp_keying_clear (&k);
    if (!same)
      bench_die ("a member's key is not srtpenc's", NULL);
  }
}

/* ---- main ---- */

int
main (int argc, char **argv)
{
  static const char *const stock[] = {
    "appsrc", "srtpenc", "srtpdec", "dtlssrtpenc", "dtlssrtpdec", "udpsrc",
    "udpsink", "fakesink"
  };
  gint opt_joins = DEFAULT_JOINS, opt_receivers = DEFAULT_RECEIVERS;
  gint opt_window = DEFAULT_WINDOW, opt_slices = DEFAULT_SLICES;
  gboolean opt_json = FALSE;
  GOptionEntry entries[] = {
    { "joins", 'j', 0, G_OPTION_ARG_INT, &opt_joins,
        "Joins of each kind, MIKEY and DTLS-SRTP (default 200; 0: none)",
        "N" },
    { "receivers", 'r', 0, G_OPTION_ARG_INT, &opt_receivers,
        "Simulated members joining one key server (default 1000; 0: none)",
        "N" },
    { "window", 'w', 0, G_OPTION_ARG_INT, &opt_window,
        "Their requests in flight at a time (default 16)", "W" },
    { "slices", 'k', 0, G_OPTION_ARG_INT, &opt_slices,
        "Batches of members, alternating with the reference (default 5)",
        "K" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &opt_json,
        "Print the results as JSON", NULL },
    { NULL }
  };
  g_autofree char *cpu = cpu_model ();
  g_autofree char *plugin_file = NULL;
  g_autofree char *gst_ver = NULL;
  g_autofree char *setup = NULL;
  g_autofree char *mikey_note = NULL, *sim_note = NULL;
  g_autofree double *mikey_us = NULL, *dtls_us = NULL, *keyed_us = NULL;
  g_autofree double *mikey_started = NULL, *dtls_started = NULL;
  g_autofree double *mikey_ss = NULL, *dtls_ss = NULL;
  g_autofree double *mikey_sent = NULL, *dtls_sent = NULL;
  g_autofree double *joins_s = NULL, *signs_s = NULL;
  LatRow lat[2] = { { 0 } };
  Row row = { 0 };
  LatStat keyed = { 0 }, mstarted = { 0 }, dstarted = { 0 };
  LatStat msent = { 0 }, dsent = { 0 };
  JoinTimes jt;
  KeyServer ks = { 0 };
  Feeder feeder = { 0 };
  guint dtls_n = 0, dtls_failures = 0, mikey_joins = 0;
  guint64 mikey_fwd = 0, dtls_fwd = 0;
  double relay_direct = 0, relay_relayed = 0, relay_per_fwd = 0;
  double floor_sign = 0, floor_decrypt = 0;

  bench_prog = "gst-mikey-join-bench";
  bench_parse_options (&argc, &argv, "- MIKEY-RSA-R group joins: latency "
      "next to DTLS-SRTP's, and a key server's rate next to raw RSA "
      "signatures", "Exit status 0 whether or not the target is met; 1 when "
      "a check fails.", entries);
  if (opt_joins < 0 || opt_joins > MAX_JOINS || opt_receivers < 0
      || opt_receivers > MAX_RECEIVERS || opt_window < 1
      || opt_window > MAX_WINDOW || opt_slices < 1 || opt_slices > MAX_SLICES
      || (opt_receivers > 0 && opt_receivers < opt_slices)) {
    fprintf (stderr, "%s: --joins takes 0 to %u, --receivers 0 to %u (at "
        "least one per slice), --window 1 to %u, --slices 1 to %u\n",
        bench_prog, MAX_JOINS, MAX_RECEIVERS, MAX_WINDOW, MAX_SLICES);
    return 2;
  }

  plugin_file = bench_gst_init (stock, G_N_ELEMENTS (stock));
  gst_ver = bench_gst_version ();
  setup = g_strdup_printf ("%s: %d joins of each kind, alternating; %d "
      "simulated members in %d batches, %d requests in flight; RSA-2048, "
      "127.0.0.1, not pinned; %s; GStreamer %s\nmikey plugin: %s\nmedia: RTP "
      "PCMA, one packet every %d us\nMIKEY:     key server appsrc ! srtpenc "
      "! mikeyenc mode=rsa-r-group ! udpsink; receiver udpsrc ! mikeydec "
      "mode=rsa-r-group ! srtpdec ! fakesink\nDTLS-SRTP: appsrc ! "
      "dtlssrtpenc ! udpsink + udpsrc ! dtlssrtpdec; receiver udpsrc ! "
      "dtlssrtpdec ! fakesink + dtlssrtpenc is-client=true ! udpsink",
      bench_prog, opt_joins, opt_receivers, opt_slices, opt_window, cpu,
      gst_ver, plugin_file, PACKET_INTERVAL_US);
  if (!opt_json) {
    printf ("%s\nmaking certificates...\n", setup);
    fflush (stdout);
  }
  make_pki ();
  g_mutex_init (&feeder.lock);
  feeder.thread = g_thread_new ("media", feeder_main, &feeder);
  key_server_start (&ks, &feeder);

  /* (a) join latency */
  if (opt_joins > 0) {
    if (!opt_json) {
      printf ("measuring join latency...\n");
      fflush (stdout);
    }
    /* warm-up (plugin loading, DTLS contexts), checked like the rest */
    mikey_join (&ks, 0, &jt);
    mikey_joins++;
    dtls_join_counted (&ks, &feeder, &dtls_n, &dtls_failures, &jt);

    mikey_us = g_new (double, opt_joins);
    dtls_us = g_new (double, opt_joins);
    keyed_us = g_new (double, opt_joins);
    mikey_started = g_new (double, opt_joins);
    dtls_started = g_new (double, opt_joins);
    mikey_ss = g_new (double, opt_joins);
    dtls_ss = g_new (double, opt_joins);
    mikey_sent = g_new (double, opt_joins);
    dtls_sent = g_new (double, opt_joins);
    for (gint i = 0; i < opt_joins; i++) {
      for (guint k = 0; k < 2; k++) {
        if ((k == 0) == (i % 2 == 0)) {
          mikey_join (&ks, i % MEMBER_CERTS, &jt);
          mikey_joins++;
          mikey_us[i] = jt.first;
          mikey_ss[i] = jt.first_ss;
          mikey_started[i] = jt.started;
          mikey_sent[i] = jt.sent;
          keyed_us[i] = jt.keyed;
          mikey_fwd += jt.forwarded;
        } else {
          dtls_join_counted (&ks, &feeder, &dtls_n, &dtls_failures, &jt);
          dtls_us[i] = jt.first;
          dtls_ss[i] = jt.first_ss;
          dtls_started[i] = jt.started;
          dtls_sent[i] = jt.sent;
          dtls_fwd += jt.forwarded;
        }
      }
    }
    /* what the relay adds to a forwarded datagram */
    relay_cost (RELAY_ROUND_TRIPS, &relay_direct, &relay_relayed);
    rsa_floor (&floor_sign, &floor_decrypt);
    relay_per_fwd = MAX (relay_relayed - relay_direct, 0) / 2;
    lat[0] = (LatRow) {
      .key = "join_latency", .what = "MIKEY join from I_MESSAGE",
      .ref_what = "DTLS-SRTP from ClientHello",
      .max_ratio = LATENCY_TARGET,
    };
    lat[1] = (LatRow) {
      .key = "join_latency_from_set_state",
      .what = "MIKEY join from set_state",
      .ref_what = "DTLS-SRTP from set_state",
    };
    lat_stat_of (mikey_us, opt_joins, &lat[0].st);
    lat_stat_of (dtls_us, opt_joins, &lat[0].ref_st);
    lat_stat_of (mikey_ss, opt_joins, &lat[1].st);
    lat_stat_of (dtls_ss, opt_joins, &lat[1].ref_st);
    lat_stat_of (keyed_us, opt_joins, &keyed);
    lat_stat_of (mikey_started, opt_joins, &mstarted);
    lat_stat_of (dtls_started, opt_joins, &dstarted);
    lat_stat_of (mikey_sent, opt_joins, &msent);
    lat_stat_of (dtls_sent, opt_joins, &dsent);
    mikey_note = g_strdup_printf ("every receiver's first packet as sent. "
        "Clock from the relay getting the receiver's first handshake "
        "datagram (MIKEY its I_MESSAGE, DTLS-SRTP its ClientHello) to the "
        "first packet out of srtpdec. Medians: keys in mikeydec "
        "(on-key-received) after %.2f ms (p99 %.2f), first packet out "
        "after %.2f ms; range %.2f to %.2f ms (DTLS-SRTP %.2f to %.2f). "
        "From set_state (PLAYING), the second row's start: the call "
        "returned after %.2f ms (DTLS-SRTP %.2f), the first datagram "
        "reached the relay after %.2f ms (DTLS-SRTP %.2f; for MIKEY, "
        "mikeydec loading its certificate and key and building and signing "
        "its I_MESSAGE). The relay "
        "(one UDP hop, 127.0.0.1): a round trip through it %.1f us, "
        "straight %.1f us (medians of %u), so %.1f us a datagram; it "
        "forwarded %.1f datagrams a MIKEY join (the I_MESSAGE and the "
        "R_MESSAGE), %.1f a DTLS-SRTP one (the receiver's flights; the "
        "sender's go straight). DTLS-SRTP joins that gave no packet in 10 "
        "s, made again and not in the figures: %u. Floor: every MIKEY join "
        "makes two RSA-2048 private-key operations one after the other, the "
        "key server signing (%.2f ms here with GnuTLS) and the member "
        "opening the envelope key (%.2f ms), %.2f ms = %.2fx DTLS-SRTP's "
        "median before any parsing, check or network.", keyed.median / 1000,
        keyed.p99 / 1000, lat[0].st.median / 1000, lat[0].st.min / 1000,
        lat[0].st.max / 1000, lat[0].ref_st.min / 1000,
        lat[0].ref_st.max / 1000, mstarted.median / 1000,
        dstarted.median / 1000, msent.median / 1000, dsent.median / 1000,
        relay_relayed, relay_direct, RELAY_ROUND_TRIPS, relay_per_fwd,
        (double) mikey_fwd / opt_joins, (double) dtls_fwd / opt_joins,
        dtls_failures, floor_sign, floor_decrypt, floor_sign + floor_decrypt,
        (floor_sign + floor_decrypt) / MAX (lat[0].ref_st.median / 1000,
            1e-9));
    lat[0].note = mikey_note;
  }

  /* (c) one key server, many members */
  if (opt_receivers > 0) {
    Sim sim;
    guint per = opt_receivers / opt_slices;
    g_autoptr (GBytes) master = NULL;
    guint64 repeated0 = key_server_stat (&ks, "requests-repeated");
    guint64 answered0 = key_server_answered (&ks);

    if (!opt_json) {
      printf ("building %d members' I_MESSAGEs...\n", opt_receivers);
      fflush (stdout);
    }
    sim_init (&sim, opt_receivers, ks.port);
    if (!opt_json) {
      printf ("measuring the key server...\n");
      fflush (stdout);
    }
    joins_s = g_new (double, opt_slices);
    signs_s = g_new (double, opt_slices);
    for (gint s = 0; s < opt_slices; s++) {
      guint from = s * per;
      guint to = s + 1 < opt_slices ? from + per : (guint) opt_receivers;

      for (guint k = 0; k < 2; k++) {
        if ((k == 0) == (s % 2 == 0))
          joins_s[s] = sim_run (&sim, from, to, opt_window);
        else
          signs_s[s] = sim_sign (&sim, from, to - from);
      }
    }
    /* stray answers (repeats) may still come: let them, then check */
    g_usleep (50 * 1000);
    sim_receive (&sim, 0, 0);
    master = key_server_master_key (&ks);
    sim_check (&sim, master);
    if (key_server_answered (&ks) - answered0 != (guint64) opt_receivers)
      bench_die ("the key server did not count every member", NULL);

    row = (Row) {
      .key = "key_server_joins", .what = "RSA-R joins, one key server",
      .threads = 1, .unit = "join",
      .ref_what = "gnutls_privkey_sign_data RSA-2048",
      .target_kind = TARGET_NONE,
    };
    stat_of (joins_s, opt_slices, &row.st);
    stat_of (signs_s, opt_slices, &row.ref_st);
    row.rate = row.st.median;
    row.ref_rate = row.ref_st.median;
    sim_note = g_strdup_printf ("all %d members joined: every answer opened "
        "by mky_rsa_r_initiator_handle_response into the group's CSB ID and "
        "srtpenc's master key. Batches of %u: %.0f to %.0f joins/s "
        "(signatures %.0f to %.0f/s); %" G_GUINT64_FORMAT " requests sent "
        "again after %d ms, %" G_GUINT64_FORMAT " answered again by the key "
        "server, %" G_GUINT64_FORMAT " stray answers. No target.",
        opt_receivers, per, row.st.min, row.st.max, row.ref_st.min,
        row.ref_st.max, sim.retransmitted, RETRANSMIT_US / 1000,
        key_server_stat (&ks, "requests-repeated") - repeated0, sim.stray);
    row.note = sim_note;
    sim_clear (&sim);
  }

  if (key_server_answered (&ks) != mikey_joins + opt_receivers
      || key_server_stat (&ks, "members-refused") > 0)
    bench_die ("the key server's count of members does not add up", NULL);

  if (opt_json) {
    g_autofree char *esc = g_strescape (cpu, NULL);
    printf ("{\n  \"joins\": %d,\n  \"receivers\": %d,\n  \"window\": %d,\n"
        "  \"slices\": %d,\n  \"cpu_model\": \"%s\",\n  \"gstreamer\": "
        "\"%s\",\n  \"packet_interval_us\": %d,\n  \"dtls_failures\": %u,\n",
        opt_joins, opt_receivers, opt_window, opt_slices, esc, gst_ver,
        PACKET_INTERVAL_US, dtls_failures);
    if (opt_joins > 0) {
      printf ("  \"mikey_keyed\": {");
      print_json_lat_fields (&keyed);
      printf ("},\n  \"mikey_set_state_returned\": {");
      print_json_lat_fields (&mstarted);
      printf ("},\n  \"dtls_set_state_returned\": {");
      print_json_lat_fields (&dstarted);
      printf ("},\n  \"mikey_i_message_after_set_state\": {");
      print_json_lat_fields (&msent);
      printf ("},\n  \"dtls_client_hello_after_set_state\": {");
      print_json_lat_fields (&dsent);
      printf ("},\n  \"relay\": {\"round_trip_us\": %.1f, "
          "\"direct_round_trip_us\": %.1f, \"per_datagram_us\": %.1f, "
          "\"round_trips\": %u, \"mikey_datagrams_per_join\": %.2f, "
          "\"dtls_datagrams_per_join\": %.2f},\n", relay_relayed,
          relay_direct, relay_per_fwd, RELAY_ROUND_TRIPS,
          (double) mikey_fwd / opt_joins, (double) dtls_fwd / opt_joins);
    }
    print_json_lat_rows (lat, opt_joins > 0 ? 2 : 0);
    print_json_rows (&row, opt_receivers > 0);
  } else {
    if (opt_joins > 0)
      print_lat_table (lat, 2, "(a) join latency to the first decrypted "
          "packet, from the receiver's first handshake datagram (the "
          "figure) and from its set_state (PLAYING):");
    if (opt_receivers > 0)
      print_table (&row, 1, "(c) one key server answering simulated members "
          "(one op = one member joined):", "joins");
  }

  feeder_set (&feeder, NULL);
  g_atomic_int_set (&feeder.stop, 1);
  g_thread_join (feeder.thread);
  gst_element_set_state (ks.pipe, GST_STATE_NULL);
  gst_object_unref (ks.pipe);
  g_mutex_clear (&feeder.lock);
  free_pki ();
  return 0;
}
