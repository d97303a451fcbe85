/* The RTP packets the element tests send: packet @n of an SSRC has a
 * payload of its own length and bytes, so that any mix-up shows; and a
 * comparison of buffers byte for byte.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <string.h>
#include <gst/check/gstcheck.h>
#include <gst/rtp/gstrtpbuffer.h>

#define PT 96
#define FIRST_SEQ 1000

static guint8
payload_byte (guint32 ssrc, guint n, guint i)
{
  return (guint8) (ssrc >> (8 * (n % 4)) ^ (n * 31 + i * 7));
}

static guint
payload_len (guint n)
{
  return 40 + 23 * n;
}

static GstBuffer *
rtp_packet (guint32 ssrc, guint n)
{
  GstBuffer *buf = gst_buffer_new ();
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  guint8 *pl;

  gst_rtp_buffer_allocate_data (buf, payload_len (n), 0, 0);
  fail_unless (gst_rtp_buffer_map (buf, GST_MAP_WRITE, &rtp));
  gst_rtp_buffer_set_ssrc (&rtp, ssrc);
  gst_rtp_buffer_set_payload_type (&rtp, PT);
  gst_rtp_buffer_set_seq (&rtp, (guint16) (FIRST_SEQ + n));
  gst_rtp_buffer_set_timestamp (&rtp, 3000 * n);
  pl = gst_rtp_buffer_get_payload (&rtp);
  for (guint i = 0; i < payload_len (n); i++)
    pl[i] = payload_byte (ssrc, n, i);
  gst_rtp_buffer_unmap (&rtp);
  return buf;
}

/* rtp_packet () with sequence number @base + @n (wrapping) */
static GstBuffer *
rtp_packet_seq (guint32 ssrc, guint n, guint base)
{
  GstBuffer *buf = rtp_packet (ssrc, n);
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;

  fail_unless (gst_rtp_buffer_map (buf, GST_MAP_WRITE, &rtp));
  gst_rtp_buffer_set_seq (&rtp, (guint16) (base + n));
  gst_rtp_buffer_unmap (&rtp);
  return buf;
}

/* Whether @a and @b hold the same bytes */
static gboolean
same_bytes (GstBuffer *a, GstBuffer *b)
{
  GstMapInfo ma, mb;
  gboolean same;

  fail_unless (gst_buffer_map (a, &ma, GST_MAP_READ));
  fail_unless (gst_buffer_map (b, &mb, GST_MAP_READ));
  same = ma.size == mb.size && memcmp (ma.data, mb.data, ma.size) == 0;
  gst_buffer_unmap (a, &ma);
  gst_buffer_unmap (b, &mb);
  return same;
}
