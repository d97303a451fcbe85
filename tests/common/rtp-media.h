/* The RTP packets the element, pipeline and srtp interop tests send:
 * packet @n of an SSRC has a payload of its own length and bytes and a
 * marker bit that alternates, so that any mix-up shows; and a comparison
 * of buffers byte for byte. A test may define PT and FIRST_SEQ first (the
 * sequence number of packet 0) and use only some of it. GLib asserts,
 * not gst-check's: the interop test is no gst-check program.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <string.h>
#include <gst/gst.h>
#include <gst/rtp/gstrtpbuffer.h>

#ifndef PT
#define PT 96
#endif
#ifndef FIRST_SEQ
#define FIRST_SEQ 1000
#endif

G_GNUC_UNUSED static guint8
payload_byte (guint32 ssrc, guint n, guint i)
{
  return (guint8) (ssrc >> (8 * (n % 4)) ^ (n * 31 + i * 7));
}

G_GNUC_UNUSED static guint
payload_len (guint n)
{
  return 40 + 23 * n;
}

G_GNUC_UNUSED static GstBuffer *
rtp_packet (guint32 ssrc, guint n)
{
  GstBuffer *buf = gst_buffer_new ();
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  guint8 *pl;

  gst_rtp_buffer_allocate_data (buf, payload_len (n), 0, 0);
  g_assert_true (gst_rtp_buffer_map (buf, GST_MAP_WRITE, &rtp));
  gst_rtp_buffer_set_ssrc (&rtp, ssrc);
  gst_rtp_buffer_set_payload_type (&rtp, PT);
  gst_rtp_buffer_set_seq (&rtp, (guint16) (FIRST_SEQ + n));
  gst_rtp_buffer_set_timestamp (&rtp, 3000 * n);
  gst_rtp_buffer_set_marker (&rtp, n % 2);
  pl = gst_rtp_buffer_get_payload (&rtp);
  for (guint i = 0; i < payload_len (n); i++)
    pl[i] = payload_byte (ssrc, n, i);
  gst_rtp_buffer_unmap (&rtp);
  return buf;
}

/* rtp_packet () with sequence number @base + @n (wrapping) */
G_GNUC_UNUSED static GstBuffer *
rtp_packet_seq (guint32 ssrc, guint n, guint base)
{
  GstBuffer *buf = rtp_packet (ssrc, n);
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;

  g_assert_true (gst_rtp_buffer_map (buf, GST_MAP_WRITE, &rtp));
  gst_rtp_buffer_set_seq (&rtp, (guint16) (base + n));
  gst_rtp_buffer_unmap (&rtp);
  return buf;
}

/* Whether @a and @b hold the same bytes */
G_GNUC_UNUSED static gboolean
same_bytes (GstBuffer *a, GstBuffer *b)
{
  GstMapInfo ma, mb;
  gboolean same;

  g_assert_true (gst_buffer_map (a, &ma, GST_MAP_READ));
  g_assert_true (gst_buffer_map (b, &mb, GST_MAP_READ));
  same = ma.size == mb.size && memcmp (ma.data, mb.data, ma.size) == 0;
  gst_buffer_unmap (a, &ma);
  gst_buffer_unmap (b, &mb);
  return same;
}
