/* GStreamer MIKEY plugin: what both elements share
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "gstmikeyelements.h"

#include <string.h>
#include <glib/gi18n-lib.h>

GST_DEBUG_CATEGORY_STATIC (mikey_debug);
#define GST_CAT_DEFAULT mikey_debug

void
mikey_element_init (GstPlugin *plugin)
{
  static gsize done = 0;

  if (g_once_init_enter (&done)) {
#ifdef ENABLE_NLS
    bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
    bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
#endif
    gst_type_mark_as_plugin_api (GST_TYPE_MIKEY_MODE, 0);
    GST_DEBUG_CATEGORY_INIT (mikey_debug, "mikey", 0,
        "MIKEY plugin, what mikeyenc and mikeydec share");
    g_once_init_leave (&done, TRUE);
  }
}

void
mikey_config_init (MkyConfig *cfg, GstMikeyMode mode, GBytes *psk,
    gboolean allow_null)
{
  mky_config_init (cfg);
  switch (mode) {
    case GST_MIKEY_MODE_NULL:
      cfg->encr_alg = MKY_ENCR_NULL;
      cfg->mac_alg = MKY_MAC_NULL;
      cfg->allow_null = TRUE;
      break;
    case GST_MIKEY_MODE_PSK:
    default:
      cfg->allow_null = allow_null;
      break;
  }
  if (psk)
    mky_config_set_psk (cfg, g_bytes_get_data (psk, NULL),
        g_bytes_get_size (psk));
}

GBytes *
mikey_bytes_from_buffer (const GstBuffer *buf)
{
  GstMapInfo map;
  GBytes *b;

  if (buf == NULL || gst_buffer_get_size ((GstBuffer *) buf) == 0)
    return NULL;
  if (!gst_buffer_map ((GstBuffer *) buf, &map, GST_MAP_READ))
    return NULL;
  b = g_bytes_new (map.data, map.size);
  gst_buffer_unmap ((GstBuffer *) buf, &map);
  return b;
}

void
mikey_secret_free (GBytes *b)
{
  gsize len;
  gconstpointer d;

  if (b == NULL)
    return;
  /* the last reference: wipe it (GBytes data of our own g_bytes_new) */
  d = g_bytes_get_data (b, &len);
  if (d && len)
    explicit_bzero ((gpointer) d, len);
  g_bytes_unref (b);
}

/* The mikey_src pad */

/* messages come one per exchange or announcement: more queued than this
 * means nobody takes them, and the oldest are the least useful */
#define MAX_QUEUED 64

GstStaticPadTemplate mikey_src_template =
GST_STATIC_PAD_TEMPLATE ("mikey_src", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("application/mikey"));

/* stream-start, caps, segment, and a gap: messages are sparse, and a sink
 * there must not wait for one to preroll */
static void
out_pad_start_stream (MikeyOutPad *out)
{
  GstSegment segment;
  GstCaps *caps = gst_static_pad_template_get_caps (&mikey_src_template);
  /* as gst_pad_create_stream_id() makes one for a source (it refuses
   * elements with more than one sink pad) */
  gchar *stream_id = g_strdup_printf ("%08x%08x%08x%08x/mikey",
      g_random_int (), g_random_int (), g_random_int (), g_random_int ());

  gst_pad_push_event (out->pad, gst_event_new_stream_start (stream_id));
  g_free (stream_id);
  gst_pad_push_event (out->pad, gst_event_new_caps (caps));
  gst_caps_unref (caps);
  gst_segment_init (&segment, GST_FORMAT_TIME);
  gst_pad_push_event (out->pad, gst_event_new_segment (&segment));
  gst_pad_push_event (out->pad, gst_event_new_gap (0, GST_CLOCK_TIME_NONE));
}

static void
out_pad_loop (gpointer user_data)
{
  MikeyOutPad *out = user_data;
  GstMiniObject *item;
  GstFlowReturn ret;

  /* deactivation drops the sticky events: a new run starts a new stream */
  if (!gst_pad_has_current_caps (out->pad))
    out_pad_start_stream (out);

  g_mutex_lock (&out->lock);
  while (g_queue_is_empty (&out->queue) && !out->flushing)
    g_cond_wait (&out->cond, &out->lock);
  if (out->flushing) {
    g_mutex_unlock (&out->lock);
    gst_pad_pause_task (out->pad);
    return;
  }
  item = g_queue_pop_head (&out->queue);
  g_mutex_unlock (&out->lock);

  if (GST_IS_EVENT (item)) {
    gst_pad_push_event (out->pad, GST_EVENT_CAST (item));
    return;
  }
  ret = gst_pad_push (out->pad, GST_BUFFER_CAST (item));
  /* not linked is fine: the message went to the bus as well */
  if (ret != GST_FLOW_OK && ret != GST_FLOW_NOT_LINKED)
    GST_DEBUG_OBJECT (out->pad, "message not taken: %s",
        gst_flow_get_name (ret));
}

static gboolean
out_pad_activate_mode (GstPad *pad, GstObject *parent, GstPadMode mode,
    gboolean active)
{
  MikeyOutPad *out = gst_pad_get_element_private (pad);

  if (mode != GST_PAD_MODE_PUSH)
    return FALSE;
  g_mutex_lock (&out->lock);
  out->flushing = !active;
  out->eos = FALSE;
  if (!active) {
    g_queue_clear_full (&out->queue, (GDestroyNotify) gst_mini_object_unref);
    g_cond_signal (&out->cond);
  }
  g_mutex_unlock (&out->lock);
  if (active)
    return gst_pad_start_task (pad, out_pad_loop, out, NULL);
  return gst_pad_stop_task (pad);
}

void
mikey_out_pad_init (MikeyOutPad *out, GstElement *element)
{
  g_mutex_init (&out->lock);
  g_cond_init (&out->cond);
  g_queue_init (&out->queue);
  out->flushing = TRUE;
  out->pad = gst_pad_new_from_static_template (&mikey_src_template,
      mikey_src_template.name_template);
  gst_pad_set_element_private (out->pad, out);
  gst_pad_set_activatemode_function (out->pad,
      GST_DEBUG_FUNCPTR (out_pad_activate_mode));
  gst_pad_use_fixed_caps (out->pad);
  gst_element_add_pad (element, out->pad);
}

void
mikey_out_pad_clear (MikeyOutPad *out)
{
  g_queue_clear_full (&out->queue, (GDestroyNotify) gst_mini_object_unref);
  g_cond_clear (&out->cond);
  g_mutex_clear (&out->lock);
}

/* Queue @item (taken) for the task, unless the pad is inactive or its
 * stream ended */
static void
out_pad_enqueue (MikeyOutPad *out, GstMiniObject *item)
{
  g_mutex_lock (&out->lock);
  if (out->flushing || out->eos) {
    gst_mini_object_unref (item);
  } else {
    /* only buffers are queued before an EOS: the head is one */
    if (out->queue.length >= MAX_QUEUED) {
      GST_DEBUG_OBJECT (out->pad, "queue full: dropping the oldest message");
      gst_mini_object_unref (g_queue_pop_head (&out->queue));
    }
    out->eos = GST_IS_EVENT (item);
    g_queue_push_tail (&out->queue, item);
    g_cond_signal (&out->cond);
  }
  g_mutex_unlock (&out->lock);
}

void
mikey_out_pad_send (MikeyOutPad *out, GBytes *message)
{
  GstElement *element = GST_ELEMENT (GST_PAD_PARENT (out->pad));
  GstBuffer *buf = gst_buffer_new_wrapped_bytes (message);
  GstStructure *s = gst_structure_new ("mikey-message", "data",
      GST_TYPE_BUFFER, buf, NULL);

  g_bytes_unref (message);
  gst_element_post_message (element,
      gst_message_new_element (GST_OBJECT (element), s));
  out_pad_enqueue (out, GST_MINI_OBJECT_CAST (buf));
}

void
mikey_out_pad_eos (MikeyOutPad *out)
{
  out_pad_enqueue (out, GST_MINI_OBJECT_CAST (gst_event_new_eos ()));
}
