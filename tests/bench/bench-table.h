/* bench-table.h: what the benchmark programs (mky-bench, gst-mikey-bench,
 * gst-mikey-join-bench) share: the statistics of their slices, the CPU they
 * run on, and their report, a table of rows (ours next to a reference
 * measured in the same run, the ratio, a target) or the same rows as JSON;
 * rates (operations per second) or latencies (median and p99 of many
 * timed events).
 *
 * Header-only (static inline): two small programs, no library for it.
 */
#ifndef BENCH_TABLE_H
#define BENCH_TABLE_H

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

typedef struct {
  double median, min, max;      /* operations per second over the slices */
  double cpu_share;             /* of the measured threads, over the slices */
} Stat;

static inline int
bench_cmp_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

/* The median slice is the figure: robust to bursts of other load. Sorts
 * @v. */
static inline void
stat_of (double *v, guint n, Stat *st)
{
  qsort (v, n, sizeof *v, bench_cmp_double);
  st->min = v[0];
  st->median = v[n / 2];
  st->max = v[n - 1];
}

typedef enum {
  TARGET_NONE,
  TARGET_RATIO,                 /* ours / reference >= value */
  TARGET_RATE,                  /* ours >= value per second */
  TARGET_MAX_OVERHEAD,          /* ours takes <= value % more time per op */
} TargetKind;

typedef struct {
  const char *key;              /* JSON name */
  const char *what;             /* table label */
  guint threads;                /* 0: one, like 1 */
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

static inline gboolean
row_has_ratio (const Row *r)
{
  return r->ref_rate > 0;
}

/* Extra time per operation over the reference's, in percent */
static inline double
row_overhead_percent (const Row *r)
{
  return 100.0 * (r->ref_rate / r->rate - 1.0);
}

static inline gboolean
row_target_known (const Row *r)
{
  return r->target_kind == TARGET_RATE || ((r->target_kind == TARGET_RATIO
          || r->target_kind == TARGET_MAX_OVERHEAD) && row_has_ratio (r));
}

static inline gboolean
row_target_met (const Row *r)
{
  if (r->target_kind == TARGET_RATE)
    return r->rate >= r->target;
  if (!row_has_ratio (r))
    return FALSE;
  if (r->target_kind == TARGET_RATIO)
    return r->rate / r->ref_rate >= r->target;
  if (r->target_kind == TARGET_MAX_OVERHEAD)
    return row_overhead_percent (r) <= r->target;
  return FALSE;
}

/* For a row whose CPUs were shared with other processes: how much of the
 * time the threads ran, and the ratio had they run all of it (an estimate:
 * the rates scaled by the CPU time each side had). Static buffer. */
static inline const char *
cpu_share_text (const Row *r)
{
  static char buf[200];
  double a = r->st.cpu_share, b = r->ref_st.cpu_share;

  if (a <= 0 || b <= 0 || r->ref_rate <= 0)
    return "";
  g_snprintf (buf, sizeof buf, "On CPU %.0f%% of the time (reference "
      "%.0f%%)%s", 100 * a, 100 * b, a < 0.95 || b < 0.95 ? "" : ".");
  if (a < 0.95 || b < 0.95)
    g_snprintf (buf + strlen (buf), sizeof buf - strlen (buf), ": other "
        "load; per CPU-second %.2fx.", (r->rate / a) / (r->ref_rate / b));
  return buf;
}

/* 1234567.8 -> "1,234,568" */
static inline char *
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

/* @ours names our column ("mky": "mky (op/s)", "mky/ref") */
static inline void
print_table (const Row *rows, guint n_rows, const char *setup,
    const char *ours)
{
  g_autofree char *rate_head = g_strdup_printf ("%s (op/s)", ours);
  g_autofree char *ratio_head = g_strdup_printf ("%s/ref", ours);

  printf ("%s\n\n", setup);
  printf ("%-28s %13s %8s   %-34s %13s %9s   %s\n", "operation", rate_head,
      "ns/op", "reference", "ref (op/s)", ratio_head, "target");
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
        target = row_target_known (r) ? g_strdup_printf (">= %gx: %s",
            r->target, row_target_met (r) ? "met" : "NOT MET")
            : g_strdup_printf (">= %gx: no reference", r->target);
        break;
      case TARGET_RATE:{
        g_autofree char *t = thousands (r->target);
        target = g_strdup_printf (">= %s/s: %s", t,
            row_target_met (r) ? "met" : "NOT MET");
        break;
      }
      case TARGET_MAX_OVERHEAD:
        target = row_target_known (r) ? g_strdup_printf ("<= %g%% overhead "
            "(%.1f%%): %s", r->target, row_overhead_percent (r),
            row_target_met (r) ? "met" : "NOT MET")
            : g_strdup_printf ("<= %g%% overhead: no reference", r->target);
        break;
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

/* The "results" member of a JSON object, and its end */
static inline void
print_json_rows (const Row *rows, guint n_rows)
{
  printf ("  \"results\": [\n");
  for (guint i = 0; i < n_rows; i++) {
    const Row *r = &rows[i];
    printf ("    {\"name\": \"%s\", \"unit\": \"%s/s\", \"threads\": %u, "
        "\"rate\": %.1f, \"rate_min\": %.1f, \"rate_max\": %.1f, "
        "\"ns_per_op\": %.1f, \"cpu_share\": %.3f,\n", r->key, r->unit,
        MAX (r->threads, 1), r->rate, r->st.min, r->st.max, 1e9 / r->rate,
        r->st.cpu_share);
    if (r->ref_what && r->ref_rate > 0)
      printf ("     \"reference\": {\"name\": \"%s\", \"rate\": %.1f, "
          "\"rate_min\": %.1f, \"rate_max\": %.1f, \"cpu_share\": %.3f}, "
          "\"ratio\": %.4f,\n", r->ref_what, r->ref_rate, r->ref_st.min,
          r->ref_st.max, r->ref_st.cpu_share, r->rate / r->ref_rate);
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
      case TARGET_MAX_OVERHEAD:
        if (row_target_known (r))
          printf ("     \"target\": {\"max_overhead_percent\": %g, "
              "\"overhead_percent\": %.2f, \"met\": %s}}", r->target,
              row_overhead_percent (r), row_target_met (r) ? "true" : "false");
        else
          printf ("     \"target\": {\"max_overhead_percent\": %g, "
              "\"overhead_percent\": null, \"met\": null}}", r->target);
        break;
    }
    printf ("%s\n", i + 1 < n_rows ? "," : "");
  }
  printf ("  ]\n}\n");
}

/* ---- latencies: many timed events, median and p99 ---- */

typedef struct {
  guint n;
  double median, p99, min, max; /* microseconds */
} LatStat;

/* Sorts @v (@n > 0 values, microseconds). p99: the value 99% of the
 * events took at most (nearest rank; the largest of fewer than 100). */
static inline void
lat_stat_of (double *v, guint n, LatStat *st)
{
  qsort (v, n, sizeof *v, bench_cmp_double);
  st->n = n;
  st->median = v[n / 2];
  st->p99 = v[MIN (n - 1, (guint) (0.99 * n + 0.999999) - 1)];
  st->min = v[0];
  st->max = v[n - 1];
}

typedef struct {
  const char *key;              /* JSON name */
  const char *what;             /* table label */
  LatStat st;
  const char *ref_what;
  LatStat ref_st;               /* n 0: not measured */
  double max_ratio;             /* target: our median <= this x the
                                 * reference's; 0: none */
  const char *note;
} LatRow;

static inline gboolean
lat_row_target_met (const LatRow *r)
{
  return r->ref_st.n > 0 && r->st.median <= r->max_ratio * r->ref_st.median;
}

static inline void
print_lat_table (const LatRow *rows, guint n_rows, const char *setup)
{
  printf ("%s\n\n", setup);
  printf ("%-28s %6s %10s %10s   %-26s %10s %10s %7s   %s\n", "event", "n",
      "median ms", "p99 ms", "reference", "median ms", "p99 ms", "ratio",
      "target");
  for (guint i = 0; i < n_rows; i++) {
    const LatRow *r = &rows[i];
    gboolean ref = r->ref_st.n > 0;
    g_autofree char *ratio = ref ? g_strdup_printf ("%.2fx", r->st.median /
        r->ref_st.median) : g_strdup ("-");
    g_autofree char *target = r->max_ratio <= 0 ? g_strdup ("")
        : ref ? g_strdup_printf ("median <= %gx: %s", r->max_ratio,
        lat_row_target_met (r) ? "met" : "NOT MET")
        : g_strdup_printf ("median <= %gx: no reference", r->max_ratio);

    printf ("%-28s %6u %10.2f %10.2f   %-26s %10.2f %10.2f %7s   %s\n",
        r->what, r->st.n, r->st.median / 1000, r->st.p99 / 1000,
        r->ref_what ? r->ref_what : "-", ref ? r->ref_st.median / 1000 : 0,
        ref ? r->ref_st.p99 / 1000 : 0, ratio, target);
  }
  printf ("\n");
  for (guint i = 0; i < n_rows; i++)
    if (rows[i].note)
      printf ("  %-28s %s\n", rows[i].what, rows[i].note);
  printf ("\n");
}

/* Its JSON members, without braces */
static inline void
print_json_lat_fields (const LatStat *st)
{
  printf ("\"n\": %u, \"median_us\": %.1f, \"p99_us\": %.1f, \"min_us\": "
      "%.1f, \"max_us\": %.1f", st->n, st->median, st->p99, st->min,
      st->max);
}

/* The "latency" member of a JSON object, followed by a comma (the
 * "results" of print_json_rows come after it) */
static inline void
print_json_lat_rows (const LatRow *rows, guint n_rows)
{
  printf ("  \"latency\": [\n");
  for (guint i = 0; i < n_rows; i++) {
    const LatRow *r = &rows[i];
    printf ("    {\"name\": \"%s\", ", r->key);
    print_json_lat_fields (&r->st);
    printf (",\n     \"reference\": ");
    if (r->ref_st.n > 0) {
      printf ("{\"name\": \"%s\", ", r->ref_what);
      print_json_lat_fields (&r->ref_st);
      printf ("}, \"ratio\": %.4f,\n", r->st.median / r->ref_st.median);
    } else
      printf ("null, \"ratio\": null,\n");
    if (r->max_ratio > 0)
      printf ("     \"target\": {\"max_median_ratio\": %g, \"met\": %s}}",
          r->max_ratio, r->ref_st.n > 0 ? (lat_row_target_met (r) ? "true"
              : "false") : "null");
    else
      printf ("     \"target\": null}");
    printf ("%s\n", i + 1 < n_rows ? "," : "");
  }
  printf ("  ],\n");
}

static inline char *
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

/* The CPUs we may run on, before pin_cpu */
static cpu_set_t start_cpus;
static gboolean start_cpus_known;

/* One core: stay on the one we started on (threads made later inherit
 * it). The CPU, or -1 if we could not. */
static inline int
pin_cpu (void)
{
  int cpu = sched_getcpu ();
  cpu_set_t set;

  start_cpus_known = sched_getaffinity (0, sizeof start_cpus,
      &start_cpus) == 0;
  if (cpu < 0)
    return -1;
  CPU_ZERO (&set);
  CPU_SET (cpu, &set);
  return sched_setaffinity (0, sizeof set, &set) == 0 ? cpu : -1;
}

/* Another CPU we may run on than @cpu, for a second worker thread; -1 if
 * there is none */
static inline int
other_cpu (int cpu)
{
  if (cpu < 0 || !start_cpus_known)
    return -1;
  for (int i = 0; i < CPU_SETSIZE; i++)
    if (i != cpu && CPU_ISSET (i, &start_cpus))
      return i;
  return -1;
}

#endif /* BENCH_TABLE_H */
