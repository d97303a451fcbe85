/* GStreamer MIKEY plugin: mikeyenc and mikeydec
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "gstmikeyelements.h"

static gboolean
plugin_init (GstPlugin *plugin)
{
  gboolean ret = FALSE;

  ret |= GST_ELEMENT_REGISTER (mikeyenc, plugin);
  ret |= GST_ELEMENT_REGISTER (mikeydec, plugin);
  return ret;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, mikey,
    "MIKEY (RFC 3830) key management for stock srtpenc and srtpdec",
    plugin_init, VERSION, GST_LICENSE, GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
