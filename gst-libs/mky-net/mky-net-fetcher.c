/* mky-net: HTTP fetching of certificate URLs (see mky-net.h)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "mky-net-private.h"

#include <string.h>
#include <libsoup/soup.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#define READ_CHUNK 16384
#define MAX_AGE_CAP_S (7 * 24 * 3600)

G_DEFINE_FINAL_TYPE (MkyNetFetcher, mky_net_fetcher, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_TIMEOUT_MS,
  PROP_MAX_SIZE,
  PROP_CACHE_SIZE,
  PROP_CACHE_LIFETIME,
  PROP_ALLOW_HTTPS,
  PROP_OCSP_RESPONDER,
  PROP_OCSP_NONCE,
  PROP_OCSP_SOFT_FAIL,
  N_PROPS
};
static GParamSpec *props[N_PROPS];

typedef struct {
  GBytes *data;
  gint64 expires;
  guint64 stamp;
} CacheEntry;

static void
cache_entry_free (gpointer p)
{
  CacheEntry *e = p;
  g_bytes_unref (e->data);
  g_free (e);
}

static void
mky_net_fetcher_init (MkyNetFetcher *f)
{
  f->timeout_ms = MKY_NET_DEFAULT_TIMEOUT_MS;
  f->max_size = MKY_NET_DEFAULT_MAX_SIZE;
  f->cache_size = MKY_NET_DEFAULT_CACHE_SIZE;
  f->cache_lifetime = MKY_NET_DEFAULT_CACHE_LIFETIME;
  f->allow_https = TRUE;
  f->ocsp_nonce = TRUE;
  g_mutex_init (&f->lock);
  f->certs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      cache_entry_free);
  f->ocsp = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      cache_entry_free);
}

static void
mky_net_fetcher_finalize (GObject *object)
{
  MkyNetFetcher *f = MKY_NET_FETCHER (object);

  g_hash_table_unref (f->certs);
  g_hash_table_unref (f->ocsp);
  g_mutex_clear (&f->lock);
  g_free (f->ocsp_responder);
  G_OBJECT_CLASS (mky_net_fetcher_parent_class)->finalize (object);
}

static void
mky_net_fetcher_set_property (GObject *object, guint id, const GValue *value,
    GParamSpec *pspec)
{
  MkyNetFetcher *f = MKY_NET_FETCHER (object);

  switch (id) {
    case PROP_TIMEOUT_MS:
      f->timeout_ms = g_value_get_uint (value);
      break;
    case PROP_MAX_SIZE:
      f->max_size = g_value_get_uint (value);
      break;
    case PROP_CACHE_SIZE:
      f->cache_size = g_value_get_uint (value);
      break;
    case PROP_CACHE_LIFETIME:
      f->cache_lifetime = g_value_get_uint (value);
      break;
    case PROP_ALLOW_HTTPS:
      f->allow_https = g_value_get_boolean (value);
      break;
    case PROP_OCSP_RESPONDER:
      g_free (f->ocsp_responder);
      f->ocsp_responder = g_value_dup_string (value);
      break;
    case PROP_OCSP_NONCE:
      f->ocsp_nonce = g_value_get_boolean (value);
      break;
    case PROP_OCSP_SOFT_FAIL:
      f->ocsp_soft_fail = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
  }
}

static void
mky_net_fetcher_get_property (GObject *object, guint id, GValue *value,
    GParamSpec *pspec)
{
  MkyNetFetcher *f = MKY_NET_FETCHER (object);

  switch (id) {
    case PROP_TIMEOUT_MS:
      g_value_set_uint (value, f->timeout_ms);
      break;
    case PROP_MAX_SIZE:
      g_value_set_uint (value, f->max_size);
      break;
    case PROP_CACHE_SIZE:
      g_value_set_uint (value, f->cache_size);
      break;
    case PROP_CACHE_LIFETIME:
      g_value_set_uint (value, f->cache_lifetime);
      break;
    case PROP_ALLOW_HTTPS:
      g_value_set_boolean (value, f->allow_https);
      break;
    case PROP_OCSP_RESPONDER:
      g_value_set_string (value, f->ocsp_responder);
      break;
    case PROP_OCSP_NONCE:
      g_value_set_boolean (value, f->ocsp_nonce);
      break;
    case PROP_OCSP_SOFT_FAIL:
      g_value_set_boolean (value, f->ocsp_soft_fail);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
  }
}

static void
mky_net_fetcher_class_init (MkyNetFetcherClass *klass)
{
  GObjectClass *oc = G_OBJECT_CLASS (klass);
  GParamFlags fl = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;

  oc->finalize = mky_net_fetcher_finalize;
  oc->set_property = mky_net_fetcher_set_property;
  oc->get_property = mky_net_fetcher_get_property;

  props[PROP_TIMEOUT_MS] = g_param_spec_uint ("timeout-ms", NULL,
      "Total time for one request (ms)", 1, G_MAXINT,
      MKY_NET_DEFAULT_TIMEOUT_MS, fl);
  props[PROP_MAX_SIZE] = g_param_spec_uint ("max-size", NULL,
      "Largest body accepted (bytes)", 1, G_MAXINT,
      MKY_NET_DEFAULT_MAX_SIZE, fl);
  props[PROP_CACHE_SIZE] = g_param_spec_uint ("cache-size", NULL,
      "Entries kept in each cache", 0, 1 << 20, MKY_NET_DEFAULT_CACHE_SIZE,
      fl);
  props[PROP_CACHE_LIFETIME] = g_param_spec_uint ("cache-lifetime", NULL,
      "Seconds a certificate is cached without max-age", 0, MAX_AGE_CAP_S,
      MKY_NET_DEFAULT_CACHE_LIFETIME, fl);
  props[PROP_ALLOW_HTTPS] = g_param_spec_boolean ("allow-https", NULL,
      "Accept https:// URLs", TRUE, fl);
  props[PROP_OCSP_RESPONDER] = g_param_spec_string ("ocsp-responder", NULL,
      "OCSP responder URL overriding the AIA", NULL, fl);
  props[PROP_OCSP_NONCE] = g_param_spec_boolean ("ocsp-nonce", NULL,
      "Send an OCSP nonce", TRUE, fl);
  props[PROP_OCSP_SOFT_FAIL] = g_param_spec_boolean ("ocsp-soft-fail", NULL,
      "Accept when no OCSP answer can be had", FALSE, fl);
  g_object_class_install_properties (oc, N_PROPS, props);
}

MkyNetFetcher *
mky_net_fetcher_new (void)
{
  return g_object_new (MKY_NET_TYPE_FETCHER, NULL);
}

void
mky_net_fetcher_clear_cache (MkyNetFetcher *fetcher)
{
  g_return_if_fail (MKY_NET_IS_FETCHER (fetcher));
  g_mutex_lock (&fetcher->lock);
  g_hash_table_remove_all (fetcher->certs);
  g_hash_table_remove_all (fetcher->ocsp);
  g_mutex_unlock (&fetcher->lock);
}

/* ---------------------------------------------------------------------
 * Caches */

GBytes *
_mky_net_cache_get (MkyNetFetcher *f, GHashTable *cache, const char *key,
    gint64 now)
{
  CacheEntry *e;
  GBytes *ret = NULL;

  g_mutex_lock (&f->lock);
  e = g_hash_table_lookup (cache, key);
  if (e && now >= e->expires) {
    g_hash_table_remove (cache, key);
  } else if (e) {
    e->stamp = ++f->stamp;
    ret = g_bytes_ref (e->data);
  }
  g_mutex_unlock (&f->lock);
  return ret;
}

void
_mky_net_cache_put (MkyNetFetcher *f, GHashTable *cache, const char *key,
    GBytes *data, gint64 expires)
{
  CacheEntry *e;

  g_mutex_lock (&f->lock);
  if (f->cache_size == 0) {
    g_mutex_unlock (&f->lock);
    return;
  }
  if (!g_hash_table_contains (cache, key)) {
    while (g_hash_table_size (cache) >= f->cache_size) {
      GHashTableIter it;
      gpointer k, v;
      const char *oldest = NULL;
      guint64 oldest_stamp = G_MAXUINT64;

      g_hash_table_iter_init (&it, cache);
      while (g_hash_table_iter_next (&it, &k, &v)) {
        if (((CacheEntry *) v)->stamp < oldest_stamp) {
          oldest_stamp = ((CacheEntry *) v)->stamp;
          oldest = k;
        }
      }
      g_hash_table_remove (cache, oldest);
    }
  }
  e = g_new0 (CacheEntry, 1);
  e->data = g_bytes_ref (data);
  e->expires = expires;
  e->stamp = ++f->stamp;
  g_hash_table_replace (cache, g_strdup (key), e);
  g_mutex_unlock (&f->lock);
}

/* ---------------------------------------------------------------------
 * HTTP: each request runs in a private main context pushed as the
 * thread-default one, with its own session, so that the fetcher can be
 * used from any thread and never touches the application's contexts.
 * One asynchronous step at a time; a timer on that context cancels it
 * when the deadline passes. */

typedef struct {
  GMainContext *ctx;
  GCancellable *cancel;
  GAsyncResult *res;
  gboolean timed_out;
} Wait;

static void
got_result (GObject *source, GAsyncResult *res, gpointer data)
{
  Wait *w = data;
  w->res = g_object_ref (res);
}

static GAsyncResult *
wait_result (Wait *w)
{
  GAsyncResult *res;

  while (!w->res)
    g_main_context_iteration (w->ctx, TRUE);
  res = w->res;
  w->res = NULL;
  return res;
}

static gboolean
on_deadline (gpointer data)
{
  Wait *w = data;
  w->timed_out = TRUE;
  g_cancellable_cancel (w->cancel);
  return G_SOURCE_REMOVE;
}

static gboolean
check_url (MkyNetFetcher *f, const char *url, GUri **out, GError **error)
{
  g_autoptr (GError) err = NULL;
  GUri *uri = g_uri_parse (url, SOUP_HTTP_URI_FLAGS, &err);
  const char *scheme;

  if (!uri) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_CERT_FETCH,
        "%s: not a URL: %s", url, err->message);
    return FALSE;
  }
  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "http") != 0
      && !(f->allow_https && g_ascii_strcasecmp (scheme, "https") == 0)) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_CERT_FETCH,
        "%s: URL scheme %s not supported", url, scheme);
    g_uri_unref (uri);
    return FALSE;
  }
  if (!g_uri_get_host (uri) || !*g_uri_get_host (uri)) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_CERT_FETCH,
        "%s: no host in URL", url);
    g_uri_unref (uri);
    return FALSE;
  }
  *out = uri;
  return TRUE;
}

/* -1: nothing said; 0: do not cache; else seconds */
static gint64
parse_max_age (SoupMessageHeaders *h)
{
  const char *cc = soup_message_headers_get_list (h, "Cache-Control");
  const char *pragma = soup_message_headers_get_list (h, "Pragma");
  GHashTable *params;
  gint64 age = -1;
  const char *v;

  if (pragma && soup_header_contains (pragma, "no-cache"))
    age = 0;
  if (!cc)
    return age;
  params = soup_header_parse_param_list (cc);
  if (g_hash_table_lookup_extended (params, "no-store", NULL, NULL)
      || g_hash_table_lookup_extended (params, "no-cache", NULL, NULL)) {
    age = 0;
  } else if (g_hash_table_lookup_extended (params, "max-age", NULL,
          (gpointer *) & v) && v) {
    char *end;
    guint64 n = g_ascii_strtoull (v, &end, 10);
    if (end != v && *end == '\0')
      age = MIN (n, (guint64) MAX_AGE_CAP_S);
  }
  soup_header_free_param_list (params);
  return age;
}

static void
set_io_error (Wait *w, MkyNetFetcher *f, const char *url, const char *what,
    const GError *err, GError **error)
{
  if (w->timed_out)
    g_set_error (error, MKY_ERROR, MKY_ERROR_CERT_FETCH,
        "%s: timed out after %u ms", url, f->timeout_ms);
  else
    g_set_error (error, MKY_ERROR, MKY_ERROR_CERT_FETCH,
        "%s: %s: %s", url, what, err ? err->message : "failed");
}

GBytes *
_mky_net_http (MkyNetFetcher *f, const char *url, GBytes *body,
    const char *body_type, const char *accept, char **content_type,
    gint64 *max_age_s, GError **error)
{
  g_autoptr (GUri) uri = NULL;
  g_autoptr (GError) err = NULL;
  g_autoptr (GAsyncResult) res = NULL;
  SoupSession *session = NULL;
  SoupMessage *msg = NULL;
  GInputStream *stream = NULL;
  GByteArray *buf = NULL;
  GSource *deadline;
  SoupMessageHeaders *h;
  GBytes *ret = NULL;
  Wait w = { 0 };
  guint status;

  if (content_type)
    *content_type = NULL;
  if (max_age_s)
    *max_age_s = -1;
  if (!check_url (f, url, &uri, error))
    return NULL;

  w.ctx = g_main_context_new ();
  g_main_context_push_thread_default (w.ctx);
  w.cancel = g_cancellable_new ();
  deadline = g_timeout_source_new (f->timeout_ms);
  g_source_set_callback (deadline, on_deadline, &w, NULL);
  g_source_attach (deadline, w.ctx);

  session = soup_session_new_with_options (
      "timeout", (f->timeout_ms + 999) / 1000,
      "idle-timeout", (f->timeout_ms + 999) / 1000,
      "user-agent", "mky-net/" "1.0", NULL);
  msg = soup_message_new_from_uri (body ? "POST" : "GET", uri);
  if (body)
    soup_message_set_request_body_from_bytes (msg, body_type, body);
  if (accept)
    soup_message_headers_replace (soup_message_get_request_headers (msg),
        "Accept", accept);

  soup_session_send_async (session, msg, G_PRIORITY_DEFAULT, w.cancel,
      got_result, &w);
  res = wait_result (&w);
  stream = soup_session_send_finish (session, res, &err);
  g_clear_object (&res);
  if (!stream) {
    set_io_error (&w, f, url, "request failed", err, error);
    goto out;
  }

  status = soup_message_get_status (msg);
  if (status != SOUP_STATUS_OK) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_CERT_FETCH, "%s: HTTP %u %s",
        url, status, soup_message_get_reason_phrase (msg) ?
        soup_message_get_reason_phrase (msg) : "");
    goto out;
  }
  /* redirected elsewhere: the same schemes only */
  {
    g_autoptr (GUri) final = NULL;
    g_autofree char *final_s = g_uri_to_string (soup_message_get_uri (msg));
    if (!check_url (f, final_s, &final, error))
      goto out;
  }

  h = soup_message_get_response_headers (msg);
  if (soup_message_headers_get_encoding (h) == SOUP_ENCODING_CONTENT_LENGTH
      && soup_message_headers_get_content_length (h) > (goffset) f->max_size) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_CERT_FETCH,
        "%s: too large: %" G_GOFFSET_FORMAT " bytes, at most %u accepted",
        url, soup_message_headers_get_content_length (h), f->max_size);
    goto out;
  }

  buf = g_byte_array_new ();
  for (;;) {
    g_autoptr (GBytes) chunk = NULL;

    g_input_stream_read_bytes_async (stream, READ_CHUNK, G_PRIORITY_DEFAULT,
        w.cancel, got_result, &w);
    res = wait_result (&w);
    chunk = g_input_stream_read_bytes_finish (stream, res, &err);
    g_clear_object (&res);
    if (!chunk) {
      set_io_error (&w, f, url, "reading the body", err, error);
      goto out;
    }
    if (g_bytes_get_size (chunk) == 0)
      break;
    if (buf->len + g_bytes_get_size (chunk) > f->max_size) {
      g_set_error (error, MKY_ERROR, MKY_ERROR_CERT_FETCH,
          "%s: too large: more than %u bytes", url, f->max_size);
      goto out;
    }
    g_byte_array_append (buf, g_bytes_get_data (chunk, NULL),
        g_bytes_get_size (chunk));
  }
  g_input_stream_close_async (stream, G_PRIORITY_DEFAULT, w.cancel,
      got_result, &w);
  res = wait_result (&w);
  g_input_stream_close_finish (stream, res, NULL);
  g_clear_object (&res);

  if (content_type) {
    const char *ct = soup_message_headers_get_content_type (h, NULL);
    *content_type = ct ? g_ascii_strdown (ct, -1) : NULL;
  }
  if (max_age_s)
    *max_age_s = parse_max_age (h);
  ret = g_byte_array_free_to_bytes (buf);
  buf = NULL;

out:
  /* an unfinished body is dropped with its connection, not drained */
  g_cancellable_cancel (w.cancel);
  if (buf)
    g_byte_array_unref (buf);
  g_clear_object (&stream);
  g_clear_object (&msg);
  soup_session_abort (session);
  g_object_unref (session);
  g_source_destroy (deadline);
  g_source_unref (deadline);
  while (g_main_context_iteration (w.ctx, FALSE));
  g_object_unref (w.cancel);
  g_main_context_pop_thread_default (w.ctx);
  g_main_context_unref (w.ctx);
  return ret;
}

/* ---------------------------------------------------------------------
 * Certificate URLs */

/* @data as exactly one certificate (DER, or PEM), re-encoded in DER */
static GBytes *
one_cert_der (GBytes *data)
{
  gnutls_datum_t d = { (unsigned char *) g_bytes_get_data (data, NULL),
    g_bytes_get_size (data) };
  gnutls_x509_crt_t *list = NULL;
  gnutls_x509_crt_t crt = NULL;
  unsigned n = 0;
  gnutls_datum_t out = { NULL, 0 };
  GBytes *ret = NULL;

  if (d.size == 0)
    return NULL;
  if (gnutls_x509_crt_init (&crt) < 0)
    return NULL;
  if (gnutls_x509_crt_import (crt, &d, GNUTLS_X509_FMT_DER) == 0) {
    if (gnutls_x509_crt_export2 (crt, GNUTLS_X509_FMT_DER, &out) == 0
        && out.size == d.size && memcmp (out.data, d.data, d.size) == 0)
      ret = g_bytes_ref (data);
    gnutls_free (out.data);
    gnutls_x509_crt_deinit (crt);
    return ret;
  }
  gnutls_x509_crt_deinit (crt);

  if (gnutls_x509_crt_list_import2 (&list, &n, &d, GNUTLS_X509_FMT_PEM,
          GNUTLS_X509_CRT_LIST_FAIL_IF_UNSORTED) < 0)
    return NULL;
  if (n == 1 && gnutls_x509_crt_export2 (list[0], GNUTLS_X509_FMT_DER,
          &out) == 0) {
    ret = g_bytes_new (out.data, out.size);
    gnutls_free (out.data);
  }
  for (unsigned i = 0; i < n; i++)
    gnutls_x509_crt_deinit (list[i]);
  gnutls_free (list);
  return ret;
}

GBytes *
mky_net_fetcher_fetch_cert (const char *url, gpointer user_data,
    GError **error)
{
  MkyNetFetcher *f = user_data;
  g_autoptr (GBytes) body = NULL;
  g_autofree char *ctype = NULL;
  gint64 max_age, lifetime;
  GBytes *der;

  g_return_val_if_fail (MKY_NET_IS_FETCHER (f), NULL);
  g_return_val_if_fail (url != NULL, NULL);

  der = _mky_net_cache_get (f, f->certs, url, g_get_monotonic_time ());
  if (der)
    return der;

  body = _mky_net_http (f, url, NULL, NULL,
      "application/pkix-cert, application/x-x509-ca-cert;q=0.8, */*;q=0.5",
      &ctype, &max_age, error);
  if (!body)
    return NULL;
  der = one_cert_der (body);
  if (!der) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_CERT_FETCH,
        "%s: not a certificate (%s, %" G_GSIZE_FORMAT " bytes)", url,
        ctype ? ctype : "no Content-Type", g_bytes_get_size (body));
    return NULL;
  }
  lifetime = max_age >= 0 ? max_age : (gint64) f->cache_lifetime;
  if (lifetime > 0)
    _mky_net_cache_put (f, f->certs, url, der,
        g_get_monotonic_time () + lifetime * G_USEC_PER_SEC);
  return der;
}
