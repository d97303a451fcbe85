/* mky-net: the network side of the MIKEY core's public-key modes
 *
 * The core (libmky) never does I/O. This small library does the two
 * things its PKI module leaves to the application:
 *
 *  - fetching certificates given as URLs (CERT type "X.509v3 URL",
 *    RFC 4738 §3.8; the body is DER, application/pkix-cert, RFC 2585),
 *    through the core's fetch hook:
 *
 *      MkyNetFetcher *f = mky_net_fetcher_new ();
 *      mky_trust_set_fetch_func (trust, mky_net_fetcher_fetch_cert,
 *          f, g_object_unref);
 *
 *  - OCSP (RFC 6960, which obsoletes RFC 2560) with GnuTLS:
 *    mky_net_ocsp_check(), and mky_net_fetcher_check_revocation(), which
 *    has the shape of a revocation hook (leaf, issuer, now, user data,
 *    error) for the core.
 *
 * HTTP is libsoup 3. Every request is synchronous for the caller, runs in
 * a private main context of the calling thread, and is bounded by a total
 * deadline (connect, headers and body) and a body size limit enforced
 * while reading. A fetcher may be shared by threads (mky_trust_verify()
 * may run in several); configure it before sharing it. Redirects are
 * followed (to http/https only); proxies are GIO's default resolver's.
 *
 * Errors are MKY_ERROR:
 *   MKY_ERROR_CERT_FETCH    the URL could not be fetched or did not give
 *                           one certificate (timeout, too large, HTTP
 *                           status, not a certificate, refused scheme); for
 *                           OCSP: no answer, a bad or badly signed answer,
 *                           stale or future times, nonce mismatch, status
 *                           "unknown"
 *   MKY_ERROR_CERT_REVOKED  OCSP says "revoked"
 *   MKY_ERROR_INVALID_ARGUMENT  the certificates given are not parsable
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib-object.h>
#include <mky/mky-error.h>

G_BEGIN_DECLS

#define MKY_NET_TYPE_FETCHER (mky_net_fetcher_get_type ())
G_DECLARE_FINAL_TYPE (MkyNetFetcher, mky_net_fetcher, MKY_NET, FETCHER,
    GObject)

/* Defaults of the properties */
#define MKY_NET_DEFAULT_TIMEOUT_MS      10000
#define MKY_NET_DEFAULT_MAX_SIZE        (64 * 1024)
#define MKY_NET_DEFAULT_CACHE_SIZE      64
#define MKY_NET_DEFAULT_CACHE_LIFETIME  3600    /* seconds */
/* Clock skew allowed on OCSP thisUpdate / nextUpdate */
#define MKY_NET_OCSP_SKEW_S             300
/* An OCSP response without nextUpdate is accepted when its thisUpdate is
 * at most this old (it is not cached) */
#define MKY_NET_OCSP_MAX_AGE_S          (7 * 24 * 3600)

/* Properties (all read-write; set them before the fetcher is shared):
 *  "timeout-ms"      guint     total time for one request, connect to last
 *                              byte (MKY_NET_DEFAULT_TIMEOUT_MS)
 *  "max-size"        guint     largest body accepted, bytes
 *                              (MKY_NET_DEFAULT_MAX_SIZE)
 *  "cache-size"      guint     entries kept in each cache (certificates,
 *                              OCSP answers); 0 disables caching
 *  "cache-lifetime"  guint     seconds a fetched certificate is kept when
 *                              the answer has no Cache-Control max-age; a
 *                              max-age is honoured as it is (capped at one
 *                              week), no-store / no-cache / max-age=0 are
 *                              not cached
 *  "allow-https"     gboolean  accept https:// URLs (needs a GIO TLS
 *                              backend); TRUE. http:// always is.
 *  "ocsp-responder"  string    responder URL used by
 *                              mky_net_fetcher_check_revocation() instead
 *                              of the certificate's AIA; NULL
 *  "ocsp-nonce"      gboolean  send a nonce (RFC 6960 §4.4.1); an answer
 *                              that carries one must echo ours. An answer
 *                              without one is accepted (most responders
 *                              pre-sign their answers); TRUE
 *  "ocsp-soft-fail"  gboolean  mky_net_fetcher_check_revocation() accepts
 *                              the certificate when no valid OCSP answer
 *                              can be had (anything but "revoked"); FALSE
 */
MkyNetFetcher *mky_net_fetcher_new (void);

/* Forget every cached certificate and OCSP answer */
void mky_net_fetcher_clear_cache (MkyNetFetcher *fetcher);

/* GET @url and return the certificate it holds, in DER. Has the shape of
 * MkyCertFetchFunc (mky-pki.h): @user_data is the MkyNetFetcher.
 * Only http:// (and https:// if allowed). The answer must be HTTP 200
 * with one certificate in DER or PEM (whatever the Content-Type, which
 * should be application/pkix-cert); answers are cached by URL. */
GBytes *mky_net_fetcher_fetch_cert (const char *url, gpointer user_data,
    GError **error);

/* Ask an OCSP responder about @leaf_der (DER), issued by @issuer_der
 * (DER), at @now_us (microseconds since the Unix epoch; the caller's
 * clock, as in the core). @responder_url NULL: the first OCSP URI of the
 * leaf's Authority Information Access extension.
 * The request (SHA-1 CertID, nonce if "ocsp-nonce") is POSTed as
 * application/ocsp-request. The answer must be a successful basic
 * response signed by the issuer itself, or by a responder certificate
 * that the issuer signed, that has the OCSPSigning extended key usage and
 * is valid at @now_us (RFC 6960 §4.2.2.2); it must be about this
 * certificate, echo our nonce if it carries one, and be current:
 * thisUpdate <= now + skew, now < nextUpdate + skew (or, without
 * nextUpdate, thisUpdate at most MKY_NET_OCSP_MAX_AGE_S old).
 * A valid answer with a nextUpdate is cached (by leaf, issuer and URL)
 * and reused while thisUpdate - skew <= now < nextUpdate.
 * TRUE: good. FALSE: MKY_ERROR_CERT_REVOKED if revoked, else
 * MKY_ERROR_CERT_FETCH (no responder, no or bad answer, status unknown),
 * MKY_ERROR_INVALID_ARGUMENT for unparsable certificates. */
gboolean mky_net_ocsp_check (MkyNetFetcher *fetcher, GBytes *leaf_der,
    GBytes *issuer_der, const char *responder_url, gint64 now_us,
    GError **error);

/* The revocation hook (the proposed MkyRevocationFunc of the core):
 * @user_data is the MkyNetFetcher. Asks the "ocsp-responder" if set,
 * else the leaf's AIA OCSP responder; a certificate without either, or
 * @issuer_der NULL, passes (TRUE). With "ocsp-soft-fail", only
 * MKY_ERROR_CERT_REVOKED refuses. */
gboolean mky_net_fetcher_check_revocation (GBytes *leaf_der,
    GBytes *issuer_der, gint64 now_us, gpointer user_data, GError **error);

G_END_DECLS
