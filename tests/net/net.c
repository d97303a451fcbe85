/* libmky-net: certificate URL fetching and OCSP against a local HTTP
 * server on 127.0.0.1 (random port) that this test starts in a thread.
 * The PKI is made at test time with GnuTLS (tests/common/test-pki.c); the
 * OCSP answers are real signed responses made by `openssl ocsp` in
 * responder mode (-index/-reqin/-respout, no socket of its own), run by
 * the server's handler. OCSP tests are skipped without openssl.
 *
 * Every request has its own deadline (the fetcher's "timeout-ms"), every
 * openssl run is under `timeout`, and meson bounds the whole. */
#include <string.h>
#include <libsoup/soup.h>
#include <mky-net/mky-net.h>
#include <mky/mky-pki.h>
#include <mky/mky-error.h>
#include "test-pki.h"
#include "test-pki.c"           /* no helper library in tests/common */

#define SERIAL_LEAF 0x1001
#define SERIAL_REVOKED 0x1002
#define SERIAL_UNKNOWN 0x1003
#define SERIAL_AIA 0x1004
#define SLOW_MS 2000

static struct {
  GThread *thread;
  GMainContext *ctx;
  GMainLoop *loop;
  SoupServer *server;
  guint port;
  GMutex lock;
  GCond cond;
  gboolean ready;
  GHashTable *hits;             /* path -> count */
  GBytes *replay;               /* first answer of /ocsp-replay */
} srv;

static struct {
  TestPkiCert *ca, *leaf, *revoked, *unknown, *aia, *deleg, *noeku, *other;
  GBytes *ca_der, *leaf_der, *leaf_pem, *revoked_der, *unknown_der, *aia_der;
  char *ca_pem, *ca_key, *deleg_pem, *deleg_key, *noeku_pem, *noeku_key,
      *other_pem, *other_key, *index;
  char *openssl;
} pki;

/* ---------------------------------------------------------------------
 * The server */

static guint
hits (const char *path)
{
  guint n;
  g_mutex_lock (&srv.lock);
  n = GPOINTER_TO_UINT (g_hash_table_lookup (srv.hits, path));
  g_mutex_unlock (&srv.lock);
  return n;
}

static char *
url (const char *path)
{
  return g_strdup_printf ("http://127.0.0.1:%u%s", srv.port, path);
}

static void
respond (SoupServerMessage *msg, const char *type, GBytes *body)
{
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, type, SOUP_MEMORY_COPY,
      g_bytes_get_data (body, NULL), g_bytes_get_size (body));
}

static gboolean
slow_done (gpointer data)
{
  SoupServerMessage *msg = data;
  respond (msg, "application/pkix-cert", pki.leaf_der);
  soup_server_message_unpause (msg);
  return G_SOURCE_REMOVE;
}

/* Run `openssl ocsp` as the responder for @req, signing with @signer */
static GBytes *
ocsp_answer (GBytes *req, const char *signer, const char *key,
    gboolean no_certs)
{
  g_autofree char *reqf = g_build_filename (test_pki_tmpdir (), "req.der",
      NULL);
  g_autofree char *respf = g_build_filename (test_pki_tmpdir (), "resp.der",
      NULL);
  g_autofree char *err_out = NULL;
  g_autoptr (GError) err = NULL;
  const char *argv[] = { "timeout", "20", pki.openssl, "ocsp",
    "-index", pki.index, "-CA", pki.ca_pem, "-rsigner", signer,
    "-rkey", key, "-reqin", reqf, "-respout", respf, "-ndays", "1",
    no_certs ? "-resp_no_certs" : NULL, NULL
  };
  char *data;
  gsize len;
  int status;

  g_unlink (respf);
  if (!g_file_set_contents (reqf, g_bytes_get_data (req, NULL),
          g_bytes_get_size (req), &err)
      || !g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH
          | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, &err_out, &status,
          &err)
      || !g_spawn_check_wait_status (status, &err)
      || !g_file_get_contents (respf, &data, &len, &err)) {
    g_printerr ("# openssl ocsp failed: %s\n# %s\n", err->message,
        err_out ? err_out : "");
    return NULL;
  }
  return g_bytes_new_take (data, len);
}

static void
handler (SoupServer *server, SoupServerMessage *msg, const char *path,
    GHashTable *query, gpointer data)
{
  SoupMessageHeaders *rh = soup_server_message_get_response_headers (msg);
  const char *signer = NULL, *key = NULL;

  g_mutex_lock (&srv.lock);
  g_hash_table_insert (srv.hits, g_strdup (path), GUINT_TO_POINTER (
          GPOINTER_TO_UINT (g_hash_table_lookup (srv.hits, path)) + 1));
  g_mutex_unlock (&srv.lock);

  if (g_str_equal (path, "/cert.der") || g_str_equal (path, "/cert2.der")) {
    respond (msg, "application/pkix-cert", pki.leaf_der);
  } else if (g_str_equal (path, "/ca.der")) {
    respond (msg, "application/pkix-cert", pki.ca_der);
  } else if (g_str_equal (path, "/cert.pem")) {
    respond (msg, "application/x-pem-file", pki.leaf_pem);
  } else if (g_str_equal (path, "/no-store.der")) {
    respond (msg, "application/pkix-cert", pki.leaf_der);
    soup_message_headers_replace (rh, "Cache-Control", "no-store");
  } else if (g_str_equal (path, "/max-age.der")) {
    respond (msg, "application/pkix-cert", pki.leaf_der);
    soup_message_headers_replace (rh, "Cache-Control", "public, max-age=1");
  } else if (g_str_equal (path, "/slow")) {
    GSource *t = g_timeout_source_new (SLOW_MS);
    soup_server_message_pause (msg);
    g_source_set_callback (t, slow_done, g_object_ref (msg), g_object_unref);
    g_source_attach (t, srv.ctx);
    g_source_unref (t);
  } else if (g_str_equal (path, "/big") || g_str_equal (path, "/big-chunked")) {
    g_autofree char *junk = g_malloc0 (1 << 20);
    soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
    if (g_str_equal (path, "/big-chunked"))
      soup_message_headers_set_encoding (rh, SOUP_ENCODING_CHUNKED);
    soup_message_headers_set_content_type (rh, "application/pkix-cert",
        NULL);
    for (int i = 0; i < 16; i++)
      soup_message_body_append (soup_server_message_get_response_body (msg),
          SOUP_MEMORY_COPY, junk, 1 << 16);
    soup_message_body_complete (soup_server_message_get_response_body (msg));
  } else if (g_str_equal (path, "/junk")) {
    g_autoptr (GBytes) b = g_bytes_new_static ("<html>hello</html>", 18);
    respond (msg, "text/html", b);
  } else if (g_str_has_prefix (path, "/ocsp")) {
    g_autoptr (GBytes) req = NULL;
    g_autoptr (GBytes) ans = NULL;

    if (strcmp (soup_server_message_get_method (msg), "POST") != 0) {
      soup_server_message_set_status (msg, SOUP_STATUS_METHOD_NOT_ALLOWED,
          NULL);
      return;
    }
    req = soup_message_body_flatten (
        soup_server_message_get_request_body (msg));
    if (g_str_equal (path, "/ocsp") || g_str_equal (path, "/ocsp-replay")) {
      signer = pki.ca_pem;
      key = pki.ca_key;
    } else if (g_str_equal (path, "/ocsp-delegated")) {
      signer = pki.deleg_pem;
      key = pki.deleg_key;
    } else if (g_str_equal (path, "/ocsp-no-eku")) {
      signer = pki.noeku_pem;
      key = pki.noeku_key;
    } else if (g_str_equal (path, "/ocsp-wrong-key")
        || g_str_equal (path, "/ocsp-wrong-key-no-certs")) {
      signer = pki.other_pem;
      key = pki.other_key;
    }
    if (g_str_equal (path, "/ocsp-replay") && srv.replay)
      ans = g_bytes_ref (srv.replay);
    else if (signer)
      ans = ocsp_answer (req, signer, key,
          g_str_has_suffix (path, "-no-certs"));
    if (!ans) {
      soup_server_message_set_status (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR,
          NULL);
      return;
    }
    if (g_str_equal (path, "/ocsp-replay") && !srv.replay)
      srv.replay = g_bytes_ref (ans);
    respond (msg, "application/ocsp-response", ans);
  } else {
    soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
  }
}

static gpointer
server_thread (gpointer data)
{
  g_autoptr (GError) err = NULL;
  GSList *uris;

  g_main_context_push_thread_default (srv.ctx);
  srv.server = soup_server_new ("server-header", "mky-net-test", NULL);
  soup_server_add_handler (srv.server, NULL, handler, NULL, NULL);
  if (!soup_server_listen_local (srv.server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY,
          &err))
    g_error ("listen: %s", err->message);
  uris = soup_server_get_uris (srv.server);
  g_mutex_lock (&srv.lock);
  srv.port = g_uri_get_port (uris->data);
  srv.ready = TRUE;
  g_cond_signal (&srv.cond);
  g_mutex_unlock (&srv.lock);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  g_main_loop_run (srv.loop);

  soup_server_disconnect (srv.server);
  g_clear_object (&srv.server);
  while (g_main_context_iteration (srv.ctx, FALSE));
  g_main_context_pop_thread_default (srv.ctx);
  return NULL;
}

static void
server_start (void)
{
  gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  g_mutex_init (&srv.lock);
  g_cond_init (&srv.cond);
  srv.hits = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  srv.ctx = g_main_context_new ();
  srv.loop = g_main_loop_new (srv.ctx, FALSE);
  srv.thread = g_thread_new ("http-server", server_thread, NULL);
  g_mutex_lock (&srv.lock);
  while (!srv.ready)
    if (!g_cond_wait_until (&srv.cond, &srv.lock, end))
      g_error ("the HTTP server did not start");
  g_mutex_unlock (&srv.lock);
}

static gboolean
quit_loop (gpointer data)
{
  g_main_loop_quit (srv.loop);
  return G_SOURCE_REMOVE;
}

static void
server_stop (void)
{
  g_main_context_invoke (srv.ctx, quit_loop, NULL);
  g_thread_join (srv.thread);
  g_main_loop_unref (srv.loop);
  g_main_context_unref (srv.ctx);
  g_hash_table_unref (srv.hits);
  g_clear_pointer (&srv.replay, g_bytes_unref);
}

/* ---------------------------------------------------------------------
 * The PKI */

#define CHECK_GNUTLS(call) g_assert_cmpint ((call), >=, 0)

/* Add an OCSP AIA URL and/or the OCSPSigning purpose to @c, re-signed by
 * @issuer */
static void
extend (TestPkiCert *c, const TestPkiCert *issuer, const char *aia,
    gboolean ocsp_signing)
{
  if (aia) {
    gnutls_datum_t d = { (unsigned char *) aia, strlen (aia) };
    CHECK_GNUTLS (gnutls_x509_crt_set_authority_info_access (c->crt,
            GNUTLS_IA_OCSP_URI, &d));
  }
  if (ocsp_signing)
    CHECK_GNUTLS (gnutls_x509_crt_set_key_purpose_oid (c->crt,
            GNUTLS_KP_OCSP_SIGNING, 0));
  CHECK_GNUTLS (gnutls_x509_crt_sign2 (c->crt, issuer->crt, issuer->key,
          GNUTLS_DIG_SHA256, 0));
}

static char *
write_pem (const char *name, GBytes *pem)
{
  return test_pki_write (name, pem);
}

static void
pki_make (void)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  TestPkiSpec ca = { .cn = "Test CA", .key_slot = 0, .not_before = now - 3600,
    .not_after = now + 30 * 86400, .serial = 1, .ca = TRUE };
  TestPkiSpec leaf = { .cn = "leaf", .uri = "sip:alice@example.org",
    .key_slot = 1, .not_before = now - 3600, .not_after = now + 10 * 86400,
    .usage = TEST_PKI_KU_BOTH, .serial = SERIAL_LEAF };
  TestPkiSpec responder = { .cn = "OCSP responder", .key_slot = 2,
    .not_before = now - 3600, .not_after = now + 10 * 86400,
    .usage = TEST_PKI_KU_SIGN, .serial = 0x2001 };
  TestPkiSpec other = { .cn = "Test CA", .key_slot = 3, .not_before =
        now - 3600, .not_after = now + 30 * 86400, .serial = 1, .ca = TRUE };
  g_autofree char *aia_url = url ("/ocsp");
  g_autoptr (GString) index = g_string_new (NULL);
  g_autoptr (GBytes) idx = NULL;

  pki.ca = test_pki_issue (&ca, NULL);
  pki.leaf = test_pki_issue (&leaf, pki.ca);
  leaf.serial = SERIAL_REVOKED;
  leaf.cn = "revoked";
  pki.revoked = test_pki_issue (&leaf, pki.ca);
  leaf.serial = SERIAL_UNKNOWN;
  leaf.cn = "unknown";
  pki.unknown = test_pki_issue (&leaf, pki.ca);
  leaf.serial = SERIAL_AIA;
  leaf.cn = "with AIA";
  pki.aia = test_pki_issue (&leaf, pki.ca);
  extend (pki.aia, pki.ca, aia_url, FALSE);
  pki.deleg = test_pki_issue (&responder, pki.ca);
  extend (pki.deleg, pki.ca, NULL, TRUE);
  responder.serial = 0x2002;
  responder.cn = "not a responder";
  pki.noeku = test_pki_issue (&responder, pki.ca);
  pki.other = test_pki_issue (&other, NULL);        /* same name, other key */

  pki.ca_der = test_pki_cert_der (pki.ca);
  pki.leaf_der = test_pki_cert_der (pki.leaf);
  pki.leaf_pem = test_pki_cert_pem (pki.leaf);
  pki.revoked_der = test_pki_cert_der (pki.revoked);
  pki.unknown_der = test_pki_cert_der (pki.unknown);
  pki.aia_der = test_pki_cert_der (pki.aia);

#define W(field, name, expr) G_STMT_START { \
    g_autoptr (GBytes) _b = (expr); \
    pki.field = write_pem (name, _b); \
  } G_STMT_END
  W (ca_pem, "ca.pem", test_pki_cert_pem (pki.ca));
  W (ca_key, "ca.key", test_pki_key_pem (pki.ca, NULL));
  W (deleg_pem, "deleg.pem", test_pki_cert_pem (pki.deleg));
  W (deleg_key, "deleg.key", test_pki_key_pem (pki.deleg, NULL));
  W (noeku_pem, "noeku.pem", test_pki_cert_pem (pki.noeku));
  W (noeku_key, "noeku.key", test_pki_key_pem (pki.noeku, NULL));
  W (other_pem, "other.pem", test_pki_cert_pem (pki.other));
  W (other_key, "other.key", test_pki_key_pem (pki.other, NULL));
#undef W

  /* openssl's CA database: V(alid) / R(evoked), expiry, revocation,
   * serial in hex, file, DN; a serial not in it is "unknown" */
  g_string_append_printf (index, "V\t%s\t\t%X\tunknown\t/CN=leaf\n",
      "351231000000Z", SERIAL_LEAF);
  g_string_append_printf (index, "V\t%s\t\t%X\tunknown\t/CN=with AIA\n",
      "351231000000Z", SERIAL_AIA);
  g_string_append_printf (index,
      "R\t%s\t%s,keyCompromise\t%X\tunknown\t/CN=revoked\n",
      "351231000000Z", "240101000000Z", SERIAL_REVOKED);
  idx = g_bytes_new (index->str, index->len);
  pki.index = test_pki_write ("index.txt", idx);
  pki.openssl = g_find_program_in_path ("openssl");
}

static void
pki_free (void)
{
  TestPkiCert **certs[] = { &pki.ca, &pki.leaf, &pki.revoked, &pki.unknown,
    &pki.aia, &pki.deleg, &pki.noeku, &pki.other };
  GBytes **bytes[] = { &pki.ca_der, &pki.leaf_der, &pki.leaf_pem,
    &pki.revoked_der, &pki.unknown_der, &pki.aia_der };
  char **strs[] = { &pki.ca_pem, &pki.ca_key, &pki.deleg_pem, &pki.deleg_key,
    &pki.noeku_pem, &pki.noeku_key, &pki.other_pem, &pki.other_key,
    &pki.index, &pki.openssl };

  for (guint i = 0; i < G_N_ELEMENTS (certs); i++)
    g_clear_pointer (certs[i], test_pki_cert_free);
  for (guint i = 0; i < G_N_ELEMENTS (bytes); i++)
    g_clear_pointer (bytes[i], g_bytes_unref);
  for (guint i = 0; i < G_N_ELEMENTS (strs); i++)
    g_clear_pointer (strs[i], g_free);
}

/* ---------------------------------------------------------------------
 * Helpers */

static MkyNetFetcher *
fetcher_new (void)
{
  MkyNetFetcher *f = mky_net_fetcher_new ();
  g_object_set (f, "timeout-ms", 5000, NULL);
  return f;
}

static GBytes *
fetch (MkyNetFetcher *f, const char *path, GError **error)
{
  g_autofree char *u = url (path);
  return mky_net_fetcher_fetch_cert (u, f, error);
}

static void
assert_bytes_equal (GBytes *a, GBytes *b)
{
  g_assert_nonnull (a);
  g_assert_nonnull (b);
  g_assert_cmpmem (g_bytes_get_data (a, NULL), g_bytes_get_size (a),
      g_bytes_get_data (b, NULL), g_bytes_get_size (b));
}

/* @err is @code and its message holds @what; say it in the log */
static void
expect_error (GError *err, gint code, const char *what)
{
  g_assert_error (err, MKY_ERROR, code);
  g_test_message ("expected error: %s", err->message);
  if (what && !strstr (err->message, what))
    g_error ("\"%s\" lacks \"%s\"", err->message, what);
}

static void
assert_fetch_fails (MkyNetFetcher *f, const char *path, const char *what)
{
  g_autoptr (GError) err = NULL;
  g_autoptr (GBytes) got = fetch (f, path, &err);

  g_assert_null (got);
  expect_error (err, MKY_ERROR_CERT_FETCH, what);
}

static gboolean
need_openssl (void)
{
  if (!pki.openssl) {
    g_test_skip ("openssl not found");
    return FALSE;
  }
  return TRUE;
}

static gboolean
ocsp (MkyNetFetcher *f, GBytes *leaf, const char *path, gint64 now_us,
    GError **error)
{
  g_autofree char *u = path ? url (path) : NULL;
  return mky_net_ocsp_check (f, leaf, pki.ca_der, u, now_us, error);
}

/* ---------------------------------------------------------------------
 * Certificate URLs */

static void
test_fetch_der (void)
{
  g_autoptr (MkyNetFetcher) f = fetcher_new ();
  g_autoptr (GError) err = NULL;
  g_autoptr (GBytes) a = NULL;
  g_autoptr (GBytes) b = NULL;
  guint before = hits ("/cert.der");

  a = fetch (f, "/cert.der", &err);
  g_assert_no_error (err);
  assert_bytes_equal (a, pki.leaf_der);
  g_assert_cmpuint (hits ("/cert.der"), ==, before + 1);
  b = fetch (f, "/cert.der", &err);
  g_assert_no_error (err);
  assert_bytes_equal (b, pki.leaf_der);
  g_assert_cmpuint (hits ("/cert.der"), ==, before + 1);   /* cached */

  mky_net_fetcher_clear_cache (f);
  g_clear_pointer (&b, g_bytes_unref);
  b = fetch (f, "/cert.der", &err);
  g_assert_no_error (err);
  g_assert_cmpuint (hits ("/cert.der"), ==, before + 2);
}

static void
test_fetch_pem (void)
{
  g_autoptr (MkyNetFetcher) f = fetcher_new ();
  g_autoptr (GError) err = NULL;
  g_autoptr (GBytes) a = fetch (f, "/cert.pem", &err);

  g_assert_no_error (err);
  assert_bytes_equal (a, pki.leaf_der);     /* given back as DER */
}

static void
test_fetch_cache_control (void)
{
  g_autoptr (MkyNetFetcher) f = fetcher_new ();
  guint before = hits ("/no-store.der"), before2 = hits ("/max-age.der");

  for (int i = 0; i < 2; i++) {
    g_autoptr (GError) err = NULL;
    g_autoptr (GBytes) a = fetch (f, "/no-store.der", &err);
    g_assert_no_error (err);
    (void) a;
  }
  g_assert_cmpuint (hits ("/no-store.der"), ==, before + 2);

  /* max-age=1: cached for a second, not for the default hour */
  for (int i = 0; i < 3; i++) {
    g_autoptr (GError) err = NULL;
    g_autoptr (GBytes) a = NULL;
    if (i == 2)
      g_usleep (1200 * 1000);
    a = fetch (f, "/max-age.der", &err);
    g_assert_no_error (err);
  }
  g_assert_cmpuint (hits ("/max-age.der"), ==, before2 + 2);
}

static void
test_fetch_cache_bound (void)
{
  g_autoptr (MkyNetFetcher) f = fetcher_new ();
  const char *order[] = { "/cert2.der", "/ca.der", "/cert2.der" };
  guint before = hits ("/cert2.der");

  g_object_set (f, "cache-size", 1, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (order); i++) {
    g_autoptr (GError) err = NULL;
    g_autoptr (GBytes) a = fetch (f, order[i], &err);
    g_assert_no_error (err);
    (void) a;
  }
  /* the CA evicted the leaf */
  g_assert_cmpuint (hits ("/cert2.der"), ==, before + 2);
}

static void
test_fetch_timeout (void)
{
  g_autoptr (MkyNetFetcher) f = fetcher_new ();
  gint64 t0 = g_get_monotonic_time ();

  g_object_set (f, "timeout-ms", 300, NULL);
  assert_fetch_fails (f, "/slow", "timed out");
  /* given up at the deadline, not when the server answered */
  g_assert_cmpint (g_get_monotonic_time () - t0, <, SLOW_MS * 1000 * 3 / 4);
}

static void
test_fetch_too_large (void)
{
  g_autoptr (MkyNetFetcher) f = fetcher_new ();

  assert_fetch_fails (f, "/big", "too large");
  assert_fetch_fails (f, "/big-chunked", "too large");
  /* a limit above the body: then it is simply not a certificate */
  g_object_set (f, "max-size", 2 << 20, NULL);
  assert_fetch_fails (f, "/big-chunked", "not a certificate");
}

static void
test_fetch_errors (void)
{
  g_autoptr (MkyNetFetcher) f = fetcher_new ();
  g_autoptr (GError) err = NULL;
  g_autoptr (GBytes) got = NULL;
  guint before = hits ("/missing");

  assert_fetch_fails (f, "/missing", "HTTP 404");
  assert_fetch_fails (f, "/missing", "HTTP 404");
  g_assert_cmpuint (hits ("/missing"), ==, before + 2);     /* not cached */
  assert_fetch_fails (f, "/junk", "not a certificate");
  assert_fetch_fails (f, "/junk", "text/html");

  got = mky_net_fetcher_fetch_cert ("ftp://127.0.0.1/cert.der", f, &err);
  g_assert_null (got);
  expect_error (err, MKY_ERROR_CERT_FETCH, NULL);
  g_clear_error (&err);
  got = mky_net_fetcher_fetch_cert ("not a url", f, &err);
  g_assert_null (got);
  expect_error (err, MKY_ERROR_CERT_FETCH, NULL);
  g_clear_error (&err);
  g_object_set (f, "allow-https", FALSE, NULL);
  got = mky_net_fetcher_fetch_cert ("https://127.0.0.1/cert.der", f, &err);
  g_assert_null (got);
  expect_error (err, MKY_ERROR_CERT_FETCH, "https not supported");
}

/* The whole of mky_trust_verify with a URL CERT entry */
static void
test_trust_verify_url (void)
{
  g_autoptr (MkyTrust) trust = mky_trust_new ();
  g_autoptr (GPtrArray) chain = mky_cert_chain_new ();
  g_autoptr (GPtrArray) bad = mky_cert_chain_new ();
  g_autoptr (GError) err = NULL;
  g_autoptr (MkyPeer) peer = NULL;
  g_autofree char *u = url ("/cert.der");
  g_autofree char *missing = url ("/missing");

  g_assert_true (mky_trust_add_ca_memory (trust, pki.ca_der, &err));
  g_assert_no_error (err);
  mky_trust_set_fetch_func (trust, mky_net_fetcher_fetch_cert, fetcher_new (),
      g_object_unref);

  mky_cert_chain_add (chain, MKY_CERT_X509V3_URL, (const guint8 *) u,
      strlen (u));
  peer = mky_trust_verify (trust, chain, MKY_ID_URI, "sip:alice@example.org",
      MKY_KEY_USAGE_SIGN, g_get_real_time (), &err);
  g_assert_no_error (err);
  g_assert_nonnull (peer);
  assert_bytes_equal (mky_peer_get_leaf_der (peer), pki.leaf_der);

  mky_cert_chain_add (bad, MKY_CERT_X509V3_URL, (const guint8 *) missing,
      strlen (missing));
  g_assert_null (mky_trust_verify (trust, bad, MKY_ID_URI, NULL,
          MKY_KEY_USAGE_SIGN, g_get_real_time (), &err));
  expect_error (err, MKY_ERROR_CERT_FETCH, NULL);
}

/* ---------------------------------------------------------------------
 * OCSP */

static void
test_ocsp_good_cached (void)
{
  g_autoptr (MkyNetFetcher) f = fetcher_new ();
  g_autoptr (GError) err = NULL;
  gint64 now = g_get_real_time ();
  guint before = hits ("/ocsp");

  if (!need_openssl ())
    return;
  g_assert_true (ocsp (f, pki.leaf_der, "/ocsp", now, &err));
  g_assert_no_error (err);
  g_assert_cmpuint (hits ("/ocsp"), ==, before + 1);
  /* nextUpdate is a day away: answered from the cache an hour later */
  g_assert_true (ocsp (f, pki.leaf_der, "/ocsp", now + G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC,
          &err));
  g_assert_no_error (err);
  g_assert_cmpuint (hits ("/ocsp"), ==, before + 1);
  /* two days later the cached answer is gone; the new one (made at the
   * real time, with nextUpdate a day later) is stale by then */
  g_assert_false (ocsp (f, pki.leaf_der, "/ocsp",
          now + G_GINT64_CONSTANT (2 * 86400) * G_USEC_PER_SEC, &err));
  expect_error (err, MKY_ERROR_CERT_FETCH, "stale");
  g_assert_cmpuint (hits ("/ocsp"), ==, before + 2);
  g_clear_error (&err);
  /* a day in the past: the answer's thisUpdate is in the future */
  g_assert_false (ocsp (f, pki.leaf_der, "/ocsp",
          now - G_GINT64_CONSTANT (86400) * G_USEC_PER_SEC, &err));
  expect_error (err, MKY_ERROR_CERT_FETCH, "future");
}

static void
test_ocsp_revoked_unknown (void)
{
  g_autoptr (MkyNetFetcher) f = fetcher_new ();
  g_autoptr (GError) err = NULL;
  gint64 now = g_get_real_time ();
  guint before = hits ("/ocsp");

  if (!need_openssl ())
    return;
  g_assert_false (ocsp (f, pki.revoked_der, "/ocsp", now, &err));
  expect_error (err, MKY_ERROR_CERT_REVOKED, NULL);
  g_clear_error (&err);
  g_assert_false (ocsp (f, pki.revoked_der, "/ocsp", now, &err));
  expect_error (err, MKY_ERROR_CERT_REVOKED, NULL);
  g_clear_error (&err);
  g_assert_cmpuint (hits ("/ocsp"), ==, before + 1);        /* cached too */

  g_assert_false (ocsp (f, pki.unknown_der, "/ocsp", now, &err));
  expect_error (err, MKY_ERROR_CERT_FETCH, "unknown");
}

static void
test_ocsp_aia (void)
{
  g_autoptr (MkyNetFetcher) f = fetcher_new ();
  g_autoptr (GError) err = NULL;
  guint before = hits ("/ocsp");

  if (!need_openssl ())
    return;
  g_assert_true (ocsp (f, pki.aia_der, NULL, g_get_real_time (), &err));
  g_assert_no_error (err);
  g_assert_cmpuint (hits ("/ocsp"), ==, before + 1);
  /* no AIA and no URL: nobody to ask */
  g_assert_false (ocsp (f, pki.leaf_der, NULL, g_get_real_time (), &err));
  expect_error (err, MKY_ERROR_CERT_FETCH, NULL);
}

static void
test_ocsp_signers (void)
{
  g_autoptr (MkyNetFetcher) f = fetcher_new ();
  gint64 now = g_get_real_time ();
  guint before = hits ("/ocsp-wrong-key");

  if (!need_openssl ())
    return;
  {
    g_autoptr (GError) err = NULL;
    g_assert_true (ocsp (f, pki.leaf_der, "/ocsp-delegated", now, &err));
    g_assert_no_error (err);
  }
  {
    /* signed by a certificate of the CA without OCSPSigning */
    g_autoptr (GError) err = NULL;
    g_assert_false (ocsp (f, pki.leaf_der, "/ocsp-no-eku", now, &err));
    expect_error (err, MKY_ERROR_CERT_FETCH, "not signed");
  }
  for (int i = 0; i < 2; i++) {
    /* signed by another key under the CA's name: refused, not cached */
    g_autoptr (GError) err = NULL;
    g_assert_false (ocsp (f, pki.leaf_der, "/ocsp-wrong-key", now, &err));
    expect_error (err, MKY_ERROR_CERT_FETCH, "not signed");
  }
  g_assert_cmpuint (hits ("/ocsp-wrong-key"), ==, before + 2);
  {
    /* the same without the signer's certificate in the answer */
    g_autoptr (GError) err = NULL;
    g_assert_false (ocsp (f, pki.leaf_der, "/ocsp-wrong-key-no-certs", now,
            &err));
    expect_error (err, MKY_ERROR_CERT_FETCH, "not signed");
  }
}

static void
test_ocsp_nonce (void)
{
  g_autoptr (MkyNetFetcher) f = fetcher_new ();
  g_autoptr (MkyNetFetcher) g = fetcher_new ();
  g_autoptr (GError) err = NULL;
  gint64 now = g_get_real_time ();

  if (!need_openssl ())
    return;
  /* the first answer echoes our nonce; the same answer replayed to
   * another request does not */
  g_assert_true (ocsp (f, pki.leaf_der, "/ocsp-replay", now, &err));
  g_assert_no_error (err);
  g_assert_false (ocsp (g, pki.leaf_der, "/ocsp-replay", now, &err));
  expect_error (err, MKY_ERROR_CERT_FETCH, "nonce");
}

static void
test_ocsp_hook (void)
{
  g_autoptr (MkyNetFetcher) f = fetcher_new ();
  g_autoptr (GError) err = NULL;
  g_autofree char *missing = url ("/missing");
  gint64 now = g_get_real_time ();
  guint before = hits ("/ocsp");

  if (!need_openssl ())
    return;
  /* wired into the core's trust: a revoked certificate is refused by
   * mky_trust_verify itself, a good one accepted */
  {
    g_autoptr (MkyTrust) trust = mky_trust_new ();
    g_autoptr (GPtrArray) good = mky_cert_chain_new ();
    g_autoptr (GPtrArray) revoked = mky_cert_chain_new ();
    g_autoptr (MkyNetFetcher) hooked = fetcher_new ();
    g_autoptr (MkyPeer) peer = NULL;
    g_autofree char *u = url ("/ocsp");
    gsize len;
    const guint8 *d;

    g_object_set (hooked, "ocsp-responder", u, NULL);
    g_assert_true (mky_trust_add_ca_memory (trust, pki.ca_der, &err));
    mky_trust_set_revocation_func (trust, mky_net_fetcher_check_revocation,
        g_object_ref (hooked), g_object_unref);
    d = g_bytes_get_data (pki.leaf_der, &len);
    mky_cert_chain_add (good, MKY_CERT_X509V3, d, len);
    d = g_bytes_get_data (pki.revoked_der, &len);
    mky_cert_chain_add (revoked, MKY_CERT_X509V3, d, len);
    peer = mky_trust_verify (trust, good, MKY_ID_URI, NULL,
        MKY_KEY_USAGE_SIGN, now, &err);
    g_assert_no_error (err);
    g_assert_nonnull (peer);
    g_assert_null (mky_trust_verify (trust, revoked, MKY_ID_URI, NULL,
            MKY_KEY_USAGE_SIGN, now, &err));
    expect_error (err, MKY_ERROR_CERT_REVOKED, NULL);
    g_clear_error (&err);
  }
  before = hits ("/ocsp");
  /* no responder known: passes without asking; no issuer: passes */
  g_assert_true (mky_net_fetcher_check_revocation (pki.leaf_der, pki.ca_der,
          now, f, &err));
  g_assert_true (mky_net_fetcher_check_revocation (pki.ca_der, NULL, now, f,
          &err));
  g_assert_no_error (err);
  g_assert_cmpuint (hits ("/ocsp"), ==, before);
  /* the leaf's AIA */
  g_assert_true (mky_net_fetcher_check_revocation (pki.aia_der, pki.ca_der,
          now, f, &err));
  g_assert_no_error (err);
  g_assert_cmpuint (hits ("/ocsp"), ==, before + 1);
  /* the configured responder */
  {
    g_autofree char *u = url ("/ocsp");
    g_object_set (f, "ocsp-responder", u, NULL);
  }
  g_assert_false (mky_net_fetcher_check_revocation (pki.revoked_der,
          pki.ca_der, now, f, &err));
  expect_error (err, MKY_ERROR_CERT_REVOKED, NULL);
  g_clear_error (&err);
  /* a responder that fails: refused, or accepted with soft-fail */
  g_object_set (f, "ocsp-responder", missing, NULL);
  g_assert_false (mky_net_fetcher_check_revocation (pki.leaf_der, pki.ca_der,
          now, f, &err));
  expect_error (err, MKY_ERROR_CERT_FETCH, "HTTP 404");
  g_clear_error (&err);
  g_object_set (f, "ocsp-soft-fail", TRUE, NULL);
  g_assert_true (mky_net_fetcher_check_revocation (pki.leaf_der, pki.ca_der,
          now, f, &err));
  g_assert_no_error (err);
  /* but revoked stays revoked (cached from above, keyed by URL: ask again) */
  {
    g_autofree char *u = url ("/ocsp");
    g_object_set (f, "ocsp-responder", u, NULL);
  }
  g_assert_false (mky_net_fetcher_check_revocation (pki.revoked_der,
          pki.ca_der, now, f, &err));
  expect_error (err, MKY_ERROR_CERT_REVOKED, NULL);
}

int
main (int argc, char **argv)
{
  int ret;

  /* only 127.0.0.1, never through a proxy from the environment */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_setenv ("no_proxy", "*", TRUE);
  g_test_init (&argc, &argv, NULL);
  server_start ();
  pki_make ();

  g_test_add_func ("/net/fetch/der", test_fetch_der);
  g_test_add_func ("/net/fetch/pem", test_fetch_pem);
  g_test_add_func ("/net/fetch/cache-control", test_fetch_cache_control);
  g_test_add_func ("/net/fetch/cache-bound", test_fetch_cache_bound);
  g_test_add_func ("/net/fetch/timeout", test_fetch_timeout);
  g_test_add_func ("/net/fetch/too-large", test_fetch_too_large);
  g_test_add_func ("/net/fetch/errors", test_fetch_errors);
  g_test_add_func ("/net/fetch/trust-verify-url", test_trust_verify_url);
  g_test_add_func ("/net/ocsp/good-cached", test_ocsp_good_cached);
  g_test_add_func ("/net/ocsp/revoked-unknown", test_ocsp_revoked_unknown);
  g_test_add_func ("/net/ocsp/aia", test_ocsp_aia);
  g_test_add_func ("/net/ocsp/signers", test_ocsp_signers);
  g_test_add_func ("/net/ocsp/nonce", test_ocsp_nonce);
  g_test_add_func ("/net/ocsp/hook", test_ocsp_hook);
  ret = g_test_run ();

  server_stop ();
  pki_free ();
  test_pki_cleanup ();
  return ret;
}
