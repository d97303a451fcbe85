/* The fixed world fuzz_process.c runs in and gen-corpus.c writes its seeds
 * from: one PKI (a CA, alice the Initiator, bob the Responder and group key
 * server), one PSK, one clock, and a deterministic gnutls_rnd() (defined in
 * fuzz-world.c: it replaces GnuTLS's in the programs that link it), so that
 * an Initiator made again builds again exactly the request it built when
 * the corpus was written, and a real answer to that request in the corpus
 * gets past the CSB ID, T, signature and MAC checks.
 *
 * Keys: FIPS 186-4 provable primes from a fixed seed (test_pki_set_seed),
 * the same on every run and GnuTLS version. */
#pragma once

#include <mky/mky.h>

G_BEGIN_DECLS

/* 2035-01-01, inside the certificates' validity */
#define FUZZ_NOW (G_GINT64_CONSTANT (2051222400) * G_USEC_PER_SEC)

/* The kinds of exchange: an Initiator and the Responder it talks to */
typedef enum {
  FUZZ_PSK,                     /* AES-CM-128 / HMAC-SHA-1, verification */
  FUZZ_PK,                      /* PKE cached (C=1), CHASH, verification */
  FUZZ_RSA_R,                   /* unicast, RAND in I, two SPs offered */
  FUZZ_RSA_R_GROUP,             /* group member / key server */
  FUZZ_DH,                      /* signed, OAKLEY 5 */
  FUZZ_DHHMAC,                  /* RFC 4650 */
  FUZZ_N_KINDS
} FuzzKind;

extern const char *const fuzz_kind_names[FUZZ_N_KINDS];

/* Build the world; idempotent. */
void fuzz_world_init (void);
void fuzz_world_free (void);

/* bob's certificate, as a PK Initiator takes it */
MkyPeer *fuzz_world_responder_peer (void);

/* Restart the deterministic gnutls_rnd() stream at @seed. */
void fuzz_rng_reset (guint64 seed);

/* The configuration of @kind's Initiator / Responder (clear it after) */
void fuzz_config_initiator (FuzzKind kind, MkyConfig *cfg);
void fuzz_config_responder (FuzzKind kind, MkyConfig *cfg);

/* ---- Initiators ---- */
typedef struct _FuzzInitiator FuzzInitiator;

/* A new Initiator of @kind that has built its first I_MESSAGE (in
 * @request, optional): the same one every time (the RNG is reset). */
FuzzInitiator *fuzz_initiator_new (FuzzKind kind, GBytes **request);
/* Hand @response to its response handler. The bundle on success (a
 * reference), else NULL with @error set. */
MkyCsb *fuzz_initiator_handle (FuzzInitiator *ini, GBytes *response,
    GError **error);
/* gen-corpus: after an accepted answer, a CSB update; @variant 0 or 1
 * (PSK: new TGK / new TEK; PK: under the cached envelope key / with a new
 * one; DH, DH-HMAC: with / without a new DHi). NULL for RSA-R. */
GBytes *fuzz_initiator_update (FuzzInitiator *ini, guint variant,
    GError **error);
void fuzz_initiator_free (FuzzInitiator *ini);

/* ---- Responders ---- */
typedef struct _FuzzResponder FuzzResponder;

/* A new Responder of @kind; @established: it has accepted the I_MESSAGE
 * fuzz_initiator_new (@kind) builds (so that updates of that bundle can
 * be taken), FALSE if it did not (stale corpus / library change). */
FuzzResponder *fuzz_responder_new (FuzzKind kind, gboolean established,
    gboolean *ok);
/* @sdp_ids: DH and DH-HMAC only: pass the KMPID list { "mikey" } as the
 * SDP the message came in. The bundle (a reference) or NULL with @error;
 * @reply as the library gives it. */
MkyCsb *fuzz_responder_handle (FuzzResponder *r, GBytes *message,
    gboolean sdp_ids, GBytes **reply, GError **error);
void fuzz_responder_free (FuzzResponder *r);

/* The KMPID list above */
extern const char *const fuzz_sdp_ids[];

/* ---- fuzz_process.c's targets ----
 * An input is one selector byte, then the message: the target is
 * (byte & 0x7f) % FUZZ_N_TARGETS; bit 7 set hands a DH / DH-HMAC
 * Responder the SDP's KMPIDs (fuzz_sdp_ids). A Responder target takes the
 * message as an I_MESSAGE; an Initiator target builds its request
 * (fuzz_initiator_new) and takes the message as the answer. */
typedef struct {
  const char *name;
  FuzzKind kind;
  gboolean initiator;
  gboolean established;         /* Responder: after the initial exchange */
} FuzzTarget;

#define FUZZ_N_TARGETS 16
#define FUZZ_SDP_IDS 0x80
extern const FuzzTarget fuzz_targets[FUZZ_N_TARGETS];

/* The selector of target @name (abort if none) */
guint8 fuzz_target_selector (const char *name);

G_END_DECLS
