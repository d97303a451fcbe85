/* GStreamer MIKEY plugin: what both elements share
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "gstmikeyelements.h"

#include <string.h>
#include <glib/gi18n-lib.h>

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
