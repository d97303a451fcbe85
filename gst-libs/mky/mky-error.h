/* mky: MIKEY protocol core
 * Errors. Every rejection has its own code; mky_error_to_err_no() gives the
 * RFC 3830 §6.12 Error no to put in an Error message, where one applies.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include "mky-enums.h"

G_BEGIN_DECLS

#define MKY_ERROR (mky_error_quark ())
GQuark mky_error_quark (void);

typedef enum {
  /* framing */
  MKY_ERROR_TRUNCATED = 1,      /* input ends inside a payload */
  MKY_ERROR_TRAILING_DATA,      /* bytes after the last payload */
  MKY_ERROR_BAD_VERSION,        /* HDR version is not 1 */
  MKY_ERROR_UNKNOWN_PAYLOAD,    /* next payload value not known */
  MKY_ERROR_BAD_LENGTH,         /* a length field disagrees with its data */
  MKY_ERROR_UNSUPPORTED_VALUE,  /* a value that decides a layout is unknown */
  MKY_ERROR_DUPLICATE_PAYLOAD,
  MKY_ERROR_MISSING_PAYLOAD,
  MKY_ERROR_UNEXPECTED_PAYLOAD, /* allowed by the codec, not in this message */
  MKY_ERROR_TOO_LONG,           /* a value does not fit its length field */
  /* processing */
  MKY_ERROR_BAD_DATA_TYPE,      /* message type not expected here */
  MKY_ERROR_BAD_MAC,
  MKY_ERROR_BAD_SIGNATURE,
  MKY_ERROR_REPLAY,
  MKY_ERROR_TS_STALE,
  MKY_ERROR_TS_FUTURE,
  MKY_ERROR_TS_MISMATCH,        /* response does not echo our timestamp */
  MKY_ERROR_CSB_MISMATCH,
  MKY_ERROR_BAD_ID,
  MKY_ERROR_BAD_PRF,
  MKY_ERROR_BAD_ENCR,           /* KEMAC encryption algorithm refused */
  MKY_ERROR_BAD_MAC_ALG,        /* KEMAC/V MAC algorithm refused */
  MKY_ERROR_BAD_KEY_DATA,       /* key data of wrong type or size */
  MKY_ERROR_UNSUPPORTED_SP,     /* security policy refused */
  MKY_ERROR_PEER_ERROR,         /* the peer sent an Error message */
  MKY_ERROR_CRYPTO,             /* a crypto library call failed */
  MKY_ERROR_STATE,              /* call not valid in this state */
  MKY_ERROR_INVALID_ARGUMENT,
  MKY_ERROR_BAD_ENCODING,       /* base64/hex/SDP text malformed */
  /* certificates and policy */
  MKY_ERROR_CERT_UNTRUSTED,     /* no chain to a trust anchor, or bad chain */
  MKY_ERROR_CERT_EXPIRED,       /* outside its validity at the time given */
  MKY_ERROR_CERT_REVOKED,       /* on a CRL or revoked by OCSP */
  MKY_ERROR_CERT_USAGE,         /* key usage / purpose does not allow it */
  MKY_ERROR_CERT_FETCH,         /* a certificate URL could not be fetched */
  MKY_ERROR_NOT_AUTHORIZED,     /* local policy refuses this identity */
  MKY_ERROR_BAD_DH,             /* DH group or public value refused */
} MkyErrorCode;

MkyErrNo mky_error_to_err_no (const GError *error);
const char *mky_err_no_name (guint err_no);

G_END_DECLS
