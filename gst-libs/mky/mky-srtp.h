/* mky: MIKEY protocol core
 * SRTP security policy (RFC 3830 §6.10.1, RFC 4771, 6188, 7714) to and
 * from what stock GStreamer 1.22 srtpenc/srtpdec (libsrtp2) can do: the
 * cipher and auth nicks of their properties and caps, and the caps string
 * srtpdec reads its keys from.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include "mky-payload.h"

G_BEGIN_DECLS

/* Same values and nicks as GStreamer's GstSrtpCipherType */
typedef enum {
  MKY_SRTP_CIPHER_NULL = 0,
  MKY_SRTP_CIPHER_AES_128_ICM = 1,
  MKY_SRTP_CIPHER_AES_256_ICM = 2,
  MKY_SRTP_CIPHER_AES_128_GCM = 3,
  MKY_SRTP_CIPHER_AES_256_GCM = 4,
} MkySrtpCipher;

/* Same values and nicks as GStreamer's GstSrtpAuthType */
typedef enum {
  MKY_SRTP_AUTH_NULL = 0,
  MKY_SRTP_AUTH_HMAC_SHA1_32 = 1,
  MKY_SRTP_AUTH_HMAC_SHA1_80 = 2,
} MkySrtpAuth;

typedef enum {
  MKY_SP_COMPAT_STRICT,
  /* Also read GStreamer's SP, which carries the HMAC tag length in
   * "Session Auth. key length" (type 3); what a receiver should use. */
  MKY_SP_COMPAT_ACCEPT_GSTREAMER,
} MkySpCompat;

/* One SRTP policy as srtpdec's caps (or srtpenc's properties) express it.
 * The RFC 3830 off/on flags (types 7, 8, 10) are the NULL cipher or auth
 * of their direction. The lengths follow from the nicks (filled by the
 * constructors below): the master key and salt of the non-NULL cipher
 * (0 when both are NULL), the HMAC key (20, or 0 without HMAC) and the
 * SRTP tag (4 or 10 for HMAC, 16 for GCM, else 0). */
typedef struct {
  MkySrtpCipher srtp_cipher;
  MkySrtpAuth srtp_auth;
  MkySrtpCipher srtcp_cipher;
  MkySrtpAuth srtcp_auth;
  guint key_len;
  guint salt_len;
  guint auth_key_len;
  guint tag_len;
} MkySrtpPolicy;

/* "aes-128-icm", "hmac-sha1-80", ...; NULL for a value not in the enum */
const char *mky_srtp_cipher_nick (MkySrtpCipher cipher);
const char *mky_srtp_auth_nick (MkySrtpAuth auth);
gboolean mky_srtp_cipher_from_nick (const char *nick, MkySrtpCipher *out);
gboolean mky_srtp_auth_from_nick (const char *nick, MkySrtpAuth *out);

/* Map an SRTP SP payload (NULL: every RFC 3711 default) to a policy. Any
 * parameter srtpdec cannot honour fails with MKY_ERROR_UNSUPPORTED_SP,
 * naming the parameter. */
gboolean mky_srtp_policy_from_sp (const MkySp *sp, MkySpCompat compat,
    MkySrtpPolicy *out, GError **error);

/* The policy of srtpenc's rtp-cipher, rtp-auth, rtcp-cipher and rtcp-auth
 * (or of caps fields), refused if no SP can carry it or srtpdec would. */
gboolean mky_srtp_policy_from_nicks (const char *srtp_cipher,
    const char *srtp_auth, const char *srtcp_cipher, const char *srtcp_auth,
    MkySrtpPolicy *out, GError **error);

/* Append @p's parameters to @sp (prot type SRTP): RFC-correct, or with
 * @gstreamer_form the parameters gst_mikey_message_new_from_caps writes. */
void mky_srtp_policy_to_sp (const MkySrtpPolicy *p, gboolean gstreamer_form,
    MkySp *sp);

/* Bytes of master key || salt srtpenc's key property and srtpdec's
 * srtp-key take: 30, 46, 28 or 44; 0 when both ciphers are NULL. */
gsize mky_srtp_policy_master_len (const MkySrtpPolicy *p);

/* The caps srtpdec 1.22 reads for one SSRC, as a caps string. @key and
 * @salt are concatenated (@salt may be empty for key || salt in @key) and
 * must total mky_srtp_policy_master_len(); @mki is optional (<= 128). */
char *mky_srtp_caps_string (const MkySrtpPolicy *p, guint32 ssrc,
    guint32 roc, const guint8 *key, gsize key_len, const guint8 *salt,
    gsize salt_len, const guint8 *mki, gsize mki_len, GError **error);

G_END_DECLS
