/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>
#include <gnutls/crypto.h>

#include "mky-dh-mode.h"
#include "mky-dh.h"
#include "mky-error.h"
#include "mky-exchange.h"
#include "mky-kemac.h"
#include "mky-rfc4567.h"
#include "mky-sign.h"

/* ==== what both modes and both sides share ==== */

static guint
init_type (MkyDhMode mode)
{
  return mode == MKY_DH_MODE_SIGN ? MKY_TYPE_DH_INIT : MKY_TYPE_DHHMAC_INIT;
}

static guint
resp_type (MkyDhMode mode)
{
  return mode == MKY_DH_MODE_SIGN ? MKY_TYPE_DH_RESP : MKY_TYPE_DHHMAC_RESP;
}

static const char *
mode_name (MkyDhMode mode)
{
  return mode == MKY_DH_MODE_SIGN ? "DH" : "DH-HMAC";
}

/* Is @a the party @b was? The same identity (as in PK mode, so that a
 * renewed certificate still counts), or without one the same certificate */
static gboolean
same_party (MkyPeer *a, MkyPeer *b)
{
  const char *ia = mky_peer_get_identity (a), *ib = mky_peer_get_identity (b);
  if (ia && ib)
    return strcmp (ia, ib) == 0;
  return g_bytes_equal (mky_peer_get_leaf_der (a), mky_peer_get_leaf_der (b));
}

static gboolean
check_config (const MkyConfig *cfg, MkyDhMode mode, gboolean initiator,
    GError **error)
{
  if (mode == MKY_DH_MODE_SIGN) {
    if (cfg->credentials == NULL || cfg->trust == NULL) {
      g_set_error (error, MKY_ERROR, MKY_ERROR_INVALID_ARGUMENT,
          "DH mode needs credentials and trust");
      return FALSE;
    }
    return TRUE;
  }
  if (initiator && cfg->id_r == NULL) {
    /* RFC 4650 §3: "The initiator SHALL always include the recipient's
     * identity" */
    g_set_error (error, MKY_ERROR, MKY_ERROR_INVALID_ARGUMENT,
        "DH-HMAC needs the Responder's identity (id_r)");
    return FALSE;
  }
  if (initiator && cfg->mac_alg == MKY_MAC_NULL && !cfg->allow_null) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_MAC_ALG,
        "NULL MAC needs allow-null");
    return FALSE;
  }
  return TRUE;
}

/* What a DH or DH-HMAC message carries, in one pass */
typedef struct {
  const MkyT *t;
  const MkyBytes *rand;
  const MkyId *idi, *idr;       /* NULL when absent or empty */
  const MkyPayload *dh[2];      /* I_MESSAGE: DHi; R_MESSAGE: DHr, DHi */
  guint n_dh;
  const MkyGenExt *sdp_ids;
  const MkyPayload *last;       /* SIGN or KEMAC */
} Parts;

static gboolean
unexpected (guint type, const char *what, GError **error)
{
  g_set_error (error, MKY_ERROR, MKY_ERROR_UNEXPECTED_PAYLOAD,
      "%s payload in a %s", mky_payload_type_name (type), what);
  return FALSE;
}

/* Check the payloads of an I_MESSAGE (@init) or R_MESSAGE of @mode:
 *   DH       HDR, T, RAND, [IDi|CERTi], [IDr], {SP}, DHi, SIGNi
 *            HDR, T, [IDr|CERTr], IDi, DHr, DHi, SIGNr
 *   DH-HMAC  HDR, T, RAND, [IDi], IDr, {SP}, DHi, KEMAC
 *            HDR, T, [IDr], IDi, DHr, DHi, KEMAC
 * (updates: no RAND, [DHi] and [DHr, DHi]), General Extensions anywhere,
 * and tell the identities apart. Reading: in a DH I_MESSAGE an ID payload
 * before the certificates (or the first of two without any) is IDi, one
 * after them IDr; where one ID is mandatory (IDr of a DH-HMAC I_MESSAGE,
 * IDi of every R_MESSAGE) it is the last ID payload and an earlier one is
 * the optional identity. */
static gboolean
split_message (const MkyMessage *msg, MkyDhMode mode, gboolean init,
    Parts *m, GError **error)
{
  const char *what = init ? "DH I_MESSAGE" : "DH R_MESSAGE";
  guint last_type = mode == MKY_DH_MODE_SIGN ? MKY_PT_SIGN : MKY_PT_KEMAC;
  const MkyId *ids[2];
  gboolean before_cert[2];
  gboolean cert_seen = FALSE;
  guint n_ids = 0;

  memset (m, 0, sizeof *m);
  for (guint i = 0; i < msg->payloads->len; i++) {
    const MkyPayload *p = msg->payloads->pdata[i];
    switch (p->type) {
      case MKY_PT_T:
        m->t = &p->u.t;
        break;
      case MKY_PT_RAND:
        if (!init)
          return unexpected (p->type, what, error);
        m->rand = &p->u.rand.rand;
        break;
      case MKY_PT_SP:
        if (!init)
          return unexpected (p->type, what, error);
        break;
      case MKY_PT_CERT:
        if (mode != MKY_DH_MODE_SIGN)
          return unexpected (p->type, what, error);
        cert_seen = TRUE;
        break;
      case MKY_PT_ID:
        if (n_ids == 2) {
          g_set_error (error, MKY_ERROR, MKY_ERROR_UNEXPECTED_PAYLOAD,
              "more than two ID payloads");
          return FALSE;
        }
        before_cert[n_ids] = !cert_seen;
        ids[n_ids++] = &p->u.id;
        break;
      case MKY_PT_DH:
        if (m->n_dh == (init ? 1u : 2u)) {
          g_set_error (error, MKY_ERROR, MKY_ERROR_UNEXPECTED_PAYLOAD,
              "too many DH payloads");
          return FALSE;
        }
        m->dh[m->n_dh++] = p;
        break;
      case MKY_PT_GEN_EXT:
        if (p->u.gen_ext.type == MKY_GEN_SDP_IDS && m->sdp_ids == NULL)
          m->sdp_ids = &p->u.gen_ext;
        break;
      default:
        if (p->type == last_type && i == msg->payloads->len - 1) {
          m->last = p;
          break;
        }
        return unexpected (p->type, what, error);
    }
  }
  if (m->last == NULL || m->t == NULL) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_MISSING_PAYLOAD,
        "a %s %s needs a T payload and ends with %s", mode_name (mode),
        init ? "I_MESSAGE" : "R_MESSAGE",
        mky_payload_type_name (last_type));
    return FALSE;
  }
  if (!init && m->n_dh == 1) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_MISSING_PAYLOAD,
        "DHr without DHi (RFC 3830 §4.5: both or neither)");
    return FALSE;
  }

  if (init && mode == MKY_DH_MODE_SIGN) {
    for (guint i = 0; i < n_ids; i++) {
      if (before_cert[i] && m->idi == NULL && m->idr == NULL)
        m->idi = ids[i];
      else if (m->idr == NULL)
        m->idr = ids[i];
      else
        return unexpected (MKY_PT_ID, "second IDr", error);
    }
  } else {
    if (n_ids == 0) {
      g_set_error (error, MKY_ERROR, MKY_ERROR_MISSING_PAYLOAD,
          init ? "no IDr (RFC 4650 §3)" : "no IDi (RFC 3830 §3.3)");
      return FALSE;
    }
    if (init) {
      m->idr = ids[n_ids - 1];
      m->idi = n_ids == 2 ? ids[0] : NULL;
    } else {
      m->idi = ids[n_ids - 1];
      m->idr = n_ids == 2 ? ids[0] : NULL;
    }
  }
  /* an empty identity names no one (RFC 3830 §3.1 senders use one as a
   * placeholder) */
  if (m->idi && m->idi->data.len == 0)
    m->idi = NULL;
  if (m->idr && m->idr->data.len == 0)
    m->idr = NULL;
  return TRUE;
}

static const MkyBytes *
id_data (const MkyId *id)
{
  return id ? &id->data : NULL;
}

static void
add_id (MkyMessage *msg, guint type, const guint8 *data, gsize len)
{
  MkyPayload *p = mky_message_add (msg, MKY_PT_ID);
  p->u.id.type = type;
  mky_bytes_set (&p->u.id.data, data, len);
}

/* Append the authentication: SIGN, or a KEMAC with NULL encryption, no
 * Encr data and the MAC over the whole message but the MAC field (RFC 4650
 * §4.2, with RFC 3830's NULL = 0) */
static GBytes *
seal (const MkyConfig *cfg, MkyDhMode mode, MkyMessage *msg,
    const MkyMsgKeys *keys, GError **error)
{
  if (mode == MKY_DH_MODE_SIGN)
    return mky_message_seal_sign (msg, cfg->credentials, cfg->sign_type,
        NULL, 0, error);
  mky_message_add (msg, MKY_PT_KEMAC)->u.kemac.encr_alg = MKY_ENCR_NULL;
  return mky_message_seal_mac (msg, keys, NULL, 0, error);
}

/* DH-HMAC message keys: auth_key from the PSK (RFC 3830 §4.1.4, which RFC
 * 4650 §1.1 calls "4.1.5") */
static gboolean
hmac_keys (const MkyConfig *cfg, MkyPrf prf, guint mac_alg, guint32 csb_id,
    const MkyBytes *rand, MkyMsgKeys *keys, GError **error)
{
  gsize psk_len;
  const guint8 *psk = mky_config_get_psk (cfg, &psk_len);

  if (mac_alg == MKY_MAC_NULL && !cfg->allow_null) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_MAC_ALG,
        "NULL MAC refused (allow-null not set)");
    return FALSE;
  }
  return mky_msg_keys_derive (keys, prf, MKY_ENCR_NULL, mac_alg, psk,
      psk_len, csb_id, rand->data, rand->len, error);
}

/* Authenticate a peer's message. Signed: its certificate chain (the CERT
 * payloads), bound to the identity of @claimed (the peer's ID payload) or
 * else @want, then the signature; an update without certificates (RFC
 * 3830 §4.5) is checked with @known, the certificate accepted when the
 * bundle was set up.
 * DH-HMAC: the KEMAC, NULL-encrypted and empty, under keys for @mac_alg
 * from the PSK, @csb_id and @rand, which land in @keys. */
static gboolean
authenticate (const MkyConfig *cfg, MkyDhMode mode, const MkyMessage *msg,
    const Parts *m, const MkyId *claimed, const char *want, gint64 now_us,
    MkyPeer *known, MkyPrf prf, guint mac_alg, const MkyBytes *rand,
    MkyPeer **peer, MkyMsgKeys *keys, GError **error)
{
  guint32 csb_id = mky_message_hdr (msg)->csb_id;

  if (mode == MKY_DH_MODE_SIGN) {
    g_autoptr (GPtrArray) chain = mky_exchange_certs (msg);
    g_autofree char *claim = NULL;
    guint id_type = cfg->id_type;

    if (chain->len == 0 && known == NULL) {
      g_set_error (error, MKY_ERROR, MKY_ERROR_MISSING_PAYLOAD,
          "no certificate (CERT payload) to check the signature with");
      return FALSE;
    }
    if (claimed) {
      claim = mky_exchange_id_string (&claimed->data, error);
      if (claim == NULL)
        return FALSE;
      id_type = claimed->type;
    } else {
      claim = g_strdup (want);
    }
    if (chain->len)
      *peer = mky_trust_verify (cfg->trust, chain, id_type, claim,
          MKY_KEY_USAGE_SIGN, now_us, error);
    else if (claim == NULL || mky_peer_check_id (known, id_type, claim, error))
      *peer = mky_peer_ref (known);
    if (*peer == NULL)
      return FALSE;
    return mky_message_verify_sign (msg, *peer, NULL, 0, error);
  }

  if (m->last->u.kemac.encr_alg != MKY_ENCR_NULL
      || m->last->u.kemac.encr_data.len != 0) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_ENCR,
        "a DH-HMAC KEMAC has NULL encryption (0) and no data "
        "(RFC 4650 §4.2), not algorithm %u with %" G_GSIZE_FORMAT " bytes",
        m->last->u.kemac.encr_alg, m->last->u.kemac.encr_data.len);
    return FALSE;
  }
  return hmac_keys (cfg, prf, mac_alg, csb_id, rand, keys, error)
      && mky_message_verify_mac (msg, keys, NULL, 0, error);
}

/* The identity checks after authentication: the peer's identity (the one
 * its certificate was accepted for, or its ID payload in DH-HMAC) must be
 * @want when set, and our own ID payload in its message @ours when set */
static gboolean
check_ids (MkyDhMode mode, MkyPeer *peer, const MkyId *theirs,
    const char *want, const MkyId *ours, const char *ours_want,
    GError **error)
{
  gboolean ok;

  if (mode == MKY_DH_MODE_SIGN)
    ok = want == NULL || g_strcmp0 (mky_peer_get_identity (peer), want) == 0;
  else
    ok = mky_exchange_id_matches (want, id_data (theirs));
  if (ok && ours)
    ok = mky_exchange_id_matches (ours_want, &ours->data);
  if (!ok)
    g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_ID,
        "identity not the one configured");
  return ok;
}

static void
kv_copy (MkyKv *to, const MkyKv *from)
{
  to->kv = from->kv;
  mky_bytes_set (&to->spi, from->spi.data, from->spi.len);
  mky_bytes_set (&to->valid_from, from->valid_from.data,
      from->valid_from.len);
  mky_bytes_set (&to->valid_to, from->valid_to.data, from->valid_to.len);
}

static void
kv_clear (MkyKv *kv)
{
  mky_bytes_clear (&kv->spi, FALSE);
  mky_bytes_clear (&kv->valid_from, FALSE);
  mky_bytes_clear (&kv->valid_to, FALSE);
  kv->kv = MKY_KV_NULL;
}

static gboolean
kv_equal (const MkyKv *a, const MkyKv *b)
{
  return a->kv == b->kv && mky_bytes_equal (&a->spi, &b->spi)
      && mky_bytes_equal (&a->valid_from, &b->valid_from)
      && mky_bytes_equal (&a->valid_to, &b->valid_to);
}

/* The TGK as a Key data, with the key validity (RFC 3830 §6.4) of DHi, or
 * none; @tgk is moved into it */
static MkyPayload *
tgk_payload (MkyBytes *tgk, const MkyKv *kv)
{
  MkyPayload *p = mky_payload_new (MKY_PT_KEY_DATA);
  MkyKeyData *kd = &p->u.key_data;

  kd->type = MKY_KD_TGK;
  kd->key = *tgk;
  memset (tgk, 0, sizeof *tgk);
  if (kv)
    kv_copy (&kd->kv, kv);
  return p;
}

/* The key a bundle keeps beside the new TGK of an update with a new DHi
 * of key validity @kv: a copy of the first of @old's keys under another
 * SPI of the same length, or NULL. An SPI (for SRTP the MKI every packet
 * carries, RFC 3830 §4.5, §6.14) lets receivers tell the keys apart while
 * the sender switches from the key in use to the new one, so the key in
 * use must stay; the next such update replaces it (one earlier key at
 * most). Without an SPI the new TGK replaces every key, as before. */
static MkyPayload *
previous_key (const MkyCsb *old, const MkyKv *kv)
{
  if (old == NULL || kv == NULL || kv->kv != MKY_KV_SPI)
    return NULL;
  for (guint i = 0; i < old->keys->len; i++) {
    const MkyKv *okv = &((const MkyPayload *) old->keys->pdata[i])->
        u.key_data.kv;
    if (okv->kv == MKY_KV_SPI && okv->spi.len == kv->spi.len
        && !mky_bytes_equal (&okv->spi, &kv->spi))
      return mky_payload_copy (old->keys->pdata[i]);
  }
  return NULL;
}

/* ==== Initiator ==== */

struct _MkyDhInitiator {
  MkyConfig cfg;
  MkyDhMode mode;
  MkyTable peers;               /* signed: the Responder of each bundle */
  /* the exchange under way */
  gboolean pending;
  gboolean pending_update;
  guint32 pending_csb_id;
  MkyT pending_t;
  guint8 pending_mac;
  MkyDhKey *key;                /* xi, while DHr is awaited */
  MkyBytes dhi;                 /* g^xi as sent */
  MkyKv sent_kv;                /* the key validity of that DHi */
  MkyKv kv;                     /* of the DHi of the next builds */
};

MkyDhInitiator *
mky_dh_initiator_new (const MkyConfig *cfg, MkyDhMode mode)
{
  MkyDhInitiator *ini = g_new0 (MkyDhInitiator, 1);
  mky_config_copy (&ini->cfg, cfg);
  ini->mode = mode;
  mky_table_init (&ini->peers, cfg->max_csbs,
      (GDestroyNotify) mky_peer_unref);
  return ini;
}

static void
end_exchange (MkyDhInitiator *ini)
{
  ini->pending = FALSE;
  g_clear_pointer (&ini->key, mky_dh_key_free);
  mky_bytes_clear (&ini->dhi, FALSE);
  kv_clear (&ini->sent_kv);
}

void
mky_dh_initiator_free (MkyDhInitiator *ini)
{
  if (ini == NULL)
    return;
  end_exchange (ini);
  kv_clear (&ini->kv);
  mky_table_clear (&ini->peers);
  mky_config_clear (&ini->cfg);
  g_free (ini);
}

MkyPeer *
mky_dh_initiator_get_peer (MkyDhInitiator *ini, guint32 csb_id)
{
  return mky_table_lookup (&ini->peers, csb_id);
}

void
mky_dh_initiator_set_spi (MkyDhInitiator *ini, const guint8 *spi,
    gsize spi_len)
{
  kv_clear (&ini->kv);
  if (spi == NULL || spi_len == 0)
    return;
  ini->kv.kv = MKY_KV_SPI;
  mky_bytes_set (&ini->kv.spi, spi, spi_len);
}

GBytes *
mky_dh_initiator_build (MkyDhInitiator *ini, MkyCsb *csb, gboolean rekey,
    const char *const *sdp_ids, gint64 now_us, GError **error)
{
  const MkyConfig *cfg = &ini->cfg;
  gboolean initial = csb->rand.len == 0;
  MkyPrf prf = initial ? cfg->prf : csb->prf;
  g_autoptr (MkyDhKey) key = NULL;
  g_autoptr (MkyMessage) msg = NULL;
  MkyBytes rand = { 0 };
  MkyMsgKeys keys = { 0 };
  MkyPayload *p;
  MkyT t;
  GBytes *out = NULL;

  if (!check_config (cfg, ini->mode, TRUE, error))
    return NULL;
  if (!initial && !rekey && csb->keys->len == 0) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_STATE,
        "an update without DHi needs the TGK of an earlier exchange");
    return NULL;
  }
  if (!mky_exchange_unique_time (&t, &csb->t, cfg->ts_type, now_us, error))
    return NULL;
  if (initial)
    mky_exchange_new_rand (&rand);
  else
    mky_bytes_set (&rand, csb->rand.data, csb->rand.len);
  if ((initial || rekey)
      && (key = mky_dh_key_generate (cfg->dh_group, error)) == NULL)
    goto out;
  if (ini->mode == MKY_DH_MODE_HMAC && !hmac_keys (cfg, prf, cfg->mac_alg,
          csb->csb_id, &rand, &keys, error))
    goto out;

  msg = mky_exchange_message_new (init_type (ini->mode), csb->csb_id, prf,
      csb->cs, &t, initial ? &rand : NULL);
  /* RFC 3830 §6.1: the answer is mandatory; V says so */
  mky_message_hdr (msg)->v = 1;
  mky_exchange_add_ids (msg, cfg->id_type, cfg->id_i,
      ini->mode == MKY_DH_MODE_SIGN ? cfg->credentials : NULL, cfg->cert_url,
      cfg->id_type, cfg->id_r, FALSE);
  mky_exchange_add_policies (msg, csb->policies);
  if (sdp_ids)
    mky_sdp_ids_set (&mky_message_add (msg, MKY_PT_GEN_EXT)->u.gen_ext,
        sdp_ids);
  if (key) {
    p = mky_message_add (msg, MKY_PT_DH);
    p->u.dh.group = cfg->dh_group;
    mky_dh_key_get_public (key, &p->u.dh.value);
    kv_copy (&p->u.dh.kv, &ini->kv);
  }
  out = seal (cfg, ini->mode, msg, &keys, error);
  if (out == NULL)
    goto out;

  csb->t = t;
  if (initial) {
    csb->prf = prf;
    mky_bytes_set (&csb->rand, rand.data, rand.len);
  }
  end_exchange (ini);
  ini->pending = TRUE;
  ini->pending_update = !initial;
  ini->pending_csb_id = csb->csb_id;
  ini->pending_t = t;
  ini->pending_mac = cfg->mac_alg;
  if (key) {
    mky_dh_key_get_public (key, &ini->dhi);
    kv_copy (&ini->sent_kv, &ini->kv);
    ini->key = g_steal_pointer (&key);
  }

out:
  mky_bytes_clear (&rand, FALSE);
  mky_msg_keys_clear (&keys);
  return out;
}

/* An Error message answering our request (RFC 3830 §5.1.2). In DH-HMAC a V
 * payload authenticates it as in PSK mode; a signed one cannot be checked
 * (no certificate travels with it): a hint, like an unauthenticated one. */
static gboolean
handle_error (MkyDhInitiator *ini, const MkyMessage *msg, const MkyCsb *csb,
    const MkyT *t, GError **error)
{
  const MkyConfig *cfg = &ini->cfg;
  const MkyPayload *last = msg->payloads->pdata[msg->payloads->len - 1];
  gboolean authentic = FALSE;

  if (ini->mode == MKY_DH_MODE_HMAC && last->type == MKY_PT_V) {
    MkyBytes idi = { (guint8 *) cfg->id_i, cfg->id_i ? strlen (cfg->id_i) : 0 };
    MkyBytes idr = { (guint8 *) cfg->id_r, cfg->id_r ? strlen (cfg->id_r) : 0 };
    g_autoptr (GByteArray) extra = mky_exchange_verify_extra (&idi, &idr, t);
    MkyMsgKeys keys;
    gboolean ok = hmac_keys (cfg, csb->prf, ini->pending_mac, csb->csb_id,
        &csb->rand, &keys, error)
        && mky_message_verify_mac (msg, &keys, extra->data, extra->len, error);
    mky_msg_keys_clear (&keys);
    if (!ok)
      return FALSE;
    authentic = TRUE;
  }
  /* only an authenticated error ends the exchange */
  if (authentic)
    end_exchange (ini);
  return mky_exchange_peer_error (msg, authentic, error);
}

gboolean
mky_dh_initiator_handle_response (MkyDhInitiator *ini, MkyCsb *csb,
    GBytes *response, gint64 now_us, GError **error)
{
  const MkyConfig *cfg = &ini->cfg;
  g_autoptr (MkyMessage) msg = mky_message_parse_bytes (response, error);
  g_autoptr (MkyPeer) peer = NULL;
  MkyPeer *known;
  MkyPayload *prev;
  const MkyT *t;
  const MkyDh *dhr, *dhi;
  MkyBytes tgk = { 0 };
  MkyMsgKeys keys = { 0 };
  Parts m;
  gboolean ok;

  if (msg == NULL)
    return FALSE;
  /* the echoed timestamp makes the answer fresh (RFC 3830 §3.3, §5.4) */
  t = mky_exchange_check_answer (msg, resp_type (ini->mode),
      ini->mode == MKY_DH_MODE_SIGN ? "a DH R_MESSAGE or error message"
      : "a DH-HMAC R_MESSAGE or error message",
      ini->pending && csb->csb_id == ini->pending_csb_id,
      ini->pending_csb_id, &ini->pending_t, error);
  if (t == NULL)
    return FALSE;
  if (mky_message_hdr (msg)->data_type == MKY_TYPE_ERROR)
    return handle_error (ini, msg, csb, t, error);

  if (!split_message (msg, ini->mode, FALSE, &m, error))
    return FALSE;
  known = ini->pending_update ? mky_table_lookup (&ini->peers, csb->csb_id)
      : NULL;
  ok = authenticate (cfg, ini->mode, msg, &m, m.idr, cfg->id_r, now_us,
      known, csb->prf, ini->pending_mac, &csb->rand, &peer, &keys, error);
  mky_msg_keys_clear (&keys);
  if (!ok)
    return FALSE;
  /* an update is answered by the party of the setup (when we saw it) */
  if (known && !same_party (peer, known)) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_ID,
        "the update is answered by another party than the bundle's");
    return FALSE;
  }

  /* contents */
  if (!check_ids (ini->mode, peer, m.idr, cfg->id_r, m.idi, cfg->id_i,
          error))
    return FALSE;
  if (ini->key == NULL) {
    if (m.n_dh) {
      g_set_error (error, MKY_ERROR, MKY_ERROR_UNEXPECTED_PAYLOAD,
          "DH payloads answering an update without DHi (RFC 3830 §4.5)");
      return FALSE;
    }
  } else {
    if (m.n_dh != 2) {
      g_set_error (error, MKY_ERROR, MKY_ERROR_MISSING_PAYLOAD,
          "no DHr and DHi in the answer");
      return FALSE;
    }
    dhr = &m.dh[0]->u.dh;
    dhi = &m.dh[1]->u.dh;
    /* RFC 3830 §3.3: the Responder echoes DHi, its key validity too */
    if (dhi->group != mky_dh_key_get_group (ini->key)
        || !mky_bytes_equal (&dhi->value, &ini->dhi)
        || !kv_equal (&dhi->kv, &ini->sent_kv)) {
      g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_DH,
          "the answer does not echo our DHi");
      return FALSE;
    }
    if (dhr->group != dhi->group) {
      g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_DH,
          "DHr in group %u, DHi in %u", dhr->group, dhi->group);
      return FALSE;
    }
    if (!mky_dh_compute (ini->key, dhr->value.data, dhr->value.len, &tgk,
            error))
      return FALSE;
    /* the same keys as the Responder's bundle: the TGK, under the SPI
     * both agreed in DHi, and the key it may keep beside */
    prev = ini->pending_update ? previous_key (csb, &ini->sent_kv) : NULL;
    mky_csb_clear_keys (csb);
    mky_csb_take_key (csb, tgk_payload (&tgk, &ini->sent_kv));
    if (prev)
      mky_csb_take_key (csb, prev);
  }
  if (peer)
    mky_table_store (&ini->peers, csb->csb_id, mky_peer_ref (peer));
  end_exchange (ini);
  return TRUE;
}

/* ==== Responder ==== */

struct _MkyDhResponder {
  MkyConfig cfg;
  MkyDhMode mode;
  MkyReplayCache *replay;
  MkyTable csbs;                /* MkyCsb by CSB ID */
  MkyTable peers;               /* signed: the Initiator of each bundle */
};

MkyDhResponder *
mky_dh_responder_new (const MkyConfig *cfg, MkyDhMode mode, gint64 now_us,
    gboolean state_lost)
{
  MkyDhResponder *r = g_new0 (MkyDhResponder, 1);

  mky_config_copy (&r->cfg, cfg);
  r->mode = mode;
  r->replay = mky_replay_cache_new (cfg->replay_capacity, cfg->skew_us,
      now_us, state_lost);
  mky_table_init (&r->csbs, cfg->max_csbs, (GDestroyNotify) mky_csb_unref);
  mky_table_init (&r->peers, cfg->max_csbs, (GDestroyNotify) mky_peer_unref);
  return r;
}

void
mky_dh_responder_free (MkyDhResponder *r)
{
  if (r == NULL)
    return;
  mky_config_clear (&r->cfg);
  mky_replay_cache_free (r->replay);
  mky_table_clear (&r->csbs);
  mky_table_clear (&r->peers);
  g_free (r);
}

const MkyReplayCache *
mky_dh_responder_get_replay_cache (MkyDhResponder *r)
{
  return r->replay;
}

MkyPeer *
mky_dh_responder_get_peer (MkyDhResponder *r, guint32 csb_id)
{
  return mky_table_lookup (&r->peers, csb_id);
}

/* How far an I_MESSAGE got, for the answer (its keys: DH-HMAC's), and
 * what it brought */
typedef struct {
  MkyOpened base;
  Parts m;
  MkyPeer *peer;                /* signed: the Initiator's certificate */
  guint8 dh_group;
  MkyBytes dhr;                 /* our g^xr, when DHi came */
} Opened;

static void
opened_clear (Opened *o)
{
  mky_opened_clear (&o->base);
  g_clear_pointer (&o->peer, mky_peer_unref);
  mky_bytes_clear (&o->dhr, FALSE);
}

static gboolean
refuse (Opened *o, MkyErrNo err_no)
{
  return mky_opened_refuse (&o->base, err_no);
}

static gboolean
check_sdp_ids (const MkyGenExt *ext, const char *const *want, GError **error)
{
  g_auto (GStrv) got = NULL;

  if (want == NULL)
    return TRUE;
  if (ext == NULL) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_MISSING_PAYLOAD,
        "no SDP IDs General Extension (RFC 4567 §7, RFC 4650 §4.4)");
    return FALSE;
  }
  got = mky_sdp_ids_get (ext, error);
  if (got == NULL)
    return FALSE;
  if (!g_strv_equal ((const char *const *) got, want)) {
    /* RFC 4567 §7: the lists differ: a bidding-down attack, refused */
    g_set_error (error, MKY_ERROR, MKY_ERROR_NOT_AUTHORIZED,
        "the SDP IDs in the message are not those of the SDP");
    return FALSE;
  }
  return TRUE;
}

/* RFC 3830 §5.3: payloads, time and replay, authentication, contents */
static MkyCsb *
open_init (MkyDhResponder *r, const MkyMessage *msg,
    const char *const *sdp_ids, gint64 now_us, Opened *o, GError **error)
{
  const MkyConfig *cfg = &r->cfg;
  const MkyHdr *hdr = mky_message_hdr (msg);
  const MkyCsb *old = mky_table_lookup (&r->csbs, hdr->csb_id);
  MkyPeer *owner = mky_table_lookup (&r->peers, hdr->csb_id);
  const MkyBytes *rand;
  guint mac_alg;
  const Parts *m = &o->m;
  g_autoptr (GPtrArray) keys = g_ptr_array_new_with_free_func (
      (GDestroyNotify) mky_payload_free);
  MkyCsb *csb;

  if (!mky_exchange_check_data_type (hdr, init_type (r->mode),
          r->mode == MKY_DH_MODE_SIGN ? "a DH I_MESSAGE"
          : "a DH-HMAC I_MESSAGE", error)) {
    refuse (o, MKY_ERR_INVALID_DT);
    return NULL;
  }
  if (!split_message (msg, r->mode, TRUE, &o->m, error))
    return NULL;
  if (!mky_replay_cache_check (r->replay, msg, now_us, &o->base.ticket,
          error))
    return NULL;
  if (!mky_exchange_check_prf (hdr, error)) {
    refuse (o, MKY_ERR_INVALID_PRF);
    return NULL;
  }
  rand = mky_exchange_keying_rand (hdr, m->rand, &old, error);
  if (rand == NULL)
    return NULL;
  if (old == NULL && m->n_dh == 0) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_MISSING_PAYLOAD, "no DHi");
    return NULL;
  }

  /* (a payload of a parsed message holds only its own union member) */
  mac_alg = r->mode == MKY_DH_MODE_HMAC ? m->last->u.kemac.mac_alg
      : MKY_MAC_NULL;
  if (!authenticate (cfg, r->mode, msg, m, m->idi, cfg->id_i, now_us,
          old ? owner : NULL, hdr->prf, mac_alg, rand, &o->peer,
          &o->base.keys, error)) {
    /* without a certificate the signature cannot be checked either */
    refuse (o, g_error_matches (*error, MKY_ERROR, MKY_ERROR_MISSING_PAYLOAD)
        ? MKY_ERR_INVALID_CERT : mky_error_to_err_no (*error));
    return NULL;
  }
  /* a bundle in use (an update, or a new initial message for its CSB ID)
   * belongs to whoever set it up */
  if (owner && !same_party (o->peer, owner)) {
    g_set_error (error, MKY_ERROR, MKY_ERROR_BAD_ID,
        "CSB ID %08x belongs to \"%s\", not to this Initiator", hdr->csb_id,
        mky_peer_get_identity (owner) ? mky_peer_get_identity (owner) : "?");
    refuse (o, MKY_ERR_INVALID_ID);
    return NULL;
  }
  /* Error messages are authenticated (V) only in DH-HMAC */
  o->base.authentic = TRUE;
  o->base.keyed = r->mode == MKY_DH_MODE_HMAC;

  if (!check_ids (r->mode, o->peer, m->idi, cfg->id_i, m->idr, cfg->id_r,
          error)
      || !check_sdp_ids (m->sdp_ids, sdp_ids, error)) {
    refuse (o, mky_error_to_err_no (*error));
    return NULL;
  }
  if (m->n_dh) {
    const MkyDh *dhi = &m->dh[0]->u.dh;
    /* xr lives only here */
    g_autoptr (MkyDhKey) key = mky_dh_key_generate (dhi->group, error);
    MkyBytes tgk = { 0 };
    MkyPayload *prev;

    if (key == NULL || !mky_dh_compute (key, dhi->value.data, dhi->value.len,
            &tgk, error)) {
      refuse (o, MKY_ERR_INVALID_DH);
      return NULL;
    }
    o->dh_group = dhi->group;
    mky_dh_key_get_public (key, &o->dhr);
    g_ptr_array_add (keys, tgk_payload (&tgk, &dhi->kv));
    /* @old is NULL for an initial message: a new bundle */
    prev = previous_key (old, &dhi->kv);
    if (prev)
      g_ptr_array_add (keys, prev);
  }
  csb = mky_exchange_apply (old, msg, keys);
  if (!mky_csb_check (csb, cfg->compat, error)) {
    refuse (o, mky_exchange_keying_err_no (*error));
    mky_csb_unref (csb);
    return NULL;
  }
  return csb;
}

/* HDR, T, [IDr], [CERTr], IDi, [DHr, DHi], SIGNr or KEMAC */
static GBytes *
build_response (MkyDhResponder *r, const MkyCsb *csb,
    const Opened *o, GError **error)
{
  const MkyConfig *cfg = &r->cfg;
  g_autoptr (MkyMessage) msg = mky_exchange_message_new (resp_type (r->mode),
      csb->csb_id, csb->prf, csb->cs, o->m.t, NULL);
  const MkyId *idi = o->m.idi;
  const char *peer_id = o->peer ? mky_peer_get_identity (o->peer) : NULL;
  MkyPayload *p;

  if (cfg->id_r)
    mky_exchange_add_id (msg, cfg->id_type, cfg->id_r);
  if (r->mode == MKY_DH_MODE_SIGN)
    mky_exchange_add_certs (msg, cfg->credentials, cfg->cert_url);
  /* IDi is mandatory (RFC 4650 §3: "regardless of whether the I_message
   * conveyed any IDi"): the Initiator's own, else the identity its
   * certificate was accepted for, else the one we expect, else empty */
  if (idi)
    add_id (msg, idi->type, idi->data.data, idi->data.len);
  else if (peer_id)
    mky_exchange_add_id (msg, cfg->id_i ? cfg->id_type
        : strchr (peer_id, ':') ? MKY_ID_URI : MKY_ID_NAI, peer_id);
  else
    mky_exchange_add_id (msg, cfg->id_type, cfg->id_i ? cfg->id_i : "");
  if (o->dhr.len) {
    p = mky_message_add (msg, MKY_PT_DH);
    p->u.dh.group = o->dh_group;
    mky_bytes_set (&p->u.dh.value, o->dhr.data, o->dhr.len);
    mky_message_insert (msg, msg->payloads->len, mky_payload_copy (o->m.dh[0]));
  }
  return seal (cfg, r->mode, msg, &o->base.keys, error);
}

MkyCsb *
mky_dh_responder_handle (MkyDhResponder *r, GBytes *message,
    const char *const *sdp_ids, gint64 now_us, GBytes **reply,
    GError **error)
{
  g_autoptr (MkyMessage) msg = NULL;
  g_autoptr (GError) local = NULL;
  MkyCsb *csb;
  Opened o = { 0 };

  *reply = NULL;
  if (!check_config (&r->cfg, r->mode, FALSE, error))
    return NULL;
  msg = mky_message_parse_bytes (message, error);
  if (msg == NULL)
    return NULL;

  /* open_init reads the error to choose the Error message */
  csb = open_init (r, msg, sdp_ids, now_us, &o, &local);
  mky_opened_add_replay (&o.base, r->replay, now_us);

  if (csb == NULL) {
    /* authenticated (V) only in DH-HMAC and after the MAC verified */
    *reply = mky_opened_error (&o.base, msg, id_data (o.m.idi),
        id_data (o.m.idr));
    g_propagate_error (error, g_steal_pointer (&local));
  } else {
    *reply = build_response (r, csb, &o, error);
    if (*reply) {
      mky_table_store (&r->csbs, csb->csb_id, mky_csb_ref (csb));
      if (o.peer)
        mky_table_store (&r->peers, csb->csb_id, mky_peer_ref (o.peer));
    } else {
      g_clear_pointer (&csb, mky_csb_unref);
    }
  }
  opened_clear (&o);
  return csb;
}
