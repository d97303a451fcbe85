/* GStreamer MIKEY plugin: enums shared by mikeyenc and mikeydec
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * GstMikeyMode:
 * @GST_MIKEY_MODE_NULL: MIKEY-NULL: pre-shared-key messages with NULL
 *   encryption and MAC, as GStreamer's libgstsdp, live555 and ONVIF devices
 *   send them; only safe over a protected transport (RTSPS, SIPS)
 * @GST_MIKEY_MODE_PSK: pre-shared key (RFC 3830 §3.1)
 * @GST_MIKEY_MODE_RSA_R_GROUP: MIKEY-RSA-R group mode (RFC 4738 §3.2): the
 *   sender (mikeyenc) is the group key server, receivers (mikeydec) join
 *   over UDP with their certificates and get the group's keys
 * @GST_MIKEY_MODE_PK: public-key mode (RFC 3830 §3.2): the sender
 *   (mikeyenc, the Initiator) encrypts an envelope key to the receiver's
 *   certificate and signs the message with its own; the receiver
 *   (mikeydec) decrypts it with its private key (since 0.1)
 *
 * The MIKEY key transport method.
 *
 * Since: 0.1
 */
typedef enum {
  GST_MIKEY_MODE_NULL = 0,
  GST_MIKEY_MODE_PSK = 1,
  GST_MIKEY_MODE_RSA_R_GROUP = 2,
  GST_MIKEY_MODE_PK = 3,
} GstMikeyMode;

G_END_DECLS
