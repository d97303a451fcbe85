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

GST_ELEMENT_REGISTER_DECLARE (mikeyenc);
GST_ELEMENT_REGISTER_DECLARE (mikeydec);

G_END_DECLS
