/* Writes the fuzz seed corpora (committed in corpus/ and corpus-process/):
 *   ninja -C build tests/fuzz/gen-corpus && build/tests/fuzz/gen-corpus \
 *       tests/fuzz/corpus tests/fuzz/corpus-process
 * corpus/ (fuzz_parse.c): the RFC 4567 §5.1 messages, the samples of
 * tests/common/samples.h, one small message per payload type, the two KEMAC
 * plaintext chains, and real messages of every mode (msg-*.bin).
 * corpus-process/ (fuzz_process.c): those real messages behind the
 * selector byte of the target that takes them (TARGET--WHAT.bin): every
 * Initiator's request to its Responder, updates to the established
 * Responders, and every Responder's answers (accepting and refusing) to the
 * Initiator whose request they answer. They are made in fuzz-world.c's
 * world, so the fuzzer's Initiators, built again, are waiting for exactly
 * these answers. */
#include <stdlib.h>
#include <string.h>
#include <mky/mky.h>
#include "fuzz-world.h"
#include "test-vectors.h"
#include "samples.h"

static const char *dir;
static const char *process_dir;

static void
write_file (const char *name, const guint8 *data, gsize len)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr (GError) error = NULL;

  if (!g_file_set_contents (path, (const char *) data, len, &error))
    g_error ("%s", error->message);
}

static void
write_message (const char *name, MkyMessage *msg)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) raw = mky_message_serialize (msg, &error);

  g_assert_no_error (error);
  write_file (name, g_bytes_get_data (raw, NULL), g_bytes_get_size (raw));
  mky_message_free (msg);
}

static void
write_b64 (const char *name, const char *b64)
{
  g_autoptr (GBytes) d = test_b64 (b64);
  write_file (name, g_bytes_get_data (d, NULL), g_bytes_get_size (d));
}

static MkyPayload *
sample_payload (MkyPayloadType type)
{
  MkyPayload *p = mky_payload_new (type);
  sample_fill (p);
  return p;
}

/* A TEK with a key validity interval (the sample key has an SPI). */
static MkyPayload *
tek_with_interval (void)
{
  static const guint8 srtp_index[6] = { 0, 0, 0, 0, 0x10, 0 };
  MkyPayload *p = sample_payload (MKY_PT_KEY_DATA);
  MkyKeyData *kd = &p->u.key_data;

  kd->type = MKY_KD_TEK;
  mky_bytes_clear (&kd->salt, TRUE);
  mky_bytes_clear (&kd->kv.spi, FALSE);
  kd->kv.kv = MKY_KV_INTERVAL;
  mky_bytes_set (&kd->kv.valid_from, srtp_index, sizeof srtp_index);
  mky_bytes_set (&kd->kv.valid_to, srtp_index, sizeof srtp_index);
  return p;
}

/* A KEMAC plaintext: the chain, its first payload type implied. */
static void
write_chain (const char *name, MkyPayload *first, MkyPayload *second)
{
  g_autoptr (GPtrArray) chain =
      g_ptr_array_new_with_free_func ((GDestroyNotify) mky_payload_free);
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GError) error = NULL;

  g_ptr_array_add (chain, first);
  g_ptr_array_add (chain, second);
  if (!mky_payload_chain_serialize (chain->pdata, chain->len, out, &error))
    g_error ("%s", error->message);
  write_file (name, out->data, out->len);
}

/* ------------------------------------------------------------------ */
/* Real messages, for both corpora */

static void
seed (const char *target, guint8 flags, const char *what, GBytes *msg)
{
  g_autofree char *path = NULL;
  g_autofree char *parse_name = g_strdup_printf ("msg-%s--%s.bin", target,
      what);
  g_autoptr (GByteArray) in = g_byte_array_new ();
  g_autoptr (GError) error = NULL;
  guint8 sel = fuzz_target_selector (target) | flags;
  gsize len;
  const guint8 *d = g_bytes_get_data (msg, &len);

  write_file (parse_name, d, len);
  g_byte_array_append (in, &sel, 1);
  g_byte_array_append (in, d, len);
  path = g_strdup_printf ("%s/%s--%s.bin", process_dir, target, what);
  if (!g_file_set_contents (path, (const char *) in->data, in->len, &error))
    g_error ("%s", error->message);
}

static void
must (gboolean ok, const char *what, GError *error)
{
  if (!ok)
    g_error ("gen-corpus: %s: %s", what, error ? error->message : "failed");
}

/* @kind's request to its Responder and the answer to its Initiator; then
 * the updates to the established Responder */
static void
gen_exchange (FuzzKind kind)
{
  const char *name = fuzz_kind_names[kind];
  g_autofree char *rt = g_strdup_printf ("%s-responder", name);
  g_autofree char *rt_est = g_strdup_printf ("%s-responder-established",
      name);
  g_autofree char *it = g_strdup_printf ("%s-initiator", name);
  g_autoptr (GBytes) req = NULL;
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (MkyCsb) theirs = NULL;
  g_autoptr (MkyCsb) ours = NULL;
  FuzzInitiator *ini = fuzz_initiator_new (kind, &req);
  FuzzResponder *r = fuzz_responder_new (kind, FALSE, NULL);

  seed (rt, 0, "init", req);
  theirs = fuzz_responder_handle (r, req, FALSE, &reply, &error);
  must (theirs && reply, rt, error);
  seed (it, 0, "resp", reply);
  ours = fuzz_initiator_handle (ini, reply, &error);
  must (ours != NULL, it, error);

  for (guint v = 0; v < 2 && kind != FUZZ_RSA_R
      && kind != FUZZ_RSA_R_GROUP; v++) {
    g_autoptr (GBytes) upd = fuzz_initiator_update (ini, v, &error);
    g_autoptr (GBytes) upd_reply = NULL;
    g_autoptr (MkyCsb) got = NULL;
    g_autofree char *what = g_strdup_printf ("update%u", v);

    must (upd != NULL, what, error);
    seed (rt_est, 0, what, upd);
    got = fuzz_responder_handle (r, upd, FALSE, &upd_reply, &error);
    must (got != NULL, what, error);
    if (upd_reply) {
      g_autofree char *w = g_strdup_printf ("msg-%s--update%u-resp.bin",
          rt_est, v);
      write_file (w, g_bytes_get_data (upd_reply, NULL),
          g_bytes_get_size (upd_reply));
    }
  }
  fuzz_responder_free (r);
  fuzz_initiator_free (ini);
}

/* Requests the Initiators of the fuzz world do not make: each to the
 * Responder of its kind, which must accept it */
static void
gen_request (FuzzKind kind, const char *what, const MkyConfig *cfg,
    guint flags, guint8 dh_group, gboolean variant)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) req = NULL;
  g_autoptr (MkyCsb) csb = mky_csb_new (0);
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (MkyCsb) got = NULL;
  g_autofree char *rt = g_strdup_printf ("%s-responder",
      fuzz_kind_names[kind]);
  FuzzResponder *r;

  mky_csb_add_cs (csb, 0, 0x11111111, 0);
  switch (kind) {
    case FUZZ_PSK:{
      g_autoptr (MkyPskInitiator) ini = mky_psk_initiator_new (cfg);
      if (cfg->encr_alg == MKY_ENCR_AES_KW_128)     /* whole blocks */
        mky_csb_add_key (csb, MKY_KD_TGK, NULL, 20, NULL, 0, NULL, 0);
      else
        mky_csb_add_key (csb, MKY_KD_TEK_SALT, NULL, 16, NULL, 14,
            (const guint8 *) "\0\0\0\1", 4);
      req = mky_psk_initiator_build (ini, csb, variant, FUZZ_NOW, &error);
      break;
    }
    case FUZZ_PK:{
      g_autoptr (MkyPkInitiator) ini =
          mky_pk_initiator_new (cfg, fuzz_world_responder_peer (), &error);
      must (ini != NULL, what, error);
      mky_csb_add_key (csb, MKY_KD_TGK, NULL, 16, NULL, 0, NULL, 0);
      req = mky_pk_initiator_build (ini, csb, variant, FUZZ_NOW, &error);
      break;
    }
    case FUZZ_RSA_R:{
      g_autoptr (MkyRsaRInitiator) ini =
          mky_rsa_r_initiator_new (cfg, MKY_RSA_R_UNICAST);
      req = mky_rsa_r_initiator_build (ini, csb, variant, FUZZ_NOW, &error);
      break;
    }
    case FUZZ_DH:
    case FUZZ_DHHMAC:{
      MkyConfig c;
      g_autoptr (MkyDhInitiator) ini = NULL;
      mky_config_copy (&c, cfg);
      c.dh_group = dh_group;
      ini = mky_dh_initiator_new (&c, kind == FUZZ_DH ? MKY_DH_MODE_SIGN
          : MKY_DH_MODE_HMAC);
      req = mky_dh_initiator_build (ini, csb, FALSE,
          (flags & FUZZ_SDP_IDS) ? fuzz_sdp_ids : NULL, FUZZ_NOW, &error);
      mky_config_clear (&c);
      break;
    }
    default:
      g_assert_not_reached ();
  }
  must (req != NULL, what, error);
  seed (rt, flags, what, req);
  r = fuzz_responder_new (kind, FALSE, NULL);
  got = fuzz_responder_handle (r, req, (flags & FUZZ_SDP_IDS) != 0, &reply,
      &error);
  must (got != NULL, what, error);
  fuzz_responder_free (r);
}

/* An Error message answering @kind's request, for its Initiator: from a
 * Responder configured as @cfg (whose policy @policy, if any), to the
 * request cut to @cut bytes if not 0 */
static void
gen_refusal (FuzzKind kind, const char *what, MkyConfig *cfg,
    const char *policy, gsize cut)
{
  g_autoptr (GBytes) req = NULL;
  g_autoptr (GBytes) in = NULL;
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (MkyCsb) got = NULL;
  g_autoptr (MkyMessage) m = NULL;
  g_autofree char *it = g_strdup_printf ("%s-initiator",
      fuzz_kind_names[kind]);
  FuzzInitiator *ini = fuzz_initiator_new (kind, &req);

  in = cut ? g_bytes_new_from_bytes (req, 0, cut) : g_bytes_ref (req);
  switch (kind) {
    case FUZZ_PSK:{
      g_autoptr (MkyPskResponder) r = mky_psk_responder_new (cfg, FUZZ_NOW,
          FALSE);
      got = mky_psk_responder_handle (r, in, FUZZ_NOW, &reply, &error);
      break;
    }
    case FUZZ_PK:{
      g_autoptr (MkyPkResponder) r = mky_pk_responder_new (cfg, FUZZ_NOW,
          FALSE);
      got = mky_pk_responder_handle (r, in, FUZZ_NOW, &reply, &error);
      break;
    }
    case FUZZ_RSA_R:
    case FUZZ_RSA_R_GROUP:{
      g_autoptr (MkyRsaRResponder) r = mky_rsa_r_responder_new (cfg,
          FUZZ_NOW, FALSE);
      if (policy) {
        MkySrtpPolicy p;
        must (mky_srtp_policy_from_nicks (policy, "hmac-sha1-80", policy,
                "hmac-sha1-80", &p, &error), what, error);
        mky_rsa_r_responder_add_policy (r, &p);
      }
      got = mky_rsa_r_responder_handle (r, in, FUZZ_NOW, &reply, NULL,
          &error);
      break;
    }
    case FUZZ_DH:
    case FUZZ_DHHMAC:{
      g_autoptr (MkyDhResponder) r = mky_dh_responder_new (cfg,
          kind == FUZZ_DH ? MKY_DH_MODE_SIGN : MKY_DH_MODE_HMAC, FUZZ_NOW,
          FALSE);
      got = mky_dh_responder_handle (r, in, NULL, FUZZ_NOW, &reply, &error);
      break;
    }
    default:
      g_assert_not_reached ();
  }
  must (got == NULL && reply != NULL, what, NULL);
  m = mky_message_parse_bytes (reply, &error);
  must (m && mky_message_hdr (m)->data_type == MKY_TYPE_ERROR, what, error);
  seed (it, 0, what, reply);
  fuzz_initiator_free (ini);
  mky_config_clear (cfg);
}

static void
gen_refusals (void)
{
  static const guint8 other_psk[32] = "not the pre-shared key, 32 bytes";
  MkyConfig cfg;

  /* a MAC that does not verify: unauthenticated Error messages */
  fuzz_config_responder (FUZZ_PSK, &cfg);
  mky_config_set_psk (&cfg, other_psk, sizeof other_psk);
  gen_refusal (FUZZ_PSK, "error-mac", &cfg, NULL, 0);
  fuzz_config_responder (FUZZ_DHHMAC, &cfg);
  mky_config_set_psk (&cfg, other_psk, sizeof other_psk);
  gen_refusal (FUZZ_DHHMAC, "error-mac", &cfg, NULL, 0);
  /* an Initiator that is not the one expected */
  fuzz_config_responder (FUZZ_PK, &cfg);
  cfg.id_i = g_strdup ("sip:carol@example.com");
  gen_refusal (FUZZ_PK, "error-id", &cfg, NULL, 0);
  /* a certificate we cannot check */
  fuzz_config_responder (FUZZ_DH, &cfg);
  mky_trust_unref (cfg.trust);
  cfg.trust = mky_trust_new ();
  gen_refusal (FUZZ_DH, "error-cert", &cfg, NULL, 0);
  /* RSA-R: none of the offered policies (a signed Error message), and a
   * request cut short ("Unsupported message type", 13) */
  fuzz_config_responder (FUZZ_RSA_R, &cfg);
  gen_refusal (FUZZ_RSA_R, "error-sppar", &cfg, "aes-128-icm", 0);
  fuzz_config_responder (FUZZ_RSA_R, &cfg);
  gen_refusal (FUZZ_RSA_R, "error-unsupported", &cfg, NULL, 20);
  fuzz_config_responder (FUZZ_RSA_R_GROUP, &cfg);
  gen_refusal (FUZZ_RSA_R_GROUP, "error-unsupported", &cfg, NULL, 20);
}

/* Requests in the forms the fuzz world's Initiators do not use */
static void
gen_requests (void)
{
  MkyConfig cfg;

  /* MIKEY-NULL, GStreamer's form of it (no verification) */
  fuzz_config_initiator (FUZZ_PSK, &cfg);
  cfg.encr_alg = MKY_ENCR_NULL;
  cfg.mac_alg = MKY_MAC_NULL;
  cfg.allow_null = TRUE;
  gen_request (FUZZ_PSK, "null", &cfg, 0, 0, FALSE);
  mky_config_clear (&cfg);
  /* AES-KW, HMAC-SHA-256, PRF-HMAC-SHA-256 (RFC 6043) */
  fuzz_config_initiator (FUZZ_PSK, &cfg);
  cfg.encr_alg = MKY_ENCR_AES_KW_128;
  cfg.mac_alg = MKY_MAC_HMAC_SHA_256_256;
  cfg.prf = MKY_PRF_HMAC_SHA_256;
  gen_request (FUZZ_PSK, "kw-sha256", &cfg, 0, 0, TRUE);
  mky_config_clear (&cfg);
  /* PK: PSS, no CHASH, no caching, no verification */
  fuzz_config_initiator (FUZZ_PK, &cfg);
  cfg.sign_type = MKY_SIGN_RSA_PSS;
  gen_request (FUZZ_PK, "pss", &cfg, 0, 0, FALSE);
  mky_config_clear (&cfg);
  /* RSA-R: no RAND (the Responder sends it), no SP */
  fuzz_config_initiator (FUZZ_RSA_R, &cfg);
  cfg.sign_type = MKY_SIGN_RSA_PSS;
  gen_request (FUZZ_RSA_R, "norand-pss", &cfg, 0, 0, FALSE);
  mky_config_clear (&cfg);
  /* DH: the other groups, and SDP IDs */
  fuzz_config_initiator (FUZZ_DH, &cfg);
  gen_request (FUZZ_DH, "oakley1", &cfg, 0, MKY_DH_OAKLEY_1, FALSE);
  gen_request (FUZZ_DH, "oakley2-sdp-ids", &cfg, FUZZ_SDP_IDS,
      MKY_DH_OAKLEY_2, FALSE);
  mky_config_clear (&cfg);
  fuzz_config_initiator (FUZZ_DHHMAC, &cfg);
  cfg.mac_alg = MKY_MAC_HMAC_SHA_256_256;
  gen_request (FUZZ_DHHMAC, "sha256-sdp-ids", &cfg, FUZZ_SDP_IDS,
      MKY_DH_OAKLEY_5, FALSE);
  mky_config_clear (&cfg);
}

int
main (int argc, char **argv)
{
  if (argc != 3) {
    g_printerr ("usage: %s DIR PROCESS-DIR\n", argv[0]);
    return EXIT_FAILURE;
  }
  dir = argv[1];
  process_dir = argv[2];
  write_b64 ("rfc4567-init.bin", TEST_RFC4567_INIT_B64);
  write_b64 ("rfc4567-resp.bin", TEST_RFC4567_RESP_B64);
  write_message ("psk.bin", sample_psk ());
  write_message ("all.bin", sample_all ());
  for (guint i = 0; i < G_N_ELEMENTS (sample_types); i++) {
    g_autofree char *name = g_strdup_printf ("pt-%02u.bin", sample_types[i]);
    write_message (name, sample_single (sample_types[i]));
  }
  write_chain ("chain-key-data.bin", sample_payload (MKY_PT_KEY_DATA),
      tek_with_interval ());
  write_chain ("chain-id.bin", sample_payload (MKY_PT_ID),
      sample_payload (MKY_PT_KEY_DATA));

  fuzz_world_init ();
  for (guint k = 0; k < FUZZ_N_KINDS; k++)
    gen_exchange (k);
  gen_refusals ();
  gen_requests ();
  fuzz_world_free ();
  return EXIT_SUCCESS;
}
