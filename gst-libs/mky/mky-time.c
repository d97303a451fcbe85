/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "mky-time.h"
#include "mky-error.h"

/* seconds from 1900-01-01 to 1970-01-01 */
#define NTP_UNIX_OFFSET G_GINT64_CONSTANT (2208988800)
#define ERA G_GINT64_CONSTANT (4294967296)

guint64
mky_ntp_from_unix_us (gint64 unix_us)
{
  gint64 secs = unix_us / G_USEC_PER_SEC + NTP_UNIX_OFFSET;
  guint64 frac = ((guint64) (unix_us % G_USEC_PER_SEC) << 32) / G_USEC_PER_SEC;
  /* era 1 (from 2036) wraps to small values, RFC 4330 §3 */
  return ((guint64) (secs % ERA) << 32) | frac;
}

gint64
mky_ntp_to_unix_us (guint64 ntp)
{
  gint64 secs = ntp >> 32;
  guint64 frac = ntp & 0xffffffff;
  /* RFC 4330 §3: seconds with the top bit clear are in era 1 (2036-2104) */
  if (!(secs & 0x80000000))
    secs += ERA;
  return (secs - NTP_UNIX_OFFSET) * G_USEC_PER_SEC
      + (gint64) ((frac * G_USEC_PER_SEC) >> 32);
}

gboolean
mky_t_set_time (MkyT *t, MkyTsType type, gint64 now_us, GError **error)
{
  guint64 ntp = mky_ntp_from_unix_us (now_us);
  switch (type) {
    case MKY_TS_NTP_UTC:
    case MKY_TS_NTP:
      t->ts = ntp;
      break;
    case MKY_TS_NTP_UTC_32:
      t->ts = ntp >> 32;
      break;
    default:
      g_set_error (error, MKY_ERROR, MKY_ERROR_INVALID_ARGUMENT,
          "TS type %u is not a clock", type);
      return FALSE;
  }
  t->ts_type = type;
  return TRUE;
}

gboolean
mky_t_to_unix_us (const MkyT *t, gint64 *unix_us, GError **error)
{
  switch (t->ts_type) {
    case MKY_TS_NTP_UTC:
    case MKY_TS_NTP:
      *unix_us = mky_ntp_to_unix_us (t->ts);
      return TRUE;
    case MKY_TS_NTP_UTC_32:
      *unix_us = mky_ntp_to_unix_us (t->ts << 32);
      return TRUE;
    default:
      /* A counter says nothing about time, so freshness cannot be judged
       * and a restarted peer could replay it (RFC 3830 §5.4). */
      g_set_error (error, MKY_ERROR, MKY_ERROR_TS_STALE,
          "TS type %u (COUNTER) cannot be checked against the clock",
          t->ts_type);
      return FALSE;
  }
}

gboolean
mky_t_check_skew (const MkyT *t, gint64 now_us, gint64 skew_us, GError **error)
{
  gint64 ts;
  if (!mky_t_to_unix_us (t, &ts, error))
    return FALSE;
  if (ts < now_us - skew_us) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_TS_STALE,
        "timestamp %" G_GINT64_FORMAT " s old, allowed skew %" G_GINT64_FORMAT
        " s", (now_us - ts) / G_USEC_PER_SEC, skew_us / G_USEC_PER_SEC);
    return FALSE;
  }
  if (ts > now_us + skew_us) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_TS_FUTURE,
        "timestamp %" G_GINT64_FORMAT " s in the future, allowed skew %"
        G_GINT64_FORMAT " s", (ts - now_us) / G_USEC_PER_SEC,
        skew_us / G_USEC_PER_SEC);
    return FALSE;
  }
  return TRUE;
}
