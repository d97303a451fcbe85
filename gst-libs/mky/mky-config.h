/* mky: MIKEY protocol core
 * The settings of an exchange, for every mode: what an Initiator sends,
 * what a Responder accepts, and the keys and certificates to do it with.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "mky-pki.h"
#include "mky-srtp.h"

G_BEGIN_DECLS

typedef struct {
  GBytes *psk;                  /* PSK and DH-HMAC; NULL only for MIKEY-NULL */
  /* what an Initiator sends */
  MkyPrf prf;
  MkyEncrAlg encr_alg;
  MkyMacAlg mac_alg;
  MkyTsType ts_type;
  /* RFC 3830 §4.2.3/§4.2.4 allow NULL encryption or MAC only where a lower
   * layer protects the message: off unless set */
  gboolean allow_null;
  /* identities (ID payloads, NAI or URI): sent by an Initiator when set;
   * a Responder with them set requires the peer's to match */
  gchar *id_i;
  gchar *id_r;
  MkyIdType id_type;
  /* public-key modes (PK, DH, RSA-R): our certificate and key, and whom
   * we trust; signatures of @sign_type */
  MkyCredentials *credentials;
  MkyTrust *trust;
  MkySignType sign_type;
  MkyDhGroup dh_group;
  /* where peers can fetch our certificate (RFC 4738 §3.8: the default
   * CERT form in RSA-R); NULL: our chain goes in the message, DER */
  gchar *cert_url;
  /* Responder */
  gint64 skew_us;               /* allowed clock skew */
  guint replay_capacity;        /* replay cache entries */
  guint max_csbs;               /* bundles kept for updates */
  MkySpCompat compat;           /* accept GStreamer's SP quirks */
} MkyConfig;

/* Defaults: MIKEY-1, AES-CM-128, HMAC-SHA-1-160, NTP-UTC, RSA PKCS#1 v1.5
 * signatures, OAKLEY 5, skew 5 min, 1024 replay entries, 1024 bundles,
 * GStreamer SP quirks accepted. */
void mky_config_init (MkyConfig *cfg);
void mky_config_clear (MkyConfig *cfg);
/* A copy holding its own references */
void mky_config_copy (MkyConfig *dst, const MkyConfig *src);
/* Set the PSK (a copy, wiped when the last reference goes) */
void mky_config_set_psk (MkyConfig *cfg, const guint8 *psk, gsize len);
const guint8 *mky_config_get_psk (const MkyConfig *cfg, gsize *len);

G_END_DECLS
