/* gst-mikey-bench: RTP packets per second through stock srtpenc ! srtpdec,
 * with and without mikeyenc / mikeydec between them, in one run on one
 * CPU, and the overhead of the MIKEY elements.
 *
 * How to run:
 *   ninja -C build && build/tests/bench/gst-mikey-bench
 *   build/tests/bench/gst-mikey-bench --packets 1000000 --slices 15
 *   build/tests/bench/gst-mikey-bench --json          for machines
 *   meson test -C build --benchmark -v gst-mikey-bench
 * `meson test` runs it only as a smoke test (suite bench-smoke: 2000
 * packets, one slice). The mikey plugin of this build tree is loaded from
 * its build directory; srtpenc and srtpdec are the system's
 * (gst-plugins-bad).
 * Profiling (perf has no hardware counters in most VMs; callgrind works):
 *   valgrind --tool=callgrind build/tests/bench/gst-mikey-bench \
 *     --packets 20000 --slices 1
 *   then callgrind_annotate --tree=calling --inclusive=yes: the cost of
 *   gst_mikey_enc_chain and gst_mikey_dec_chain beyond their gst_pad_push.
 *
 * The three pipelines:
 *   reference  appsrc ! srtpenc key=K ! srtpdec ! fakesink
 *              srtpdec keyed through its request-key signal with K
 *   floor      appsrc ! srtpenc key=K ! identity ! identity ! srtpdec
 *                ! fakesink, keyed like the reference: what any two
 *              elements in the path cost, GStreamer's plainest
 *              pass-through (the second row compares with it)
 *   mikey      appsrc ! srtpenc ! mikeyenc mode=psk psk=P
 *                ! mikeydec mode=psk psk=P ! srtpdec ! fakesink
 *              mikeyenc.mikey_src ! mikeydec.mikey_sink in the same
 *              pipeline: mikeyenc keys srtpenc and sends its I_MESSAGE,
 *              mikeydec keys srtpdec by caps
 * Both: aes-128-icm, hmac-sha1-80; fakesink sync=false; one SSRC; RTP
 * packets of PCMA, 12-byte header and 160-byte payload, sequence numbers and
 * timestamps advancing (the 16-bit sequence number wraps, so SRTP's ROC
 * moves on too), made before and pushed as they are.
 *
 * One run of a pipeline: the process is pinned to the CPU it starts on (all
 * of GStreamer's threads with it), the pipeline goes to PAUSED, the first
 * packet is pushed, and we wait until srtpdec has its key (reference:
 * request-key called; mikey: mikeydec's on-key-received, the message having
 * gone from mikeyenc to mikeydec; mikeydec holds the first packet until
 * then, max-pending). The other packets and the end of stream are then put
 * into appsrc's queue, and the first packet prerolls fakesink. The clock
 * (monotonic) runs from the switch to PLAYING to the EOS event reaching
 * fakesink: the packets flow from a full queue, so the source costs a pop
 * per packet, and the one-time keying (reported apart, in the note: keys in
 * place so many microseconds after the first packet) is not in the rate.
 * The rate is the packets after the first over that time.
 *
 * --packets go through each pipeline in --slices runs (after one warm-up
 * run of each); the runs alternate, the first of each round of three
 * rotating, so all see the same machine; the figure of each is its
 * median run.
 * Short runs, and many, because the speed of a shared VM drifts (by up to
 * 2x within seconds where this was written, the process on the CPU all the
 * while): the note also gives the overhead within each pair of adjacent
 * runs (their median is less disturbed by a drift than the two medians
 * are), and the share of the wall time the process had the CPU (below 95%:
 * load on our own CPU, and the ratio per CPU-second).
 *
 * Target: the MIKEY elements add at most 3% to the time per packet
 * (reference rate / mikey rate - 1 <= 3%). Once keyed they only look at
 * each packet's header (mikeyenc for new SSRCs, mikeydec for the SSRC's
 * key state) and pass it on. With packets this small two more pad pushes
 * alone cost about that much: the floor row says how the two compare with
 * two identity elements.
 *
 * Checked in every run, warm-up included: each packet reaches fakesink,
 * in order, byte for byte what was sent (so decrypted with the right key),
 * and srtpdec's first packet was SRTP (10-byte tag, payload not in the
 * clear). Exit status 0 whether the target is met or not (a measurement,
 * not a test); 1 when a check fails or a pipeline does not run; 2 on bad
 * options; 77 (skipped) without appsrc, srtpenc or srtpdec.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gst/gst.h>
#include <gst/app/gstappsrc.h>

#include "bench-table.h"
#include "bench-gst.h"

#define DEFAULT_PACKETS 200000
#define MIN_RUN_PACKETS 100
#define MAX_PACKETS 10000000
#define MAX_RUN_PACKETS 2000000 /* pre-made: about 300 bytes each */
#define DEFAULT_SLICES 9
#define MAX_SLICES 1001

#define HDR_LEN BENCH_RTP_HDR_LEN
#define PAYLOAD_LEN BENCH_RTP_PAYLOAD_LEN
#define PKT_LEN BENCH_RTP_LEN
#define TAG_LEN BENCH_SRTP_TAG_LEN
#define SSRC 0x4d494b59u
#define PACKET_TIME (20 * GST_MSECOND)

#define OVERHEAD_TARGET 3.0     /* percent */
#define KEY_TIMEOUT (10 * G_USEC_PER_SEC)
#define PREROLL_TIMEOUT (10 * GST_SECOND)

/* Test values, not secrets: the reference's SRTP master key and salt, and
 * the MIKEY PSK */
#define SRTP_KEY_HEX "000102030405060708090a0b0c0d0e0f" \
  "101112131415161718191a1b1c1d"
#define PSK_HEX "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf" \
  "b0b1b2b3b4b5b6b7b8b9babbbcbdbebf"

#define CIPHERS "rtp-cipher=aes-128-icm rtp-auth=hmac-sha1-80 " \
  "rtcp-cipher=aes-128-icm rtcp-auth=hmac-sha1-80"

static const char ref_desc[] =
    "appsrc name=src ! srtpenc name=se key=" SRTP_KEY_HEX " " CIPHERS
    " ! srtpdec name=sd ! fakesink name=sink sync=false silent=true";

static const char floor_desc[] =
    "appsrc name=src ! srtpenc name=se key=" SRTP_KEY_HEX " " CIPHERS
    " ! identity silent=true ! identity silent=true "
    "! srtpdec name=sd ! fakesink name=sink sync=false silent=true";

static const char mikey_desc[] =
    "appsrc name=src ! srtpenc name=se ! mikeyenc name=me mode=psk psk="
    PSK_HEX " srtp-cipher=aes-128-icm srtp-auth=hmac-sha1-80 "
    "mikeydec name=md mode=psk psk=" PSK_HEX " max-pending=16 "
    "! srtpdec name=sd ! fakesink name=sink sync=false silent=true "
    "me.rtp_src ! md.rtp_sink  me.mikey_src ! md.mikey_sink";

static const char rtp_caps[] = BENCH_RTP_CAPS;

/* ---- the packets ---- */

typedef struct {
  guint n;
  guint8 *data;                 /* n packets of PKT_LEN bytes, back to back */
  GstBuffer **bufs;             /* wrapping them, read-only */
} Packets;

static void
packets_make (Packets *pk, guint n)
{
  pk->n = n;
  pk->data = g_malloc (n * (gsize) PKT_LEN);
  pk->bufs = g_new (GstBuffer *, n);
  for (guint i = 0; i < n; i++) {
    guint8 *p = pk->data + i * (gsize) PKT_LEN;

    bench_rtp_fill (p, i, SSRC);
    /* read-only: no element may write into what the next run sends */
    pk->bufs[i] = gst_buffer_new_wrapped_full (GST_MEMORY_FLAG_READONLY, p,
        PKT_LEN, 0, PKT_LEN, NULL, NULL);
    GST_BUFFER_PTS (pk->bufs[i]) = i * PACKET_TIME;
    GST_BUFFER_DURATION (pk->bufs[i]) = PACKET_TIME;
  }
}

static void
packets_clear (Packets *pk)
{
  for (guint i = 0; i < pk->n; i++)
    gst_buffer_unref (pk->bufs[i]);
  g_free (pk->bufs);
  g_free (pk->data);
}

/* ---- one run of one pipeline ---- */

typedef struct {
  const Packets *pk;
  guint n;                      /* packets sent in this run */

  GMutex lock;
  GCond cond;
  gboolean keyed;
  gint64 keyed_at;

  /* the streaming thread's, read after EOS */
  guint received;
  gint first_bad;               /* -1: none */
  gboolean srtp_seen, srtp_ok;
  gint64 eos_at;
} Run;

typedef struct {
  double rate;                  /* packets per second */
  double cpu_share;             /* process CPU time over wall time */
  double keying_us;             /* first packet pushed -> keys in place */
} RunResult;

static void
set_keyed (Run *r)
{
  g_mutex_lock (&r->lock);
  if (!r->keyed) {
    r->keyed = TRUE;
    r->keyed_at = g_get_monotonic_time ();
  }
  g_cond_signal (&r->cond);
  g_mutex_unlock (&r->lock);
}

/* srtpdec (reference): the key of the one SSRC, as an application gives it */
static GstCaps *
on_request_key (GstElement *srtpdec, guint ssrc, Run *r)
{
  GstBuffer *key;
  GstCaps *caps;
  GValue v = G_VALUE_INIT;

  if (ssrc != SSRC)
    return NULL;
  g_value_init (&v, GST_TYPE_BUFFER);
  if (!gst_value_deserialize (&v, SRTP_KEY_HEX))
    return NULL;
  key = g_value_get_boxed (&v);
  caps = gst_caps_new_simple ("application/x-srtp",
      "srtp-key", GST_TYPE_BUFFER, key,
      "srtp-cipher", G_TYPE_STRING, "aes-128-icm",
      "srtp-auth", G_TYPE_STRING, "hmac-sha1-80",
      "srtcp-cipher", G_TYPE_STRING, "aes-128-icm",
      "srtcp-auth", G_TYPE_STRING, "hmac-sha1-80", NULL);
  g_value_unset (&v);
  set_keyed (r);
  return caps;
}

static void
on_key_received (GstElement *mikeydec, guint ssrc, Run *r)
{
  if (ssrc == SSRC)
    set_keyed (r);
}

static void
check_packet (Run *r, GstBuffer *buf)
{
  guint i = r->received++;
  GstMapInfo map;
  gboolean ok = FALSE;

  if (i < r->n && gst_buffer_map (buf, &map, GST_MAP_READ)) {
    ok = map.size == PKT_LEN && memcmp (map.data, r->pk->data + i *
        (gsize) PKT_LEN, PKT_LEN) == 0;
    gst_buffer_unmap (buf, &map);
  }
  if (!ok && r->first_bad < 0)
    r->first_bad = i;
}

static gboolean
check_in_list (GstBuffer **buf, guint idx, gpointer r)
{
  check_packet (r, *buf);
  return TRUE;
}

/* fakesink's sink pad: every packet as sent, and when EOS came */
static GstPadProbeReturn
sink_probe (GstPad *pad, GstPadProbeInfo *info, Run *r)
{
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER)
    check_packet (r, GST_PAD_PROBE_INFO_BUFFER (info));
  else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST)
    gst_buffer_list_foreach (GST_PAD_PROBE_INFO_BUFFER_LIST (info),
        check_in_list, r);
  else if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) == GST_EVENT_EOS)
    r->eos_at = g_get_monotonic_time ();
  return GST_PAD_PROBE_OK;
}

/* srtpdec's first packet: SRTP, not RTP passed through */
static GstPadProbeReturn
srtp_probe (GstPad *pad, GstPadProbeInfo *info, Run *r)
{
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  GstMapInfo map;

  r->srtp_seen = TRUE;
  if (gst_buffer_map (buf, &map, GST_MAP_READ)) {
    r->srtp_ok = map.size == PKT_LEN + TAG_LEN
        && memcmp (map.data + HDR_LEN, r->pk->data + HDR_LEN,
        PAYLOAD_LEN) != 0;
    gst_buffer_unmap (buf, &map);
  }
  return GST_PAD_PROBE_REMOVE;
}

static gint64
process_cpu_us (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

static void
add_probe (GstElement *pipeline, const char *name, const char *pad_name,
    GstPadProbeType mask, GstPadProbeCallback cb, Run *r)
{
  GstElement *e = gst_bin_get_by_name (GST_BIN (pipeline), name);
  GstPad *pad = gst_element_get_static_pad (e, pad_name);

  gst_pad_add_probe (pad, mask, cb, r, NULL);
  gst_object_unref (pad);
  gst_object_unref (e);
}

/* Exits, with the first error on @bus if there is one */
G_GNUC_NORETURN static void
die_run (const char *side, const char *what, GstBus *bus)
{
  GstMessage *m = bus ? gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR) : NULL;
  g_autofree char *why = m ? bench_error_text (m) : NULL;
  g_autofree char *msg = g_strdup_printf ("%s pipeline: %s%s%s", side, what,
      why ? "; " : "", why ? why : "");
  bench_die (msg, NULL);
}

typedef enum
{
  SIDE_REF,
  SIDE_MIKEY,
  SIDE_FLOOR,
  N_SIDES
} Side;

static const char *const side_names[N_SIDES] = {
  "reference", "mikey", "floor"
};

/* @n packets through the pipeline of @which; exits on a failure */
static void
run_once (Side which, const Packets *pk, guint n, RunResult *res)
{
  static const char *const descs[N_SIDES] = {
    ref_desc, mikey_desc, floor_desc
  };
  gboolean mikey = which == SIDE_MIKEY;
  const char *side = side_names[which];
  GError *error = NULL;
  GstElement *pipeline, *src, *e;
  GstCaps *caps;
  GstBus *bus;
  GstMessage *msg;
  Run r = { .pk = pk, .n = n, .first_bad = -1 };
  gint64 first_at, deadline, t0, c0, t1, c1;

  g_mutex_init (&r.lock);
  g_cond_init (&r.cond);
  pipeline = gst_parse_launch (descs[which], &error);
  if (pipeline == NULL || error)
    die_run (side, error ? error->message : "gst_parse_launch", NULL);
  bus = gst_element_get_bus (pipeline);

  src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  caps = gst_caps_from_string (rtp_caps);
  /* the whole run queued at once: no limit, no signals */
  g_object_set (src, "caps", caps, "format", GST_FORMAT_TIME, "max-bytes",
      (guint64) 0, "emit-signals", FALSE, NULL);
  gst_caps_unref (caps);
  add_probe (pipeline, "sink", "sink", GST_PAD_PROBE_TYPE_BUFFER |
      GST_PAD_PROBE_TYPE_BUFFER_LIST | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
      (GstPadProbeCallback) sink_probe, &r);
  add_probe (pipeline, "sd", "rtp_sink", GST_PAD_PROBE_TYPE_BUFFER,
      (GstPadProbeCallback) srtp_probe, &r);
  e = gst_bin_get_by_name (GST_BIN (pipeline), mikey ? "md" : "sd");
  if (mikey)
    g_signal_connect (e, "on-key-received", G_CALLBACK (on_key_received),
        &r);
  else
    g_signal_connect (e, "request-key", G_CALLBACK (on_request_key), &r);
  gst_object_unref (e);

  if (gst_element_set_state (pipeline, GST_STATE_PAUSED) ==
      GST_STATE_CHANGE_FAILURE)
    die_run (side, "cannot go to PAUSED", bus);

  /* the first packet, and srtpdec keyed */
  first_at = g_get_monotonic_time ();
  gst_app_src_push_buffer (GST_APP_SRC (src), gst_buffer_ref (pk->bufs[0]));
  deadline = first_at + KEY_TIMEOUT;
  g_mutex_lock (&r.lock);
  while (!r.keyed)
    if (!g_cond_wait_until (&r.cond, &r.lock, deadline))
      break;
  g_mutex_unlock (&r.lock);
  if (!r.keyed)
    die_run (side, mikey ? "mikeydec got no key within 10 s"
        : "srtpdec asked for no key within 10 s", bus);
  res->keying_us = r.keyed_at - first_at;

  /* the rest queued; the first packet prerolls */
  for (guint i = 1; i < n; i++)
    gst_app_src_push_buffer (GST_APP_SRC (src), gst_buffer_ref (pk->bufs[i]));
  gst_app_src_end_of_stream (GST_APP_SRC (src));
  if (gst_element_get_state (pipeline, NULL, NULL, PREROLL_TIMEOUT) !=
      GST_STATE_CHANGE_SUCCESS)
    die_run (side, "no preroll within 10 s", bus);

  c0 = process_cpu_us ();
  t0 = g_get_monotonic_time ();
  if (gst_element_set_state (pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE)
    die_run (side, "cannot go to PLAYING", bus);
  /* generous: even 20 us per packet leaves a minute to spare */
  msg = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND + n * 20 *
      GST_USECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  c1 = process_cpu_us ();
  t1 = g_get_monotonic_time ();
  if (msg == NULL)
    die_run (side, "no EOS in time", bus);
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    g_autofree char *why = bench_error_text (msg);
    die_run (side, why, NULL);
  }
  gst_message_unref (msg);
  gst_element_set_state (pipeline, GST_STATE_NULL);

  if (!r.srtp_seen || !r.srtp_ok)
    die_run (side, "srtpdec was not given SRTP packets", NULL);
  if (r.received != n || r.first_bad >= 0) {
    g_autofree char *what = g_strdup_printf ("%u packets sent, %u reached "
        "fakesink; first one not as sent: %d", n, r.received, r.first_bad);
    die_run (side, what, NULL);
  }
  res->rate = r.eos_at > t0 ? (n - 1) * (double) G_USEC_PER_SEC /
      (r.eos_at - t0) : 0;
  res->cpu_share = t1 > t0 ? (double) (c1 - c0) / (t1 - t0) : 0;

  gst_object_unref (src);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  g_cond_clear (&r.cond);
  g_mutex_clear (&r.lock);
}

/* ---- main ---- */

static double
median_of (double *v, guint n)
{
  Stat st;
  stat_of (v, n, &st);
  return st.median;
}

int
main (int argc, char **argv)
{
  /* needed to run at all: 77 (a skip) without them */
  static const char *const stock[] = {
    "appsrc", "srtpenc", "srtpdec", "identity", "fakesink"
  };
  gint opt_packets = DEFAULT_PACKETS, opt_slices = DEFAULT_SLICES;
  gboolean opt_json = FALSE;
  GOptionEntry entries[] = {
    { "packets", 'n', 0, G_OPTION_ARG_INT, &opt_packets,
        "Packets through each pipeline (default 200000)", "N" },
    { "slices", 'k', 0, G_OPTION_ARG_INT, &opt_slices,
        "Runs of each pipeline, N/K packets each, alternating (default 9)",
        "K" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &opt_json,
        "Print the results as JSON", NULL },
    { NULL }
  };
  g_autofree char *cpu = cpu_model ();
  g_autofree char *plugin_file = NULL;
  g_autofree char *gst_ver = NULL;
  g_autofree char *setup = NULL;
  g_autofree char *note = NULL;
  g_autofree char *floor_note = NULL;
  g_autofree double *pair = NULL;
  double *rate[N_SIDES], *keying[N_SIDES], cpu_share[N_SIDES] = { 0 };
  Packets pk;
  RunResult res;
  Row rows[2];
  int cpu_no;
  guint per_run;

  bench_prog = "gst-mikey-bench";
  bench_parse_options (&argc, &argv, "- packets per second through "
      "srtpenc ! srtpdec, with and without mikeyenc / mikeydec", "The "
      "pipelines in one run, alternating, on one CPU. Exit status 0 whether "
      "or not the target is met; 1 when packets are lost or wrong.",
      entries);
  if (opt_slices < 1 || opt_slices > MAX_SLICES || opt_packets < 1
      || opt_packets > MAX_PACKETS || opt_packets / opt_slices <
      MIN_RUN_PACKETS || opt_packets / opt_slices > MAX_RUN_PACKETS) {
    fprintf (stderr, "gst-mikey-bench: --slices takes 1 to %u, --packets up "
        "to %u and %u to %u per slice\n", MAX_SLICES, MAX_PACKETS,
        MIN_RUN_PACKETS, MAX_RUN_PACKETS);
    return 2;
  }
  per_run = opt_packets / opt_slices;

  /* before GStreamer makes threads: they inherit the CPU */
  cpu_no = pin_cpu ();
  plugin_file = bench_gst_init (stock, G_N_ELEMENTS (stock));
  gst_ver = bench_gst_version ();

  packets_make (&pk, per_run);
  setup = g_strdup_printf ("gst-mikey-bench: %u packets (RTP PCMA, %u-byte "
      "payload, one SSRC) per run, %d runs of each pipeline alternating, "
      "%s; %s; GStreamer %s\nmikey plugin: %s\nreference: appsrc ! srtpenc "
      "! srtpdec ! fakesink\nmikey:     appsrc ! srtpenc ! mikeyenc ! "
      "mikeydec ! srtpdec ! fakesink, mikey_src ! mikey_sink (PSK)\n"
      "floor:     appsrc ! srtpenc ! identity ! identity ! srtpdec ! "
      "fakesink", per_run, PAYLOAD_LEN, opt_slices, cpu_no >= 0 ?
      "pinned to one CPU" : "NOT pinned", cpu, gst_ver, plugin_file);
  if (!opt_json) {
    printf ("%s\nmeasuring...\n", setup);
    fflush (stdout);
  }

  /* warm-up (caches, clock speed, plugin loading), checked like the rest */
  for (Side w = 0; w < N_SIDES; w++) {
    run_once (w, &pk, per_run, &res);
    rate[w] = g_new (double, opt_slices);
    keying[w] = g_new (double, opt_slices);
  }
  pair = g_new (double, opt_slices);
  for (gint i = 0; i < opt_slices; i++) {
    /* each goes first in turn: none always runs on the machine another
     * has warmed or loaded */
    for (guint k = 0; k < N_SIDES; k++) {
      Side w = (i + k) % N_SIDES;

      run_once (w, &pk, per_run, &res);
      rate[w][i] = res.rate;
      keying[w][i] = res.keying_us;
      cpu_share[w] += res.cpu_share / opt_slices;
    }
  }

  /* the overhead in each round, before the sorting below */
  for (gint i = 0; i < opt_slices; i++)
    pair[i] = 100.0 * (rate[SIDE_REF][i] / rate[SIDE_MIKEY][i] - 1.0);
  if (opt_json) {
    g_autofree char *esc = g_strescape (cpu, NULL);
    printf ("{\n  \"packets\": %d,\n  \"slices\": %d,\n  \"packets_per_run\": "
        "%u,\n  \"cpu\": %d,\n", opt_packets, opt_slices, per_run, cpu_no);
    printf ("  \"cpu_model\": \"%s\",\n  \"gstreamer\": \"%s\",\n", esc,
        gst_ver);
    printf ("  \"packet_bytes\": %u,\n  \"keying_us\": {\"mikey\": %.1f, "
        "\"reference\": %.1f},\n", PKT_LEN, median_of (keying[SIDE_MIKEY],
            opt_slices), median_of (keying[SIDE_REF], opt_slices));
    printf ("  \"runs\": [");
    for (gint i = 0; i < opt_slices; i++)
      printf ("%s{\"mikey\": %.1f, \"reference\": %.1f, \"floor\": %.1f}",
          i ? ", " : "", rate[SIDE_MIKEY][i], rate[SIDE_REF][i],
          rate[SIDE_FLOOR][i]);
    printf ("],\n");
  }

  rows[0] = (Row) {
    .key = "srtp_path_mikey", .what = "with mikeyenc/mikeydec",
    .unit = "packet", .ref_what = "srtpenc ! srtpdec",
    .target_kind = TARGET_MAX_OVERHEAD, .target = OVERHEAD_TARGET,
  };
  rows[1] = (Row) {
    .key = "srtp_path_mikey_vs_two_elements", .what =
        "with mikeyenc/mikeydec", .unit = "packet", .ref_what =
        "srtpenc ! identity x2 ! srtpdec", .target_kind = TARGET_NONE,
  };
  for (guint r = 0; r < 2; r++) {
    Side ref = r == 0 ? SIDE_REF : SIDE_FLOOR;

    stat_of (rate[SIDE_MIKEY], opt_slices, &rows[r].st);
    stat_of (rate[ref], opt_slices, &rows[r].ref_st);
    rows[r].st.cpu_share = cpu_share[SIDE_MIKEY];
    rows[r].ref_st.cpu_share = cpu_share[ref];
    rows[r].rate = rows[r].st.median;
    rows[r].ref_rate = rows[r].ref_st.median;
  }

  if (opt_json) {
    Stat ps;
    stat_of (pair, opt_slices, &ps);
    printf ("  \"pair_overhead_percent\": {\"median\": %.2f, \"min\": %.2f, "
        "\"max\": %.2f},\n", ps.median, ps.min, ps.max);
    print_json_rows (rows, 2);
  } else {
    g_autofree char *omin = thousands (rows[0].st.min);
    g_autofree char *omax = thousands (rows[0].st.max);
    g_autofree char *rmin = thousands (rows[0].ref_st.min);
    g_autofree char *rmax = thousands (rows[0].ref_st.max);
    Stat ps;

    stat_of (pair, opt_slices, &ps);
    note = g_strdup_printf ("every packet arrived as sent. Runs: %s to %s "
        "packets/s (reference %s to %s); overhead in rounds %.1f%% (median; "
        "%.1f%% to %.1f%%). Keys in place %.0f us after the first packet, "
        "MIKEY message from mikeyenc to mikeydec (reference: srtpdec's "
        "request-key, %.0f us), not in the rate. %s", omin, omax, rmin, rmax,
        ps.median, ps.min, ps.max, median_of (keying[SIDE_MIKEY],
            opt_slices), median_of (keying[SIDE_REF], opt_slices),
        cpu_share_text (&rows[0]));
    rows[0].note = note;
    floor_note = g_strdup_printf ("two identity elements in the path add "
        "%.1f%% to srtpenc ! srtpdec (the cost of two more pad pushes per "
        "packet); mikeyenc/mikeydec in their place run at %.3fx their "
        "rate", 100.0 * (rows[0].ref_rate / rows[1].ref_rate - 1.0),
        rows[1].rate / rows[1].ref_rate);
    rows[1].note = floor_note;
    print_table (rows, 2, "results (one op = one RTP packet through the "
        "pipeline):", "mikey");
  }

  for (Side w = 0; w < N_SIDES; w++) {
    g_free (rate[w]);
    g_free (keying[w]);
  }
  packets_clear (&pk);
  return 0;
}
