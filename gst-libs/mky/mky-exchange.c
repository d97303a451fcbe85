/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>
#include <gnutls/crypto.h>

#include "mky-exchange.h"
#include "mky-desc.h"
#include "mky-error.h"
#include "mky-time.h"

/* ---- building messages ---- */

MkyMessage *
mky_exchange_message_new (guint type, guint32 csb_id, MkyPrf prf,
    const MkyArray *cs, const MkyT *t, const MkyBytes *rand)
{
  MkyMessage *msg = mky_message_new (type, csb_id);
  MkyHdr *hdr = mky_message_hdr (msg);

  hdr->prf = prf;
  hdr->map_type = MKY_MAP_SRTP_ID;
  for (guint i = 0; i < cs->len; i++) {
    const MkyCsSrtp *c = cs->pdata[i];
    mky_hdr_add_cs_srtp (hdr, c->policy, c->ssrc, c->roc);
  }
  mky_message_add (msg, MKY_PT_T)->u.t = *t;
  if (rand)
    mky_bytes_set (&mky_message_add (msg, MKY_PT_RAND)->u.rand.rand,
        rand->data, rand->len);
  return msg;
}

void
mky_exchange_new_rand (MkyBytes *rand)
{
  gnutls_rnd (GNUTLS_RND_NONCE, mky_bytes_alloc (rand, MKY_EXCHANGE_RAND_LEN),
      MKY_EXCHANGE_RAND_LEN);
}

void
mky_exchange_add_id (MkyMessage *msg, MkyIdType type, const char *id)
{
  MkyPayload *p = mky_message_add (msg, MKY_PT_ID);
  p->u.id.type = type;
  mky_bytes_set (&p->u.id.data, (const guint8 *) id, strlen (id));
}

void
mky_exchange_add_certs (MkyMessage *msg, MkyCredentials *creds,
    const char *cert_url)
{
  if (cert_url) {
    /* RFC 4738 §3.8: where the peer fetches our certificate */
    MkyPayload *p = mky_message_add (msg, MKY_PT_CERT);
    p->u.id.type = MKY_CERT_X509V3_URL;
    mky_bytes_set (&p->u.id.data, (const guint8 *) cert_url,
        strlen (cert_url));
    return;
  }
  for (guint i = 0; i < mky_credentials_get_n_certs (creds); i++) {
    MkyPayload *p = mky_message_add (msg, MKY_PT_CERT);
    gsize len;
    const guint8 *der = g_bytes_get_data (mky_credentials_get_cert_der (creds,
            i), &len);
    p->u.id.type = MKY_CERT_X509V3;
    mky_bytes_set (&p->u.id.data, der, len);
  }
}

void
mky_exchange_add_ids (MkyMessage *msg, MkyIdType type_i, const char *id_i,
    MkyCredentials *certs, const char *cert_url, MkyIdType type_r,
    const char *id_r, gboolean idr_second)
{
  if (id_i)
    mky_exchange_add_id (msg, type_i, id_i);
  else if (id_r && idr_second)
    mky_exchange_add_id (msg, type_r, "");
  if (certs)
    mky_exchange_add_certs (msg, certs, cert_url);
  if (id_r)
    mky_exchange_add_id (msg, type_r, id_r);
}

void
mky_exchange_add_policies (MkyMessage *msg, const MkyArray *policies)
{
  for (guint i = 0; i < policies->len; i++)
    mky_message_insert (msg, msg->payloads->len,
        mky_payload_copy (policies->pdata[i]));
}

MkyPayload *
mky_exchange_sp_payload (const MkySrtpPolicy *policy)
{
  MkyPayload *p = mky_payload_new (MKY_PT_SP);
  MkySrtpPolicy def;

  if (policy == NULL) {
    mky_srtp_policy_from_sp (NULL, MKY_SP_COMPAT_STRICT, &def, NULL);
    policy = &def;
  }
  p->u.sp.prot_type = MKY_PROT_SRTP;
  mky_srtp_policy_to_sp (policy, FALSE, &p->u.sp);
  return p;
}

/* ---- identities ---- */

const char *
mky_exchange_own_identity (const MkyConfig *cfg, const char *configured,
    MkyIdType *type)
{
  if (configured) {
    *type = cfg->id_type;
    return configured;
  }
  *type = mky_credentials_get_identity_type (cfg->credentials);
  return mky_credentials_get_identity (cfg->credentials);
}

const MkyBytes *
mky_exchange_id (const MkyMessage *msg, guint nth)
{
  const MkyPayload *p = mky_message_find (msg, MKY_PT_ID, nth);
  return p ? &p->u.id.data : NULL;
}

gboolean
mky_exchange_id_matches (const char *want, const MkyBytes *got)
{
  return want == NULL || (got && got->len == strlen (want)
      && memcmp (got->data, want, got->len) == 0);
}

char *
mky_exchange_id_string (const MkyBytes *id, GError **error)
{
  if (memchr (id->data, 0, id->len)) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_ID,
        "identity with a NUL byte");
    return NULL;
  }
  return g_strndup ((const char *) id->data, id->len);
}

GPtrArray *
mky_exchange_certs (const MkyMessage *msg)
{
  GPtrArray *chain = mky_cert_chain_new ();
  for (guint i = 0; i < msg->payloads->len; i++) {
    const MkyPayload *p = msg->payloads->pdata[i];
    if (p->type == MKY_PT_CERT)
      mky_cert_chain_add (chain, p->u.id.type, p->u.id.data.data,
          p->u.id.data.len);
  }
  return chain;
}

/* ---- verification and Error messages ---- */

/* Identity_i || Identity_r || Timestamp that follows a verification or
 * error message under its MAC (RFC 3830 §5.2). Reading: the identities are
 * the ID data (not whole payloads, as RFC 6043 §5.5 words it) and the
 * timestamp the TS value as transported. */
GByteArray *
mky_exchange_verify_extra (const MkyBytes *idi, const MkyBytes *idr, const MkyT *t)
{
  GByteArray *a = g_byte_array_new ();
  guint8 ts[8];
  gsize ts_len = t->ts_type <= MKY_TS_NTP ? 8 : 4;

  if (idi && idi->len)
    g_byte_array_append (a, idi->data, idi->len);
  if (idr && idr->len)
    g_byte_array_append (a, idr->data, idr->len);
  for (gsize i = 0; i < ts_len; i++)
    ts[i] = t->ts >> (8 * (ts_len - 1 - i));
  g_byte_array_append (a, ts, ts_len);
  return a;
}

GBytes *
mky_exchange_verify_message (guint type, const MkyConfig *cfg,
    const MkyHdr *req, const MkyT *t, const MkyCsb *csb,
    const MkyBytes *idi, const MkyBytes *idr_req, const MkyMsgKeys *keys,
    GError **error)
{
  g_autoptr (MkyMessage) v = mky_exchange_message_new (type, req->csb_id,
      req->prf, csb->cs, t, NULL);
  g_autoptr (GByteArray) extra = NULL;
  const MkyBytes *idr_out = NULL;

  if (cfg->id_r) {
    mky_exchange_add_id (v, cfg->id_type, cfg->id_r);
    idr_out = mky_exchange_id (v, 0);
  }
  mky_message_add (v, MKY_PT_V);
  extra = mky_exchange_verify_extra (idi, idr_out ? idr_out : idr_req, t);
  return mky_message_seal_mac (v, keys, extra->data, extra->len, error);
}

/* HDR, T (echoed), {ERR}, {SP}, [V]: RFC 3830 §5.1.2. With @keys NULL the
 * message is not authenticated, as after an authentication failure. */
GBytes *
mky_exchange_error (const MkyHdr *req, const MkyT *t, MkyErrNo err_no,
    const MkyPayload *offer, const MkyMsgKeys *keys, const MkyBytes *idi,
    const MkyBytes *idr)
{
  g_autoptr (MkyMessage) msg = mky_message_new (MKY_TYPE_ERROR, req->csb_id);
  MkyPayload *p;
  GBytes *out;

  mky_message_hdr (msg)->prf = req->prf <= MKY_PRF_HMAC_SHA_256 ? req->prf : 0;
  mky_message_hdr (msg)->map_type = MKY_MAP_EMPTY;
  p = mky_message_add (msg, MKY_PT_T);
  p->u.t = *t;
  p = mky_message_add (msg, MKY_PT_ERR);
  p->u.err.err_no = err_no;
  if (offer)
    mky_message_insert (msg, msg->payloads->len, mky_payload_copy (offer));
  if (keys && keys->mac_alg != MKY_MAC_NULL) {
    g_autoptr (GByteArray) extra = mky_exchange_verify_extra (idi, idr, t);
    mky_message_add (msg, MKY_PT_V);
    out = mky_message_seal_mac (msg, keys, extra->data, extra->len, NULL);
  } else {
    out = mky_message_serialize (msg, NULL);
  }
  return out;
}

/* ---- Initiator ---- */

/* Every Initiator message needs a timestamp of its own (RFC 3830 §5.2):
 * two in one clock tick get consecutive values. */
gboolean
mky_exchange_unique_time (MkyT *t, const MkyT *last, MkyTsType type, gint64 now_us,
    GError **error)
{
  if (!mky_t_set_time (t, type, now_us, error))
    return FALSE;
  if (last->ts_type == t->ts_type && t->ts <= last->ts)
    t->ts = last->ts + 1;
  return TRUE;
}

const MkyT *
mky_exchange_check_answer (const MkyMessage *msg, guint type,
    const char *what, gboolean pending, guint32 csb_id, const MkyT *sent,
    GError **error)
{
  const MkyHdr *hdr = mky_message_hdr (msg);
  const MkyPayload *t;

  if (hdr->data_type != type && hdr->data_type != MKY_TYPE_ERROR) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_DATA_TYPE,
        "data type %u is not %s", hdr->data_type, what);
    return NULL;
  }
  if (!pending || hdr->csb_id != csb_id) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_CSB_MISMATCH,
        "no request of CSB ID %08x awaits an answer", hdr->csb_id);
    return NULL;
  }
  t = mky_message_find (msg, MKY_PT_T, 0);
  if (t == NULL || t->u.t.ts_type != sent->ts_type || t->u.t.ts != sent->ts) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_TS_MISMATCH,
        "the answer does not echo the timestamp of the request");
    return NULL;
  }
  return &t->u.t;
}

gboolean
mky_exchange_check_v (const MkyMessage *msg, guint verify_type,
    const MkyMsgKeys *keys, const MkyBytes *idi, const MkyBytes *idr_sent,
    const MkyT *t, gboolean *authentic, GError **error)
{
  const MkyPayload *last = msg->payloads->pdata[msg->payloads->len - 1];
  const MkyBytes *idr;
  g_autoptr (GByteArray) extra = NULL;

  *authentic = FALSE;
  if (last->type != MKY_PT_V) {
    if (mky_message_hdr (msg)->data_type != verify_type)
      return TRUE;
    g_set_error (error, MKY_ERROR, MKY_ERROR_MISSING_PAYLOAD,
        "verification message without V payload");
    return FALSE;
  }
  idr = mky_exchange_id (msg, 0);
  extra = mky_exchange_verify_extra (idi, idr ? idr : idr_sent, t);
  if (!mky_message_verify_mac (msg, keys, extra->data, extra->len, error))
    return FALSE;
  *authentic = TRUE;
  return TRUE;
}

gboolean
mky_exchange_peer_error (const MkyMessage *msg, gboolean authentic,
    GError **error)
{
  const MkyPayload *err = mky_message_find (msg, MKY_PT_ERR, 0);
  guint err_no = err ? err->u.err.err_no : MKY_ERR_UNSPECIFIED;

  g_set_error (error, MKY_ERROR, MKY_ERROR_PEER_ERROR,
      "peer reported %s (%u), %s", mky_err_no_name (err_no) ?
      mky_err_no_name (err_no) : "an unknown error", err_no,
      authentic ? "authenticated" : "not authenticated");
  return FALSE;
}

/* ---- Responder ---- */

gboolean
mky_opened_refuse (MkyOpened *o, MkyErrNo err_no)
{
  o->reply = TRUE;
  o->err_no = err_no;
  return FALSE;
}

void
mky_opened_add_replay (const MkyOpened *o, MkyReplayCache *replay,
    gint64 now_us)
{
  if (o->authentic)
    mky_replay_cache_add (replay, &o->ticket, now_us);
}

GBytes *
mky_opened_error (const MkyOpened *o, const MkyMessage *msg,
    const MkyBytes *idi, const MkyBytes *idr)
{
  const MkyPayload *t = mky_message_find (msg, MKY_PT_T, 0);
  g_autoptr (MkyPayload) offer = NULL;

  if (!o->reply || t == NULL)
    return NULL;
  if (o->err_no == MKY_ERR_INVALID_SPPAR)
    offer = mky_exchange_sp_payload (NULL);
  return mky_exchange_error (mky_message_hdr (msg), &t->u.t, o->err_no, offer,
      o->keyed ? &o->keys : NULL, idi, idr);
}

void
mky_opened_clear (MkyOpened *o)
{
  mky_msg_keys_clear (&o->keys);
}

gboolean
mky_exchange_check_data_type (const MkyHdr *hdr, guint type,
    const char *what, GError **error)
{
  if (hdr->data_type == type)
    return TRUE;
  g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_DATA_TYPE,
      "data type %u is not %s", hdr->data_type, what);
  return FALSE;
}

gboolean
mky_exchange_check_prf (const MkyHdr *hdr, GError **error)
{
  if (hdr->prf <= MKY_PRF_HMAC_SHA_256)
    return TRUE;
  g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_PRF, "PRF %u unknown",
      hdr->prf);
  return FALSE;
}

const MkyBytes *
mky_exchange_keying_rand (const MkyHdr *hdr, const MkyBytes *rand,
    const MkyCsb **old, GError **error)
{
  if (rand) {
    *old = NULL;
    return rand;
  }
  if (*old && (*old)->prf == hdr->prf)
    return &(*old)->rand;
  g_set_error (error, MKY_ERROR, MKY_ERROR_CSB_MISMATCH,
      "update (no RAND) of unknown CSB ID %08x, or with another PRF",
      hdr->csb_id);
  return NULL;
}

gboolean
mky_exchange_check_key_data (const GPtrArray *chain, guint from,
    const char *where, GError **error)
{
  for (guint i = from; i < chain->len; i++) {
    guint type = ((const MkyPayload *) chain->pdata[i])->type;
    if (type != MKY_PT_KEY_DATA) {
      g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_KEY_DATA,
          "KEMAC holds a %s payload%s", mky_payload_type_name (type), where);
      return FALSE;
    }
  }
  return TRUE;
}

/* The bundle an authenticated I_MESSAGE leaves: a new one, or @old with the
 * update applied (RFC 3830 §4.5: new keys, policies or map replace the old). */
static void
add_cs (MkyCsb *csb, const MkyArray *cs)
{
  for (guint i = 0; i < cs->len; i++) {
    const MkyCsSrtp *c = cs->pdata[i];
    mky_csb_add_cs (csb, c->policy, c->ssrc, c->roc);
  }
}

MkyCsb *
mky_exchange_apply (const MkyCsb *old, const MkyMessage *msg, GPtrArray *keys)
{
  const MkyHdr *hdr = mky_message_hdr (msg);
  const MkyPayload *rand = mky_message_find (msg, MKY_PT_RAND, 0);
  MkyCsb *csb = mky_csb_new (hdr->csb_id);
  gboolean shares = FALSE;

  csb->prf = hdr->prf;
  csb->t = mky_message_find (msg, MKY_PT_T, 0)->u.t;
  if (old && !rand) {
    mky_bytes_set (&csb->rand, old->rand.data, old->rand.len);
    add_cs (csb, old->cs);
    for (guint i = 0; i < old->policies->len; i++)
      mky_csb_take_policy (csb, mky_payload_copy (old->policies->pdata[i]));
    if (keys->len == 0)
      for (guint i = 0; i < old->keys->len; i++)
        mky_csb_take_key (csb, mky_payload_copy (old->keys->pdata[i]));
  } else if (rand->in_message) {
    csb->rand = rand->u.rand.rand;
    csb->rand.owned = FALSE;
    shares = TRUE;
  } else {
    mky_bytes_set (&csb->rand, rand->u.rand.rand.data, rand->u.rand.rand.len);
  }
  if (hdr->n_cs && hdr->cs_srtp) {
    mky_csb_clear_cs (csb);
    add_cs (csb, hdr->cs_srtp);
  }
  for (guint i = 0; i < msg->payloads->len; i++) {
    MkyPayload *p = msg->payloads->pdata[i];
    if (p->type == MKY_PT_SP) {
      /* a parsed SP stays in the message's memory, which the bundle keeps:
       * no copy on the Responder's hot path */
      shares |= p->in_message;
      mky_csb_take_policy (csb, p->in_message ? p : mky_payload_copy (p));
    }
  }
  while (keys->len) {
    MkyPayload *k = g_ptr_array_steal_index (keys, 0);
    shares |= k->in_message;
    mky_csb_take_key (csb, k);
  }
  if (shares)
    csb->memory = mky_arena_ref (msg->memory);
  return csb;
}

MkyErrNo
mky_exchange_keying_err_no (const GError *error)
{
  return g_error_matches (error, MKY_ERROR, MKY_ERROR_UNSUPPORTED_SP)
      ? MKY_ERR_INVALID_SPPAR : MKY_ERR_UNSPECIFIED;
}

/* ---- the public-key modes' envelope key and KEMAC ---- */

#define MIN_ENV_KEY_LEN 16      /* shorter envelope keys are refused */
#define ENV_KEY_LEN 32          /* the random key standing in for one */

gboolean
mky_exchange_check_pk_algs (gboolean allow_null, guint encr, guint mac,
    GError **error)
{
  if (encr == MKY_ENCR_NULL && !allow_null) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_ENCR,
        "NULL KEMAC encryption refused (allow-null not set)");
    return FALSE;
  }
  if (mac == MKY_MAC_NULL && encr != MKY_ENCR_AES_KW_128 && !allow_null) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_MAC_ALG,
        "NULL KEMAC MAC refused but with AES-KW-128 (allow-null not set)");
    return FALSE;
  }
  return TRUE;
}

gboolean
mky_exchange_open_envelope (MkyCredentials *creds, const MkyPke *pke,
    MkyBytes *env_key)
{
  if (mky_credentials_decrypt (creds, MKY_PKE_ENCR_RSA_PKCS1, pke->data.data,
          pke->data.len, env_key, NULL) && env_key->len >= MIN_ENV_KEY_LEN)
    return TRUE;
  mky_bytes_clear (env_key, TRUE);
  gnutls_rnd (GNUTLS_RND_RANDOM, mky_bytes_alloc (env_key, ENV_KEY_LEN),
      ENV_KEY_LEN);
  return FALSE;
}

GByteArray *
mky_exchange_kemac_plain (MkyIdType type, const char *id,
    const MkyArray *keys, GError **error)
{
  g_autoptr (GPtrArray) chain = g_ptr_array_new ();
  g_autoptr (MkyPayload) idp = mky_payload_new (MKY_PT_ID);
  GByteArray *plain = g_byte_array_new ();

  idp->u.id.type = type;
  mky_bytes_set (&idp->u.id.data, (const guint8 *) id, strlen (id));
  g_ptr_array_add (chain, idp);
  for (guint i = 0; i < keys->len; i++)
    g_ptr_array_add (chain, keys->pdata[i]);
  if (!mky_payload_chain_serialize (chain->pdata, chain->len, plain, error))
    g_clear_pointer (&plain, mky_secure_array_free);
  return plain;
}

static const guint8 zero_next = MKY_PT_LAST;

/* The KEMAC from its Next payload field up to its MAC field */
static gboolean
kemac_range (const MkyMessage *msg, const MkyPayload *kemac,
    const guint8 **data, gsize *len)
{
  gsize size;
  const guint8 *raw = mky_message_get_wire (msg, &size);

  g_return_val_if_fail (kemac->offset + kemac->length <= size
      && kemac->length > kemac->u.kemac.mac.len, FALSE);
  *data = raw + kemac->offset;
  *len = kemac->length - kemac->u.kemac.mac.len;
  return TRUE;
}

void
mky_exchange_kemac_mac (const MkyMsgKeys *keys, const MkyMessage *msg,
    MkyPayload *kemac)
{
  const guint8 *data;
  gsize len;

  if (kemac_range (msg, kemac, &data, &len))
    mky_mac_compute (keys, &zero_next, 1, data + 1, len - 1,
        kemac->u.kemac.mac.data);
}

gboolean
mky_exchange_kemac_mac_verify (const MkyMsgKeys *keys, const MkyMessage *msg,
    const MkyPayload *kemac, GError **error)
{
  const guint8 *data;
  gsize len;

  if (kemac->u.kemac.mac_alg != keys->mac_alg) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_MAC_ALG,
        "MAC algorithm %u, keys are for %u", kemac->u.kemac.mac_alg,
        keys->mac_alg);
    return FALSE;
  }
  if (!kemac_range (msg, kemac, &data, &len)) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_MAC, "MAC does not verify");
    return FALSE;
  }
  return mky_mac_verify (keys, &zero_next, 1, data + 1, len - 1,
      kemac->u.kemac.mac.data, kemac->u.kemac.mac.len, error);
}

/* ---- per-bundle state ---- */

void
mky_table_init (MkyTable *t, guint max, GDestroyNotify free_value)
{
  t->values = g_hash_table_new_full (NULL, NULL, NULL, free_value);
  g_queue_init (&t->order);
  t->max = MAX (max, 1);
}

void
mky_table_clear (MkyTable *t)
{
  g_clear_pointer (&t->values, g_hash_table_unref);
  g_queue_clear (&t->order);
}

gpointer
mky_table_lookup (MkyTable *t, guint32 csb_id)
{
  return g_hash_table_lookup (t->values, GUINT_TO_POINTER (csb_id));
}

void
mky_table_remove (MkyTable *t, guint32 csb_id)
{
  gpointer key = GUINT_TO_POINTER (csb_id);
  if (g_hash_table_remove (t->values, key))
    g_queue_remove (&t->order, key);
}

void
mky_table_store (MkyTable *t, guint32 csb_id, gpointer value)
{
  gpointer key = GUINT_TO_POINTER (csb_id);
  if (g_hash_table_contains (t->values, key)) {
    /* a new value for a kept CSB: nothing else has to go */
    g_queue_remove (&t->order, key);
  } else {
    while (g_hash_table_size (t->values) >= t->max)
      g_hash_table_remove (t->values, g_queue_pop_head (&t->order));
  }
  g_hash_table_replace (t->values, key, value);
  g_queue_push_tail (&t->order, key);
}
