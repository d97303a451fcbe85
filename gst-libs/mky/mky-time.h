/* mky: MIKEY protocol core
 * NTP timestamps (RFC 3830 §6.6, RFC 6043 §6.3 with the RFC 4330 era rule)
 * and the clock-skew check of RFC 3830 §5.3. Times are microseconds since
 * the Unix epoch, as g_get_real_time() gives them: the caller supplies the
 * clock.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "mky-payload.h"

G_BEGIN_DECLS

guint64 mky_ntp_from_unix_us (gint64 unix_us);
gint64 mky_ntp_to_unix_us (guint64 ntp);

/* Fill @t with the time @now_us in @type (COUNTER is not a clock: refused). */
gboolean mky_t_set_time (MkyT *t, MkyTsType type, gint64 now_us,
    GError **error);
/* The Unix time a clock-type T payload stands for. FALSE for COUNTER. */
gboolean mky_t_to_unix_us (const MkyT *t, gint64 *unix_us, GError **error);
/* TS_STALE / TS_FUTURE when @t is farther than @skew_us from @now_us. */
gboolean mky_t_check_skew (const MkyT *t, gint64 now_us, gint64 skew_us,
    GError **error);

G_END_DECLS
