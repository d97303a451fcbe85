/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "mky-sign.h"
#include "mky-error.h"

/* An RSA signature is as long as the modulus of the signer's key */
static gssize
signature_len (MkyCredentials *creds, GError **error)
{
  guint bits;

  if (mky_credentials_get_n_certs (creds) == 0) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_INVALID_ARGUMENT,
        "credentials without a certificate");
    return -1;
  }
  bits = mky_credentials_get_rsa_bits (creds);
  if (bits == 0) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_INVALID_ARGUMENT,
        "not an RSA certificate");
    return -1;
  }
  return (bits + 7) / 8;
}

GBytes *
mky_message_seal_sign (MkyMessage *msg, MkyCredentials *creds,
    MkySignType type, const guint8 *extra, gsize extra_len, GError **error)
{
  MkyPayload *p;
  g_autoptr (GBytes) raw = NULL;
  g_autoptr (GByteArray) covered = g_byte_array_new ();
  MkyBytes sig = { 0 };
  gssize sig_len = signature_len (creds, error);
  const guint8 *data;
  gsize len;

  if (sig_len < 0)
    return NULL;
  p = mky_message_add (msg, MKY_PT_SIGN);
  p->u.sign.s_type = type;
  mky_bytes_alloc (&p->u.sign.signature, sig_len);
  raw = mky_message_serialize (msg, error);
  if (raw == NULL)
    return NULL;
  data = g_bytes_get_data (raw, &len);
  g_byte_array_append (covered, data, len - sig_len);
  if (extra_len)
    g_byte_array_append (covered, extra, extra_len);
  if (!mky_credentials_sign (creds, type, covered->data, covered->len, &sig,
          error))
    return NULL;
  if (sig.len != (gsize) sig_len) {
    mky_bytes_clear (&sig, FALSE);
    g_set_error (error, MKY_ERROR, MKY_ERROR_CRYPTO,
        "signature of unexpected length");
    return NULL;
  }
  memcpy (p->u.sign.signature.data, sig.data, sig_len);
  mky_bytes_clear (&sig, FALSE);
  {
    guint8 *out = g_memdup2 (data, len);
    memcpy (out + len - sig_len, p->u.sign.signature.data, sig_len);
    mky_message_set_wire (msg, g_bytes_new_take (out, len));
  }
  return g_bytes_ref (msg->raw);
}

gboolean
mky_message_verify_sign (const MkyMessage *msg, MkyPeer *peer,
    const guint8 *extra, gsize extra_len, GError **error)
{
  const MkyPayload *last = msg->payloads->len
      ? msg->payloads->pdata[msg->payloads->len - 1] : NULL;
  g_autoptr (GByteArray) covered = g_byte_array_new ();
  const MkyBytes *sig;
  const guint8 *data;
  gsize len;

  data = mky_message_get_wire (msg, &len);
  if (last == NULL || last->type != MKY_PT_SIGN || data == NULL) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_MISSING_PAYLOAD,
        "no SIGN payload ends the message");
    return FALSE;
  }
  sig = &last->u.sign.signature;
  g_byte_array_append (covered, data, len - sig->len);
  if (extra_len)
    g_byte_array_append (covered, extra, extra_len);
  return mky_peer_verify_signature (peer, last->u.sign.s_type, covered->data,
      covered->len, sig->data, sig->len, error);
}
