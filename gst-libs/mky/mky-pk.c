/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>
#include <gnutls/crypto.h>

#include "mky-pk.h"
#include "mky-psk.h"
#include "mky-exchange.h"
#include "mky-error.h"
#include "mky-sign.h"
#include "mky-time.h"

/* ---- shared ---- */

/* Per-bundle state by CSB ID: a new entry for a bundle replaces its old
 * one, which makes room for it */
static void
table_store (MkyTable *t, guint32 csb_id, gpointer value)
{
  mky_table_remove (t, csb_id);
  mky_table_store (t, csb_id, value);
}

/* The verification message and authenticated Error messages always carry a
 * MAC: the KEMAC's algorithm, HMAC-SHA-1-160 when that is NULL (AES-KW in
 * PK mode). */
static MkyMacAlg
verify_mac_alg (guint kemac_mac)
{
  return kemac_mac == MKY_MAC_NULL ? MKY_MAC_HMAC_SHA_1_160 : kemac_mac;
}

/* The configuration for PSK updates under a cached envelope key: the
 * envelope key as the PSK, never MIKEY-NULL, and a MAC even where the PK
 * message had none (the PSK MAC covers the whole message, RFC 3830
 * §4.2.3: NULL MAC SHOULD NOT be used in PSK mode). */
static void
cached_psk_config (MkyConfig *dst, const MkyConfig *src,
    const guint8 *env_key, gsize len, const char *id_i, MkyIdType id_type)
{
  mky_config_copy (dst, src);
  mky_config_set_psk (dst, env_key, len);
  dst->allow_null = FALSE;
  if (dst->mac_alg == MKY_MAC_NULL)
    dst->mac_alg = MKY_MAC_HMAC_SHA_1_160;
  g_free (dst->id_i);
  dst->id_i = g_strdup (id_i);
  if (id_i)
    dst->id_type = id_type;
}

/* ---- Initiator ---- */

typedef struct {
  MkyPskInitiator *psk;         /* builds and checks the PSK updates */
  guint8 c;
} IniCached;

static void
ini_cached_free (gpointer p)
{
  IniCached *c = p;
  mky_psk_initiator_free (c->psk);
  g_free (c);
}

struct _MkyPkInitiator {
  MkyConfig cfg;
  MkyPeer *peer;
  char *identity;               /* IDi, clear and encrypted */
  MkyIdType identity_type;
  MkyPkeCache cache;
  gboolean chash;
  MkyHashFunc chash_func;
  MkyTable cached;              /* IniCached by CSB ID */
  /* the request awaiting an answer */
  gboolean pending;
  gboolean pending_psk;         /* a PSK update: its initiator checks it */
  gboolean pending_cache_new;   /* it set up the cached key */
  guint32 pending_csb_id;
  MkyT pending_t;
  MkyMsgKeys pending_keys;      /* for V and authenticated errors */
};

MkyPkInitiator *
mky_pk_initiator_new (const MkyConfig *cfg, MkyPeer *responder,
    GError **error)
{
  MkyPkInitiator *ini;
  const char *id;
  MkyIdType id_type;

  if (cfg->credentials == NULL || responder == NULL) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_INVALID_ARGUMENT,
        "PK mode needs our credentials and the Responder's certificate");
    return NULL;
  }
  id = mky_exchange_own_identity (cfg, cfg->id_i, &id_type);
  if (id == NULL || *id == '\0') {
    g_set_error (error, MKY_ERROR, MKY_ERROR_INVALID_ARGUMENT,
        "no identity for IDi: set id_i or use a certificate with a "
        "subjectAltName URI or RFC 822 name");
    return NULL;
  }
  if (cfg->id_r && !mky_peer_check_id (responder, cfg->id_type, cfg->id_r,
          error))
    return NULL;

  ini = g_new0 (MkyPkInitiator, 1);
  mky_config_copy (&ini->cfg, cfg);
  ini->peer = mky_peer_ref (responder);
  ini->identity = g_strdup (id);
  ini->identity_type = id_type;
  ini->cache = MKY_PKE_NO_CACHE;
  mky_table_init (&ini->cached, cfg->max_csbs, ini_cached_free);
  return ini;
}

void
mky_pk_initiator_free (MkyPkInitiator *ini)
{
  if (ini == NULL)
    return;
  mky_config_clear (&ini->cfg);
  mky_peer_unref (ini->peer);
  g_free (ini->identity);
  mky_table_clear (&ini->cached);
  mky_msg_keys_clear (&ini->pending_keys);
  g_free (ini);
}

void
mky_pk_initiator_set_cache (MkyPkInitiator *ini, MkyPkeCache cache)
{
  g_return_if_fail (cache <= MKY_PKE_CACHE_CSB);
  ini->cache = cache;
}

void
mky_pk_initiator_set_chash (MkyPkInitiator *ini, gboolean enable,
    MkyHashFunc func)
{
  ini->chash = enable;
  ini->chash_func = func;
}

void
mky_pk_initiator_uncache (MkyPkInitiator *ini, guint32 csb_id)
{
  if (ini->pending_psk && ini->pending_csb_id == csb_id)
    ini->pending = ini->pending_psk = FALSE;
  mky_table_remove (&ini->cached, csb_id);
}

gboolean
mky_pk_initiator_is_cached (MkyPkInitiator *ini, guint32 csb_id)
{
  return mky_table_lookup (&ini->cached, csb_id) != NULL;
}

static GBytes *
build_pk (MkyPkInitiator *ini, MkyCsb *csb, gboolean want_verify,
    gint64 now_us, GError **error)
{
  const MkyConfig *cfg = &ini->cfg;
  g_autoptr (MkyMessage) msg = NULL;
  g_autoptr (GBytes) raw = NULL;
  GByteArray *plain = NULL;
  MkyPayload *p, *kemac;
  MkyMsgKeys keys, vkeys;
  MkyT t;
  gboolean initial = csb->rand.len == 0;
  MkyPrf prf = initial ? cfg->prf : csb->prf;
  guint8 rand_buf[MKY_EXCHANGE_RAND_LEN], env_key[MKY_PK_ENV_KEY_LEN];
  const guint8 *rand = initial ? rand_buf : csb->rand.data;
  gsize rand_len = initial ? sizeof rand_buf : csb->rand.len;
  const MkyBytes new_rand = { rand_buf, sizeof rand_buf };
  GBytes *out = NULL;

  if (!mky_exchange_check_pk_algs (cfg->allow_null, cfg->encr_alg,
          cfg->mac_alg, error))
    return NULL;
  if (!mky_exchange_unique_time (&t, &csb->t, cfg->ts_type, now_us, error))
    return NULL;
  if ((initial && gnutls_rnd (GNUTLS_RND_NONCE, rand_buf, sizeof rand_buf) < 0)
      || gnutls_rnd (GNUTLS_RND_KEY, env_key, sizeof env_key) < 0) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_CRYPTO,
        "random generator failed");
    return NULL;
  }
  if (!mky_msg_keys_derive (&keys, prf, cfg->encr_alg, cfg->mac_alg, env_key,
          sizeof env_key, csb->csb_id, rand, rand_len, error))
    goto out;
  if (!mky_msg_keys_derive (&vkeys, prf, cfg->encr_alg,
          verify_mac_alg (cfg->mac_alg), env_key, sizeof env_key,
          csb->csb_id, rand, rand_len, error))
    goto out;

  msg = mky_exchange_message_new (MKY_TYPE_PK_INIT, csb->csb_id, prf,
      csb->cs, &t, initial ? &new_rand : NULL);
  mky_message_hdr (msg)->v = want_verify;
  /* IDi and CERTi both (RFC 3830 §3.2: they SHOULD be included); IDr
   * after the certificates, where it cannot be taken for IDi */
  mky_exchange_add_ids (msg, ini->identity_type, ini->identity,
      cfg->credentials, cfg->cert_url, cfg->id_type, cfg->id_r, FALSE);
  mky_exchange_add_policies (msg, csb->policies);

  kemac = mky_message_add (msg, MKY_PT_KEMAC);
  plain = mky_exchange_kemac_plain (ini->identity_type, ini->identity,
      csb->keys, error);
  if (plain == NULL || !mky_kemac_seal_data (&kemac->u.kemac, &keys,
          csb->csb_id, mky_t_value64 (&t), plain, error))
    goto out;
  if (ini->chash) {
    p = mky_message_add (msg, MKY_PT_CHASH);
    p->u.chash.hash_func = ini->chash_func;
    if (!mky_cert_hash (ini->chash_func, mky_peer_get_leaf_der (ini->peer),
            &p->u.chash.hash, error))
      goto out;
  }
  p = mky_message_add (msg, MKY_PT_PKE);
  p->u.pke.c = ini->cache;
  if (!mky_peer_encrypt (ini->peer, MKY_PKE_ENCR_RSA_PKCS1, env_key,
          sizeof env_key, &p->u.pke.data, error))
    goto out;

  /* the KEMAC's bytes are where they will stay: SIGN goes after them */
  raw = mky_message_serialize (msg, error);
  if (raw == NULL)
    goto out;
  mky_exchange_kemac_mac (&keys, msg, kemac);
  out = mky_message_seal_sign (msg, cfg->credentials, cfg->sign_type, NULL, 0,
      error);
  if (out == NULL)
    goto out;

  if (initial) {
    csb->prf = prf;
    mky_bytes_set (&csb->rand, rand, rand_len);
  }
  csb->t = t;
  ini->pending = want_verify;
  ini->pending_psk = FALSE;
  ini->pending_csb_id = csb->csb_id;
  ini->pending_t = t;
  ini->pending_keys = vkeys;      /* the stack copy is wiped below */
  ini->pending_cache_new = ini->cache != MKY_PKE_NO_CACHE;
  if (ini->cache != MKY_PKE_NO_CACHE) {
    IniCached *c = g_new0 (IniCached, 1);
    MkyConfig pcfg;
    cached_psk_config (&pcfg, cfg, env_key, sizeof env_key, ini->identity,
        ini->identity_type);
    c->psk = mky_psk_initiator_new (&pcfg);
    c->c = ini->cache;
    mky_config_clear (&pcfg);
    table_store (&ini->cached, csb->csb_id, c);
  } else {
    mky_table_remove (&ini->cached, csb->csb_id);
  }

out:
  if (plain)
    mky_secure_array_free (plain);
  mky_msg_keys_clear (&keys);
  mky_msg_keys_clear (&vkeys);
  explicit_bzero (env_key, sizeof env_key);
  return out;
}

GBytes *
mky_pk_initiator_build (MkyPkInitiator *ini, MkyCsb *csb,
    gboolean want_verify, gint64 now_us, GError **error)
{
  IniCached *c = csb->rand.len ? mky_table_lookup (&ini->cached,
      csb->csb_id) : NULL;
  GBytes *out;

  if (c == NULL)
    return build_pk (ini, csb, want_verify, now_us, error);
  /* RFC 3830 §4.5: with the envelope key cached the update is a PSK
   * message under it, never a PK one */
  out = mky_psk_initiator_build (c->psk, csb, want_verify, now_us, error);
  if (out) {
    ini->pending = want_verify;
    ini->pending_psk = TRUE;
    ini->pending_cache_new = FALSE;
    ini->pending_csb_id = csb->csb_id;
    mky_msg_keys_clear (&ini->pending_keys);
  }
  return out;
}

gboolean
mky_pk_initiator_handle_response (MkyPkInitiator *ini, MkyCsb *csb,
    GBytes *response, GError **error)
{
  const MkyConfig *cfg = &ini->cfg;
  g_autoptr (MkyMessage) msg = NULL;
  const MkyT *t;
  MkyBytes idi = { (guint8 *) ini->identity, strlen (ini->identity) };
  MkyBytes idr_sent = { (guint8 *) cfg->id_r, cfg->id_r ? strlen (cfg->id_r) : 0 };
  gboolean authentic;

  if (ini->pending && ini->pending_psk && csb->csb_id == ini->pending_csb_id) {
    IniCached *c = mky_table_lookup (&ini->cached, csb->csb_id);
    if (c && mky_psk_initiator_handle_response (c->psk, csb, response,
            error)) {
      ini->pending = ini->pending_psk = FALSE;
      return TRUE;
    }
    if (c)
      return FALSE;
  }

  msg = mky_message_parse_bytes (response, error);
  if (msg == NULL)
    return FALSE;
  /* the echoed timestamp makes the answer fresh (RFC 3830 §5.4) */
  t = mky_exchange_check_answer (msg, MKY_TYPE_PK_VERIFY,
      "a PK verification or error message", ini->pending && !ini->pending_psk
      && csb->csb_id == ini->pending_csb_id, ini->pending_csb_id,
      &ini->pending_t, error);
  if (t == NULL)
    return FALSE;
  if (!mky_exchange_check_v (msg, MKY_TYPE_PK_VERIFY, &ini->pending_keys,
          &idi, &idr_sent, t, &authentic, error))
    return FALSE;

  if (mky_message_hdr (msg)->data_type == MKY_TYPE_ERROR) {
    /* an unauthenticated error is only a hint (RFC 3830 §5.1.2) */
    if (authentic) {
      ini->pending = FALSE;
      mky_msg_keys_clear (&ini->pending_keys);
      /* the Responder did not take the envelope key */
      if (ini->pending_cache_new)
        mky_table_remove (&ini->cached, ini->pending_csb_id);
    }
    return mky_exchange_peer_error (msg, authentic, error);
  }
  ini->pending = FALSE;
  mky_msg_keys_clear (&ini->pending_keys);
  return TRUE;
}

/* ---- Responder ---- */

typedef struct {
  MkyCsb *csb;
  char *identity;               /* the encrypted IDi it was set up by */
  guint8 id_type;
  MkyPeer *peer;
  guint8 c;                     /* PKE C */
  MkyBytes env_key;             /* kept only when cached */
} RespState;

static void
resp_state_free (gpointer p)
{
  RespState *s = p;
  mky_csb_unref (s->csb);
  g_free (s->identity);
  mky_peer_unref (s->peer);
  mky_bytes_clear (&s->env_key, TRUE);
  g_free (s);
}

struct _MkyPkResponder {
  MkyConfig cfg;
  GPtrArray *creds;             /* MkyCredentials: the config's, then more */
  MkyReplayCache *replay;
  MkyTable states;              /* RespState by CSB ID */
};

MkyPkResponder *
mky_pk_responder_new (const MkyConfig *cfg, gint64 now_us,
    gboolean state_lost)
{
  MkyPkResponder *r = g_new0 (MkyPkResponder, 1);

  mky_config_copy (&r->cfg, cfg);
  r->creds = g_ptr_array_new_with_free_func (
      (GDestroyNotify) mky_credentials_unref);
  if (cfg->credentials)
    g_ptr_array_add (r->creds, mky_credentials_ref (cfg->credentials));
  r->replay = mky_replay_cache_new (cfg->replay_capacity, cfg->skew_us,
      now_us, state_lost);
  mky_table_init (&r->states, cfg->max_csbs, resp_state_free);
  return r;
}

void
mky_pk_responder_free (MkyPkResponder *r)
{
  if (r == NULL)
    return;
  mky_config_clear (&r->cfg);
  g_ptr_array_unref (r->creds);
  mky_replay_cache_free (r->replay);
  mky_table_clear (&r->states);
  g_free (r);
}

void
mky_pk_responder_add_credentials (MkyPkResponder *r, MkyCredentials *creds)
{
  g_ptr_array_add (r->creds, mky_credentials_ref (creds));
}

const MkyReplayCache *
mky_pk_responder_get_replay_cache (MkyPkResponder *r)
{
  return r->replay;
}

const char *
mky_pk_responder_get_peer_identity (MkyPkResponder *r, guint32 csb_id,
    gboolean *cached)
{
  RespState *s = mky_table_lookup (&r->states, csb_id);
  if (cached)
    *cached = s && s->env_key.len;
  return s ? s->identity : NULL;
}

/* The ID payloads of a PK I_MESSAGE, HDR, T, RAND, [IDi|CERTi], [IDr], ...:
 * an ID payload after the certificates is IDr; before them (or without
 * any) the first is IDi and a second IDr. */
typedef struct {
  const MkyPayload *idi, *idr;
  guint n_certs;
} PkIds;

static gboolean
check_pk_init_payloads (const MkyMessage *msg, PkIds *ids, GError **error)
{
  const MkyPayload *before[2] = { NULL }, *after = NULL;
  guint n_before = 0, n_after = 0, n = msg->payloads->len, k;
  const MkyPayload *const *pl = (const MkyPayload * const *) msg->payloads->pdata;

  memset (ids, 0, sizeof *ids);
  for (guint i = 0; i < n; i++) {
    switch (pl[i]->type) {
      case MKY_PT_ID:
        if (ids->n_certs) {
          after = pl[i];
          n_after++;
        } else if (n_before < 2) {
          before[n_before++] = pl[i];
        } else {
          n_before++;
        }
        break;
      case MKY_PT_CERT:
        ids->n_certs++;
        break;
      case MKY_PT_T: case MKY_PT_RAND: case MKY_PT_SP: case MKY_PT_KEMAC:
      case MKY_PT_CHASH: case MKY_PT_PKE: case MKY_PT_SIGN:
      case MKY_PT_GEN_EXT:
        break;
      default:
        g_set_error (error, MKY_ERROR, MKY_ERROR_UNEXPECTED_PAYLOAD,
            "%s payload in a PK I_MESSAGE", mky_payload_type_name (pl[i]->type));
        return FALSE;
    }
  }
  if (n_before + n_after > 2 || n_after > 1) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_UNEXPECTED_PAYLOAD,
        "more than one IDi or IDr");
    return FALSE;
  }
  ids->idi = before[0];
  ids->idr = after ? after : before[1];
  /* ..., KEMAC, [CHASH], PKE, SIGNi */
  k = n;
  if (k == 0 || pl[--k]->type != MKY_PT_SIGN) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_MISSING_PAYLOAD,
        "a PK I_MESSAGE ends with SIGNi");
    return FALSE;
  }
  if (k == 0 || pl[--k]->type != MKY_PT_PKE) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_MISSING_PAYLOAD,
        "no PKE before SIGNi (a PK message carries a new envelope key)");
    return FALSE;
  }
  if (k > 0 && pl[k - 1]->type == MKY_PT_CHASH)
    k--;
  if (k == 0 || pl[--k]->type != MKY_PT_KEMAC) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_MISSING_PAYLOAD,
        "no KEMAC before [CHASH], PKE, SIGNi");
    return FALSE;
  }
  if (mky_message_find (msg, MKY_PT_T, 0) == NULL) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_MISSING_PAYLOAD, "no T payload");
    return FALSE;
  }
  return TRUE;
}

static gboolean
id_equal (const MkyPayload *a, guint b_type, const char *b)
{
  return a->u.id.type == b_type && a->u.id.data.len == strlen (b)
      && memcmp (a->u.id.data.data, b, a->u.id.data.len) == 0;
}

/* The credentials the PKE is for: those whose certificate CHASH names, or
 * without CHASH the configuration's */
static MkyCredentials *
select_credentials (MkyPkResponder *r, const MkyPayload *chash,
    GError **error)
{
  if (chash == NULL)
    return r->creds->pdata[0];
  for (guint i = 0; i < r->creds->len; i++) {
    MkyBytes h = { 0 };
    gboolean match;
    MkyCredentials *c = r->creds->pdata[i];

    if (mky_credentials_get_n_certs (c) == 0)
      continue;
    if (!mky_cert_hash (chash->u.chash.hash_func,
            mky_credentials_get_cert_der (c, 0), &h, error))
      return NULL;
    match = mky_bytes_equal (&h, &chash->u.chash.hash);
    mky_bytes_clear (&h, FALSE);
    if (match)
      return c;
  }
  g_set_error (error, MKY_ERROR, MKY_ERROR_CERT_UNTRUSTED,
      "CHASH names none of our certificates");
  return NULL;
}

/* RFC 3830 §5.3 for a PK I_MESSAGE: structure, time and replay, the
 * Initiator's certificate and SIGNi, the envelope key and the KEMAC MAC,
 * then the contents. @idi: the encrypted IDi, for the trailer. */
static RespState *
open_pk (MkyPkResponder *r, const MkyMessage *msg, gint64 now_us,
    MkyOpened *o, MkyBytes *idi, GError **error)
{
  const MkyConfig *cfg = &r->cfg;
  const MkyHdr *hdr = mky_message_hdr (msg);
  const MkyPayload *t, *rand, *kemac = NULL, *pke, *chash;
  g_autoptr (GPtrArray) chain = NULL;
  g_autoptr (GPtrArray) certs = NULL;
  g_autoptr (MkyPeer) peer = NULL;
  g_autoptr (GError) kerr = NULL;
  g_autofree char *claimed = NULL;
  MkyCredentials *creds;
  RespState *old, *owner, *st;
  const MkyCsb *old_csb;
  const MkyPayload *enc_idi;
  const MkyBytes *keying_rand;
  MkyBytes env_key = { 0 };
  MkyMsgKeys keys = { 0 };
  MkyCsb *csb;
  PkIds ids;
  gboolean pke_ok, mac_ok;
  guint n = msg->payloads->len;

  if (!mky_exchange_check_data_type (hdr, MKY_TYPE_PK_INIT, "a PK I_MESSAGE",
          error)) {
    mky_opened_refuse (o, MKY_ERR_INVALID_DT);
    return NULL;
  }
  if (cfg->trust == NULL || r->creds->len == 0) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_STATE,
        "PK mode needs our credentials and trust anchors");
    return NULL;
  }
  if (!check_pk_init_payloads (msg, &ids, error))
    return NULL;
  t = mky_message_find (msg, MKY_PT_T, 0);
  if (!mky_replay_cache_check (r->replay, msg, now_us, &o->ticket, error))
    return NULL;
  if (!mky_exchange_check_prf (hdr, error)) {
    mky_opened_refuse (o, MKY_ERR_INVALID_PRF);
    return NULL;
  }
  owner = mky_table_lookup (&r->states, hdr->csb_id);
  old_csb = owner ? owner->csb : NULL;
  rand = mky_message_find (msg, MKY_PT_RAND, 0);
  keying_rand = mky_exchange_keying_rand (hdr, rand ? &rand->u.rand.rand
      : NULL, &old_csb, error);
  if (keying_rand == NULL)
    return NULL;
  old = old_csb ? owner : NULL;
  {
    const MkyPayload *const *pl = (const MkyPayload * const *) msg->payloads->pdata;
    kemac = pl[n - 3]->type == MKY_PT_KEMAC ? pl[n - 3] : pl[n - 4];
    pke = pl[n - 2];
  }
  chash = mky_message_find (msg, MKY_PT_CHASH, 0);
  if (!mky_exchange_check_pk_algs (cfg->allow_null, kemac->u.kemac.encr_alg,
          kemac->u.kemac.mac_alg, error)) {
    mky_opened_refuse (o, mky_error_to_err_no (*error));
    return NULL;
  }

  /* authentication: the Initiator's certificate, bound to the IDi it
   * claims, and SIGNi; an update may leave the certificate out */
  if (ids.idi && ids.idi->u.id.data.len) {
    claimed = mky_exchange_id_string (&ids.idi->u.id.data, error);
    if (claimed == NULL) {
      mky_opened_refuse (o, MKY_ERR_INVALID_ID);
      return NULL;
    }
  }
  if (ids.n_certs) {
    certs = mky_exchange_certs (msg);
    peer = mky_trust_verify (cfg->trust, certs,
        ids.idi ? ids.idi->u.id.type : MKY_ID_URI, claimed,
        MKY_KEY_USAGE_SIGN, now_us, error);
  } else if (old) {
    peer = mky_peer_ref (old->peer);
  } else {
    g_set_error (error, MKY_ERROR, MKY_ERROR_MISSING_PAYLOAD,
        "no certificate of the Initiator");
  }
  if (peer == NULL) {
    mky_opened_refuse (o, g_error_matches (*error, MKY_ERROR,
            MKY_ERROR_MISSING_PAYLOAD) ? MKY_ERR_INVALID_CERT
        : mky_error_to_err_no (*error));
    return NULL;
  }
  if (!mky_message_verify_sign (msg, peer, NULL, 0, error)) {
    mky_opened_refuse (o, mky_error_to_err_no (*error));
    return NULL;
  }
  o->authentic = TRUE;

  /* the envelope key: a failure to decrypt ends where a bad MAC ends */
  creds = select_credentials (r, chash, error);
  if (creds == NULL) {
    mky_opened_refuse (o, mky_error_to_err_no (*error));
    return NULL;
  }
  pke_ok = mky_exchange_open_envelope (creds, &pke->u.pke, &env_key);
  if (!mky_msg_keys_derive (&keys, hdr->prf, kemac->u.kemac.encr_alg,
          kemac->u.kemac.mac_alg, env_key.data, env_key.len, hdr->csb_id,
          keying_rand->data, keying_rand->len, error)) {
    mky_opened_refuse (o, mky_error_to_err_no (*error));
    goto fail;
  }
  mac_ok = mky_exchange_kemac_mac_verify (&keys, msg, kemac, NULL);
  if (mac_ok)
    chain = mky_kemac_open_data (&kemac->u.kemac, &keys, hdr->csb_id,
        mky_t_value64 (&t->u.t), MKY_PT_ID, &kerr);
  mky_msg_keys_clear (&keys);
  if (!pke_ok || !mac_ok
      || g_error_matches (kerr, MKY_ERROR, MKY_ERROR_BAD_MAC)) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_MAC,
        "the KEMAC does not verify under the envelope key");
    mky_opened_refuse (o, MKY_ERR_INVALID_MAC);
    goto fail;
  }
  if (!mky_msg_keys_derive (&o->keys, hdr->prf, kemac->u.kemac.encr_alg,
          verify_mac_alg (kemac->u.kemac.mac_alg), env_key.data, env_key.len,
          hdr->csb_id, keying_rand->data, keying_rand->len, error)) {
    mky_opened_refuse (o, mky_error_to_err_no (*error));
    goto fail;
  }
  o->keyed = TRUE;

  /* contents: the encrypted IDi first, then Key data only */
  if (chain == NULL) {
    g_propagate_error (error, g_steal_pointer (&kerr));
    mky_opened_refuse (o, MKY_ERR_UNSPECIFIED);
    goto fail;
  }
  enc_idi = chain->len ? chain->pdata[0] : NULL;
  if (enc_idi == NULL || enc_idi->type != MKY_PT_ID) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_ID,
        "the KEMAC does not start with the encrypted IDi");
    mky_opened_refuse (o, MKY_ERR_INVALID_ID);
    goto fail;
  }
  mky_bytes_set (idi, enc_idi->u.id.data.data, enc_idi->u.id.data.len);
  if (!mky_exchange_check_key_data (chain, 1, "", error)) {
    mky_opened_refuse (o, MKY_ERR_UNSPECIFIED);
    goto fail;
  }
  if (pke->u.pke.c > MKY_PKE_CACHE_CSB) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_UNSUPPORTED_VALUE,
        "PKE cache indicator %u unknown", pke->u.pke.c);
    mky_opened_refuse (o, MKY_ERR_UNSPECIFIED);
    goto fail;
  }

  /* RFC 3830 §3.2: the encrypted IDi MUST equal the expected IDi: the
   * clear IDi the certificate was verified for, else a name of the
   * certificate (of the bundle's owner, for an update without one) */
  {
    g_autofree char *enc = mky_exchange_id_string (&enc_idi->u.id.data,
        error);
    gboolean ok = enc != NULL;

    if (ok && claimed)
      ok = id_equal (enc_idi, ids.idi->u.id.type, claimed);
    else if (ok && !certs)
      ok = id_equal (enc_idi, old->id_type, old->identity);
    else if (ok)
      ok = mky_peer_check_id (peer, enc_idi->u.id.type, enc, NULL);
    if (ok && !mky_exchange_id_matches (cfg->id_i, &enc_idi->u.id.data))
      ok = FALSE;
    if (ok && ids.idr && !mky_exchange_id_matches (cfg->id_r,
            &ids.idr->u.id.data))
      ok = FALSE;
    if (ok && owner && !id_equal (enc_idi, owner->id_type, owner->identity)) {
      g_clear_error (error);
      g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_ID,
          "CSB ID %08x belongs to \"%s\", not to this Initiator",
          hdr->csb_id, owner->identity);
      mky_opened_refuse (o, MKY_ERR_INVALID_ID);
      goto fail;
    }
    if (!ok) {
      if (error && *error == NULL)
        g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_ID,
            "the encrypted IDi is not the expected identity");
      mky_opened_refuse (o, MKY_ERR_INVALID_ID);
      goto fail;
    }

    st = g_new0 (RespState, 1);
    st->identity = g_steal_pointer (&enc);
  }
  st->id_type = enc_idi->u.id.type;
  st->peer = g_steal_pointer (&peer);
  st->c = pke->u.pke.c;
  if (st->c != MKY_PKE_NO_CACHE)
    mky_bytes_set (&st->env_key, env_key.data, env_key.len);
  mky_bytes_clear (&env_key, TRUE);
  /* the encrypted IDi is no key: the bundle takes the Key data */
  g_ptr_array_remove_index (chain, 0);
  csb = mky_exchange_apply (old ? old->csb : NULL, msg, chain);
  st->csb = csb;
  if (!mky_csb_check (csb, cfg->compat, error)) {
    mky_opened_refuse (o, mky_exchange_keying_err_no (*error));
    resp_state_free (st);
    return NULL;
  }
  return st;

fail:
  mky_msg_keys_clear (&keys);
  mky_bytes_clear (&env_key, TRUE);
  return NULL;
}

/* A PSK update under a cached envelope key (RFC 3830 §4.5): time and
 * replay here, the MAC checked here to know whether the message is
 * authentic (replay cache, authenticated errors), the rest by the PSK
 * mode's mky_psk_open(). @idi: the bundle's owner, for the trailer. */
static RespState *
open_cached (MkyPkResponder *r, GBytes *message, const MkyMessage *msg,
    gint64 now_us, MkyOpened *o, MkyBytes *idi, GError **error)
{
  const MkyHdr *hdr = mky_message_hdr (msg);
  const MkyBytes *msg_idi = mky_exchange_id (msg, 0);
  RespState *old = mky_table_lookup (&r->states, hdr->csb_id), *st;
  const MkyPayload *kemac;
  MkyConfig pcfg;
  MkyCsb *csb;

  if (old == NULL || old->env_key.len == 0) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_CSB_MISMATCH,
        "PSK update of CSB ID %08x, which has no cached envelope key",
        hdr->csb_id);
    return NULL;
  }
  if (mky_message_find (msg, MKY_PT_RAND, 0)) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_UNEXPECTED_PAYLOAD,
        "a cached envelope key serves updates only (RAND present)");
    return NULL;
  }
  kemac = msg->payloads->len
      ? msg->payloads->pdata[msg->payloads->len - 1] : NULL;
  if (kemac == NULL || kemac->type != MKY_PT_KEMAC) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_MISSING_PAYLOAD,
        "a PSK I_MESSAGE ends with a KEMAC");
    return NULL;
  }
  if (!mky_replay_cache_check (r->replay, msg, now_us, &o->ticket, error))
    return NULL;
  if (hdr->prf != old->csb->prf) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_CSB_MISMATCH,
        "update of CSB ID %08x with another PRF", hdr->csb_id);
    return NULL;
  }
  if (kemac->u.kemac.encr_alg == MKY_ENCR_NULL
      || kemac->u.kemac.mac_alg == MKY_MAC_NULL) {
    gboolean encr = kemac->u.kemac.encr_alg == MKY_ENCR_NULL;
    g_set_error (error, MKY_ERROR, encr ? MKY_ERROR_BAD_ENCR
        : MKY_ERROR_BAD_MAC_ALG, "NULL %s refused in an update under the "
        "envelope key", encr ? "encryption" : "MAC");
    mky_opened_refuse (o, encr ? MKY_ERR_INVALID_EA : MKY_ERR_INVALID_HA);
    return NULL;
  }
  if (!mky_msg_keys_derive (&o->keys, hdr->prf, kemac->u.kemac.encr_alg,
          kemac->u.kemac.mac_alg, old->env_key.data, old->env_key.len,
          hdr->csb_id, old->csb->rand.data, old->csb->rand.len, error)) {
    mky_opened_refuse (o, mky_error_to_err_no (*error));
    return NULL;
  }
  if (!mky_message_verify_mac (msg, &o->keys, NULL, 0, error)) {
    mky_opened_refuse (o, MKY_ERR_INVALID_MAC);
    return NULL;
  }
  o->authentic = o->keyed = TRUE;
  mky_bytes_set (idi, (const guint8 *) old->identity, strlen (old->identity));

  if (msg_idi && msg_idi->len && !mky_bytes_equal (msg_idi, idi)) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_ID,
        "update of CSB ID %08x from another identity than \"%s\"",
        hdr->csb_id, old->identity);
    mky_opened_refuse (o, MKY_ERR_INVALID_ID);
    return NULL;
  }
  cached_psk_config (&pcfg, &r->cfg, old->env_key.data, old->env_key.len,
      NULL, r->cfg.id_type);
  csb = mky_psk_open (&pcfg, message, old->csb, error);
  mky_config_clear (&pcfg);
  if (csb == NULL) {
    mky_opened_refuse (o, mky_error_to_err_no (*error));
    return NULL;
  }
  st = g_new0 (RespState, 1);
  st->csb = csb;
  st->identity = g_strdup (old->identity);
  st->id_type = old->id_type;
  st->peer = mky_peer_ref (old->peer);
  st->c = old->c;
  mky_bytes_set (&st->env_key, old->env_key.data, old->env_key.len);
  return st;
}

MkyCsb *
mky_pk_responder_handle (MkyPkResponder *r, GBytes *message, gint64 now_us,
    GBytes **reply, GError **error)
{
  g_autoptr (MkyMessage) msg = NULL;
  const MkyHdr *hdr;
  const MkyPayload *t;
  const MkyBytes *idr;
  g_autoptr (GError) err = NULL;
  RespState *st;
  gboolean cached;
  MkyOpened o;
  MkyBytes idi = { 0 };         /* Identity_i of the trailer (a copy) */

  *reply = NULL;
  msg = mky_message_parse_bytes (message, error);
  if (msg == NULL)
    return NULL;
  hdr = mky_message_hdr (msg);
  t = mky_message_find (msg, MKY_PT_T, 0);
  memset (&o, 0, sizeof o);
  cached = hdr->data_type == MKY_TYPE_PSK_INIT;
  if (cached) {
    st = open_cached (r, message, msg, now_us, &o, &idi, &err);
    idr = mky_exchange_id (msg, 1);
  } else {
    PkIds ids;
    st = open_pk (r, msg, now_us, &o, &idi, &err);
    idr = check_pk_init_payloads (msg, &ids, NULL) && ids.idr
        ? &ids.idr->u.id.data : NULL;
  }
  mky_opened_add_replay (&o, r->replay, now_us);

  if (st == NULL) {
    /* before the KEMAC verified the answer cannot be authenticated */
    *reply = mky_opened_error (&o, msg, &idi, idr);
    mky_opened_clear (&o);
    mky_bytes_clear (&idi, FALSE);
    g_propagate_error (error, g_steal_pointer (&err));
    return NULL;
  }

  if (hdr->v) {
    *reply = mky_exchange_verify_message (cached ? MKY_TYPE_PSK_VERIFY
        : MKY_TYPE_PK_VERIFY, &r->cfg, hdr, &t->u.t, st->csb, &idi, idr,
        &o.keys, error);
    if (*reply == NULL) {
      mky_opened_clear (&o);
      mky_bytes_clear (&idi, FALSE);
      resp_state_free (st);
      return NULL;
    }
  }
  mky_opened_clear (&o);
  mky_bytes_clear (&idi, FALSE);
  /* a PK update without caching ends the caching of an earlier key */
  table_store (&r->states, hdr->csb_id, st);
  return mky_csb_ref (st->csb);
}
