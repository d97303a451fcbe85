/* mky-bench: throughput of the mky MIKEY core on one core, each figure next
 * to a reference measured in the same run, and their ratio.
 *
 * How to run:
 *   meson compile -C build && build/tests/bench/mky-bench
 *   build/tests/bench/mky-bench --seconds 3        longer, steadier figures
 *   build/tests/bench/mky-bench --json             for machines
 *   build/tests/bench/mky-bench --only verify      one measurement (repeatable:
 *                                 parse-null, parse-psk, build, verify, prf)
 *   meson test -C build --benchmark -v     the same through meson (a plain
 *                                          `meson test` does not run it)
 * Configure with -Dbench=disabled to leave it out. Without gstreamer-sdp-1.0
 * the GStreamer reference is skipped (our figures are still measured, on
 * messages of the same form built with mky).
 * Profiling one measurement (perf may be unavailable; callgrind works):
 *   valgrind --tool=callgrind --toggle-collect=run_verify \
 *     build/tests/bench/mky-bench --only verify --seconds 0.3
 *
 * Single-threaded; pinned to the CPU it starts on. Each measurement runs for
 * --seconds (default 1) after a short warm-up, timed with the monotonic clock,
 * in 5 slices that alternate with the slices of its reference, so both see
 * the same machine; the figure is the median slice. Only the operation is
 * timed, not the preparation of its input.
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
 *
 * Exit status 0 whether the targets are met or not (a measurement, not a
 * test); 1 only when the benchmark cannot run (the library refused input).
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>
#include <mky/mky.h>

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

static double
measure_for (PrepFunc prep, RunFunc run, gpointer ctx, double seconds)
{
  gint64 budget = (gint64) (seconds * G_USEC_PER_SEC);
  gint64 spent = 0;
  guint64 ops = 0;

  while (spent < budget || ops == 0) {
    gint64 t0;
    guint n;

    if (prep)
      prep (ctx);
    t0 = g_get_monotonic_time ();
    n = run (ctx);
    spent += g_get_monotonic_time () - t0;
    ops += n;
  }
  if (failures)
    die (failed_in, NULL);
  return spent > 0 ? (double) ops * G_USEC_PER_SEC / spent : 0;
}

static double opt_seconds = 1.0;
static char **opt_only;

static const char *const measurement_names[] = {
  "parse-null", "parse-psk", "build", "verify", "prf",
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

typedef struct {
  double median, min, max;      /* operations per second over the slices */
} Stat;

#define SLICES 5

static int
cmp_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static void
stat_of (double *v, Stat *st)
{
  qsort (v, SLICES, sizeof *v, cmp_double);
  st->min = v[0];
  st->median = v[SLICES / 2];
  st->max = v[SLICES - 1];
}

/* --seconds per operation, in SLICES slices; with a reference, its slices
 * alternate with ours, so both see the same machine. The median slice is
 * the figure (robust to bursts of other load). */
static void
measure (const Op *ours, const Op *ref, Stat *st, Stat *ref_st)
{
  double slice = opt_seconds / SLICES, warm = MIN (0.2, opt_seconds / 5);
  double a[SLICES], b[SLICES];

  measure_for (ours->prep, ours->run, ours->ctx, warm);
  if (ref)
    measure_for (ref->prep, ref->run, ref->ctx, warm);
  for (guint i = 0; i < SLICES; i++) {
    a[i] = measure_for (ours->prep, ours->run, ours->ctx, slice);
    if (ref)
      b[i] = measure_for (ref->prep, ref->run, ref->ctx, slice);
  }
  stat_of (a, st);
  if (ref)
    stat_of (b, ref_st);
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
  if (!mky_payload_chain_serialize (kd, 0, plain, &error))
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

/* ---- the report ---- */

typedef enum {
  TARGET_NONE,
  TARGET_RATIO,                 /* mky / reference >= value */
  TARGET_RATE,                  /* mky >= value per second */
} TargetKind;

typedef struct {
  const char *key;              /* JSON name */
  const char *what;             /* table label */
  const char *unit;             /* what one operation is */
  double rate;                  /* median of the slices */
  Stat st;
  const char *ref_what;
  double ref_rate;              /* 0: not measured */
  Stat ref_st;
  TargetKind target_kind;
  double target;
  const char *note;
} Row;

static void
run_row (Row *r, const Op *ours, const Op *ref)
{
  measure (ours, ref, &r->st, &r->ref_st);
  r->rate = r->st.median;
  r->ref_rate = ref ? r->ref_st.median : 0;
}

static gboolean
row_has_ratio (const Row *r)
{
  return r->ref_rate > 0;
}

static gboolean
row_target_known (const Row *r)
{
  return r->target_kind == TARGET_RATE
      || (r->target_kind == TARGET_RATIO && row_has_ratio (r));
}

static gboolean
row_target_met (const Row *r)
{
  if (r->target_kind == TARGET_RATE)
    return r->rate >= r->target;
  if (r->target_kind == TARGET_RATIO && row_has_ratio (r))
    return r->rate / r->ref_rate >= r->target;
  return FALSE;
}

/* 1234567.8 -> "1,234,568" */
static char *
thousands (double v)
{
  g_autofree char *digits = g_strdup_printf ("%.0f", v);
  GString *s = g_string_new (NULL);
  gsize n = strlen (digits);
  for (gsize i = 0; i < n; i++) {
    if (i && (n - i) % 3 == 0)
      g_string_append_c (s, ',');
    g_string_append_c (s, digits[i]);
  }
  return g_string_free (s, FALSE);
}

static void
print_table (const Row *rows, guint n_rows, const char *setup)
{
  printf ("%s\n\n", setup);
  printf ("%-28s %13s %8s   %-34s %13s %9s   %s\n", "operation", "mky (op/s)",
      "ns/op", "reference", "ref (op/s)", "mky/ref", "target");
  for (guint i = 0; i < n_rows; i++) {
    const Row *r = &rows[i];
    g_autofree char *rate = thousands (r->rate);
    g_autofree char *ref_rate = r->ref_rate > 0 ? thousands (r->ref_rate)
        : g_strdup ("-");
    g_autofree char *ratio = row_has_ratio (r)
        ? g_strdup_printf ("%.3fx", r->rate / r->ref_rate) : g_strdup ("-");
    g_autofree char *target = NULL;

    switch (r->target_kind) {
      case TARGET_NONE:
        target = g_strdup ("");
        break;
      case TARGET_RATIO:
        target = row_target_known (r) ? g_strdup_printf (">= %.0fx: %s",
            r->target, row_target_met (r) ? "met" : "NOT MET")
            : g_strdup_printf (">= %.0fx: no reference", r->target);
        break;
      case TARGET_RATE:{
        g_autofree char *t = thousands (r->target);
        target = g_strdup_printf (">= %s/s: %s", t,
            row_target_met (r) ? "met" : "NOT MET");
        break;
      }
    }
    printf ("%-28s %13s %8.0f   %-34s %13s %9s   %s\n", r->what, rate,
        1e9 / r->rate, r->ref_what ? r->ref_what : "-", ref_rate, ratio,
        target);
  }
  printf ("\n");
  for (guint i = 0; i < n_rows; i++)
    if (rows[i].note)
      printf ("  %-28s %s\n", rows[i].what, rows[i].note);
}

static void
print_json (const Row *rows, guint n_rows, const char *cpu, int cpu_no,
    const char *gst_ver, double null_len, double psk_len)
{
  printf ("{\n  \"seconds\": %g,\n  \"threads\": 1,\n  \"cpu\": %d,\n",
      opt_seconds, cpu_no);
  {
    g_autofree char *esc = g_strescape (cpu, NULL);
    printf ("  \"cpu_model\": \"%s\",\n", esc);
  }
  printf ("  \"gnutls\": \"%s\",\n", gnutls_check_version (NULL));
  if (gst_ver)
    printf ("  \"gstreamer\": \"%s\",\n", gst_ver);
  else
    printf ("  \"gstreamer\": null,\n");
  printf ("  \"message_bytes\": {\"mikey_null\": %.0f, \"psk_init\": %.0f},\n",
      null_len, psk_len);
  printf ("  \"results\": [\n");
  for (guint i = 0; i < n_rows; i++) {
    const Row *r = &rows[i];
    printf ("    {\"name\": \"%s\", \"unit\": \"%s/s\", \"rate\": %.1f, "
        "\"rate_min\": %.1f, \"rate_max\": %.1f, \"ns_per_op\": %.1f,\n",
        r->key, r->unit, r->rate, r->st.min, r->st.max, 1e9 / r->rate);
    if (r->ref_what && r->ref_rate > 0)
      printf ("     \"reference\": {\"name\": \"%s\", \"rate\": %.1f, "
          "\"rate_min\": %.1f, \"rate_max\": %.1f}, \"ratio\": %.4f,\n",
          r->ref_what, r->ref_rate, r->ref_st.min, r->ref_st.max,
          r->rate / r->ref_rate);
    else
      printf ("     \"reference\": null, \"ratio\": null,\n");
    switch (r->target_kind) {
      case TARGET_NONE:
        printf ("     \"target\": null}");
        break;
      case TARGET_RATIO:
        printf ("     \"target\": {\"min_ratio\": %g, \"met\": %s}}", r->target,
            row_target_known (r) ? (row_target_met (r) ? "true" : "false")
            : "null");
        break;
      case TARGET_RATE:
        printf ("     \"target\": {\"min_rate\": %g, \"met\": %s}}", r->target,
            row_target_met (r) ? "true" : "false");
        break;
    }
    printf ("%s\n", i + 1 < n_rows ? "," : "");
  }
  printf ("  ]\n}\n");
}

static char *
cpu_model (void)
{
  g_autofree char *info = NULL;
  if (g_file_get_contents ("/proc/cpuinfo", &info, NULL, NULL)) {
    char *line = strstr (info, "model name");
    char *colon = line ? strchr (line, ':') : NULL;
    if (colon) {
      char *end = strchr (colon, '\n');
      if (end)
        *end = '\0';
      return g_strstrip (g_strdup (colon + 1));
    }
  }
  return g_strdup ("unknown");
}

/* One core: stay on the one we started on */
static int
pin_cpu (void)
{
  int cpu = sched_getcpu ();
  cpu_set_t set;

  if (cpu < 0)
    return -1;
  CPU_ZERO (&set);
  CPU_SET (cpu, &set);
  return sched_setaffinity (0, sizeof set, &set) == 0 ? cpu : -1;
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
        "build, verify, prf", "NAME" },
    { NULL }
  };
  g_autoptr (GOptionContext) octx = NULL;
  GError *error = NULL;
  g_autofree char *cpu = cpu_model ();
  g_autofree char *gst_version_str = NULL;
  g_autofree char *setup = NULL;
  int cpu_no;
  Pool null_pool, psk_pool;
  MkyConfig cfg;
  MkySrtpPolicy pol;
  BuildCtx build = { 0 };
  VerifyCtx verify = { 0 };
  HmacCtx hmac = { 0 };
  PrfCtx prf = { 0 };
  MkyPskInitiator *ini;
  Row rows[5];
  guint n_rows = 0;
  char verify_note[160];

  octx = g_option_context_new ("- throughput of the mky MIKEY core");
  g_option_context_set_description (octx, "One thread, each figure next to a "
      "reference measured in the same run. Exit status 0 whether or not the "
      "targets are met.");
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

  setup = g_strdup_printf ("mky-bench: 1 thread%s, %g s per measurement; %s; "
      "GnuTLS %s; GStreamer %s\nmessages: MIKEY-NULL (%s) %.0f bytes, "
      "PSK I_MESSAGE %.0f bytes", cpu_no >= 0 ? " pinned to one CPU" : "",
      opt_seconds, cpu, gnutls_check_version (NULL),
      gst_version_str ? gst_version_str : "(none: references skipped)",
      gst_version_str ? "gst_mikey_message_new_from_caps" : "mky-built",
      pool_mean_len (&null_pool), pool_mean_len (&psk_pool));
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

  if (opt_json)
    print_json (rows, n_rows, cpu, cpu_no, gst_version_str,
        pool_mean_len (&null_pool), pool_mean_len (&psk_pool));
  else
    print_table (rows, n_rows, "results:");

  mky_psk_initiator_free (ini);
  mky_config_clear (&cfg);
  pool_clear (&null_pool);
  pool_clear (&psk_pool);
  explicit_bzero (&prf, sizeof prf);
  g_strfreev (opt_only);
  return 0;
}
