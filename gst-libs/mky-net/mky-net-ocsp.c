/* mky-net: OCSP client (RFC 6960) with GnuTLS (see mky-net.h)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "mky-net-private.h"

#include <string.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <gnutls/x509-ext.h>
#include <gnutls/ocsp.h>

#define OID_AIA "1.3.6.1.5.5.7.1.1"
#define OID_AD_OCSP "1.3.6.1.5.5.7.48.1"

/* What the OCSP cache keeps: the verdict of a verified answer */
typedef struct {
  guint status;                 /* GNUTLS_OCSP_CERT_GOOD / _REVOKED */
  guint reason;
  gint64 this_update;           /* Unix seconds */
  gint64 next_update;
  gint64 revocation_time;
} Verdict;

static gnutls_x509_crt_t
parse_der (GBytes *der, const char *what, GError **error)
{
  gnutls_x509_crt_t crt;
  gnutls_datum_t d;

  if (!der || g_bytes_get_size (der) == 0
      || g_bytes_get_size (der) > G_MAXUINT) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_INVALID_ARGUMENT,
        "OCSP: no %s certificate", what);
    return NULL;
  }
  d.data = (unsigned char *) g_bytes_get_data (der, NULL);
  d.size = g_bytes_get_size (der);
  if (gnutls_x509_crt_init (&crt) < 0) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_CRYPTO, "out of memory");
    return NULL;
  }
  if (gnutls_x509_crt_import (crt, &d, GNUTLS_X509_FMT_DER) < 0) {
    gnutls_x509_crt_deinit (crt);
    g_set_error (error, MKY_ERROR, MKY_ERROR_INVALID_ARGUMENT,
        "OCSP: the %s certificate is not DER", what);
    return NULL;
  }
  return crt;
}

/* The first OCSP URI of @crt's Authority Information Access, or NULL */
static char *
aia_ocsp_url (gnutls_x509_crt_t crt)
{
  gnutls_datum_t ext = { NULL, 0 };
  gnutls_x509_aia_t aia = NULL;
  char *ret = NULL;

  if (gnutls_x509_crt_get_extension_by_oid2 (crt, OID_AIA, 0, &ext,
          NULL) < 0)
    return NULL;
  if (gnutls_x509_aia_init (&aia) == 0
      && gnutls_x509_ext_import_aia (&ext, aia, 0) == 0) {
    for (unsigned i = 0;; i++) {
      gnutls_datum_t oid, san;
      unsigned type;
      if (gnutls_x509_aia_get (aia, i, &oid, &type, &san) < 0)
        break;
      if (type == GNUTLS_SAN_URI && strlen (OID_AD_OCSP) == oid.size
          && memcmp (oid.data, OID_AD_OCSP, oid.size) == 0
          && memchr (san.data, 0, san.size) == NULL) {
        ret = g_strndup ((const char *) san.data, san.size);
        break;
      }
    }
  }
  if (aia)
    gnutls_x509_aia_deinit (aia);
  gnutls_free (ext.data);
  return ret;
}

static char *
fmt_time (gint64 t)
{
  g_autoptr (GDateTime) dt = g_date_time_new_from_unix_utc (t);
  return dt ? g_date_time_format_iso8601 (dt) : g_strdup ("?");
}

static gboolean
verdict_result (const Verdict *v, const char *url, GError **error)
{
  g_autofree char *when = NULL;

  if (v->status == GNUTLS_OCSP_CERT_GOOD)
    return TRUE;
  when = fmt_time (v->revocation_time);
  g_set_error (error, MKY_ERROR, MKY_ERROR_CERT_REVOKED,
      "revoked since %s (reason %u), says OCSP responder %s", when,
      v->reason, url);
  return FALSE;
}

static gboolean
datum_equal (const gnutls_datum_t *a, const gnutls_datum_t *b)
{
  return a->size == b->size && memcmp (a->data, b->data, a->size) == 0;
}

/* The certificate of the response that its responder ID names (as
 * GnuTLS picks it), or NULL; not owned */
static gnutls_x509_crt_t
find_signer (gnutls_ocsp_resp_t resp, gnutls_x509_crt_t *certs, size_t n)
{
  gnutls_datum_t id = { NULL, 0 };
  gnutls_x509_crt_t ret = NULL;

  if (gnutls_ocsp_resp_get_responder_raw_id (resp, GNUTLS_OCSP_RESP_ID_DN,
          &id) == 0) {
    for (size_t i = 0; i < n && !ret; i++) {
      gnutls_datum_t dn;
      if (gnutls_x509_crt_get_raw_dn (certs[i], &dn) == 0) {
        if (datum_equal (&dn, &id))
          ret = certs[i];
        gnutls_free (dn.data);
      }
    }
  } else if (gnutls_ocsp_resp_get_responder_raw_id (resp,
          GNUTLS_OCSP_RESP_ID_KEY, &id) == 0) {
    for (size_t i = 0; i < n && !ret; i++) {
      guint8 kid[64];
      size_t kid_len = sizeof kid;
      gnutls_datum_t k = { kid, 0 };
      if (gnutls_x509_crt_get_key_id (certs[i], GNUTLS_KEYID_USE_SHA1, kid,
              &kid_len) == 0) {
        k.size = kid_len;
        if (datum_equal (&k, &id))
          ret = certs[i];
      }
    }
  }
  gnutls_free (id.data);
  return ret;
}

/* Verify @der as an answer about @leaf from @issuer at @now (seconds);
 * fill @v. The nonce of @req is checked if it has one. */
static gboolean
check_response (GBytes *der, gnutls_ocsp_req_t req, gnutls_x509_crt_t leaf,
    gnutls_x509_crt_t issuer, gint64 now, const char *url, Verdict *v,
    GError **error)
{
  gnutls_ocsp_resp_t resp = NULL;
  gnutls_datum_t d = { (unsigned char *) g_bytes_get_data (der, NULL),
    g_bytes_get_size (der) };
  gnutls_datum_t req_nonce = { NULL, 0 }, resp_nonce = { NULL, 0 };
  gnutls_x509_crt_t *certs = NULL;
  size_t n_certs = 0;
  gboolean ok = FALSE, found = FALSE;
  unsigned verify = 0;
  int r;

#define FAIL(...) G_STMT_START { \
    g_autofree char *_m = g_strdup_printf (__VA_ARGS__); \
    g_set_error (error, MKY_ERROR, MKY_ERROR_CERT_FETCH, \
        "OCSP responder %s: %s", url, _m); \
    goto out; \
  } G_STMT_END

  if (gnutls_ocsp_resp_init (&resp) < 0)
    FAIL ("out of memory");
  if ((r = gnutls_ocsp_resp_import (resp, &d)) < 0)
    FAIL ("not an OCSP response: %s", gnutls_strerror (r));
  r = gnutls_ocsp_resp_get_status (resp);
  if (r != GNUTLS_OCSP_RESP_SUCCESSFUL)
    FAIL ("response status %d (not successful)", r);

  /* signed by the issuer, or by a responder it delegated to */
  r = gnutls_ocsp_resp_verify_direct (resp, issuer, &verify,
      GNUTLS_VERIFY_DISABLE_TIME_CHECKS);
  if (r < 0)
    FAIL ("cannot verify the response: %s", gnutls_strerror (r));
  if (verify != 0)
    FAIL ("response not signed by the issuer or a responder it authorized"
        " (%s%s%s%s%s)",
        verify & GNUTLS_OCSP_VERIFY_SIGNER_NOT_FOUND ? "signer not found " : "",
        verify & GNUTLS_OCSP_VERIFY_SIGNER_KEYUSAGE_ERROR ?
        "signer lacks OCSPSigning " : "",
        verify & GNUTLS_OCSP_VERIFY_UNTRUSTED_SIGNER ? "untrusted signer " : "",
        verify & GNUTLS_OCSP_VERIFY_INSECURE_ALGORITHM ?
        "insecure algorithm " : "",
        verify & GNUTLS_OCSP_VERIFY_SIGNATURE_FAILURE ? "bad signature" : "");
  /* a delegated responder must be valid now (GnuTLS checked it against
   * the system clock only if asked to; we use the caller's) */
  if (gnutls_ocsp_resp_get_certs (resp, &certs, &n_certs) == 0) {
    gnutls_x509_crt_t signer = find_signer (resp, certs, n_certs);
    if (signer && !gnutls_x509_crt_equals (signer, issuer)) {
      gint64 nb = gnutls_x509_crt_get_activation_time (signer);
      gint64 na = gnutls_x509_crt_get_expiration_time (signer);
      if (now < nb || now > na)
        FAIL ("the responder's certificate is not valid now");
    }
  }

  /* our nonce echoed, if the answer carries one */
  if (req && gnutls_ocsp_req_get_nonce (req, NULL, &req_nonce) == 0) {
    r = gnutls_ocsp_resp_get_nonce (resp, NULL, &resp_nonce);
    if (r == 0 && !datum_equal (&req_nonce, &resp_nonce))
      FAIL ("nonce mismatch (replayed answer?)");
    if (r < 0 && r != GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
      FAIL ("bad nonce: %s", gnutls_strerror (r));
  }

  /* the single response about our certificate */
  for (unsigned i = 0;; i++) {
    unsigned status, reason = 0;
    time_t tu, nu, rt;

    r = gnutls_ocsp_resp_get_single (resp, i, NULL, NULL, NULL, NULL,
        &status, &tu, &nu, &rt, &reason);
    if (r < 0)
      break;
    if (gnutls_ocsp_resp_check_crt (resp, i, leaf) != 0)
      continue;
    found = TRUE;
    v->status = status;
    v->reason = status == GNUTLS_OCSP_CERT_REVOKED ? reason : 0;
    v->this_update = tu;
    v->next_update = nu;
    v->revocation_time = rt;
    break;
  }
  if (!found)
    FAIL ("the response is not about this certificate");

  if (v->this_update == -1)
    FAIL ("no thisUpdate");
  if (v->this_update > now + MKY_NET_OCSP_SKEW_S) {
    g_autofree char *t = fmt_time (v->this_update);
    FAIL ("response from the future (thisUpdate %s)", t);
  }
  if (v->next_update != -1) {
    if (now >= v->next_update + MKY_NET_OCSP_SKEW_S) {
      g_autofree char *t = fmt_time (v->next_update);
      FAIL ("stale response (nextUpdate %s)", t);
    }
  } else if (now - v->this_update > MKY_NET_OCSP_MAX_AGE_S) {
    g_autofree char *t = fmt_time (v->this_update);
    FAIL ("stale response (thisUpdate %s, no nextUpdate)", t);
  }
  if (v->status == GNUTLS_OCSP_CERT_UNKNOWN)
    FAIL ("certificate status unknown");
  if (v->status != GNUTLS_OCSP_CERT_GOOD
      && v->status != GNUTLS_OCSP_CERT_REVOKED)
    FAIL ("certificate status %u not understood", v->status);
  ok = TRUE;

out:
#undef FAIL
  for (size_t i = 0; i < n_certs; i++)
    gnutls_x509_crt_deinit (certs[i]);
  gnutls_free (certs);
  gnutls_free (req_nonce.data);
  gnutls_free (resp_nonce.data);
  if (resp)
    gnutls_ocsp_resp_deinit (resp);
  return ok;
}

gboolean
mky_net_ocsp_check (MkyNetFetcher *fetcher, GBytes *leaf_der,
    GBytes *issuer_der, const char *responder_url, gint64 now_us,
    GError **error)
{
  gnutls_x509_crt_t leaf = NULL, issuer = NULL;
  gnutls_ocsp_req_t req = NULL;
  gnutls_datum_t req_der = { NULL, 0 };
  g_autofree char *url = NULL;
  g_autofree char *key = NULL;
  g_autofree char *ctype = NULL;
  g_autoptr (GBytes) cached = NULL;
  g_autoptr (GBytes) body = NULL;
  g_autoptr (GBytes) answer = NULL;
  gint64 now = now_us / G_USEC_PER_SEC;
  gboolean ok = FALSE;
  Verdict v = { 0 };
  int r;

  g_return_val_if_fail (MKY_NET_IS_FETCHER (fetcher), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!(leaf = parse_der (leaf_der, "leaf", error))
      || !(issuer = parse_der (issuer_der, "issuer", error)))
    goto out;
  url = responder_url ? g_strdup (responder_url) : aia_ocsp_url (leaf);
  if (!url) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_CERT_FETCH,
        "OCSP: no responder given and none in the certificate");
    goto out;
  }

  {
    g_autofree char *lh = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256,
        leaf_der);
    g_autofree char *ih = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256,
        issuer_der);
    key = g_strconcat (lh, ":", ih, " ", url, NULL);
  }
  cached = _mky_net_cache_get (fetcher, fetcher->ocsp, key, now);
  if (cached) {
    const Verdict *cv = g_bytes_get_data (cached, NULL);
    if (now >= cv->this_update - MKY_NET_OCSP_SKEW_S) {
      ok = verdict_result (cv, url, error);
      goto out;
    }
  }

  if ((r = gnutls_ocsp_req_init (&req)) < 0
      || (r = gnutls_ocsp_req_add_cert (req, GNUTLS_DIG_SHA1, issuer,
              leaf)) < 0
      || (fetcher->ocsp_nonce
          && (r = gnutls_ocsp_req_randomize_nonce (req)) < 0)
      || (r = gnutls_ocsp_req_export (req, &req_der)) < 0) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_CRYPTO,
        "OCSP: making the request: %s", gnutls_strerror (r));
    goto out;
  }
  body = g_bytes_new (req_der.data, req_der.size);

  {
    g_autoptr (GError) err = NULL;
    answer = _mky_net_http (fetcher, url, body, "application/ocsp-request",
        "application/ocsp-response", &ctype, NULL, &err);
    if (!answer) {
      g_set_error (error, MKY_ERROR, MKY_ERROR_CERT_FETCH, "OCSP: %s",
          err->message);
      goto out;
    }
  }
  if (ctype && strcmp (ctype, "application/ocsp-response") != 0) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_CERT_FETCH,
        "OCSP responder %s: answered %s, not application/ocsp-response",
        url, ctype);
    goto out;
  }
  if (!check_response (answer, req, leaf, issuer, now, url, &v, error))
    goto out;

  if (v.next_update != -1 && now < v.next_update) {
    g_autoptr (GBytes) vb = g_bytes_new (&v, sizeof v);
    _mky_net_cache_put (fetcher, fetcher->ocsp, key, vb, v.next_update);
  }
  ok = verdict_result (&v, url, error);

out:
  gnutls_free (req_der.data);
  if (req)
    gnutls_ocsp_req_deinit (req);
  if (leaf)
    gnutls_x509_crt_deinit (leaf);
  if (issuer)
    gnutls_x509_crt_deinit (issuer);
  return ok;
}

gboolean
mky_net_fetcher_check_revocation (GBytes *leaf_der, GBytes *issuer_der,
    gint64 now_us, gpointer user_data, GError **error)
{
  MkyNetFetcher *f = user_data;
  g_autofree char *url = NULL;
  g_autoptr (GError) err = NULL;

  g_return_val_if_fail (MKY_NET_IS_FETCHER (f), FALSE);

  if (!issuer_der)
    return TRUE;
  if (f->ocsp_responder) {
    url = g_strdup (f->ocsp_responder);
  } else {
    gnutls_x509_crt_t leaf = parse_der (leaf_der, "leaf", error);
    if (!leaf)
      return FALSE;
    url = aia_ocsp_url (leaf);
    gnutls_x509_crt_deinit (leaf);
  }
  if (!url)
    return TRUE;                /* nobody to ask */
  if (mky_net_ocsp_check (f, leaf_der, issuer_der, url, now_us, &err))
    return TRUE;
  if (f->ocsp_soft_fail
      && !g_error_matches (err, MKY_ERROR, MKY_ERROR_CERT_REVOKED)) {
    g_debug ("OCSP soft-fail: %s", err->message);
    return TRUE;
  }
  g_propagate_error (error, g_steal_pointer (&err));
  return FALSE;
}
