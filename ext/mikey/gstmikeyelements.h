/* GStreamer MIKEY plugin
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/gst.h>
#include <mky/mky.h>
#include "gstmikeyenums.h"
#include "gstmikey-enumtypes.h"

G_BEGIN_DECLS

G_GNUC_INTERNAL void mikey_element_init (GstPlugin *plugin);

/* The MkyConfig of @mode with @psk (may be NULL) */
G_GNUC_INTERNAL void mikey_config_init (MkyConfig *cfg, GstMikeyMode mode,
    GBytes *psk, gboolean allow_null);

/* A GBytes copy of @buf (NULL for NULL or empty) */
G_GNUC_INTERNAL GBytes *mikey_bytes_from_buffer (const GstBuffer *buf);

/* Wipe and drop a secret */
G_GNUC_INTERNAL void mikey_secret_free (GBytes *b);

/* The mikey_src pad of either element (caps application/mikey, one
 * message per buffer). Messages go out from a task of the pad's own, so
 * that a sink there waiting for preroll, or a slow network, never holds up
 * the media path or whoever made the message. */
typedef struct
{
  GstPad *pad;
  GMutex lock;
  GCond cond;
  GQueue queue;                 /* GstBuffer, then an EOS; under @lock */
  gboolean flushing;            /* under @lock */
  gboolean eos;                 /* under @lock */
} MikeyOutPad;

G_GNUC_INTERNAL extern GstStaticPadTemplate mikey_src_template;

/* Add the mikey_src pad to @element */
G_GNUC_INTERNAL void mikey_out_pad_init (MikeyOutPad *out,
    GstElement *element);
G_GNUC_INTERNAL void mikey_out_pad_clear (MikeyOutPad *out);
/* Post @message (taken) as the element message `mikey-message` with a
 * `data` buffer, and queue it on the pad */
G_GNUC_INTERNAL void mikey_out_pad_send (MikeyOutPad *out, GBytes *message);
/* End the pad's stream after the messages queued (when the media ends, so
 * that a pipeline with a sink on mikey_src reaches EOS) */
G_GNUC_INTERNAL void mikey_out_pad_eos (MikeyOutPad *out);

GST_ELEMENT_REGISTER_DECLARE (mikeyenc);
GST_ELEMENT_REGISTER_DECLARE (mikeydec);

G_END_DECLS
