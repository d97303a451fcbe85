/* mky-bench: throughput of the mky MIKEY core on one core (and the RSA-R key
 * server on two), each figure next to a reference measured in the same run,
 * and their ratio.
 *
 * How to run:
 *   meson compile -C build && build/tests/bench/mky-bench
 *   build/tests/bench/mky-bench --seconds 3        longer, steadier figures
 *   build/tests/bench/mky-bench --json             for machines
 *   build/tests/bench/mky-bench --only verify      one measurement (repeatable:
 *                                 parse-null, parse-psk, build, verify, prf,
 *                                 join, join-2t, dh)
 *   meson test -C build --benchmark -v     the same through meson (a plain
 *                                          `meson test` does not run it)
 * Configure with -Dbench=disabled to leave it out. Without gstreamer-sdp-1.0
 * the GStreamer reference is skipped (our figures are still measured, on
 * messages of the same form built with mky).
 * Profiling one measurement (perf may be unavailable; callgrind works):
 *   valgrind --tool=callgrind --toggle-collect=run_verify \
 *     build/tests/bench/mky-bench --only verify --seconds 0.3
 *   valgrind --tool=callgrind --toggle-collect=mky_rsa_r_responder_handle \
 *     build/tests/bench/mky-bench --only join --seconds 0.5   (about a minute)
 *   perf record -g build/tests/bench/mky-bench --only join --seconds 3
 *     (GMP, nettle and GnuTLS have no frame pointers: --call-graph dwarf)
 *
 * Single-threaded but for the 2-thread rows; pinned to the CPU it starts on.
 * Each measurement runs for --seconds (default 1) after a short warm-up,
 * timed with the monotonic clock, in 5 slices that alternate with the slices
 * of its reference, so both see the same machine; the figure is the median
 * slice. Only the operation is timed, not the preparation of its input.
 * The public-key rows need RSA-2048 keys and certificates (a CA, the key
 * server, bob, alice and 4 group members on 2 keys), made at start-up with
 * tests/common/test-pki.c, and the members' I_MESSAGEs (one RSA signature
 * each): a few seconds before the first of them is measured.
 *
 *  parse MIKEY-NULL   mky_message_parse on MIKEY-NULL messages as
 *                     gst_mikey_message_new_from_caps builds them (srtp-key of
 *                     30 bytes, aes-128-icm, hmac-sha1-80) plus one CS
 *                     (gst_mikey_message_add_cs_srtp); reference:
 *                     gst_mikey_message_new_from_data (info NULL) on the same
 *                     bytes. Target: mky >= 3x GStreamer. (GStreamer also
 *                     parses the Key data inside the NULL KEMAC; mky leaves it
 *                     to mky_kemac_open_data.)
 *  parse PSK          mky_message_parse on a full PSK I_MESSAGE: AES-CM-128,
 *                     HMAC-SHA-1-160, IDi and IDr, one SP, one TGK, one CS.
 *  build PSK          mky_psk_initiator_build of that message (an initial
 *                     one, new RAND; V bit clear).
 *  verify PSK + TEK   mky_psk_responder_handle (parse, replay check, MAC
 *                     check, decryption, bundle) and mky_csb_get_srtp for the
 *                     one crypto session (TEK and salt derivation), on
 *                     distinct messages of increasing timestamps; default
 *                     Responder (1024-entry replay cache, full and evicting
 *                     in the steady state), a new one per 4096 messages.
 *                     Reference: gnutls_hmac_fast HMAC-SHA-1 over the same
 *                     message bytes, to show the protocol's cost over the
 *                     bare MAC. Target: >= 200,000 messages/s.
 *  PRF TEK            mky_prf_derive, MIKEY-1, 16-byte TEK from a 16-byte
 *                     TGK, label of 25 bytes (RAND of 16); reference:
 *                     gnutls_hmac_fast HMAC-SHA-1 with that key and label.
 *                     One PRF output block takes 2 HMACs (A_1, then the
 *                     block): 0.5x if each cost a gnutls_hmac_fast call;
 *                     keying the HMAC once for both can do better.
 *  RSA-R group join   the group key server (RFC 4738 §3.2) answering a
 *                     member: mky_rsa_r_responder_handle alone, I_MESSAGE in
 *                     (parse, time and replay cache, the member's chain
 *                     verified for signing and again for encryption, SIGNi),
 *                     R_MESSAGE out (KEMAC with the group TGK, the envelope
 *                     key RSA-encrypted to the member, SIGNr). 256 distinct
 *                     I_MESSAGEs of 4 members (#CS 0, no RAND, times 1 ms
 *                     apart) made before; a new Responder, untimed, each
 *                     time they are used up. Group state: CSB ID, RAND, 2
 *                     CS, SP, one TGK. Key server key RSA-2048, signatures
 *                     RSA PKCS#1 v1.5 with SHA-256. Reference:
 *                     gnutls_privkey_sign_data (SHA-256, PKCS#1 v1.5) with
 *                     the key server's RSA-2048 key over the I_MESSAGEs'
 *                     bytes: the one private-key operation a join cannot
 *                     do without, which bounds the key server's rate.
 *                     Target: >= 0.9x. The note splits the time of a join
 *                     into that signature and the rest.
 *  RSA-R group join,  2 worker threads, each pinned to its own CPU (the one
 *    2 threads        we started on and another one we may use), each with
 *                     its own key server: Responder, group state loaded from
 *                     the same values (two key servers so loaded answer with
 *                     the same keys), credentials and trust; no lock, nothing
 *                     shared but the library. Disjoint pools of 256
 *                     I_MESSAGEs; a worker makes its new Responder, timed,
 *                     when its pool is used up (the note gives the cost).
 *                     Both run until a common deadline; the figure is the
 *                     joins of both over the wall time, thread start and
 *                     join included. Reference: the raw signature on ONE
 *                     core, as above. Target: >= 1.8x.
 *  RSA-2048 sign,     the reference operation in the same 2 threads: what
 *    2 threads        this machine allows the row above (2x if its two CPUs
 *                     share nothing; less with SMT siblings or other load).
 *  DH mode exchange   a whole signed DH-mode exchange (RFC 3830 §3.3), alice
 *    (OAKLEY 5)       to bob, OAKLEY 5, RSA-2048 PKCS#1 v1.5 both ways:
 *                     mky_dh_initiator_build + mky_dh_responder_handle +
 *                     mky_dh_initiator_handle_response, a new bundle (2 CS)
 *                     per exchange, times 1 ms apart. Reference: its bare
 *                     arithmetic, mky_dh_key_generate twice and
 *                     mky_dh_compute twice (OAKLEY 5).
 *  DH-HMAC exchange   the same for DH-HMAC (RFC 4650): a PSK and HMAC-SHA-1
 *    (OAKLEY 5)       instead of certificates and signatures.
 *
 * Exit status 0 whether the targets are met or not (a measurement, not a
 * test); 1 only when the benchmark cannot run (the library refused input).
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <mky/mky.h>

#include "bench-table.h"
#include "test-pki.h"

#ifdef HAVE_GST_SDP
#include <gst/gst.h>
#include <gst/sdp/gstmikey.h>
#endif

#define NOW (G_GINT64_CONSTANT (1795435200) * G_USEC_PER_SEC)
#define TS_STEP 1000            /* µs between the timestamps of two messages */
#define NULL_POOL 256           /* distinct MIKEY-NULL messages */
#define PSK_POOL 4096           /* distinct PSK I_MESSAGEs, one Responder */
#define BUILD_BATCH 256
#define CALL_BATCH 256          /* calls between two clock readings */

#define VERIFY_TARGET 200000.0
#define PARSE_TARGET 3.0

static const guint8 psk[32] = "a pre-shared key of 32 bytes....";
static const char id_i[] = "sip:alice@example.com";
static const char id_r[] = "sip:bob@example.com";

static volatile guint8 sink;

G_GNUC_NORETURN static void
die (const char *what, const GError *error)
{
  fprintf (stderr, "mky-bench: %s: %s\n", what,
      error ? error->message : "failed");
  exit (1);
}

/* A set of messages, as the timed loops want them */
typedef struct {
  guint n;
  GBytes **bytes;
  const guint8 **data;
  gsize *len;
} Pool;

static void
pool_init (Pool *p, guint n)
{
  p->n = 0;
  p->bytes = g_new0 (GBytes *, n);
  p->data = g_new0 (const guint8 *, n);
  p->len = g_new0 (gsize, n);
}

static void
pool_add (Pool *p, GBytes *b)
{
  p->bytes[p->n] = b;
  p->data[p->n] = g_bytes_get_data (b, &p->len[p->n]);
  p->n++;
}

static void
pool_clear (Pool *p)
{
  for (guint i = 0; i < p->n; i++)
    g_bytes_unref (p->bytes[i]);
  g_free (p->bytes);
  g_free (p->data);
  g_free (p->len);
}

static double
pool_mean_len (const Pool *p)
{
  double sum = 0;
  for (guint i = 0; i < p->n; i++)
    sum += p->len[i];
  return p->n ? sum / p->n : 0;
}

/* ---- the harness ---- */

typedef void (*PrepFunc) (gpointer ctx);        /* untimed */
typedef guint (*RunFunc) (gpointer ctx);        /* timed; operations done */

static guint64 failures;
static const char *failed_in;

static void
fail (const char *what)
{
  if (failures++ == 0)
    failed_in = what;
}

static gint64
thread_cpu_us (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

/* CPU time of the measuring thread over the wall time of the timed runs:
 * below 1 when other processes took turns on our CPU */
typedef struct {
  gint64 cpu_us, wall_us;
} CpuUse;

static double
measure_for (PrepFunc prep, RunFunc run, gpointer ctx, double seconds,
    CpuUse *use)
{
  gint64 budget = (gint64) (seconds * G_USEC_PER_SEC);
  gint64 spent = 0;
  guint64 ops = 0;

  while (spent < budget || ops == 0) {
    gint64 t0, t1, c0;
    guint n;

    if (prep)
      prep (ctx);
    c0 = thread_cpu_us ();
    t0 = g_get_monotonic_time ();
    n = run (ctx);
    t1 = g_get_monotonic_time ();
    if (use) {
      use->cpu_us += thread_cpu_us () - c0;
      use->wall_us += t1 - t0;
    }
    spent += t1 - t0;
    ops += n;
  }
  if (failures)
    die (failed_in, NULL);
  return spent > 0 ? (double) ops * G_USEC_PER_SEC / spent : 0;
}

static double opt_seconds = 1.0;
static char **opt_only;

static const char *const measurement_names[] = {
  "parse-null", "parse-psk", "build", "verify", "prf", "join", "join-2t",
  "dh",
};

static gboolean
selected (const char *name)
{
  if (opt_only == NULL)
    return TRUE;
  for (char **o = opt_only; *o; o++)
    if (g_str_equal (*o, name))
      return TRUE;
  return FALSE;
}

typedef struct {
  PrepFunc prep;
  RunFunc run;
  gpointer ctx;
} Op;

#define SLICES 5

/* --seconds per operation, in SLICES slices; with a reference, its slices
 * alternate with ours, so both see the same machine. The median slice is
 * the figure (robust to bursts of other load). */
static void
measure (const Op *ours, const Op *ref, Stat *st, Stat *ref_st)
{
  double slice = opt_seconds / SLICES, warm = MIN (0.2, opt_seconds / 5);
  double a[SLICES], b[SLICES];
  CpuUse ua = { 0 }, ub = { 0 };

  measure_for (ours->prep, ours->run, ours->ctx, warm, NULL);
  if (ref)
    measure_for (ref->prep, ref->run, ref->ctx, warm, NULL);
  for (guint i = 0; i < SLICES; i++) {
    a[i] = measure_for (ours->prep, ours->run, ours->ctx, slice, &ua);
    if (ref)
      b[i] = measure_for (ref->prep, ref->run, ref->ctx, slice, &ub);
  }
  stat_of (a, SLICES, st);
  st->cpu_share = ua.wall_us ? (double) ua.cpu_us / ua.wall_us : 0;
  if (ref) {
    stat_of (b, SLICES, ref_st);
    ref_st->cpu_share = ub.wall_us ? (double) ub.cpu_us / ub.wall_us : 0;
  }
}

/* ---- parsing ---- */

static guint
run_mky_parse (gpointer ctx)
{
  const Pool *p = ctx;
  for (guint i = 0; i < p->n; i++) {
    MkyMessage *m = mky_message_parse (p->data[i], p->len[i], NULL);
    if (m == NULL)
      fail ("mky_message_parse");
    mky_message_free (m);
  }
  return p->n;
}

#ifdef HAVE_GST_SDP
static guint
run_gst_parse (gpointer ctx)
{
  const Pool *p = ctx;
  for (guint i = 0; i < p->n; i++) {
    GstMIKEYMessage *m = gst_mikey_message_new_from_data (p->data[i],
        p->len[i], NULL, NULL);
    if (m == NULL)
      fail ("gst_mikey_message_new_from_data");
    else
      gst_mikey_message_unref (m);
  }
  return p->n;
}

/* What gst_mikey_message_new_from_caps makes of srtpenc-like caps */
static GBytes *
gst_null_message (guint32 ssrc)
{
  guint8 key[30];
  GstBuffer *buf;
  GstCaps *caps;
  GstMIKEYMessage *msg;
  GBytes *bytes;
  GError *error = NULL;

  gnutls_rnd (GNUTLS_RND_RANDOM, key, sizeof key);
  buf = gst_buffer_new_memdup (key, sizeof key);
  caps = gst_caps_new_simple ("application/x-srtp",
      "srtp-key", GST_TYPE_BUFFER, buf,
      "srtp-cipher", G_TYPE_STRING, "aes-128-icm",
      "srtp-auth", G_TYPE_STRING, "hmac-sha1-80",
      "srtcp-cipher", G_TYPE_STRING, "aes-128-icm",
      "srtcp-auth", G_TYPE_STRING, "hmac-sha1-80", NULL);
  msg = gst_mikey_message_new_from_caps (caps);
  if (msg == NULL || !gst_mikey_message_add_cs_srtp (msg, 0, ssrc, 0))
    die ("gst_mikey_message_new_from_caps", NULL);
  bytes = gst_mikey_message_to_bytes (msg, NULL, &error);
  if (bytes == NULL)
    die ("gst_mikey_message_to_bytes", error);
  gst_mikey_message_unref (msg);
  gst_caps_unref (caps);
  gst_buffer_unref (buf);
  return bytes;
}
#endif

/* The same form built with mky, when GStreamer is not there */
G_GNUC_UNUSED static GBytes *
mky_null_message (guint32 ssrc)
{
  g_autoptr (MkyMessage) m = NULL;
  g_autoptr (GPtrArray) kd = g_ptr_array_new_with_free_func ((GDestroyNotify)
      mky_payload_free);
  g_autoptr (GByteArray) plain = g_byte_array_new ();
  GError *error = NULL;
  MkySrtpPolicy pol;
  MkyPayload *p;
  guint8 key[30], rand[16];
  GBytes *bytes;

  gnutls_rnd (GNUTLS_RND_RANDOM, key, sizeof key);
  gnutls_rnd (GNUTLS_RND_NONCE, rand, sizeof rand);
  m = mky_message_new (MKY_TYPE_PSK_INIT, g_random_int () | 1);
  mky_hdr_add_cs_srtp (mky_message_hdr (m), 0, ssrc, 0);
  p = mky_message_add (m, MKY_PT_T);
  mky_t_set_time (&p->u.t, MKY_TS_NTP_UTC, g_get_real_time (), NULL);
  p = mky_message_add (m, MKY_PT_RAND);
  mky_bytes_set (&p->u.rand.rand, rand, sizeof rand);
  p = mky_message_add (m, MKY_PT_SP);
  if (!mky_srtp_policy_from_nicks ("aes-128-icm", "hmac-sha1-80",
          "aes-128-icm", "hmac-sha1-80", &pol, &error))
    die ("mky_srtp_policy_from_nicks", error);
  mky_srtp_policy_to_sp (&pol, TRUE, &p->u.sp);
  p = mky_payload_new (MKY_PT_KEY_DATA);
  p->u.key_data.type = MKY_KD_TEK;
  mky_bytes_set (&p->u.key_data.key, key, sizeof key);
  g_ptr_array_add (kd, p);
  if (!mky_payload_chain_serialize (kd->pdata, kd->len, plain, &error))
    die ("mky_payload_chain_serialize", error);
  p = mky_message_add (m, MKY_PT_KEMAC);
  mky_bytes_set (&p->u.kemac.encr_data, plain->data, plain->len);
  bytes = mky_message_serialize (m, &error);
  if (bytes == NULL)
    die ("mky_message_serialize", error);
  return bytes;
}

/* ---- PSK ---- */

static void
psk_config (MkyConfig *cfg)
{
  mky_config_init (cfg);    /* MIKEY-1, AES-CM-128, HMAC-SHA-1-160 */
  mky_config_set_psk (cfg, psk, sizeof psk);
  cfg->id_i = g_strdup (id_i);
  cfg->id_r = g_strdup (id_r);
}

/* The Initiator's bundle: one CS of policy 0, that policy, one TGK */
static MkyCsb *
psk_csb (const MkySrtpPolicy *pol)
{
  MkyCsb *csb = mky_csb_new (0);
  guint8 tgk[16];

  gnutls_rnd (GNUTLS_RND_RANDOM, tgk, sizeof tgk);
  mky_csb_add_cs (csb, 0, g_random_int (), 0);
  mky_csb_set_policy (csb, 0, pol, FALSE);
  mky_csb_add_key (csb, MKY_KD_TGK, tgk, sizeof tgk, NULL, 0, NULL, 0);
  return csb;
}

typedef struct {
  MkyPskInitiator *ini;
  MkySrtpPolicy pol;
  MkyCsb *csbs[BUILD_BATCH];
  gint64 now;
} BuildCtx;

static void
prep_build (gpointer ctx)
{
  BuildCtx *c = ctx;
  for (guint i = 0; i < BUILD_BATCH; i++) {
    if (c->csbs[i])
      mky_csb_unref (c->csbs[i]);
    c->csbs[i] = psk_csb (&c->pol);
  }
}

static guint
run_build (gpointer ctx)
{
  BuildCtx *c = ctx;
  for (guint i = 0; i < BUILD_BATCH; i++) {
    GBytes *b = mky_psk_initiator_build (c->ini, c->csbs[i], FALSE, c->now,
        NULL);
    c->now += TS_STEP;
    if (b == NULL)
      fail ("mky_psk_initiator_build");
    else
      g_bytes_unref (b);
  }
  return BUILD_BATCH;
}

typedef struct {
  const MkyConfig *cfg;
  MkyPskResponder *resp;
  const Pool *pool;             /* message i has time NOW + i * TS_STEP */
} VerifyCtx;

static void
prep_verify (gpointer ctx)
{
  VerifyCtx *c = ctx;
  if (c->resp)
    mky_psk_responder_free (c->resp);
  c->resp = mky_psk_responder_new (c->cfg, NOW, FALSE);
}

static guint
run_verify (gpointer ctx)
{
  VerifyCtx *c = ctx;
  for (guint i = 0; i < c->pool->n; i++) {
    GBytes *reply = NULL;
    MkySrtpKeying k;
    MkyCsb *csb = mky_psk_responder_handle (c->resp, c->pool->bytes[i],
        NOW + (gint64) i * TS_STEP, &reply, NULL);

    if (csb == NULL) {
      fail ("mky_psk_responder_handle");
    } else {
      if (!mky_csb_get_srtp (csb, 0, c->cfg->compat, &k, NULL))
        fail ("mky_csb_get_srtp");
      sink ^= k.keys[0].key[0];
      mky_srtp_keying_clear (&k);
      mky_csb_unref (csb);
    }
    if (reply)
      g_bytes_unref (reply);
  }
  return c->pool->n;
}

typedef struct {
  const Pool *pool;
  guint8 key[20];
} HmacCtx;

static guint
run_hmac_pool (gpointer ctx)
{
  HmacCtx *c = ctx;
  guint8 mac[20];
  for (guint i = 0; i < c->pool->n; i++) {
    if (gnutls_hmac_fast (GNUTLS_MAC_SHA1, c->key, sizeof c->key,
            c->pool->data[i], c->pool->len[i], mac) < 0)
      fail ("gnutls_hmac_fast");
    sink ^= mac[0];
  }
  return c->pool->n;
}

/* ---- PRF ---- */

typedef struct {
  guint8 tgk[16];
  guint8 rand[16];
  guint32 csb_id;
  guint8 label[9 + 16];         /* as mky_prf_derive lays it out */
} PrfCtx;

static guint
run_prf (gpointer ctx)
{
  PrfCtx *c = ctx;
  guint8 tek[16];
  for (guint i = 0; i < CALL_BATCH; i++) {
    if (!mky_prf_derive (MKY_PRF_MIKEY_1, c->tgk, sizeof c->tgk,
            MKY_CONST_TEK, 1, c->csb_id, c->rand, sizeof c->rand, tek,
            sizeof tek))
      fail ("mky_prf_derive");
    sink ^= tek[0];
  }
  return CALL_BATCH;
}

static guint
run_prf_hmac (gpointer ctx)
{
  PrfCtx *c = ctx;
  guint8 mac[20];
  for (guint i = 0; i < CALL_BATCH; i++) {
    if (gnutls_hmac_fast (GNUTLS_MAC_SHA1, c->tgk, sizeof c->tgk, c->label,
            sizeof c->label, mac) < 0)
      fail ("gnutls_hmac_fast");
    sink ^= mac[0];
  }
  return CALL_BATCH;
}

/* ---- public-key modes: RSA-R group joins, raw RSA, DH mode ---- */

/* Certificates valid around NOW, made at start-up (tests/common) */
#define DAY G_GINT64_CONSTANT (86400)
#define NOW_S (NOW / G_USEC_PER_SEC)
#define JOIN_POOL 256           /* distinct I_MESSAGEs per key server */
#define JOIN_MEMBERS 4          /* member certificates (2 RSA keys) */
#define JOIN_BATCH 8
#define SIGN_BATCH 8
#define DH_BATCH 2
#define GROUP_CSB_ID 0x47525031

#define JOIN_TARGET 0.9         /* joins/s over raw signatures/s, one core */
#define JOIN_2T_TARGET 1.8      /* the same with 2 threads, over one core */

static const guint8 group_tgk[16] = "group TGK, gen1";
static const guint8 group_rand[16] = "group RAND 16 B";

static struct {
  TestPkiCert *ca, *server, *members[JOIN_MEMBERS], *alice, *bob;
  GBytes *ca_pem;
} pki;

static TestPkiCert *
pki_issue (const char *cn, const char *uri, guint slot, guint64 serial)
{
  TestPkiSpec s = {
    .cn = cn, .uri = uri, .bits = 2048, .key_slot = slot, .serial = serial,
    .not_before = NOW_S - 10 * 365 * DAY, .not_after = NOW_S + 10 * 365 * DAY,
    .usage = TEST_PKI_KU_BOTH, .ca = uri == NULL,
  };
  return test_pki_issue (&s, uri ? pki.ca : NULL);
}

/* RSA-2048 keys: CA 0, key server and bob 1, members and alice 2 and 3 */
static void
make_pki (void)
{
  pki.ca = pki_issue ("mky-bench CA", NULL, 0, 1);
  pki.server = pki_issue ("keys", "sip:keys@example.com", 1, 10);
  pki.bob = pki_issue ("bob", id_r, 1, 11);
  pki.alice = pki_issue ("alice", id_i, 2, 12);
  for (guint i = 0; i < JOIN_MEMBERS; i++) {
    g_autofree char *uri = g_strdup_printf ("sip:member%u@example.com", i);
    pki.members[i] = pki_issue (uri, uri, 2 + i % 2, 100 + i);
  }
  pki.ca_pem = test_pki_cert_pem (pki.ca);
}

static void
free_pki (void)
{
  g_clear_pointer (&pki.ca, test_pki_cert_free);
  g_clear_pointer (&pki.server, test_pki_cert_free);
  g_clear_pointer (&pki.alice, test_pki_cert_free);
  g_clear_pointer (&pki.bob, test_pki_cert_free);
  for (guint i = 0; i < JOIN_MEMBERS; i++)
    g_clear_pointer (&pki.members[i], test_pki_cert_free);
  g_clear_pointer (&pki.ca_pem, g_bytes_unref);
  test_pki_cleanup ();
}

static MkyCredentials *
creds_for (const TestPkiCert *c)
{
  g_autoptr (GBytes) pem = test_pki_cert_pem (c);
  g_autoptr (GBytes) key = test_pki_key_pem (c, NULL);
  GError *error = NULL;
  MkyCredentials *creds = mky_credentials_new_from_memory (pem, key, &error);

  if (creds == NULL)
    die ("mky_credentials_new_from_memory", error);
  return creds;
}

/* Our own credentials and trust (the CA), as a separate process would
 * load them */
static void
pk_config (MkyConfig *cfg, const TestPkiCert *c)
{
  GError *error = NULL;

  mky_config_init (cfg);
  cfg->credentials = creds_for (c);
  cfg->trust = mky_trust_new ();
  if (!mky_trust_add_ca_memory (cfg->trust, pki.ca_pem, &error))
    die ("mky_trust_add_ca_memory", error);
}

/* The key server's group state from fixed values: what every key server
 * loads */
static MkyCsb *
group_state (void)
{
  MkyCsb *g = mky_rsa_r_group_new (GROUP_CSB_ID, MKY_PRF_MIKEY_1);
  MkySrtpPolicy pol;
  GError *error = NULL;

  if (!mky_srtp_policy_from_nicks ("aes-128-icm", "hmac-sha1-80",
          "aes-128-icm", "hmac-sha1-80", &pol, &error))
    die ("mky_srtp_policy_from_nicks", error);
  mky_bytes_set (&g->rand, group_rand, sizeof group_rand);
  mky_csb_add_cs (g, 0, 0xaaaa0001, 0);
  mky_csb_add_cs (g, 0, 0xaaaa0002, 0);
  mky_csb_set_policy (g, 0, &pol, FALSE);
  mky_rsa_r_group_add_tgk (g, group_tgk, sizeof group_tgk, 1);
  return g;
}

/* One key server: its own configuration, group state and Responder,
 * answering its own pool of I_MESSAGEs */
typedef struct {
  MkyConfig cfg;
  MkyCsb *group;
  MkyRsaRResponder *resp;
  const Pool *pool;             /* message i has time NOW + i * TS_STEP */
  guint pos;                    /* the next one; pool->n: start again */
} KeyServer;

static void
key_server_restart (KeyServer *ks)
{
  GError *error = NULL;

  if (ks->resp)
    mky_rsa_r_responder_free (ks->resp);
  ks->resp = mky_rsa_r_responder_new (&ks->cfg, NOW, FALSE);
  if (!mky_rsa_r_responder_set_group (ks->resp, ks->group, &error))
    die ("mky_rsa_r_responder_set_group", error);
  ks->pos = 0;
}

static void
key_server_init (KeyServer *ks, const Pool *pool)
{
  memset (ks, 0, sizeof *ks);
  pk_config (&ks->cfg, pki.server);
  ks->group = group_state ();
  ks->pool = pool;
  key_server_restart (ks);
}

static void
key_server_clear (KeyServer *ks)
{
  g_clear_pointer (&ks->resp, mky_rsa_r_responder_free);
  g_clear_pointer (&ks->group, mky_csb_unref);
  mky_config_clear (&ks->cfg);
}

/* The timed operation: I_MESSAGE in, R_MESSAGE out */
static gboolean
join_one (KeyServer *ks)
{
  guint i = ks->pos++;
  GBytes *reply = NULL;
  MkyCsb *csb = mky_rsa_r_responder_handle (ks->resp, ks->pool->bytes[i],
      NOW + (gint64) i * TS_STEP, &reply, NULL, NULL);
  gboolean ok = csb != NULL && reply != NULL;

  if (csb)
    mky_csb_unref (csb);
  if (reply)
    g_bytes_unref (reply);
  return ok;
}

/* One thread: a new Responder (untimed) when the pool is used up */
static void
prep_join (gpointer ctx)
{
  KeyServer *ks = ctx;
  if (ks->pos == ks->pool->n)
    key_server_restart (ks);
}

static guint
run_join (gpointer ctx)
{
  KeyServer *ks = ctx;
  guint n = MIN (JOIN_BATCH, ks->pool->n - ks->pos);
  for (guint i = 0; i < n; i++)
    if (!join_one (ks))
      fail ("mky_rsa_r_responder_handle");
  return n;
}

/* A worker thread: the new Responder when its pool is used up is timed
 * (see join_restart_us) */
static gboolean
join_next (gpointer ctx)
{
  KeyServer *ks = ctx;
  if (ks->pos == ks->pool->n)
    key_server_restart (ks);
  return join_one (ks);
}

/* @n distinct I_MESSAGEs of members joining: member i % JOIN_MEMBERS, time
 * NOW + i * TS_STEP, listen-only (#CS 0, RFC 4738 §3.4), no RAND. The
 * first is taken through a whole join (R_MESSAGE accepted, the group's
 * keys out) before any is timed. */
static void
join_pool (Pool *p, guint n)
{
  MkyRsaRInitiator *ini[JOIN_MEMBERS];
  MkyConfig cfg[JOIN_MEMBERS];
  GError *error = NULL;

  for (guint m = 0; m < JOIN_MEMBERS; m++) {
    pk_config (&cfg[m], pki.members[m]);
    ini[m] = mky_rsa_r_initiator_new (&cfg[m], MKY_RSA_R_GROUP);
  }
  pool_init (p, n);
  for (guint i = 0; i < n; i++) {
    g_autoptr (MkyCsb) request = mky_csb_new (0);
    GBytes *b = mky_rsa_r_initiator_build (ini[i % JOIN_MEMBERS], request,
        FALSE, NOW + (gint64) i * TS_STEP, &error);

    if (b == NULL)
      die ("mky_rsa_r_initiator_build", error);
    pool_add (p, b);
    if (i == 0) {
      KeyServer ks;
      GBytes *reply = NULL;
      g_autoptr (MkyCsb) theirs = NULL;
      g_autoptr (MkyCsb) ours = NULL;
      MkySrtpKeying k;

      key_server_init (&ks, p);
      theirs = mky_rsa_r_responder_handle (ks.resp, b, NOW, &reply, NULL,
          &error);
      if (theirs == NULL)
        die ("mky_rsa_r_responder_handle", error);
      ours = mky_rsa_r_initiator_handle_response (ini[0], reply, NOW, NULL,
          &error);
      if (ours == NULL)
        die ("mky_rsa_r_initiator_handle_response", error);
      if (ours->csb_id != GROUP_CSB_ID || mky_csb_n_sessions (ours) != 2)
        die ("RSA-R group join: not the group's bundle", NULL);
      if (!mky_csb_get_srtp (ours, 1, MKY_SP_COMPAT_STRICT, &k, &error))
        die ("mky_csb_get_srtp", error);
      mky_srtp_keying_clear (&k);
      g_bytes_unref (reply);
      key_server_clear (&ks);
    }
  }
  for (guint m = 0; m < JOIN_MEMBERS; m++) {
    mky_rsa_r_initiator_free (ini[m]);
    mky_config_clear (&cfg[m]);
  }
}

/* The reference: the key server's private-key operation alone */
typedef struct {
  gnutls_privkey_t key;
  const Pool *pool;             /* the data signed, in turn */
  guint pos;
} SignCtx;

static void
sign_init (SignCtx *c, const Pool *pool)
{
  g_autoptr (GBytes) pem = test_pki_key_pem (pki.server, NULL);
  gnutls_datum_t d = { (void *) g_bytes_get_data (pem, NULL),
    g_bytes_get_size (pem) };

  memset (c, 0, sizeof *c);
  c->pool = pool;
  if (gnutls_privkey_init (&c->key) < 0
      || gnutls_privkey_import_x509_raw (c->key, &d, GNUTLS_X509_FMT_PEM,
          NULL, 0) < 0)
    die ("gnutls_privkey_import_x509_raw", NULL);
}

static gboolean
sign_one (gpointer ctx)
{
  SignCtx *c = ctx;
  gnutls_datum_t d = { (void *) c->pool->data[c->pos],
    c->pool->len[c->pos] };
  gnutls_datum_t sig = { NULL, 0 };

  c->pos = (c->pos + 1) % c->pool->n;
  if (gnutls_privkey_sign_data (c->key, GNUTLS_DIG_SHA256, 0, &d, &sig) < 0)
    return FALSE;
  sink ^= sig.data[0];
  gnutls_free (sig.data);
  return TRUE;
}

static guint
run_sign (gpointer ctx)
{
  for (guint i = 0; i < SIGN_BATCH; i++)
    if (!sign_one (ctx))
      fail ("gnutls_privkey_sign_data");
  return SIGN_BATCH;
}

/* Two worker threads, each on its own CPU, each doing its operation on its
 * own state until a common deadline; the figure is the operations of both
 * over the wall time (thread start and join included). */
typedef gboolean (*OneFunc) (gpointer ctx);

typedef struct {
  OneFunc one;
  gpointer ctx;
  int cpu;                      /* -1: not pinned */
  gint64 deadline;
  guint64 done, failed;
  gint64 cpu_us, wall_us;       /* summed over the runs: how much of its
                                 * time the thread had a CPU */
} Worker;

#define N_WORKERS 2

typedef struct {
  Worker w[N_WORKERS];
  gint64 chunk_us;
  const char *what;
} Team;

static gpointer
worker_main (gpointer data)
{
  Worker *w = data;
  gint64 cpu0, wall0;

  if (w->cpu >= 0) {
    cpu_set_t set;
    CPU_ZERO (&set);
    CPU_SET (w->cpu, &set);
    sched_setaffinity (0, sizeof set, &set);    /* this thread */
  }
  w->done = w->failed = 0;
  cpu0 = thread_cpu_us ();
  wall0 = g_get_monotonic_time ();
  do {
    if (!w->one (w->ctx))
      w->failed++;
    w->done++;
  } while (g_get_monotonic_time () < w->deadline);
  w->cpu_us += thread_cpu_us () - cpu0;
  w->wall_us += g_get_monotonic_time () - wall0;
  return NULL;
}

/* The share of the wall time the workers had a CPU for (1: all of it;
 * less when other processes take turns on our CPUs) */
static double
team_cpu_share (const Team *t)
{
  gint64 cpu = 0, wall = 0;
  for (guint i = 0; i < N_WORKERS; i++) {
    cpu += t->w[i].cpu_us;
    wall += t->w[i].wall_us;
  }
  return wall > 0 ? (double) cpu / wall : 0;
}

static guint
run_team (gpointer ctx)
{
  Team *t = ctx;
  GThread *th[N_WORKERS];
  gint64 deadline = g_get_monotonic_time () + t->chunk_us;
  guint64 n = 0;

  for (guint i = 0; i < N_WORKERS; i++) {
    t->w[i].deadline = deadline;
    th[i] = g_thread_new ("mky-bench", worker_main, &t->w[i]);
  }
  for (guint i = 0; i < N_WORKERS; i++) {
    g_thread_join (th[i]);
    n += t->w[i].done;
    if (t->w[i].failed)
      fail (t->what);
  }
  return n;
}

/* DH mode, signed (RFC 3830 §3.3), or DH-HMAC (RFC 4650): alice asks bob,
 * OAKLEY 5; a new bundle per exchange, times increasing */
typedef struct {
  MkyDhMode mode;
  MkyConfig icfg, rcfg;
  MkyDhInitiator *ini;
  MkyDhResponder *resp;
  MkyCsb *csbs[DH_BATCH];
  gint64 now;
} DhCtx;

static void
dh_init (DhCtx *c, MkyDhMode mode)
{
  memset (c, 0, sizeof *c);
  c->mode = mode;
  if (mode == MKY_DH_MODE_SIGN) {
    pk_config (&c->icfg, pki.alice);
    pk_config (&c->rcfg, pki.bob);
  } else {
    mky_config_init (&c->icfg);
    mky_config_init (&c->rcfg);
    mky_config_set_psk (&c->icfg, psk, sizeof psk);
    mky_config_set_psk (&c->rcfg, psk, sizeof psk);
    c->icfg.id_i = g_strdup (id_i);
  }
  c->icfg.dh_group = c->rcfg.dh_group = MKY_DH_OAKLEY_5;
  c->icfg.id_r = g_strdup (id_r);
  c->rcfg.id_r = g_strdup (id_r);
  c->ini = mky_dh_initiator_new (&c->icfg, mode);
  c->resp = mky_dh_responder_new (&c->rcfg, mode, NOW, FALSE);
  c->now = NOW;
}

static void
dh_clear (DhCtx *c)
{
  for (guint i = 0; i < DH_BATCH; i++)
    g_clear_pointer (&c->csbs[i], mky_csb_unref);
  mky_dh_initiator_free (c->ini);
  mky_dh_responder_free (c->resp);
  mky_config_clear (&c->icfg);
  mky_config_clear (&c->rcfg);
}

static void
prep_dh (gpointer ctx)
{
  DhCtx *c = ctx;
  for (guint i = 0; i < DH_BATCH; i++) {
    if (c->csbs[i])
      mky_csb_unref (c->csbs[i]);
    c->csbs[i] = mky_csb_new (0);
    mky_csb_add_cs (c->csbs[i], 0, 0x11111111, 0);
    mky_csb_add_cs (c->csbs[i], 0, 0x22222222, 0);
  }
}

/* One exchange; with @error, FALSE says where it failed */
static gboolean
dh_exchange (DhCtx *c, MkyCsb *csb, GError **error)
{
  GBytes *init, *reply = NULL;
  MkyCsb *theirs;
  gboolean ok = FALSE;

  init = mky_dh_initiator_build (c->ini, csb, FALSE, NULL, c->now, error);
  if (init == NULL)
    return FALSE;
  theirs = mky_dh_responder_handle (c->resp, init, NULL, c->now, &reply,
      error);
  if (theirs != NULL) {
    ok = mky_dh_initiator_handle_response (c->ini, csb, reply, c->now,
        error);
    mky_csb_unref (theirs);
  }
  c->now += TS_STEP;
  g_bytes_unref (init);
  if (reply)
    g_bytes_unref (reply);
  return ok;
}

static guint
run_dh (gpointer ctx)
{
  DhCtx *c = ctx;
  for (guint i = 0; i < DH_BATCH; i++)
    if (!dh_exchange (c, c->csbs[i], NULL))
      fail ("DH-mode exchange");
  return DH_BATCH;
}

/* The bare arithmetic of one exchange: two key pairs, two shared values */
static guint
run_dh_bare (gpointer ctx)
{
  for (guint i = 0; i < DH_BATCH; i++) {
    MkyDhKey *a = mky_dh_key_generate (MKY_DH_OAKLEY_5, NULL);
    MkyDhKey *b = mky_dh_key_generate (MKY_DH_OAKLEY_5, NULL);
    MkyBytes pa = { 0 }, pb = { 0 }, ta = { 0 }, tb = { 0 };

    if (a == NULL || b == NULL) {
      fail ("mky_dh_key_generate");
    } else {
      mky_dh_key_get_public (a, &pa);
      mky_dh_key_get_public (b, &pb);
      if (!mky_dh_compute (b, pa.data, pa.len, &tb, NULL)
          || !mky_dh_compute (a, pb.data, pb.len, &ta, NULL))
        fail ("mky_dh_compute");
      else
        sink ^= ta.data[0] ^ tb.data[0];
    }
    mky_bytes_clear (&pa, FALSE);
    mky_bytes_clear (&pb, FALSE);
    mky_bytes_clear (&ta, TRUE);
    mky_bytes_clear (&tb, TRUE);
    if (a)
      mky_dh_key_free (a);
    if (b)
      mky_dh_key_free (b);
  }
  return DH_BATCH;
}

/* ---- the report (bench-table.h) ---- */

static void
run_row (Row *r, const Op *ours, const Op *ref)
{
  measure (ours, ref, &r->st, &r->ref_st);
  r->rate = r->st.median;
  r->ref_rate = ref ? r->ref_st.median : 0;
}

static void
print_json (const Row *rows, guint n_rows, const char *cpu, int cpu_no,
    int cpu2_no, const char *gst_ver, double null_len, double psk_len,
    double rsa_r_len)
{
  printf ("{\n  \"seconds\": %g,\n  \"threads\": 1,\n  \"cpu\": %d,\n",
      opt_seconds, cpu_no);
  printf ("  \"cpu_second_thread\": %d,\n", cpu2_no);
  {
    g_autofree char *esc = g_strescape (cpu, NULL);
    printf ("  \"cpu_model\": \"%s\",\n", esc);
  }
  printf ("  \"gnutls\": \"%s\",\n", gnutls_check_version (NULL));
  if (gst_ver)
    printf ("  \"gstreamer\": \"%s\",\n", gst_ver);
  else
    printf ("  \"gstreamer\": null,\n");
  printf ("  \"message_bytes\": {\"mikey_null\": %.0f, \"psk_init\": %.0f, "
      "\"rsa_r_init\": %.0f},\n", null_len, psk_len, rsa_r_len);
  print_json_rows (rows, n_rows);
}

int
main (int argc, char **argv)
{
  gboolean opt_json = FALSE;
  GOptionEntry entries[] = {
    { "seconds", 's', 0, G_OPTION_ARG_DOUBLE, &opt_seconds,
        "Time per measurement (default 1)", "S" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &opt_json,
        "Print the results as JSON", NULL },
    { "only", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt_only,
        "Run only this measurement (repeatable): parse-null, parse-psk, "
        "build, verify, prf, join, join-2t, dh", "NAME" },
    { NULL }
  };
  g_autoptr (GOptionContext) octx = NULL;
  GError *error = NULL;
  g_autofree char *cpu = cpu_model ();
  g_autofree char *gst_version_str = NULL;
  g_autofree char *setup = NULL;
  int cpu_no, cpu2_no;
  gboolean want_join, want_pk;
  Pool null_pool, psk_pool, join_a = { 0 }, join_b = { 0 };
  MkyConfig cfg;
  MkySrtpPolicy pol;
  BuildCtx build = { 0 };
  VerifyCtx verify = { 0 };
  HmacCtx hmac = { 0 };
  PrfCtx prf = { 0 };
  MkyPskInitiator *ini;
  Row rows[12];
  guint n_rows = 0;
  char verify_note[160], join_note[400], join_2t_note[400];
  char sign_2t_note[320];

  octx = g_option_context_new ("- throughput of the mky MIKEY core");
  g_option_context_set_description (octx, "One thread (join-2t: two), each "
      "figure next to a reference measured in the same run. Exit status 0 "
      "whether or not the targets are met.");
  g_option_context_add_main_entries (octx, entries, NULL);
#ifdef HAVE_GST_SDP
  g_option_context_add_group (octx, gst_init_get_option_group ());
#endif
  if (!g_option_context_parse (octx, &argc, &argv, &error))
    die ("options", error);
  if (opt_seconds <= 0 || opt_seconds > 3600) {
    fprintf (stderr, "mky-bench: --seconds takes a value in (0, 3600]\n");
    return 2;
  }
  for (char **o = opt_only; o && *o; o++) {
    gboolean known = FALSE;
    for (guint i = 0; i < G_N_ELEMENTS (measurement_names); i++)
      known |= g_str_equal (*o, measurement_names[i]);
    if (!known) {
      fprintf (stderr, "mky-bench: unknown measurement %s\n", *o);
      return 2;
    }
  }
#ifdef HAVE_GST_SDP
  gst_init (NULL, NULL);
  {
    guint major, minor, micro, nano;
    gst_version (&major, &minor, &micro, &nano);
    gst_version_str = g_strdup_printf ("%u.%u.%u", major, minor, micro);
  }
#endif
  cpu_no = pin_cpu ();
  cpu2_no = other_cpu (cpu_no);
  want_join = selected ("join") || selected ("join-2t");
  want_pk = want_join || selected ("dh");

  /* MIKEY-NULL messages, GStreamer's if we have it */
  pool_init (&null_pool, NULL_POOL);
  for (guint i = 0; i < NULL_POOL; i++) {
    guint32 ssrc = g_random_int ();
#ifdef HAVE_GST_SDP
    pool_add (&null_pool, gst_null_message (ssrc));
#else
    pool_add (&null_pool, mky_null_message (ssrc));
#endif
  }
  /* both parsers must take them before we time them */
  for (guint i = 0; i < null_pool.n; i++) {
    MkyMessage *m = mky_message_parse (null_pool.data[i], null_pool.len[i],
        &error);
    if (m == NULL)
      die ("mky_message_parse (MIKEY-NULL)", error);
    mky_message_free (m);
#ifdef HAVE_GST_SDP
    {
      GstMIKEYMessage *g = gst_mikey_message_new_from_data (null_pool.data[i],
          null_pool.len[i], NULL, &error);
      if (g == NULL)
        die ("gst_mikey_message_new_from_data", error);
      gst_mikey_message_unref (g);
    }
#endif
  }
  /* PSK I_MESSAGEs of distinct timestamps */
  psk_config (&cfg);
  if (!mky_srtp_policy_from_nicks ("aes-128-icm", "hmac-sha1-80",
          "aes-128-icm", "hmac-sha1-80", &pol, &error))
    die ("mky_srtp_policy_from_nicks", error);
  ini = mky_psk_initiator_new (&cfg);
  pool_init (&psk_pool, PSK_POOL);
  for (guint i = 0; i < PSK_POOL; i++) {
    g_autoptr (MkyCsb) csb = psk_csb (&pol);
    GBytes *b = mky_psk_initiator_build (ini, csb, FALSE,
        NOW + (gint64) i * TS_STEP, &error);
    if (b == NULL)
      die ("mky_psk_initiator_build", error);
    pool_add (&psk_pool, b);
  }
  {
    /* the Responder takes them all, and the keying comes out */
    g_autoptr (MkyPskResponder) r = mky_psk_responder_new (&cfg, NOW, FALSE);
    for (guint i = 0; i < psk_pool.n; i++) {
      GBytes *reply = NULL;
      MkySrtpKeying k;
      g_autoptr (MkyCsb) got = mky_psk_responder_handle (r, psk_pool.bytes[i],
          NOW + (gint64) i * TS_STEP, &reply, &error);
      if (got == NULL)
        die ("mky_psk_responder_handle", error);
      if (!mky_csb_get_srtp (got, 0, cfg.compat, &k, &error))
        die ("mky_csb_get_srtp", error);
      mky_srtp_keying_clear (&k);
      g_clear_pointer (&reply, g_bytes_unref);
    }
  }

  /* certificates, and RSA-R I_MESSAGEs of members joining: one pool per
   * key server */
  if (want_pk) {
    if (!opt_json) {
      if (want_join)
        printf ("mky-bench: making RSA-2048 keys and certificates, and %u "
            "RSA-R I_MESSAGEs...\n", JOIN_POOL *
            (selected ("join-2t") ? 2 : 1));
      else
        printf ("mky-bench: making RSA-2048 keys and certificates...\n");
      fflush (stdout);
    }
    make_pki ();
  }
  if (want_join)
    join_pool (&join_a, JOIN_POOL);
  if (selected ("join-2t"))
    join_pool (&join_b, JOIN_POOL);

  {
    GString *g = g_string_new (NULL);
    g_string_append_printf (g, "mky-bench: 1 thread%s, %g s per "
        "measurement; %s; GnuTLS %s; GStreamer %s\nmessages: MIKEY-NULL (%s) "
        "%.0f bytes, PSK I_MESSAGE %.0f bytes",
        cpu_no >= 0 ? " pinned to one CPU" : "",
        opt_seconds, cpu, gnutls_check_version (NULL),
        gst_version_str ? gst_version_str : "(none: references skipped)",
        gst_version_str ? "gst_mikey_message_new_from_caps" : "mky-built",
        pool_mean_len (&null_pool), pool_mean_len (&psk_pool));
    if (want_join)
      g_string_append_printf (g, ", RSA-R I_MESSAGE %.0f bytes",
          pool_mean_len (&join_a));
    if (selected ("join-2t")) {
      if (cpu_no >= 0 && cpu2_no >= 0)
        g_string_append_printf (g, "\n2-thread rows: worker threads on CPUs "
            "%d and %d", cpu_no, cpu2_no);
      else
        g_string_append (g, "\n2-thread rows: NO second CPU to use, both "
            "worker threads share one");
    }
    setup = g_string_free (g, FALSE);
  }
  if (!opt_json) {
    printf ("%s\nmeasuring...\n", setup);
    fflush (stdout);
  }

  /* parse: MIKEY-NULL */
  if (selected ("parse-null")) {
    rows[n_rows] = (Row) {
      .key = "parse_mikey_null", .what = "parse MIKEY-NULL (gst form)",
      .unit = "msg", .ref_what = "gst_mikey_message_new_from_data",
      .target_kind = TARGET_RATIO, .target = PARSE_TARGET,
    };
#ifdef HAVE_GST_SDP
    run_row (&rows[n_rows], &(Op) { NULL, run_mky_parse, &null_pool },
        &(Op) { NULL, run_gst_parse, &null_pool });
    rows[n_rows].note = "GStreamer also parses the Key data inside the NULL "
        "KEMAC; mky_message_parse leaves the KEMAC opaque.";
#else
    rows[n_rows].ref_what = "(no gstreamer-sdp-1.0)";
    run_row (&rows[n_rows], &(Op) { NULL, run_mky_parse, &null_pool }, NULL);
#endif
    n_rows++;
  }

  /* parse: full PSK */
  if (selected ("parse-psk")) {
    rows[n_rows] = (Row) {
      .key = "parse_psk_init", .what = "parse PSK I_MESSAGE",
      .unit = "msg",
      .note = "AES-CM-128, HMAC-SHA-1-160, IDi, IDr, SP, TGK, 1 CS.",
    };
    run_row (&rows[n_rows], &(Op) { NULL, run_mky_parse, &psk_pool }, NULL);
    n_rows++;
  }

  /* build */
  if (selected ("build")) {
    build.ini = ini;
    build.pol = pol;
    build.now = NOW;
    rows[n_rows] = (Row) {
      .key = "build_psk_init", .what = "build PSK I_MESSAGE",
      .unit = "msg",
      .note = "mky_psk_initiator_build, initial message (new RAND, message "
          "keys, AES-CM, HMAC), V bit clear.",
    };
    run_row (&rows[n_rows], &(Op) { prep_build, run_build, &build }, NULL);
    n_rows++;
    for (guint i = 0; i < BUILD_BATCH; i++)
      mky_csb_unref (build.csbs[i]);
  }

  /* verify + TEK */
  if (selected ("verify")) {
    verify.cfg = &cfg;
    verify.pool = &psk_pool;
    hmac.pool = &psk_pool;
    /* any MAC key: only the cost of the HMAC matters */
    gnutls_rnd (GNUTLS_RND_RANDOM, hmac.key, sizeof hmac.key);
    rows[n_rows] = (Row) {
      .key = "verify_psk_init_tek", .what = "verify PSK I_MESSAGE + TEK",
      .unit = "msg", .ref_what = "gnutls_hmac_fast SHA-1 over msg",
      .target_kind = TARGET_RATE, .target = VERIFY_TARGET,
    };
    run_row (&rows[n_rows], &(Op) { prep_verify, run_verify, &verify },
        &(Op) { NULL, run_hmac_pool, &hmac });
    g_snprintf (verify_note, sizeof verify_note, "responder_handle + "
        "csb_get_srtp; one costs as much as %.1f bare HMACs of the message.",
        rows[n_rows].ref_rate / rows[n_rows].rate);
    rows[n_rows].note = verify_note;
    n_rows++;
    mky_psk_responder_free (verify.resp);
  }

  /* PRF */
  if (selected ("prf")) {
    gnutls_rnd (GNUTLS_RND_RANDOM, prf.tgk, sizeof prf.tgk);
    gnutls_rnd (GNUTLS_RND_NONCE, prf.rand, sizeof prf.rand);
    prf.csb_id = 0x12345678;
    prf.label[0] = (MKY_CONST_TEK >> 24) & 0xff;
    prf.label[1] = (MKY_CONST_TEK >> 16) & 0xff;
    prf.label[2] = (MKY_CONST_TEK >> 8) & 0xff;
    prf.label[3] = MKY_CONST_TEK & 0xff;
    prf.label[4] = 1;
    prf.label[5] = prf.csb_id >> 24;
    prf.label[6] = prf.csb_id >> 16;
    prf.label[7] = prf.csb_id >> 8;
    prf.label[8] = prf.csb_id & 0xff;
    memcpy (prf.label + 9, prf.rand, sizeof prf.rand);
    rows[n_rows] = (Row) {
      .key = "prf_tek_16", .what = "PRF TEK 16 B (MIKEY-1)",
      .unit = "derivation", .ref_what = "gnutls_hmac_fast SHA-1 (25 B)",
      .note = "one PRF block (<= 20 bytes) = 2 HMAC-SHA-1 (A_1, then the "
          "block), so 0.5x if each cost one gnutls_hmac_fast; keying the "
          "HMAC once for both lets it beat 0.5x.",
    };
    run_row (&rows[n_rows], &(Op) { NULL, run_prf, &prf },
        &(Op) { NULL, run_prf_hmac, &prf });
    n_rows++;
  }

  /* RSA-R group joins on one core, next to the raw RSA signature */
  if (selected ("join")) {
    KeyServer ks;
    SignCtx sc;
    double us_join, us_sign;

    key_server_init (&ks, &join_a);
    sign_init (&sc, &join_a);
    rows[n_rows] = (Row) {
      .key = "rsa_r_group_join", .what = "RSA-R group join",
      .unit = "join", .ref_what = "gnutls_privkey_sign_data RSA-2048",
      .target_kind = TARGET_RATIO, .target = JOIN_TARGET,
    };
    run_row (&rows[n_rows], &(Op) { prep_join, run_join, &ks },
        &(Op) { NULL, run_sign, &sc });
    us_join = 1e6 / rows[n_rows].rate;
    us_sign = 1e6 / rows[n_rows].ref_rate;
    g_snprintf (join_note, sizeof join_note, "mky_rsa_r_responder_handle, "
        "I_MESSAGE in, signed R_MESSAGE out: %.0f us per join, of which "
        "the RSA-2048 signature %.0f us (SHA-256, PKCS#1 v1.5), the rest "
        "%.0f us (parse, replay, 2 chain checks, SIGNi, PKE, KEMAC). %s",
        us_join, us_sign, us_join - us_sign, cpu_share_text (&rows[n_rows]));
    rows[n_rows].note = join_note;
    n_rows++;
    key_server_clear (&ks);
    gnutls_privkey_deinit (sc.key);
  }

  /* Two key servers loaded with the same group state, one per thread and
   * CPU, over disjoint pools; the reference is still one core */
  if (selected ("join-2t")) {
    const Pool *pools[N_WORKERS] = { &join_a, &join_b };
    KeyServer ks[N_WORKERS];
    SignCtx sc_one, sc[N_WORKERS];
    Team team = {
      .chunk_us = (gint64) (opt_seconds / SLICES * G_USEC_PER_SEC),
    };
    double restart_us;
    gint64 t0;

    for (guint i = 0; i < N_WORKERS; i++) {
      key_server_init (&ks[i], pools[i]);
      sign_init (&sc[i], pools[i]);
    }
    sign_init (&sc_one, &join_a);
    /* what a worker pays, timed, each time its pool is used up */
    t0 = g_get_monotonic_time ();
    for (guint i = 0; i < 64; i++)
      key_server_restart (&ks[0]);
    restart_us = (g_get_monotonic_time () - t0) / 64.0;

    for (guint i = 0; i < N_WORKERS; i++)
      team.w[i] = (Worker) { join_next, &ks[i], i ? cpu2_no : cpu_no };
    team.what = "mky_rsa_r_responder_handle (2 threads)";
    rows[n_rows] = (Row) {
      .key = "rsa_r_group_join_2t", .what = "RSA-R group join, 2 threads",
      .threads = 2, .unit = "join",
      .ref_what = "gnutls_privkey_sign_data RSA-2048",
      .target_kind = TARGET_RATIO, .target = JOIN_2T_TARGET,
    };
    run_row (&rows[n_rows], &(Op) { NULL, run_team, &team },
        &(Op) { NULL, run_sign, &sc_one });
    rows[n_rows].st.cpu_share = team_cpu_share (&team);
    g_snprintf (join_2t_note, sizeof join_2t_note, "2 key servers (a "
        "Responder each, same group state, own credentials and trust, "
        "no lock), each on its own CPU and %u messages; the reference is "
        "one core. A new Responder per %u joins, timed: %.0f us. %s",
        JOIN_POOL, JOIN_POOL, restart_us, cpu_share_text (&rows[n_rows]));
    rows[n_rows].note = join_2t_note;
    n_rows++;

    /* the machine's ceiling for that row: the raw signature on both */
    for (guint i = 0; i < N_WORKERS; i++)
      team.w[i] = (Worker) { sign_one, &sc[i], i ? cpu2_no : cpu_no };
    team.what = "gnutls_privkey_sign_data (2 threads)";
    rows[n_rows] = (Row) {
      .key = "rsa_sign_2t", .what = "RSA-2048 sign, 2 threads",
      .threads = 2, .unit = "signature",
      .ref_what = "gnutls_privkey_sign_data RSA-2048",
    };
    run_row (&rows[n_rows], &(Op) { NULL, run_team, &team },
        &(Op) { NULL, run_sign, &sc_one });
    rows[n_rows].st.cpu_share = team_cpu_share (&team);
    g_snprintf (sign_2t_note, sizeof sign_2t_note, "the bare signature on "
        "both threads: the most the row above can reach is %.2fx "
        "(2x when the two CPUs share nothing). %s",
        rows[n_rows].rate / rows[n_rows].ref_rate,
        cpu_share_text (&rows[n_rows]));
    rows[n_rows].note = sign_2t_note;
    n_rows++;

    for (guint i = 0; i < N_WORKERS; i++) {
      key_server_clear (&ks[i]);
      gnutls_privkey_deinit (sc[i].key);
    }
    gnutls_privkey_deinit (sc_one.key);
  }

  /* DH mode (signed) and DH-HMAC, OAKLEY 5 */
  if (selected ("dh")) {
    static const MkyDhMode modes[] = { MKY_DH_MODE_SIGN, MKY_DH_MODE_HMAC };
    for (guint m = 0; m < G_N_ELEMENTS (modes); m++) {
      gboolean sign = modes[m] == MKY_DH_MODE_SIGN;
      DhCtx dh;

      dh_init (&dh, modes[m]);
      /* they must go through before we time them */
      prep_dh (&dh);
      for (guint i = 0; i < DH_BATCH; i++)
        if (!dh_exchange (&dh, dh.csbs[i], &error))
          die ("DH-mode exchange", error);
      rows[n_rows] = (Row) {
        .key = sign ? "dh_sign_exchange" : "dh_hmac_exchange",
        .what = sign ? "DH mode exchange (OAKLEY 5)"
            : "DH-HMAC exchange (OAKLEY 5)",
        .unit = "exchange", .ref_what = "bare DH: 2 generate + 2 compute",
        .note = sign ? "RFC 3830 3.3, RSA-2048 PKCS#1 v1.5 both ways: "
            "initiator_build + responder_handle + initiator_handle_response "
            "(2 signatures, 2 chain checks, 2 signature checks, 4 modexps)."
            : "RFC 4650, HMAC-SHA-1 with a PSK: the same three calls, no "
            "certificates.",
      };
      run_row (&rows[n_rows], &(Op) { prep_dh, run_dh, &dh },
          &(Op) { NULL, run_dh_bare, NULL });
      n_rows++;
      dh_clear (&dh);
    }
  }

  if (opt_json)
    print_json (rows, n_rows, cpu, cpu_no, cpu2_no, gst_version_str,
        pool_mean_len (&null_pool), pool_mean_len (&psk_pool),
        pool_mean_len (&join_a));
  else
    print_table (rows, n_rows, "results:", "mky");

  mky_psk_initiator_free (ini);
  mky_config_clear (&cfg);
  pool_clear (&null_pool);
  pool_clear (&psk_pool);
  if (join_a.n)
    pool_clear (&join_a);
  if (join_b.n)
    pool_clear (&join_b);
  if (want_pk)
    free_pki ();
  explicit_bzero (&prf, sizeof prf);
  g_strfreev (opt_only);
  return 0;
}
