/* The fixed world of fuzz_process.c and gen-corpus.c (see fuzz-world.h). */
#include "fuzz-world.h"

#include <string.h>
#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>
#include "test-pki.h"

#define SEC G_USEC_PER_SEC
#define DAY (G_GINT64_CONSTANT (86400))
#define YEAR (365 * DAY)
#define NOW_S (FUZZ_NOW / SEC)

const char *const fuzz_kind_names[FUZZ_N_KINDS] = {
  "psk", "pk", "rsa-r", "rsa-r-group", "dh", "dhhmac",
};

const char *const fuzz_sdp_ids[] = { "mikey", NULL };

const FuzzTarget fuzz_targets[FUZZ_N_TARGETS] = {
  { "psk-responder", FUZZ_PSK, FALSE, FALSE },
  { "psk-responder-established", FUZZ_PSK, FALSE, TRUE },
  { "pk-responder", FUZZ_PK, FALSE, FALSE },
  { "pk-responder-established", FUZZ_PK, FALSE, TRUE },
  { "rsa-r-responder", FUZZ_RSA_R, FALSE, FALSE },
  { "rsa-r-group-responder", FUZZ_RSA_R_GROUP, FALSE, FALSE },
  { "dh-responder", FUZZ_DH, FALSE, FALSE },
  { "dh-responder-established", FUZZ_DH, FALSE, TRUE },
  { "dhhmac-responder", FUZZ_DHHMAC, FALSE, FALSE },
  { "dhhmac-responder-established", FUZZ_DHHMAC, FALSE, TRUE },
  { "psk-initiator", FUZZ_PSK, TRUE, FALSE },
  { "pk-initiator", FUZZ_PK, TRUE, FALSE },
  { "rsa-r-initiator", FUZZ_RSA_R, TRUE, FALSE },
  { "rsa-r-group-initiator", FUZZ_RSA_R_GROUP, TRUE, FALSE },
  { "dh-initiator", FUZZ_DH, TRUE, FALSE },
  { "dhhmac-initiator", FUZZ_DHHMAC, TRUE, FALSE },
};

guint8
fuzz_target_selector (const char *name)
{
  for (guint i = 0; i < FUZZ_N_TARGETS; i++)
    if (strcmp (fuzz_targets[i].name, name) == 0)
      return i;
  g_error ("no fuzz target %s", name);
  return 0;
}

static const guint8 psk[32] = "the fuzzers' pre-shared key 32 B";
static const char alice_uri[] = "sip:alice@example.com";
static const char bob_uri[] = "sip:bob@example.com";
static const guint8 group_rand[16] = "group RAND 16 B";
static const guint8 group_tgk[16] = "group TGK no. 1";

static struct {
  gboolean ready;
  TestPkiCert *ca, *alice, *bob;
  MkyTrust *trust;
  MkyCredentials *alice_c, *bob_c;
  MkyPeer *bob_p;
  MkyCsb *group;
  GBytes *initial[FUZZ_N_KINDS];
} w;

/* ------------------------------------------------------------------ */
/* gnutls_rnd(), deterministic: xoshiro256** seeded by splitmix64. Every
 * call, the library's and GnuTLS's own (padding, PSS salts, blinding),
 * draws from this stream. */

static guint64 rng[4] = { 1, 2, 3, 4 };

static guint64
splitmix64 (guint64 *x)
{
  guint64 z = (*x += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

void
fuzz_rng_reset (guint64 seed)
{
  for (int i = 0; i < 4; i++)
    rng[i] = splitmix64 (&seed);
}

static inline guint64
rotl (guint64 x, int k)
{
  return (x << k) | (x >> (64 - k));
}

static guint64
rng_next (void)
{
  guint64 result = rotl (rng[1] * 5, 7) * 9, t = rng[1] << 17;
  rng[2] ^= rng[0];
  rng[3] ^= rng[1];
  rng[1] ^= rng[2];
  rng[0] ^= rng[3];
  rng[2] ^= t;
  rng[3] = rotl (rng[3], 45);
  return result;
}

int
gnutls_rnd (gnutls_rnd_level_t level, void *data, size_t len)
{
  guint8 *d = data;

  (void) level;
  while (len > 0) {
    guint64 r = rng_next ();
    size_t n = MIN (len, sizeof r);
    memcpy (d, &r, n);
    d += n;
    len -= n;
  }
  return 0;
}

/* ------------------------------------------------------------------ */

static TestPkiCert *
leaf (const char *uri, guint slot, guint64 serial)
{
  TestPkiSpec s = {
    .cn = uri, .uri = uri, .key_slot = slot, .serial = serial,
    .not_before = NOW_S - DAY, .not_after = NOW_S + 10 * YEAR,
    .usage = TEST_PKI_KU_BOTH,
  };
  return test_pki_issue (&s, w.ca);
}

static MkyCredentials *
creds (TestPkiCert *c)
{
  g_autoptr (GBytes) cert = test_pki_cert_pem (c);
  g_autoptr (GBytes) key = test_pki_key_pem (c, NULL);
  g_autoptr (GError) error = NULL;
  MkyCredentials *cr = mky_credentials_new_from_memory (cert, key, &error);

  if (cr == NULL)
    g_error ("fuzz world: credentials: %s", error->message);
  return cr;
}

static MkySrtpPolicy
policy (const char *cipher, const char *auth)
{
  MkySrtpPolicy p;
  g_autoptr (GError) error = NULL;

  if (!mky_srtp_policy_from_nicks (cipher, auth, cipher, auth, &p, &error))
    g_error ("fuzz world: policy: %s", error->message);
  return p;
}

void
fuzz_world_init (void)
{
  TestPkiSpec ca = {
    .cn = "MKY Fuzz CA", .key_slot = 0, .serial = 1, .ca = TRUE,
    .not_before = NOW_S - 10 * YEAR, .not_after = NOW_S + 10 * YEAR,
  };
  g_autoptr (GBytes) ca_pem = NULL;
  g_autoptr (GBytes) bob_der = NULL;
  g_autoptr (GError) error = NULL;
  MkySrtpPolicy p = policy ("aes-128-icm", "hmac-sha1-80");

  if (w.ready)
    return;
  w.ready = TRUE;
  fuzz_rng_reset (0);
  test_pki_set_seed ("mky fuzz world 1");
  w.ca = test_pki_issue (&ca, NULL);
  w.alice = leaf (alice_uri, 1, 100);
  w.bob = leaf (bob_uri, 2, 101);
  ca_pem = test_pki_cert_pem (w.ca);
  w.trust = mky_trust_new ();
  if (!mky_trust_add_ca_memory (w.trust, ca_pem, &error))
    g_error ("fuzz world: trust: %s", error->message);
  w.alice_c = creds (w.alice);
  w.bob_c = creds (w.bob);
  bob_der = test_pki_cert_der (w.bob);
  w.bob_p = mky_peer_new_from_der (bob_der, &error);
  if (w.bob_p == NULL)
    g_error ("fuzz world: peer: %s", error->message);

  /* the key server's group, from fixed values */
  w.group = mky_rsa_r_group_new (0x47525031, MKY_PRF_MIKEY_1);
  mky_bytes_set (&w.group->rand, group_rand, sizeof group_rand);
  mky_csb_add_cs (w.group, 0, 0xaaaa0001, 0);
  mky_csb_add_cs (w.group, 0, 0xaaaa0002, 0);
  mky_csb_set_policy (w.group, 0, &p, FALSE);
  mky_rsa_r_group_add_tgk (w.group, group_tgk, 16, 1);

  /* the I_MESSAGEs the established Responders have accepted */
  for (guint k = 0; k < FUZZ_N_KINDS; k++) {
    FuzzInitiator *ini = fuzz_initiator_new (k, &w.initial[k]);
    fuzz_initiator_free (ini);
  }
}

MkyPeer *
fuzz_world_responder_peer (void)
{
  return w.bob_p;
}

void
fuzz_world_free (void)
{
  if (!w.ready)
    return;
  for (guint k = 0; k < FUZZ_N_KINDS; k++)
    g_clear_pointer (&w.initial[k], g_bytes_unref);
  g_clear_pointer (&w.group, mky_csb_unref);
  g_clear_pointer (&w.bob_p, mky_peer_unref);
  g_clear_pointer (&w.alice_c, mky_credentials_unref);
  g_clear_pointer (&w.bob_c, mky_credentials_unref);
  g_clear_pointer (&w.trust, mky_trust_unref);
  g_clear_pointer (&w.ca, test_pki_cert_free);
  g_clear_pointer (&w.alice, test_pki_cert_free);
  g_clear_pointer (&w.bob, test_pki_cert_free);
  test_pki_cleanup ();
  w.ready = FALSE;
}

/* ------------------------------------------------------------------ */

static void
config_common (FuzzKind kind, MkyConfig *cfg, MkyCredentials *own)
{
  mky_config_init (cfg);
  switch (kind) {
    case FUZZ_PSK:
      mky_config_set_psk (cfg, psk, sizeof psk);
      cfg->id_i = g_strdup (alice_uri);
      cfg->id_r = g_strdup (bob_uri);
      break;
    case FUZZ_DHHMAC:
      mky_config_set_psk (cfg, psk, sizeof psk);
      cfg->id_r = g_strdup (bob_uri);
      break;
    case FUZZ_PK:
    case FUZZ_RSA_R:
    case FUZZ_RSA_R_GROUP:
    case FUZZ_DH:
      cfg->credentials = mky_credentials_ref (own);
      cfg->trust = mky_trust_ref (w.trust);
      break;
    default:
      g_assert_not_reached ();
  }
}

void
fuzz_config_initiator (FuzzKind kind, MkyConfig *cfg)
{
  config_common (kind, cfg, w.alice_c);
  if (kind == FUZZ_DHHMAC)
    cfg->id_i = g_strdup (alice_uri);
  if (kind == FUZZ_PK || kind == FUZZ_RSA_R || kind == FUZZ_DH)
    cfg->id_r = g_strdup (bob_uri);
}

void
fuzz_config_responder (FuzzKind kind, MkyConfig *cfg)
{
  config_common (kind, cfg, w.bob_c);
  /* MIKEY-NULL too: the corpus has a message of GStreamer's */
  if (kind == FUZZ_PSK)
    cfg->allow_null = TRUE;
}

/* ------------------------------------------------------------------ */

struct _FuzzInitiator {
  FuzzKind kind;
  MkyConfig cfg;
  MkyCsb *csb;
  union {
    MkyPskInitiator *psk;
    MkyPkInitiator *pk;
    MkyRsaRInitiator *rsa_r;
    MkyDhInitiator *dh;
  } u;
};

FuzzInitiator *
fuzz_initiator_new (FuzzKind kind, GBytes **request)
{
  FuzzInitiator *ini = g_new0 (FuzzInitiator, 1);
  g_autoptr (GBytes) req = NULL;
  g_autoptr (GError) error = NULL;

  fuzz_rng_reset (0x1000 + kind);
  ini->kind = kind;
  fuzz_config_initiator (kind, &ini->cfg);
  ini->csb = mky_csb_new (0xf0000001 + kind);
  if (kind != FUZZ_RSA_R_GROUP) {       /* a group member only listens */
    guint8 pol = kind == FUZZ_RSA_R ? 7 : 0;
    mky_csb_add_cs (ini->csb, pol, 0x11111111, 0);
    mky_csb_add_cs (ini->csb, pol, 0x22222222, 7);
  }
  switch (kind) {
    case FUZZ_PSK:
      ini->u.psk = mky_psk_initiator_new (&ini->cfg);
      mky_csb_add_key (ini->csb, MKY_KD_TGK, NULL, 16, NULL, 0, NULL, 0);
      req = mky_psk_initiator_build (ini->u.psk, ini->csb, TRUE, FUZZ_NOW,
          &error);
      break;
    case FUZZ_PK:
      ini->u.pk = mky_pk_initiator_new (&ini->cfg, w.bob_p, &error);
      if (ini->u.pk == NULL)
        break;
      mky_pk_initiator_set_cache (ini->u.pk, MKY_PKE_CACHE);
      mky_pk_initiator_set_chash (ini->u.pk, TRUE, MKY_HASH_SHA_256);
      mky_csb_add_key (ini->csb, MKY_KD_TGK, NULL, 16, NULL, 0, NULL, 0);
      req = mky_pk_initiator_build (ini->u.pk, ini->csb, TRUE, FUZZ_NOW,
          &error);
      break;
    case FUZZ_RSA_R:{
      MkySrtpPolicy p256 = policy ("aes-256-icm", "hmac-sha1-80");
      MkySrtpPolicy p128 = policy ("aes-128-icm", "hmac-sha1-32");
      mky_csb_set_policy (ini->csb, 3, &p256, FALSE);
      mky_csb_set_policy (ini->csb, 7, &p128, FALSE);
    }
      /* fall through */
    case FUZZ_RSA_R_GROUP:
      ini->u.rsa_r = mky_rsa_r_initiator_new (&ini->cfg,
          kind == FUZZ_RSA_R ? MKY_RSA_R_UNICAST : MKY_RSA_R_GROUP);
      /* to check a signed Error message */
      mky_rsa_r_initiator_set_responder_peer (ini->u.rsa_r, w.bob_p);
      req = mky_rsa_r_initiator_build (ini->u.rsa_r, ini->csb,
          kind == FUZZ_RSA_R, FUZZ_NOW, &error);
      break;
    case FUZZ_DH:
    case FUZZ_DHHMAC:
      ini->u.dh = mky_dh_initiator_new (&ini->cfg,
          kind == FUZZ_DH ? MKY_DH_MODE_SIGN : MKY_DH_MODE_HMAC);
      req = mky_dh_initiator_build (ini->u.dh, ini->csb, FALSE, NULL,
          FUZZ_NOW, &error);
      break;
    default:
      g_assert_not_reached ();
  }
  if (req == NULL)
    g_error ("fuzz world: %s Initiator: %s", fuzz_kind_names[kind],
        error ? error->message : "no request");
  if (request)
    *request = g_steal_pointer (&req);
  return ini;
}

MkyCsb *
fuzz_initiator_handle (FuzzInitiator *ini, GBytes *response, GError **error)
{
  gboolean ok = FALSE;

  switch (ini->kind) {
    case FUZZ_PSK:
      ok = mky_psk_initiator_handle_response (ini->u.psk, ini->csb, response,
          error);
      break;
    case FUZZ_PK:
      ok = mky_pk_initiator_handle_response (ini->u.pk, ini->csb, response,
          error);
      break;
    case FUZZ_RSA_R:
    case FUZZ_RSA_R_GROUP:{
      g_autoptr (MkyPeer) responder = NULL;
      MkyCsb *csb = mky_rsa_r_initiator_handle_response (ini->u.rsa_r,
          response, FUZZ_NOW, &responder, error);
      /* an accepted answer names who gave it */
      if (csb != NULL && responder == NULL)
        g_error ("RSA-R Initiator: a bundle but no Responder");
      return csb;
    }
    case FUZZ_DH:
    case FUZZ_DHHMAC:
      ok = mky_dh_initiator_handle_response (ini->u.dh, ini->csb, response,
          FUZZ_NOW, error);
      break;
    default:
      g_assert_not_reached ();
  }
  return ok ? mky_csb_ref (ini->csb) : NULL;
}

GBytes *
fuzz_initiator_update (FuzzInitiator *ini, guint variant, GError **error)
{
  const gint64 later = FUZZ_NOW + (1 + variant) * SEC;

  switch (ini->kind) {
    case FUZZ_PSK:
      mky_csb_clear_keys (ini->csb);
      if (variant == 0)
        mky_csb_add_key (ini->csb, MKY_KD_TGK, NULL, 16, NULL, 0, NULL, 0);
      else
        mky_csb_add_key (ini->csb, MKY_KD_TEK_SALT, NULL, 16, NULL, 14,
            (const guint8 *) "\0\0\0\2", 4);
      return mky_psk_initiator_build (ini->u.psk, ini->csb, TRUE, later,
          error);
    case FUZZ_PK:
      if (variant == 1)
        mky_pk_initiator_uncache (ini->u.pk, ini->csb->csb_id);
      mky_csb_clear_keys (ini->csb);
      mky_csb_add_key (ini->csb, MKY_KD_TGK, NULL, 16, NULL, 0, NULL, 0);
      return mky_pk_initiator_build (ini->u.pk, ini->csb, TRUE, later, error);
    case FUZZ_DH:
    case FUZZ_DHHMAC:
      return mky_dh_initiator_build (ini->u.dh, ini->csb, variant == 0,
          NULL, later, error);
    default:
      return NULL;
  }
}

void
fuzz_initiator_free (FuzzInitiator *ini)
{
  if (ini == NULL)
    return;
  switch (ini->kind) {
    case FUZZ_PSK:
      mky_psk_initiator_free (ini->u.psk);
      break;
    case FUZZ_PK:
      mky_pk_initiator_free (ini->u.pk);
      break;
    case FUZZ_RSA_R:
    case FUZZ_RSA_R_GROUP:
      mky_rsa_r_initiator_free (ini->u.rsa_r);
      break;
    case FUZZ_DH:
    case FUZZ_DHHMAC:
      mky_dh_initiator_free (ini->u.dh);
      break;
    default:
      g_assert_not_reached ();
  }
  mky_csb_unref (ini->csb);
  mky_config_clear (&ini->cfg);
  g_free (ini);
}

/* ------------------------------------------------------------------ */

struct _FuzzResponder {
  FuzzKind kind;
  MkyConfig cfg;
  union {
    MkyPskResponder *psk;
    MkyPkResponder *pk;
    MkyRsaRResponder *rsa_r;
    MkyDhResponder *dh;
  } u;
};

FuzzResponder *
fuzz_responder_new (FuzzKind kind, gboolean established, gboolean *ok)
{
  FuzzResponder *r = g_new0 (FuzzResponder, 1);

  r->kind = kind;
  fuzz_config_responder (kind, &r->cfg);
  switch (kind) {
    case FUZZ_PSK:
      r->u.psk = mky_psk_responder_new (&r->cfg, FUZZ_NOW, FALSE);
      break;
    case FUZZ_PK:
      r->u.pk = mky_pk_responder_new (&r->cfg, FUZZ_NOW, FALSE);
      /* a second key pair to choose from by CHASH */
      mky_pk_responder_add_credentials (r->u.pk, w.alice_c);
      break;
    case FUZZ_RSA_R:{
      MkySrtpPolicy p128 = policy ("aes-128-icm", "hmac-sha1-32");
      r->u.rsa_r = mky_rsa_r_responder_new (&r->cfg, FUZZ_NOW, FALSE);
      mky_rsa_r_responder_add_policy (r->u.rsa_r, &p128);
      mky_rsa_r_responder_add_stream (r->u.rsa_r, 0x33333333, 0);
      break;
    }
    case FUZZ_RSA_R_GROUP:{
      g_autoptr (GError) error = NULL;
      r->u.rsa_r = mky_rsa_r_responder_new (&r->cfg, FUZZ_NOW, FALSE);
      if (!mky_rsa_r_responder_set_group (r->u.rsa_r, w.group, &error))
        g_error ("fuzz world: group: %s", error->message);
      break;
    }
    case FUZZ_DH:
    case FUZZ_DHHMAC:
      r->u.dh = mky_dh_responder_new (&r->cfg,
          kind == FUZZ_DH ? MKY_DH_MODE_SIGN : MKY_DH_MODE_HMAC, FUZZ_NOW,
          FALSE);
      break;
    default:
      g_assert_not_reached ();
  }
  if (ok)
    *ok = TRUE;
  if (established) {
    g_autoptr (GBytes) reply = NULL;
    g_autoptr (MkyCsb) csb = fuzz_responder_handle (r, w.initial[kind],
        FALSE, &reply, NULL);
    if (ok)
      *ok = csb != NULL;
  }
  return r;
}

MkyCsb *
fuzz_responder_handle (FuzzResponder *r, GBytes *message, gboolean sdp_ids,
    GBytes **reply, GError **error)
{
  switch (r->kind) {
    case FUZZ_PSK:
      return mky_psk_responder_handle (r->u.psk, message, FUZZ_NOW, reply,
          error);
    case FUZZ_PK:
      return mky_pk_responder_handle (r->u.pk, message, FUZZ_NOW, reply,
          error);
    case FUZZ_RSA_R:
    case FUZZ_RSA_R_GROUP:{
      g_autoptr (MkyPeer) initiator = NULL;
      MkyCsb *csb = mky_rsa_r_responder_handle (r->u.rsa_r, message,
          FUZZ_NOW, reply, &initiator, error);
      if (csb != NULL && initiator == NULL)
        g_error ("RSA-R Responder: a bundle but no Initiator");
      return csb;
    }
    case FUZZ_DH:
    case FUZZ_DHHMAC:
      return mky_dh_responder_handle (r->u.dh, message,
          sdp_ids ? fuzz_sdp_ids : NULL, FUZZ_NOW, reply, error);
    default:
      g_assert_not_reached ();
  }
  return NULL;
}

void
fuzz_responder_free (FuzzResponder *r)
{
  if (r == NULL)
    return;
  switch (r->kind) {
    case FUZZ_PSK:
      mky_psk_responder_free (r->u.psk);
      break;
    case FUZZ_PK:
      mky_pk_responder_free (r->u.pk);
      break;
    case FUZZ_RSA_R:
    case FUZZ_RSA_R_GROUP:
      mky_rsa_r_responder_free (r->u.rsa_r);
      break;
    case FUZZ_DH:
    case FUZZ_DHHMAC:
      mky_dh_responder_free (r->u.dh);
      break;
    default:
      g_assert_not_reached ();
  }
  mky_config_clear (&r->cfg);
  g_free (r);
}
