/* Helpers shared by the GStreamer interop tests. */
#pragma once

#include <signal.h>
#include <unistd.h>
#include <string.h>
#include <gst/gst.h>
#include <gst/sdp/gstmikey.h>

/* libgstsdp 1.22 spins forever in gst_mikey_message_new_from_data on
 * payloads it does not parse (ID, V, ERR, GEN_EXT...): every call that
 * parses runs under an alarm, so a hang fails the test instead of
 * blocking CI. */
#define GSTSDP_TIMEOUT_S 10

static void
interop_on_alarm (int sig)
{
  static const char msg[] =
      "Bail out! a GStreamer call did not return in time (libgstsdp 1.22 "
      "hangs on payloads it does not parse)\n";
  (void) sig;
  (void) !write (STDOUT_FILENO, msg, sizeof msg - 1);
  _exit (1);
}

static inline void
interop_arm_alarm (unsigned seconds)
{
  signal (SIGALRM, interop_on_alarm);
  alarm (seconds);
}

static inline GstMIKEYMessage *
interop_gst_mikey_parse (GBytes *raw)
{
  GstMIKEYMessage *m;
  gsize len;
  gconstpointer d = g_bytes_get_data (raw, &len);
  GError *error = NULL;

  interop_arm_alarm (GSTSDP_TIMEOUT_S);
  m = gst_mikey_message_new_from_data (d, len, NULL, &error);
  alarm (0);
  g_assert_no_error (error);
  return m;
}

static inline void
interop_fill (guint8 *d, gsize len, guint8 seed)
{
  for (gsize i = 0; i < len; i++)
    d[i] = (guint8) (seed + 7 * i);
}

static inline GstBuffer *
interop_buffer (const guint8 *d, gsize len)
{
  return gst_buffer_new_memdup (d, len);
}

/* The srtpenc/srtpdec caps of a master key || salt and one cipher and
 * auth for both SRTP and SRTCP, as GStreamer's elements give them */
static inline GstCaps *
interop_srtp_caps (const guint8 *master, gsize len, const char *cipher,
    const char *auth)
{
  g_autoptr (GstBuffer) buf = interop_buffer (master, len);
  return gst_caps_new_simple ("application/x-srtp",
      "srtp-key", GST_TYPE_BUFFER, buf,
      "srtp-cipher", G_TYPE_STRING, cipher,
      "srtp-auth", G_TYPE_STRING, auth,
      "srtcp-cipher", G_TYPE_STRING, cipher,
      "srtcp-auth", G_TYPE_STRING, auth, NULL);
}

/* Compare a GstBuffer with bytes */
#define interop_assert_buffer(buf, d, len) G_STMT_START { \
    GstMapInfo _map; \
    g_assert_true (gst_buffer_map ((buf), &_map, GST_MAP_READ)); \
    g_assert_cmpmem (_map.data, _map.size, (d), (len)); \
    gst_buffer_unmap ((buf), &_map); \
  } G_STMT_END
