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
 * @GST_MIKEY_MODE_DH: Diffie-Hellman mode (RFC 3830 §3.3), signed with
 *   certificates: the sender (mikeyenc, the Initiator) and the receiver
 *   (mikeydec, the Responder) agree on the keys in a two-way exchange over
 *   UDP (since 0.1)
 * @GST_MIKEY_MODE_DHHMAC: DH-HMAC (RFC 4650): the same exchange,
 *   authenticated with a MAC keyed from a pre-shared key (since 0.1)
 * @GST_MIKEY_MODE_RSA_R: MIKEY-RSA-R unicast (RFC 4738): each receiver
 *   (mikeydec, the Initiator) asks the sender (mikeyenc, the Responder)
 *   over UDP with its certificate, as in rsa-r-group mode, and gets the
 *   sender's key in a unicast answer (since 0.1)
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
  GST_MIKEY_MODE_DH = 4,
  GST_MIKEY_MODE_DHHMAC = 5,
  GST_MIKEY_MODE_RSA_R = 6,
} GstMikeyMode;

/**
 * GstMikeyDhGroup:
 * @GST_MIKEY_DH_GROUP_OAKLEY_5: OAKLEY 5, the 1536-bit MODP group (RFC 3526)
 * @GST_MIKEY_DH_GROUP_OAKLEY_1: OAKLEY 1, the 768-bit MODP group (RFC 2409);
 *   weak, for interoperability only
 * @GST_MIKEY_DH_GROUP_OAKLEY_2: OAKLEY 2, the 1024-bit MODP group (RFC 2409)
 *
 * The Diffie-Hellman group of modes dh and dhhmac (the DH-Group values of
 * RFC 3830 §6.4).
 *
 * Since: 0.1
 */
typedef enum {
  GST_MIKEY_DH_GROUP_OAKLEY_5 = 0,  /*< nick=oakley-5 >*/
  GST_MIKEY_DH_GROUP_OAKLEY_1 = 1,  /*< nick=oakley-1 >*/
  GST_MIKEY_DH_GROUP_OAKLEY_2 = 2,  /*< nick=oakley-2 >*/
} GstMikeyDhGroup;

G_END_DECLS
