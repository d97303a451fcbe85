/* GStreamer MIKEY plugin: mikeyenc
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_MIKEY_ENC (gst_mikey_enc_get_type ())
G_DECLARE_FINAL_TYPE (GstMikeyEnc, gst_mikey_enc, GST, MIKEY_ENC, GstElement)

G_END_DECLS
