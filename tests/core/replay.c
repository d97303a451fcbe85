/* Timestamps and the replay cache (RFC 3830 §5.3, §5.4) */
#include <string.h>
#include <mky/mky.h>

#define SEC G_USEC_PER_SEC
/* 2026-11-23 12:00:00 UTC */
#define NOW (G_GINT64_CONSTANT (1795435200) * SEC)
#define SKEW (60 * SEC)

static MkyMessage *
msg_at (gint64 unix_us, guint32 csb_id)
{
  g_autoptr (MkyMessage) m = mky_message_new (MKY_TYPE_PSK_INIT, csb_id);
  g_autoptr (GBytes) raw = NULL;
  MkyPayload *t = mky_message_add (m, MKY_PT_T);
  g_assert_true (mky_t_set_time (&t->u.t, MKY_TS_NTP_UTC, unix_us, NULL));
  raw = mky_message_serialize (m, NULL);
  return mky_message_parse_bytes (raw, NULL);
}

/* What a Responder does with an authenticated message */
static void
remember (MkyReplayCache *c, const MkyMessage *m, gint64 now)
{
  MkyReplayTicket ticket;
  g_assert_true (mky_replay_cache_check (c, m, now, &ticket, NULL));
  mky_replay_cache_add (c, &ticket, now);
}

static void
test_ntp (void)
{
  /* 1900 to 1970 is 2208988800 s; 2040 lies in NTP era 1 (RFC 4330 §3) */
  gint64 times[] = { NOW, NOW + 123456, G_GINT64_CONSTANT (2208988800) * SEC,
    G_GINT64_CONSTANT (2000000000) * SEC };
  g_assert_cmphex (mky_ntp_from_unix_us (0), ==,
      G_GUINT64_CONSTANT (2208988800) << 32);
  for (guint i = 0; i < G_N_ELEMENTS (times); i++) {
    gint64 back = mky_ntp_to_unix_us (mky_ntp_from_unix_us (times[i]));
    g_assert_cmpint (ABS (back - times[i]), <=, 1);
  }
  /* half a second is 0x80000000 in the fraction */
  g_assert_cmphex (mky_ntp_from_unix_us (SEC / 2) & 0xffffffff, ==, 0x80000000);
}

static void
test_skew (void)
{
  g_autoptr (MkyReplayCache) c = mky_replay_cache_new (10, SKEW, NOW, FALSE);
  g_autoptr (MkyMessage) ok = msg_at (NOW - SKEW + SEC, 1);
  g_autoptr (MkyMessage) stale = msg_at (NOW - SKEW - SEC, 1);
  g_autoptr (MkyMessage) future = msg_at (NOW + SKEW + SEC, 1);
  g_autoptr (GError) error = NULL;

  g_assert_true (mky_replay_cache_check (c, ok, NOW, NULL, &error));
  g_assert_false (mky_replay_cache_check (c, stale, NOW, NULL, &error));
  g_assert_error (error, MKY_ERROR, MKY_ERROR_TS_STALE);
  g_clear_error (&error);
  g_assert_false (mky_replay_cache_check (c, future, NOW, NULL, &error));
  g_assert_error (error, MKY_ERROR, MKY_ERROR_TS_FUTURE);
}

static void
test_replay (void)
{
  g_autoptr (MkyReplayCache) c = mky_replay_cache_new (10, SKEW, NOW, FALSE);
  g_autoptr (MkyMessage) a = msg_at (NOW, 1);
  g_autoptr (MkyMessage) b = msg_at (NOW, 2);
  g_autoptr (GError) error = NULL;

  /* checking alone leaves the cache as it was */
  g_assert_true (mky_replay_cache_check (c, a, NOW, NULL, NULL));
  g_assert_true (mky_replay_cache_check (c, a, NOW, NULL, NULL));
  g_assert_cmpuint (mky_replay_cache_size (c), ==, 0);
  remember (c, a, NOW);
  g_assert_false (mky_replay_cache_check (c, a, NOW + SEC, NULL, &error));
  g_assert_error (error, MKY_ERROR, MKY_ERROR_REPLAY);
  /* another message with the same time is not a replay */
  g_assert_true (mky_replay_cache_check (c, b, NOW, NULL, NULL));
}

/* A full cache forgets its oldest message: a replay of it must still be
 * refused, by the watermark, while newer messages pass. */
static void
test_overflow (void)
{
  g_autoptr (MkyReplayCache) c = mky_replay_cache_new (3, SKEW, NOW, FALSE);
  MkyMessage *m[5];
  g_autoptr (GError) error = NULL;

  for (int i = 0; i < 5; i++)
    m[i] = msg_at (NOW + i * SEC, 1);
  for (int i = 0; i < 4; i++)
    remember (c, m[i], NOW + 4 * SEC);
  g_assert_cmpuint (mky_replay_cache_size (c), ==, 3);
  g_assert_false (mky_replay_cache_check (c, m[0], NOW + 4 * SEC, NULL, &error));
  g_assert_error (error, MKY_ERROR, MKY_ERROR_REPLAY);
  g_clear_error (&error);
  g_assert_false (mky_replay_cache_check (c, m[3], NOW + 4 * SEC, NULL, &error));
  g_assert_error (error, MKY_ERROR, MKY_ERROR_REPLAY);
  g_assert_true (mky_replay_cache_check (c, m[4], NOW + 4 * SEC, NULL, NULL));
  for (int i = 0; i < 5; i++)
    mky_message_free (m[i]);
}

/* The cache's ring wraps and grows while entries expire from its head:
 * every entry still held is found, and the forgotten ones are caught by the
 * watermark */
static void
test_ring (void)
{
  g_autoptr (MkyReplayCache) c = mky_replay_cache_new (40, SKEW, NOW, FALSE);
  gint64 later = NOW + SKEW + 2 * SEC, end = later + 60 * 1000;
  g_autoptr (GError) error = NULL;
  g_autoptr (MkyMessage) fresh = msg_at (end, 1000);

  for (guint32 i = 0; i < 10; i++) {
    g_autoptr (MkyMessage) m = msg_at (NOW, i);
    remember (c, m, NOW);
  }
  /* the first of these expires the ten above; the ring wraps, then grows;
   * one millisecond apart, so that forgetting one refuses only older ones */
  for (guint32 i = 0; i < 60; i++) {
    g_autoptr (MkyMessage) m = msg_at (later + i * 1000, 100 + i);
    remember (c, m, later + i * 1000);
  }
  g_assert_cmpuint (mky_replay_cache_size (c), ==, 40);
  for (guint32 i = 0; i < 60; i++) {
    g_autoptr (MkyMessage) m = msg_at (later + i * 1000, 100 + i);
    g_assert_false (mky_replay_cache_check (c, m, end, NULL, &error));
    g_assert_error (error, MKY_ERROR, MKY_ERROR_REPLAY);
    g_assert_nonnull (strstr (error->message, i < 20 ? "overflowed"
            : "replayed message"));
    g_clear_error (&error);
  }
  g_assert_true (mky_replay_cache_check (c, fresh, end, NULL, NULL));
}

/* Expired entries leave the cache by themselves: memory stays bounded by
 * traffic within the skew, whatever the capacity. */
static void
test_expiry (void)
{
  g_autoptr (MkyReplayCache) c = mky_replay_cache_new (100, SKEW, NOW, FALSE);
  for (int i = 0; i < 10; i++) {
    g_autoptr (MkyMessage) m = msg_at (NOW + i * 30 * SEC, 7);
    remember (c, m, NOW + i * 30 * SEC);
  }
  /* entries older than now - skew are gone: at most 3 remain */
  g_assert_cmpuint (mky_replay_cache_size (c), <=, 3);
}

/* RFC 3830 §5.4: after losing state, reject everything until the skew
 * interval has passed. */
static void
test_state_lost (void)
{
  g_autoptr (MkyReplayCache) c = mky_replay_cache_new (10, SKEW, NOW, TRUE);
  g_autoptr (MkyMessage) now = msg_at (NOW, 1);
  g_autoptr (MkyMessage) later = msg_at (NOW + SKEW + SEC, 1);
  g_autoptr (GError) error = NULL;

  g_assert_false (mky_replay_cache_check (c, now, NOW, NULL, &error));
  g_assert_error (error, MKY_ERROR, MKY_ERROR_REPLAY);
  g_assert_true (mky_replay_cache_check (c, later, NOW + SKEW + SEC, NULL, NULL));
}

static void
test_counter_refused (void)
{
  g_autoptr (MkyReplayCache) c = mky_replay_cache_new (10, SKEW, NOW, FALSE);
  g_autoptr (MkyMessage) m = mky_message_new (MKY_TYPE_PSK_INIT, 1);
  g_autoptr (MkyMessage) parsed = NULL;
  g_autoptr (GBytes) raw = NULL;
  g_autoptr (GError) error = NULL;
  MkyPayload *t = mky_message_add (m, MKY_PT_T);

  t->u.t.ts_type = MKY_TS_COUNTER;
  t->u.t.ts = 5;
  raw = mky_message_serialize (m, NULL);
  parsed = mky_message_parse_bytes (raw, NULL);
  g_assert_false (mky_replay_cache_check (c, parsed, NOW, NULL, &error));
  g_assert_error (error, MKY_ERROR, MKY_ERROR_TS_STALE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/time/ntp", test_ntp);
  g_test_add_func ("/replay/skew", test_skew);
  g_test_add_func ("/replay/replay", test_replay);
  g_test_add_func ("/replay/overflow", test_overflow);
  g_test_add_func ("/replay/ring", test_ring);
  g_test_add_func ("/replay/expiry", test_expiry);
  g_test_add_func ("/replay/state-lost", test_state_lost);
  g_test_add_func ("/replay/counter", test_counter_refused);
  return g_test_run ();
}
