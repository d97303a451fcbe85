/* mky: MIKEY protocol core
 * Certificates and keys for the public-key modes: PK (RFC 3830 §3.2), DH
 * (§3.3) and RSA-R (RFC 4738). Our own credentials (certificate chain and
 * private key, in memory, in files or on a PKCS#11 token), the trust
 * anchors and local policy that decide whether a peer's certificate is
 * accepted, the peer's public key, and CHASH (§6.8).
 *
 * Sans-I/O: files are read only by the *_file setup calls; a CERT payload
 * of type "X.509v3 URL" is resolved by a hook the application installs
 * (mky_trust_set_fetch_func), never by the library. Verification takes the
 * time to check validity at from the caller (@now_us, microseconds since
 * the Unix epoch), not from the system clock.
 *
 * Signature hash: RFC 3830 §6.5 says the hash of an RSA signature is
 * "implicit from the certificate/public key used". We read that as: the
 * hash the signer's own (leaf) certificate was signed with, when it is
 * SHA-256, SHA-384 or SHA-512; SHA-256 otherwise (SHA-1, MD5 and RSA-PSS
 * certificates with another hash included). Signer and verifier derive it
 * from the same certificate. RSA-PSS uses MGF1 with that hash and a salt
 * as long as the hash; GnuTLS 3.7 verifies PSS only with that salt length,
 * so a peer signing with another one (OpenSSL's default is the maximum)
 * is refused with MKY_ERROR_BAD_SIGNATURE.
 *
 * Envelope key (PKE, RFC 3830 §4.2.5): RSA PKCS#1 v1.5 only. RSA-OAEP,
 * which the RFC recommends, is refused (MKY_ERROR_CRYPTO): neither GnuTLS
 * 3.7 nor nettle 3.8 implements it, and a private key on a token cannot be
 * used for raw RSA.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include "mky-enums.h"
#include "mky-payload.h"

G_BEGIN_DECLS

/* What a certificate's key is about to be used for (key usage check) */
typedef enum {
  MKY_KEY_USAGE_SIGN,           /* digitalSignature: SIGN payloads */
  MKY_KEY_USAGE_ENCRYPT,        /* keyEncipherment: PKE envelope */
} MkyKeyUsage;

/* Public-key encryption of the envelope key (not a wire value: PKE does
 * not say which one was used, both ends are configured alike) */
typedef enum {
  MKY_PKE_ENCR_RSA_PKCS1 = 0,   /* RSAES-PKCS1-v1_5, mandatory */
  MKY_PKE_ENCR_RSA_OAEP = 1,    /* refused: not available, see above */
} MkyPkeEncr;

/* ---------------------------------------------------------------------
 * One CERT payload's content (RFC 3830 §6.7): DER for X.509v3 and the
 * X.509v3 Sign / Encr types, the URL (RFC 4738 §3.8) for X.509v3 URL.
 * A chain is a GPtrArray of these, leaf first, as the message carries
 * them. */
typedef struct {
  MkyCertType type;
  GBytes *data;
} MkyCertEntry;

/* @data is referenced */
MkyCertEntry *mky_cert_entry_new (MkyCertType type, GBytes *data);
void mky_cert_entry_free (MkyCertEntry *entry);
/* An empty chain that frees its entries */
GPtrArray *mky_cert_chain_new (void);
/* Append a copy of @data */
void mky_cert_chain_add (GPtrArray *chain, MkyCertType type,
    const guint8 *data, gsize len);

/* CHASH (RFC 3830 §6.8, RFC 6043 §6.7): hash of a DER certificate with
 * SHA-1, MD5 or SHA-256. */
gboolean mky_cert_hash (MkyHashFunc func, GBytes *der, MkyBytes *out,
    GError **error);

/* ---------------------------------------------------------------------
 * Our own credentials: a certificate chain (leaf first) and the leaf's
 * private key. Immutable once made; may be shared between threads. */
typedef struct _MkyCredentials MkyCredentials;

/* @cert_file: PEM chain, leaf first, or one DER certificate, or a
 * "pkcs11:" URI of the leaf certificate.
 * @key: a PEM or DER private key file (PKCS#1 or PKCS#8, encrypted with
 * @pin as password if it is), or a "pkcs11:" URI (RFC 7512) whose PIN is
 * @pin, or given by the URI (pin-value) or the GnuTLS PIN callback when
 * @pin is NULL. The key must belong to the leaf (MKY_ERROR_INVALID_ARGUMENT
 * otherwise). Read errors are G_FILE_ERROR. */
MkyCredentials *mky_credentials_new_from_files (const char *cert_file,
    const char *key, const char *pin, GError **error);
/* The same from memory: @certs PEM chain or one DER certificate, @key PEM
 * or DER, not encrypted. */
MkyCredentials *mky_credentials_new_from_memory (GBytes *certs, GBytes *key,
    GError **error);
MkyCredentials *mky_credentials_ref (MkyCredentials *creds);
void mky_credentials_unref (MkyCredentials *creds);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MkyCredentials, mky_credentials_unref)

/* The leaf's first subjectAltName URI, else its first RFC 822 name, else
 * NULL; and the ID type that goes with it in an ID payload. */
const char *mky_credentials_get_identity (MkyCredentials *creds);
MkyIdType mky_credentials_get_identity_type (MkyCredentials *creds);
/* The chain as CERT payloads carry it: certificate @i in DER, leaf first
 * (transfer none). */
guint mky_credentials_get_n_certs (MkyCredentials *creds);
/* The modulus size of an RSA certificate's key, 0 for another key */
guint mky_credentials_get_rsa_bits (MkyCredentials *creds);
GBytes *mky_credentials_get_cert_der (MkyCredentials *creds, guint i);

/* Sign @data (the message up to the signature field) for a SIGN payload of
 * type @type (RSA PKCS#1 v1.5 or RSA-PSS; ECCSI is not done here). */
gboolean mky_credentials_sign (MkyCredentials *creds, MkySignType type,
    const guint8 *data, gsize len, MkyBytes *out, GError **error);
/* Decrypt a PKE payload's data: the envelope key lands in @out (owned,
 * wipe it with mky_bytes_clear (out, TRUE)). Every failure is
 * MKY_ERROR_CRYPTO with the same text, so that the outcome does not tell
 * a padding error from another (treat any failure like a MAC failure). */
gboolean mky_credentials_decrypt (MkyCredentials *creds, MkyPkeEncr alg,
    const guint8 *in, gsize len, MkyBytes *out, GError **error);

/* ---------------------------------------------------------------------
 * A peer's certificate: the result of mky_trust_verify(), or pinned by the
 * application. Immutable; may be shared between threads. */
typedef struct _MkyPeer MkyPeer;

/* A peer whose certificate (DER) the application trusts as it is: no
 * chain, time, revocation, usage or policy check. The identity is the
 * leaf's (as mky_credentials_get_identity). MKY_ERROR_CERT_UNTRUSTED if
 * @der is not a certificate. */
MkyPeer *mky_peer_new_from_der (GBytes *der, GError **error);
MkyPeer *mky_peer_ref (MkyPeer *peer);
void mky_peer_unref (MkyPeer *peer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MkyPeer, mky_peer_unref)

/* The identity the certificate was accepted for: the claimed ID given to
 * mky_trust_verify(), else the leaf's own (may be NULL if it has none). */
const char *mky_peer_get_identity (MkyPeer *peer);
/* The leaf certificate in DER (transfer none); for a URL entry, the
 * fetched certificate. CHASH is computed over it. */
GBytes *mky_peer_get_leaf_der (MkyPeer *peer);
/* Does @claimed_id (an ID payload value of type @id_type) name this
 * certificate? A URI must equal one of the leaf's subjectAltName URIs, an
 * NAI one of its RFC 822 names (the part after '@' without regard to
 * ASCII case), a byte string either. MKY_ERROR_BAD_ID if not. */
gboolean mky_peer_check_id (MkyPeer *peer, MkyIdType id_type,
    const char *claimed_id, GError **error);

/* Does the verified leaf's keyUsage also allow @usage? For reusing a peer
 * verified for one purpose when the same certificate serves the other:
 * MKY_ERROR_CERT_USAGE if not. */
gboolean mky_peer_check_usage (MkyPeer *peer, MkyKeyUsage usage,
    GError **error);
/* Check a SIGN payload's signature over @data; MKY_ERROR_BAD_SIGNATURE
 * when it does not verify. */
gboolean mky_peer_verify_signature (MkyPeer *peer, MkySignType type,
    const guint8 *data, gsize len, const guint8 *sig, gsize sig_len,
    GError **error);
/* Encrypt the envelope key for a PKE payload to the peer's key. */
gboolean mky_peer_encrypt (MkyPeer *peer, MkyPkeEncr alg, const guint8 *in,
    gsize len, MkyBytes *out, GError **error);

/* ---------------------------------------------------------------------
 * Trust anchors and local policy. Configure it first; once in use by
 * mky_trust_verify() (which may then run in several threads) do not
 * change it. Adding anchors or CRLs and setting the fetch or revocation
 * hook forget the chains verified so far (see mky_trust_verify). */
typedef struct _MkyTrust MkyTrust;

/* Decides on an identity (may be NULL) and the leaf certificate, after
 * every other check has passed. FALSE refuses: with an MKY_ERROR error
 * that error is returned, another error becomes MKY_ERROR_NOT_AUTHORIZED
 * with its message, none gives MKY_ERROR_NOT_AUTHORIZED. */
typedef gboolean (*MkyTrustCheckFunc) (const char *identity,
    GBytes *leaf_der, gpointer user_data, GError **error);
/* Resolve an X.509v3 URL CERT payload (RFC 4738 §3.8): return the
 * certificate (DER or PEM), or NULL with @error set. The application does
 * the I/O (and may block, or answer from a cache it fills asynchronously). */
typedef GBytes *(*MkyCertFetchFunc) (const char *url, gpointer user_data,
    GError **error);

/* Revocation status of @leaf_der issued by @issuer_der (NULL for the last
 * certificate below a trust anchor when the anchor is not known) at
 * @now_us, for checks the core does not do itself, such as OCSP (see
 * libmky-net's mky_net_fetcher_check_revocation). Called after the CRLs,
 * for every certificate of the verified chain but the anchor, leaf first.
 * FALSE refuses: an MKY_ERROR error is kept, anything else becomes
 * MKY_ERROR_CERT_REVOKED. */
typedef gboolean (*MkyRevocationFunc) (GBytes *leaf_der, GBytes *issuer_der,
    gint64 now_us, gpointer user_data, GError **error);

MkyTrust *mky_trust_new (void);
MkyTrust *mky_trust_ref (MkyTrust *trust);
void mky_trust_unref (MkyTrust *trust);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MkyTrust, mky_trust_unref)

/* Trust anchors: PEM (one or more) or one DER certificate.
 * MKY_ERROR_INVALID_ARGUMENT when nothing can be parsed. */
gboolean mky_trust_add_ca_file (MkyTrust *trust, const char *file,
    GError **error);
gboolean mky_trust_add_ca_memory (MkyTrust *trust, GBytes *data,
    GError **error);
/* The system's trust store as GnuTLS knows it */
gboolean mky_trust_add_system_cas (MkyTrust *trust, GError **error);
/* CRLs: PEM (one or more) or one DER CRL. A CRL counts for a certificate
 * when it is signed by that certificate's issuer in the verified chain;
 * its entries count whatever its thisUpdate/nextUpdate (a stale CRL is
 * not an error). */
gboolean mky_trust_add_crl_file (MkyTrust *trust, const char *file,
    GError **error);
gboolean mky_trust_add_crl_memory (MkyTrust *trust, GBytes *data,
    GError **error);

/* Identity patterns (g_pattern_match_simple: exact, or with * and ?).
 * A denied identity is refused whatever else matches; with no allow
 * pattern every identity that passes the certificate checks is allowed,
 * with some only those that match one. */
void mky_trust_allow (MkyTrust *trust, const char *pattern);
void mky_trust_deny (MkyTrust *trust, const char *pattern);
void mky_trust_set_check_func (MkyTrust *trust, MkyTrustCheckFunc func,
    gpointer user_data, GDestroyNotify destroy);
void mky_trust_set_revocation_func (MkyTrust *trust,
    MkyRevocationFunc func, gpointer user_data, GDestroyNotify destroy);
void mky_trust_set_fetch_func (MkyTrust *trust, MkyCertFetchFunc func,
    gpointer user_data, GDestroyNotify destroy);

/* Verify the peer's certificates (@certs: MkyCertEntry, leaf first) for
 * @usage at @now_us, bound to @claimed_id (an ID payload value of type
 * @id_type; NULL: the identity is the leaf's).
 * Chains that pass are remembered (see mky_trust_set_cache_size), keyed
 * by the SHA-256 of the entries (for URLs, of what was fetched: the hook
 * is still called every time) and @usage: the same chain again skips the
 * parsing and the path, signature, CRL and key usage checks, for up to 10
 * minutes of @now_us. Each certificate's validity (anchor included) is
 * still compared with @now_us, and the ID and the policy are checked on
 * every call. Nothing is remembered while a revocation hook is set: its
 * answer (OCSP) has no lifetime we could honour.
 * The leaf is the first entry of type X.509v3 Sign (for SIGN) or X.509v3
 * Encr (for ENCRYPT) if there is one, else the first X.509v3 or URL entry;
 * the other X.509v3/URL entries may serve as intermediates. URL entries
 * are fetched through the hook.
 * Refusals, checked in this order:
 *   MKY_ERROR_CERT_FETCH      a URL entry without a hook, or the hook failed
 *   MKY_ERROR_CERT_UNTRUSTED  no chain to an anchor, bad signature or
 *                             constraint in the chain, unparsable entry
 *   MKY_ERROR_CERT_EXPIRED    a certificate of the chain (anchor included)
 *                             expired or not yet valid at @now_us
 *   MKY_ERROR_CERT_REVOKED    on a CRL of its issuer
 *   MKY_ERROR_CERT_USAGE      the leaf's keyUsage lacks digitalSignature
 *                             (SIGN) or keyEncipherment (ENCRYPT); no
 *                             keyUsage extension allows both
 *   MKY_ERROR_BAD_ID          @claimed_id is not one of the leaf's names
 *   MKY_ERROR_NOT_AUTHORIZED  denied, not allowed, or refused by the
 *                             check function */
MkyPeer *mky_trust_verify (MkyTrust *trust, GPtrArray *certs,
    MkyIdType id_type, const char *claimed_id, MkyKeyUsage usage,
    gint64 now_us, GError **error);

/* How many verified chains mky_trust_verify() remembers, the least
 * recently used giving way: 1024 unless set; 0 remembers none. Forgets
 * those remembered so far. */
void mky_trust_set_cache_size (MkyTrust *trust, guint max_chains);
/* How many it remembers now */
guint mky_trust_get_n_cached (MkyTrust *trust);

G_END_DECLS
