/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "mky-error.h"

G_DEFINE_QUARK (mky-error-quark, mky_error)

MkyErrNo
mky_error_to_err_no (const GError *error)
{
  if (error == NULL || error->domain != MKY_ERROR)
    return MKY_ERR_UNSPECIFIED;

  switch ((MkyErrorCode) error->code) {
    case MKY_ERROR_BAD_MAC:
      return MKY_ERR_INVALID_MAC;
    case MKY_ERROR_BAD_SIGNATURE:
      return MKY_ERR_AUTH_FAILURE;
    case MKY_ERROR_TS_STALE:
    case MKY_ERROR_TS_FUTURE:
    case MKY_ERROR_TS_MISMATCH:
    case MKY_ERROR_REPLAY:
      return MKY_ERR_INVALID_TS;
    case MKY_ERROR_BAD_PRF:
      return MKY_ERR_INVALID_PRF;
    case MKY_ERROR_BAD_ENCR:
      return MKY_ERR_INVALID_EA;
    case MKY_ERROR_BAD_MAC_ALG:
      return MKY_ERR_INVALID_HA;
    case MKY_ERROR_BAD_ID:
      return MKY_ERR_INVALID_ID;
    case MKY_ERROR_UNSUPPORTED_SP:
      return MKY_ERR_INVALID_SPPAR;
    case MKY_ERROR_BAD_DATA_TYPE:
      return MKY_ERR_INVALID_DT;
    case MKY_ERROR_CERT_UNTRUSTED:
    case MKY_ERROR_CERT_EXPIRED:
    case MKY_ERROR_CERT_REVOKED:
    case MKY_ERROR_CERT_USAGE:
    case MKY_ERROR_CERT_FETCH:
      return MKY_ERR_INVALID_CERT;
    case MKY_ERROR_NOT_AUTHORIZED:
      return MKY_ERR_AUTH_FAILURE;
    case MKY_ERROR_BAD_DH:
      return MKY_ERR_INVALID_DH;
    default:
      return MKY_ERR_UNSPECIFIED;
  }
}

const char *
mky_err_no_name (guint err_no)
{
  static const char *const names[] = {
    "Auth failure", "Invalid TS", "Invalid PRF", "Invalid MAC", "Invalid EA",
    "Invalid HA", "Invalid DH", "Invalid ID", "Invalid Cert", "Invalid SP",
    "Invalid SPpar", "Invalid DT", "Unspecified error",
    "Unsupported message type", "Invalid TICKET", "Invalid TPpar",
  };
  return err_no < G_N_ELEMENTS (names) ? names[err_no] : NULL;
}
