/* GStreamer MIKEY plugin: mikeydec
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_MIKEY_DEC (gst_mikey_dec_get_type ())
G_DECLARE_FINAL_TYPE (GstMikeyDec, gst_mikey_dec, GST, MIKEY_DEC, GstElement)

G_END_DECLS
